//! TSNetConnect and TSNetConnectTransparent: a TCP connection a plugin opens, given to it as a
//! VConnection. The connection is made on a network thread within
//! proxy.config.http.connect_attempts_timeout; then the continuation gets, under its mutex on an
//! event thread, TS_EVENT_NET_CONNECT with the VConnection, or TS_EVENT_NET_CONNECT_FAILED with
//! `-errno` as edata (ETIMEDOUT at the deadline), as ATS's connect_re. A TSActionCancel before
//! that drops the connection and the event.
//!
//! The connected socket is carried as TSVConnFdCreate's ([`super::fd_vconn::wrap`]): the plugin
//! reads and writes it with TSVConnRead/TSVConnWrite; the socket's end of stream is the plugin's
//! TS_EVENT_VCONN_EOS (its writes may go on); the plugin's shutdown of its writing is a FIN to the
//! peer; its TSVConnClose ends the connection; TSNetVConnRemoteAddrGet & co. answer for it.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::os::raw::c_int;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpSocket, TcpStream};

use crate::cont::Cont;
use crate::sched::{self, PoolKind, ScheduledEvent, ACTIONS};
use crate::sys::types::TSEvent;

const NET_CONNECT: c_int = TSEvent::TS_EVENT_NET_CONNECT as c_int;
const NET_CONNECT_FAILED: c_int = TSEvent::TS_EVENT_NET_CONNECT_FAILED as c_int;

/// Connect to `to` (from `from`, bound transparently, for TSNetConnectTransparent) for `cont`:
/// the TSAction's handle (an event of [`ACTIONS`], never queued: a cancel of it stops the
/// callback). An error when no proxy runs.
pub fn connect(cont: Arc<Cont>, to: SocketAddr, from: Option<SocketAddr>) -> Result<usize, String> {
    let r = super::connect::runner()?;
    let deadline = r.proxy.config.origin_connect_timeout;
    let (h, pending) =
        ACTIONS.insert(|h| ScheduledEvent::new(h, cont.clone(), NET_CONNECT, None, PoolKind::Net));
    super::connect::spawn(async move {
        let res = match tokio::time::timeout(deadline, open(to, from)).await {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(e.raw_os_error().unwrap_or(libc::EIO)),
            Err(_) => Err(libc::ETIMEDOUT),
        };
        let dropped = pending.is_cancelled() || cont.is_deleted();
        ACTIONS.release(pending.handle);
        if dropped {
            return;
        }
        match res {
            Ok(tcp) => match tcp
                .into_std()
                .map_err(|e| e.to_string())
                .and_then(|std| super::fd_vconn::wrap(std).map_err(|(e, _)| e))
            {
                Ok(vc) => tell(&cont, NET_CONNECT, vc),
                Err(e) => {
                    crate::error!("TSNetConnect to {to}: the connection cannot be carried: {e}");
                    tell(&cont, NET_CONNECT_FAILED, (-(libc::EIO as isize)) as usize);
                }
            },
            Err(errno) => {
                crate::debug!("net_connect", "connect to {to}: errno {errno}");
                tell(&cont, NET_CONNECT_FAILED, (-(errno as isize)) as usize);
            }
        }
    })?;
    Ok(h)
}

/// The socket, connected.
async fn open(to: SocketAddr, from: Option<SocketAddr>) -> std::io::Result<TcpStream> {
    let sock = if to.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(from) = from {
        socket2::SockRef::from(&sock).set_ip_transparent(true)?;
        sock.bind(from)?;
    }
    let s = sock.connect(to).await?;
    let _ = s.set_nodelay(true);
    Ok(s)
}

/// Deliver `event` with `edata` to `cont` on an event thread (under its mutex).
fn tell(cont: &Arc<Cont>, event: c_int, edata: usize) {
    let (_, ev) = ACTIONS.insert(|h| {
        ScheduledEvent::new(h, cont.clone(), event, None, PoolKind::Net).with_edata(edata)
    });
    sched::schedule(ev, Duration::ZERO);
}
