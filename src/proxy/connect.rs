//! Requests a plugin makes itself (TSHttpConnect, TSHttpConnectWithPluginId): a VConnection the
//! plugin writes HTTP/1 requests into and reads the responses from, served by tshost as a client
//! connection from the address the plugin names: an internal session (TSHttpSsnIsInternal 1,
//! no client socket) that runs every hook, as ATS's PluginVC session does. It lives on a network
//! thread (the least loaded) and counts as a session for a graceful stop. The plugin's side is
//! the one of [`super::intercept::client_side`]: what waits for the plugin is bounded, and the
//! plugin hears TS_EVENT_VCONN_EOS once the session is over.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::server::Runner;
use crate::txn::ClientInfo;

/// A new internal session from `client` (its address as plugins see it), with the plugin's tag
/// and id: the handle of the plugin's VConnection. An error when no proxy is running.
pub fn connect(client: SocketAddr, tag: Option<&str>, id: i64) -> Result<usize, String> {
    runner()?;
    let io = super::intercept::client_side();
    let handle = io.handle();
    serve(client, tag, id, true, io)?;
    Ok(handle)
}

pub(super) fn runner() -> Result<Arc<Runner>, String> {
    super::server::runner().ok_or_else(|| "no proxy is running in this process".to_string())
}

/// Serve a session from `client` over `io` on a network thread: internal (TSHttpSsnIsInternal)
/// unless `internal` is false (TS_FETCH_FLAGS_NOT_INTERNAL_REQUEST).
pub fn serve<S>(
    client: SocketAddr,
    tag: Option<&str>,
    id: i64,
    internal: bool,
    io: S,
) -> Result<(), String>
where
    S: super::body::Transport + Send + Sync + 'static,
{
    let r = runner()?;
    let mut info = ClientInfo::new(Some(client), None, -1, vec![super::proto::TCP]);
    info.internal = internal;
    info.plugin_tag = tag.and_then(|t| std::ffi::CString::new(t).ok());
    info.plugin_id = id;
    let guard = (r.guard)();
    let (proxy, stop, keep_alive) = (r.proxy.clone(), r.stop.clone(), r.timeouts.keep_alive);
    worker(&r).spawn(async move {
        let conn = super::body::Conn::new(io);
        super::http1::serve(proxy, conn, info, "http", keep_alive, stop).await;
        drop(guard);
    });
    Ok(())
}

/// Run `task` on a network thread of the running proxy.
pub fn spawn(task: impl std::future::Future<Output = ()> + Send + 'static) -> Result<(), String> {
    let r = runner()?;
    worker(&r).spawn(task);
    Ok(())
}

/// The next network thread, in turn.
fn worker(r: &Runner) -> &tokio::runtime::Handle {
    let w = r.next.fetch_add(1, Ordering::Relaxed) % r.workers.len();
    &r.workers[w].handle
}
