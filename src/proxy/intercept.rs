//! Intercepts (TSHttpTxnIntercept, TSHttpTxnServerIntercept): a plugin answers as the origin.
//! Where the transaction would connect to its origin, tshost makes a VConnection of its own and
//! gives it to the plugin's continuation with TS_EVENT_NET_ACCEPT. The plugin reads the server
//! request from it (TSVConnRead: the head and body as tshost would send them to an origin) and
//! writes a raw HTTP/1 response to it (TSVConnWrite), which tshost reads as an origin's: parsed,
//! READ_RESPONSE_HDR, SEND_RESPONSE_HDR, the body to the client.
//!
//! The VConnection is a [`crate::vio::PluginVConn`] whose event function is tshost's
//! ([`host_event`]): woken on the plugin's reads, writes and reenables, it moves the request into
//! the plugin's read VIO and the response out of its write VIO, and tells the VIOs' continuations
//! (TS_EVENT_VCONN_READ_READY, READ_COMPLETE once a read has all its NBytes, WRITE_READY /
//! WRITE_COMPLETE) as ATS's PluginVC does. The origin side of the transaction reads and writes
//! [`InterceptIo`]. What the plugin has written waits in
//! at most [`PENDING_MAX`] bytes (its write VIO is not drained further until the client side has
//! taken them). When the transaction ends first, a plugin still reading gets TS_EVENT_VCONN_EOS,
//! once. The VConnection is destroyed when both sides are done with it.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io;
use std::os::raw::{c_int, c_void};
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::cont::{Cont, CONTS};
use crate::iobuf::{BUFFERS, READERS};
use crate::mutex::{TsMutex, MUTEXES};
use crate::sys::types::{TSCont, TSEvent, TSEventRaw};
use crate::vio::{self, Op, PluginVConn};

/// The most response bytes kept for the client side before the plugin's writes wait.
pub const PENDING_MAX: usize = 65_536;

const READ_READY: c_int = TSEvent::TS_EVENT_VCONN_READ_READY as c_int;
const READ_COMPLETE: c_int = TSEvent::TS_EVENT_VCONN_READ_COMPLETE as c_int;
const WRITE_READY: c_int = TSEvent::TS_EVENT_VCONN_WRITE_READY as c_int;
const WRITE_COMPLETE: c_int = TSEvent::TS_EVENT_VCONN_WRITE_COMPLETE as c_int;
const EOS: c_int = TSEvent::TS_EVENT_VCONN_EOS as c_int;
const NET_ACCEPT: c_int = TSEvent::TS_EVENT_NET_ACCEPT as c_int;

/// The intercepting VConnections, by their continuation's handle.
static HOSTED: LazyLock<Mutex<HashMap<usize, Arc<Shared>>>> = LazyLock::new(Default::default);

#[derive(Default)]
struct Shared {
    st: Mutex<State>,
    /// The plugin has been told the transaction's side ended (EOS on its read), or needs no
    /// telling (it closed the VConnection, or reads nothing): for the lifecycle law.
    told: crate::rt::flag::Flag,
}

/// The intercepts of transactions in flight (by transaction handle): what the end of each waits
/// for before TXN_CLOSE.
static OF_TXN: LazyLock<Mutex<HashMap<usize, Arc<Shared>>>> = LazyLock::new(Default::default);

/// The transaction `txn` is ending: wait (at most `limit`) until its intercepting plugin has been
/// told the transaction's side ended, so that it hears it before TXN_CLOSE, as the lifecycle laws
/// want. False if it was not told in time.
pub async fn told_before_close(txn: usize, limit: std::time::Duration) -> bool {
    let Some(sh) = OF_TXN.lock().remove(&txn) else {
        return true;
    };
    sh.told.wait(limit, || false).await
}

#[derive(Default)]
struct State {
    /// Server request bytes not yet given to the plugin.
    to_plugin: Vec<u8>,
    /// Response bytes from the plugin not yet read by the transaction.
    to_proxy: Vec<u8>,
    /// The transaction's read of the response waits on this.
    waker: Option<Waker>,
    /// tshost's write waits on this while [`PENDING_MAX`] bytes wait for the plugin.
    writer: Option<Waker>,
    /// The plugin closed the VConnection, or shut down or finished its writing.
    plugin_done: bool,
    /// The transaction is over (its side was dropped).
    proxy_gone: bool,
    eos_sent: bool,
    destroyed: bool,
    /// A transform chain's sink: the body ends when the last transform's write VIO is complete
    /// (its NBytes set to what it wrote), not only when it closes.
    end_on_complete: bool,
    /// TSHttpConnect's: tshost is the server of the plugin's requests.
    client_side: bool,
    /// The plugin closed (or aborted) the VConnection.
    plugin_closed: bool,
    /// The peer's side ended ([`InterceptIo::end_input`]): EOS once the plugin has read all.
    shut: bool,
    /// The NBytes of the plugin's write when first seen (ATS's TransformTerminus tells its
    /// transaction the length then: TRANSFORM_READ_READY).
    announced: Option<i64>,
}

/// The transaction's side of an intercept: its origin connection.
pub struct InterceptIo {
    shared: Arc<Shared>,
    vc: Arc<PluginVConn>,
}

/// Give the transaction to `plugin`'s continuation: a new VConnection with TS_EVENT_NET_ACCEPT.
/// None (logged) if the continuation is gone.
pub fn accept(plugin: usize, txn: usize) -> Option<InterceptIo> {
    let Some(pc) = CONTS.get(plugin) else {
        crate::error!("intercept: the plugin's continuation {plugin:#x} is gone");
        return None;
    };
    let io = hosted(false);
    OF_TXN.lock().insert(txn, io.shared.clone());
    pc.call_locked(NET_ACCEPT, io.vc.handle() as *mut c_void);
    Some(io)
}

/// The VConnection a response transform chain writes into (the last transform's output): its
/// reads are the transformed body.
pub fn sink() -> InterceptIo {
    hosted(true)
}

/// TSHttpConnect's VConnection: the plugin writes requests into it and reads the responses; tshost
/// serves it as a client connection (its reads are the requests, its writes the responses). The
/// plugin's handle is [`InterceptIo::handle`].
pub fn client_side() -> InterceptIo {
    let io = hosted(false);
    io.shared.st.lock().client_side = true;
    io
}

/// A socket's VConnection (TSVConnFdCreate, TSPortDescriptorAccept, TSNetConnect): tshost's side carries the
/// socket (`super::fd_vconn`); as TSHttpConnect's, a plugin that shut its writing down still
/// reads.
pub fn socket_side() -> InterceptIo {
    client_side()
}

fn hosted(end_on_complete: bool) -> InterceptIo {
    let mutex = MUTEXES.insert(TsMutex::new).1;
    let (_, cont) = CONTS.insert(|h| Cont::new(h, Some(host_event), Some(mutex)));
    let vc = vio::create_hosted(cont);
    let shared = Arc::new(Shared {
        told: Default::default(),
        st: Mutex::new(State {
            end_on_complete,
            ..State::default()
        }),
    });
    HOSTED.lock().insert(vc.handle(), shared.clone());
    InterceptIo { shared, vc }
}

/// The intercepting VConnection's event function (TS_EVENT_IMMEDIATE after the plugin read,
/// wrote, reenabled, closed or shut down, or after the transaction's side moved).
extern "C" fn host_event(contp: TSCont, _event: TSEventRaw, _edata: *mut c_void) -> c_int {
    let h = contp as usize;
    let (Some(vc), Some(shared)) = (vio::get(h), HOSTED.lock().get(&h).cloned()) else {
        return 0;
    };
    pump(&vc, &shared);
    0
}

/// Tell a VIO's continuation `event`.
fn tell(vio: &vio::Vio, event: c_int) {
    if let Some(c) = vio::vio_cont(vio) {
        c.call_locked(event, vio.handle as *mut c_void);
    }
}

/// Move what can move between the transaction and the plugin, and say so to the plugin.
fn pump(vc: &PluginVConn, shared: &Shared) {
    let mut events: Vec<(Arc<vio::Vio>, c_int)> = Vec::new();
    let mut wake = None;
    let mut writer = None;
    let finished = {
        let mut st = shared.st.lock();
        if vc.closed() != 0 {
            st.plugin_done = true;
            st.plugin_closed = true;
            wake = wake.or(st.waker.take());
            writer = writer.or(st.writer.take());
        } else {
            // The request, into the plugin's read VIO.
            let r = &vc.read;
            if r.op() == Op::Read && !st.to_plugin.is_empty() {
                if let Some(buf) = BUFFERS.get(r.buffer()) {
                    let todo = (r.nbytes() - r.ndone()).max(0) as usize;
                    let n = todo.min(st.to_plugin.len());
                    if n > 0 {
                        buf.write(&st.to_plugin[..n]);
                        st.to_plugin.drain(..n);
                        r.set_ndone(r.ndone() + n as i64);
                        // As ATS's PluginVC: COMPLETE once the read has all it asked for.
                        let done = r.ndone() >= r.nbytes();
                        events.push((r.clone(), if done { READ_COMPLETE } else { READ_READY }));
                        writer = writer.or(st.writer.take());
                    }
                }
            }
            let ended = st.proxy_gone || (st.shut && st.to_plugin.is_empty());
            if ended && !st.eos_sent && r.op() == Op::Read && r.cont() != 0 {
                st.eos_sent = true;
                events.push((r.clone(), EOS));
            }
            // The response, out of the plugin's write VIO (while the client side keeps up).
            let w = &vc.write;
            if w.op() == Op::Write && st.announced.is_none() {
                st.announced = Some(w.nbytes());
            }
            if w.op() == Op::Write && st.to_proxy.len() < PENDING_MAX {
                if let Some(reader) = READERS.get(w.reader()) {
                    let todo = (w.nbytes() - w.ndone()).max(0) as usize;
                    let room = PENDING_MAX - st.to_proxy.len();
                    let n = todo.min(reader.avail()).min(room);
                    if n > 0 {
                        let at = st.to_proxy.len();
                        st.to_proxy.resize(at + n, 0);
                        let got = reader.copy_to(&mut st.to_proxy[at..]);
                        st.to_proxy.truncate(at + got);
                        reader.consume(got);
                        w.set_ndone(w.ndone() + got as i64);
                        wake = wake.or(st.waker.take());
                    }
                    // As ATS's PluginVC: COMPLETE once the last bytes are taken; READY after a
                    // part, and when there is nothing to take yet (the writer is asked for data);
                    // nothing when nothing is left to do. A transform chain's sink is ATS's
                    // TransformTerminus instead, which says READY only after it took bytes: a
                    // transform that set up its write before it has output (esi.so, waiting for
                    // an include) takes a READY as its output having been consumed.
                    let ask = reader.avail() == 0 && !st.end_on_complete;
                    if todo > 0 {
                        if n > 0 && w.ndone() >= w.nbytes() {
                            events.push((w.clone(), WRITE_COMPLETE));
                        } else if n > 0 || ask {
                            events.push((w.clone(), WRITE_READY));
                        }
                    }
                    if st.end_on_complete && w.ndone() >= w.nbytes() && !st.plugin_done {
                        st.plugin_done = true;
                        wake = wake.or(st.waker.take());
                    }
                }
            } else if w.op() == Op::None && w.cont() != 0 {
                // The plugin shut its writing down.
                st.plugin_done = true;
                wake = wake.or(st.waker.take());
            }
        }
        let finished = st.proxy_gone && st.plugin_done && !st.destroyed;
        if finished {
            st.destroyed = true;
        }
        finished
    };
    if let Some(w) = wake {
        w.wake();
    }
    if let Some(w) = writer {
        w.wake();
    }
    let mut told = false;
    for (v, e) in events {
        tell(&v, e);
        told |= e == EOS;
    }
    {
        // Told, or nothing to tell: the plugin closed, or the transaction is gone and the plugin
        // reads nothing.
        let st = shared.st.lock();
        told |= st.plugin_closed || (st.proxy_gone && vc.read.op() != Op::Read);
    }
    if told {
        shared.told.set();
    }
    if finished {
        destroy(vc);
    }
}

/// Both sides are done: the VConnection and its continuation go.
fn destroy(vc: &PluginVConn) {
    let h = vc.handle();
    HOSTED.lock().remove(&h);
    vc.cont.mark_deleted();
    CONTS.release(h);
    vio::forget(h);
}

impl AsyncRead for InterceptIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let mut st = me.shared.st.lock();
        if !st.to_proxy.is_empty() {
            let n = st.to_proxy.len().min(buf.remaining());
            buf.put_slice(&st.to_proxy[..n]);
            st.to_proxy.drain(..n);
            drop(st);
            // Room again: the plugin's write VIO may go on.
            me.vc.wake();
            return Poll::Ready(Ok(()));
        }
        if st.plugin_done {
            return Poll::Ready(Ok(()));
        }
        st.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl AsyncWrite for InterceptIo {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let n = {
            let mut st = me.shared.st.lock();
            // An intercept's plugin that finished its response takes no more of the request; a
            // TSHttpConnect plugin that finished its request still reads the response, until it
            // closes.
            if (st.plugin_done && !st.client_side) || st.plugin_closed {
                return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
            }
            // At most PENDING_MAX bytes wait for the plugin to read them.
            let room = PENDING_MAX.saturating_sub(st.to_plugin.len());
            if room == 0 {
                st.writer = Some(_cx.waker().clone());
                drop(st);
                me.vc.wake();
                return Poll::Pending;
            }
            let n = room.min(buf.len());
            st.to_plugin.extend_from_slice(&buf[..n]);
            n
        };
        me.vc.wake();
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl InterceptIo {
    /// Bytes the plugin has written that the proxy side has not read yet: what waits in its
    /// write VIO's reader and here.
    pub fn pending(&self) -> usize {
        let waiting = self.shared.st.lock().to_proxy.len();
        let w = &self.vc.write;
        let in_vio = if w.op() == Op::Write {
            READERS.get(w.reader()).map_or(0, |r| r.avail())
        } else {
            0
        };
        waiting + in_vio
    }

    /// Its state, for a log line: bytes waiting each way, whether the plugin is done, its write
    /// VIO's progress.
    pub fn describe(&self) -> String {
        let st = self.shared.st.lock();
        let w = &self.vc.write;
        format!(
            "to_proxy {} to_plugin {} plugin_done {} write op {:?} ndone {} nbytes {} reader avail {}",
            st.to_proxy.len(),
            st.to_plugin.len(),
            st.plugin_done,
            w.op(),
            w.ndone(),
            w.nbytes(),
            READERS.get(w.reader()).map_or(-1, |r| r.avail() as i64)
        )
    }

    /// The length the plugin's write announced when first seen (its TSVConnWrite's NBytes), if
    /// one was (not INT64_MAX).
    pub fn announced(&self) -> Option<u64> {
        let n = self.shared.st.lock().announced?;
        u64::try_from(n).ok().filter(|_| n != i64::MAX)
    }

    /// The VConnection's handle (a transform's output).
    pub fn handle(&self) -> usize {
        self.vc.handle()
    }

    /// The peer's side ended: the plugin's read hears TS_EVENT_VCONN_EOS once it has read
    /// everything that came before; its writing may go on.
    pub fn end_input(&self) {
        self.shared.st.lock().shut = true;
        self.vc.wake();
    }

    /// The plugin closed (or aborted) the VConnection.
    pub fn plugin_closed(&self) -> bool {
        self.shared.st.lock().plugin_closed
    }

    /// Ready when there is response data or the plugin is done.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.shared.st.lock();
        if !st.to_proxy.is_empty() || st.plugin_done {
            return Poll::Ready(Ok(()));
        }
        st.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for InterceptIo {
    fn drop(&mut self) {
        self.shared.st.lock().proxy_gone = true;
        // The plugin hears of it (EOS on its read) and the VConnection goes once it closes.
        self.vc.wake();
    }
}

impl crate::proxy::body::Transport for InterceptIo {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        InterceptIo::poll_read_ready(self, cx)
    }
}
