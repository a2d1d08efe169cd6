//! VConnections over sockets: a connected socket a plugin hands tshost (TSVConnFdCreate), and
//! the connections a plugin's own port accepts (TSPortDescriptorParse, TSPortDescriptorAccept:
//! the accept continuation gets TS_EVENT_NET_ACCEPT with each). The plugin's side is the one of
//! [`super::intercept::socket_side`]; tshost's carries the socket on a network thread: what the
//! peer sends fills the plugin's read VIO (TS_EVENT_VCONN_READ_READY) and its end is
//! TS_EVENT_VCONN_EOS; what the plugin writes goes out (WRITE_READY, WRITE_COMPLETE). When the
//! plugin shuts its writing down the socket's writing is shut down; when it closes the
//! VConnection the socket is closed (ATS's UnixNetVConnection does the same). The addresses and
//! the socket are the plugin's to ask for (TSNetVConnRemoteAddrGet, TSNetVConnLocalAddrGet,
//! TSVConnFdGet) while the VConnection lives.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::raw::{c_int, c_void};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use socket2::SockAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::intercept::{socket_side, InterceptIo};
use crate::config::ports::PortSpec;
use crate::cont::CONTS;
use crate::sys::types::TSEvent;

/// A socket VConnection's addresses and socket.
pub struct Addrs {
    pub peer: Option<SockAddr>,
    pub local: Option<SockAddr>,
    pub fd: RawFd,
}

/// The live socket VConnections, by handle (boxed: the addresses a plugin was given stay where
/// they are while the map grows).
static SOCKETS: LazyLock<Mutex<HashMap<usize, Box<Addrs>>>> = LazyLock::new(Default::default);

/// `f` of the addresses of the socket VConnection `handle`, if it is one.
pub fn with_addrs<R>(handle: usize, f: impl FnOnce(&Addrs) -> R) -> Option<R> {
    SOCKETS.lock().get(&handle).map(|a| f(a))
}

/// Whether a proxy runs in this process (a socket can be carried).
pub fn can_carry() -> bool {
    super::server::runner().is_some()
}

/// A VConnection over the connected socket `tcp` (tshost owns it from here): its handle. When the
/// socket cannot be made non-blocking it is given back with the error (its owner keeps it).
pub fn wrap(tcp: TcpStream) -> Result<usize, (String, Option<TcpStream>)> {
    if let Err(e) = tcp.set_nonblocking(true) {
        return Err((e.to_string(), Some(tcp)));
    }
    wrap_for(tcp, None).map_err(|e| (e, None))
}

/// [`wrap`]; with `accept`, that continuation is given the VConnection (TS_EVENT_NET_ACCEPT) on
/// the network thread once what the peer sent at once is there.
fn wrap_for(tcp: TcpStream, accept: Option<usize>) -> Result<usize, String> {
    tcp.set_nonblocking(true).map_err(|e| e.to_string())?;
    let io = socket_side();
    let handle = io.handle();
    SOCKETS.lock().insert(
        handle,
        Box::new(Addrs {
            peer: tcp.peer_addr().ok().map(SockAddr::from),
            local: tcp.local_addr().ok().map(SockAddr::from),
            fd: tcp.as_raw_fd(),
        }),
    );
    if let Err(e) = super::connect::spawn(carry(tcp, io, handle, accept)) {
        SOCKETS.lock().remove(&handle);
        return Err(e);
    }
    Ok(handle)
}

/// Move bytes between the socket and the plugin until the plugin closes the VConnection, or
/// both sides are done.
async fn carry(tcp: TcpStream, mut io: InterceptIo, handle: usize, accept: Option<usize>) {
    if let Ok(mut tcp) = tokio::net::TcpStream::from_std(tcp) {
        let (mut from_peer, mut from_plugin) = (vec![0u8; 32768], vec![0u8; 32768]);
        let (mut peer_done, mut plugin_done) = (false, false);
        if let Some(cont) = accept {
            // As ATS's NetHandler, which handles a connection's reads before its writes: what
            // the client sent with its connect (its request) is there before the plugin hears of
            // the connection, so the plugin's first event is READ_READY, not the WRITE_READY that
            // asks it for data (passthru takes that, with nothing read yet, for "finished").
            let first = tokio::time::timeout(Duration::from_secs(1), tcp.read(&mut from_peer));
            match first.await {
                Ok(Ok(0)) | Ok(Err(_)) => peer_done = true,
                Ok(Ok(n)) => {
                    if io.write_all(&from_peer[..n]).await.is_err() {
                        peer_done = true;
                    }
                }
                Err(_) => {}
            }
            tell_accept(cont, handle);
            if peer_done {
                io.end_input();
            }
        }
        while !io.plugin_closed() {
            tokio::select! {
                r = tcp.read(&mut from_peer), if !peer_done => match r {
                    Ok(0) | Err(_) => {
                        peer_done = true;
                        io.end_input();
                    }
                    Ok(n) => {
                        if io.write_all(&from_peer[..n]).await.is_err() {
                            break;
                        }
                    }
                },
                r = io.read(&mut from_plugin), if !plugin_done => match r {
                    Ok(0) | Err(_) => {
                        plugin_done = true;
                        let _ = tcp.shutdown().await;
                    }
                    Ok(n) => {
                        if tcp.write_all(&from_plugin[..n]).await.is_err() {
                            break;
                        }
                    }
                },
                else => break,
            }
        }
    }
    // The socket closes as it goes; the plugin still reading hears EOS ([`InterceptIo`]'s drop).
    SOCKETS.lock().remove(&handle);
}

/// The port descriptors plugins parsed (TSPortDescriptorParse), by handle (index + 1).
static PORTS: Mutex<Vec<PortSpec>> = Mutex::new(Vec::new());

/// Parse one port descriptor as proxy.config.http.server_ports has them (`8080`,
/// `8080:ipv4:ip-in=127.0.0.1`): its handle, or why not.
pub fn parse_port(text: &str) -> Result<usize, String> {
    let text = text.trim();
    if text.is_empty() || text.contains([' ', ',']) {
        return Err(format!("not one port descriptor: {text:?}"));
    }
    let (mut ports, warnings) = crate::config::ports::parse_server_ports_with_warnings(text)?;
    for w in warnings {
        crate::warning!("{w}");
    }
    let mut all = PORTS.lock();
    all.push(ports.remove(0));
    Ok(all.len())
}

/// Listen on the port `descriptor` (a [`parse_port`] handle) and give each connection accepted
/// to the continuation `cont` (TS_EVENT_NET_ACCEPT, the connection's VConnection), on a network
/// thread, for as long as the process runs. Connections accepted before the proxy runs (a
/// plugin listens from TSPluginInit) wait for it, 10 s at most.
pub fn accept(descriptor: usize, cont: usize) -> Result<(), String> {
    let spec = descriptor
        .checked_sub(1)
        .and_then(|i| PORTS.lock().get(i).cloned())
        .ok_or_else(|| format!("{descriptor:#x} is not a port descriptor"))?;
    if spec.tls {
        return Err("TLS ports (ssl) are not implemented for plugins' ports".into());
    }
    let ip = spec.addr.unwrap_or(if spec.ipv6 {
        std::net::Ipv6Addr::UNSPECIFIED.into()
    } else {
        std::net::Ipv4Addr::UNSPECIFIED.into()
    });
    let listener =
        TcpListener::bind((ip, spec.port)).map_err(|e| format!("{ip}:{}: {e}", spec.port))?;
    crate::note!(
        "a plugin listens on {}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    std::thread::Builder::new()
        .name("[PLUGIN_ACCEPT]".into())
        .spawn(move || {
            for tcp in listener.incoming().flatten() {
                deliver(tcp, cont);
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// One accepted connection to the plugin's continuation.
fn deliver(tcp: TcpStream, cont: usize) {
    let end = Instant::now() + Duration::from_secs(10);
    while !can_carry() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    if let Err(e) = wrap_for(tcp, Some(cont)) {
        crate::error!("a plugin's port: {e}");
    }
}

/// TS_EVENT_NET_ACCEPT with the VConnection `handle` to the continuation `cont`.
fn tell_accept(cont: usize, handle: usize) {
    match CONTS.get(cont) {
        Some(c) => {
            c.call_locked(TSEvent::TS_EVENT_NET_ACCEPT as c_int, handle as *mut c_void);
        }
        None => crate::error!("a plugin's port: its continuation {cont:#x} is gone"),
    }
}
