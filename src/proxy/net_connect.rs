//! TSNetConnect and TSNetConnectTransparent: a TCP connection a plugin opens, given to it as a
//! VConnection. The connection is made on a network thread within
//! proxy.config.http.connect_attempts_timeout; then the continuation gets, under its mutex on an
//! event thread, TS_EVENT_NET_CONNECT with the VConnection, or TS_EVENT_NET_CONNECT_FAILED with
//! `-errno` as edata (ETIMEDOUT at the deadline), as ATS's connect_re. A TSActionCancel before
//! that drops the connection and the event.
//!
//! The VConnection is [`super::intercept::net_side`]'s: the plugin reads and writes it with
//! TSVConnRead/TSVConnWrite; a bridge task copies between it and the socket. The socket's end of
//! stream is the plugin's TS_EVENT_VCONN_EOS (its writes may go on); the plugin's shutdown of its
//! writing is a FIN to the peer; its TSVConnClose ends the connection.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::os::raw::c_int;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

use super::intercept::InterceptIo;
use crate::cont::Cont;
use crate::sched::{self, PoolKind, ScheduledEvent, ACTIONS};
use crate::sys::types::TSEvent;

const NET_CONNECT: c_int = TSEvent::TS_EVENT_NET_CONNECT as c_int;
const NET_CONNECT_FAILED: c_int = TSEvent::TS_EVENT_NET_CONNECT_FAILED as c_int;

/// How often a bridge whose socket is quiet looks whether the plugin closed the VConnection.
const CLOSE_POLL: Duration = Duration::from_millis(100);

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
            Ok(tcp) => {
                let io = super::intercept::net_side();
                let vc = io.handle();
                tell(&cont, NET_CONNECT, vc);
                bridge(tcp, io).await;
            }
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

/// Copy both ways between the socket and the plugin's VConnection until the plugin closes it
/// (or both directions ended).
async fn bridge(tcp: TcpStream, io: InterceptIo) {
    let Some(vc) = crate::vio::get(io.handle()) else {
        return;
    };
    let (mut tr, mut tw) = tcp.into_split();
    let (mut ir, mut iw) = tokio::io::split(io);
    // The plugin's bytes to the peer; the plugin's end of writing is a FIN.
    let up = async {
        let _ = tokio::io::copy(&mut ir, &mut tw).await;
        let _ = tw.shutdown().await;
    };
    // The peer's bytes to the plugin; the peer's end of stream is the plugin's EOS.
    let down = async {
        let _ = tokio::io::copy(&mut tr, &mut iw).await;
        let _ = iw.shutdown().await;
    };
    let closed = async {
        while vc.closed() == 0 {
            sched::sleep(CLOSE_POLL).await;
        }
    };
    tokio::pin!(up, down, closed);
    let (mut up_done, mut down_done) = (false, false);
    while !(up_done && down_done) {
        tokio::select! {
            _ = &mut up, if !up_done => up_done = true,
            _ = &mut down, if !down_done => down_done = true,
            _ = &mut closed => break,
        }
    }
}
