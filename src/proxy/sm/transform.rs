//! Response transforms (TS_HTTP_RESPONSE_TRANSFORM_HOOK, ATS's TransformVConnection): the
//! VConnections plugins added to the hook (TSTransformCreate, TSHttpTxnHookAdd) are chained in
//! add order, each writing into the next (TSTransformOutputVConnGet), the last into a sink of
//! tshost's ([`crate::proxy::intercept::sink`]). The origin's body is written into the first
//! (its write VIO: NBytes the body's length when known, set to what was written when the body
//! ends), and what reaches the sink goes to the client, framed anew (chunked for HTTP/1.1, the
//! connection's end for 1.0, DATA frames for HTTP/2). At most [`IN_MAX`] bytes wait for the first
//! transform: the origin is read no faster than the chain takes. At the end the first transform
//! is closed, and with it the chain (each sees TSVConnClosedGet and destroys itself).
#![forbid(unsafe_code)]

use std::os::raw::{c_int, c_void};
use std::sync::{Arc, LazyLock};

use bytes::BytesMut;
use parking_lot::Mutex;
use tokio::io::AsyncReadExt;
use tokio::sync::Notify;

use super::relay::Relayed;
use super::*;
use crate::cont::{Cont, CONTS};
use crate::mutex::{TsMutex, MUTEXES};
use crate::sys::types::{TSCont, TSEventRaw};
use crate::vio::PluginVConn;

/// The most body bytes that wait for the first transform.
const IN_MAX: usize = 65_536;

/// The proxy side's continuations (they hear the first transform's WRITE_READY/COMPLETE), by
/// handle: what to wake.
static WAITERS: LazyLock<Mutex<std::collections::HashMap<usize, Arc<Notify>>>> =
    LazyLock::new(Default::default);

extern "C" fn input_event(contp: TSCont, _event: TSEventRaw, _edata: *mut c_void) -> c_int {
    if let Some(n) = WAITERS.lock().get(&(contp as usize)) {
        n.notify_one();
    }
    0
}

/// The framing to make the client's from: none promised under transforms (the length may
/// change), the origin's otherwise.
pub(super) fn framing_for_client(chain: &[Arc<PluginVConn>], origin: Framing) -> Framing {
    if chain.is_empty() {
        origin
    } else {
        Framing::Close
    }
}

/// The transforms a plugin added for the response, in add order (live plugin VConnections); none
/// for a response without a body to transform (`head_only`).
pub(super) fn chain_of(txn: &Txn, head_only: bool) -> Vec<Arc<PluginVConn>> {
    let mut out = Vec::new();
    if head_only || !txn.hooks.has(id::RESPONSE_TRANSFORM) {
        return out;
    }
    let mut i = 0;
    while let Some(c) = txn.hooks.get(id::RESPONSE_TRANSFORM, i) {
        i += 1;
        match crate::vio::get(c.handle) {
            Some(vc) => out.push(vc),
            None => crate::warning!(
                "transaction {}: a continuation on TS_HTTP_RESPONSE_TRANSFORM_HOOK is not a transform (TSTransformCreate); skipped",
                txn.id
            ),
        }
    }
    out
}

/// A chain at work: the origin's body going in, the sink's output coming out.
pub(super) struct Running {
    first: Arc<PluginVConn>,
    sink: crate::proxy::intercept::InterceptIo,
    buf: Arc<crate::iobuf::IoBuffer>,
    rd: Arc<crate::iobuf::Reader>,
    input: Arc<crate::vio::Vio>,
    me: usize,
    notify: Arc<Notify>,
    reader: BodyReader,
    written: i64,
    origin_done: bool,
    origin_error: Option<String>,
}

/// Start the chain: each transform writes into the next, the last into the sink; the first
/// gets its write VIO (the origin's body). None if no buffer could be made.
pub(super) fn start(chain: &[Arc<PluginVConn>], framing: Framing) -> Option<Running> {
    let known_length = match framing {
        Framing::Length(n) => Some(n),
        Framing::None => Some(0),
        _ => None,
    };
    let first = chain[0].clone();
    let sink = crate::proxy::intercept::sink();
    for w in chain.windows(2) {
        w[0].set_output(w[1].handle());
    }
    chain[chain.len() - 1].set_output(sink.handle());
    // The proxy side: a buffer the body goes into, and a continuation told of the first
    // transform's progress.
    let buf = crate::iobuf::create(crate::iobuf::DEFAULT_SIZE_INDEX)?;
    let rd = buf.alloc_reader()?;
    let notify = Arc::new(Notify::new());
    let mutex = MUTEXES.insert(TsMutex::new).1;
    let (me, _cont) = CONTS.insert(|h| Cont::new(h, Some(input_event), Some(mutex)));
    WAITERS.lock().insert(me, notify.clone());
    let nbytes = known_length.map_or(i64::MAX, |n| n as i64);
    let input = first.do_write(me, rd.handle(), nbytes);
    Some(Running {
        first,
        sink,
        buf,
        rd,
        input,
        me,
        notify,
        reader: BodyReader::new(framing),
        written: 0,
        origin_done: false,
        origin_error: None,
    })
}

impl Running {
    /// Take a piece of the origin's body into the chain.
    fn took(&mut self, piece: Result<Option<BytesMut>, BodyError>) {
        match piece {
            Ok(Some(p)) => {
                self.buf.write(&p);
                self.written += p.len() as i64;
            }
            Ok(None) => {
                self.origin_done = true;
                // The body's end: NBytes is what was written (ATS's tunnel does the same).
                self.input.set_nbytes(self.written);
            }
            Err(e) => {
                self.origin_done = true;
                self.origin_error = Some(format!("{e:?}"));
                self.input.set_nbytes(self.written);
            }
        }
        self.first.wake();
    }

    /// Feed the chain until its first output (or its end) is there, as ATS waits for the
    /// transform before the client's head: a transform may still change that head
    /// (TSHttpTxnTransformRespGet).
    pub(super) async fn until_output(&mut self, origin: &mut super::super::origin::OriginConn) {
        loop {
            let room = self.rd.avail() < IN_MAX;
            let origin_done = self.origin_done;
            tokio::select! {
                piece = self.reader.next(origin), if !origin_done && room => self.took(piece),
                _ = std::future::poll_fn(|cx| self.sink.poll_read_ready(cx)) => return,
                _ = self.notify.notified() => {}
            }
        }
    }

    /// Relay the rest: the origin's body in, the chain's output to the client.
    /// The chain is closed as `self` goes ([`Drop`]).
    pub(super) async fn finish<C: ClientIo>(
        mut self,
        client: &mut C,
        origin: &mut super::super::origin::OriginConn,
    ) -> Relayed {
        if client.push().await.is_err() {
            return Relayed::ClientGone;
        }
        let mut out = vec![0u8; 16384];
        loop {
            let room = self.rd.avail() < IN_MAX;
            let origin_done = self.origin_done;
            tokio::select! {
                piece = self.reader.next(origin), if !origin_done && room => self.took(piece),
                n = self.sink.read(&mut out) => match n {
                    Ok(0) | Err(_) => {
                        return match self.origin_error.take() {
                            Some(e) => Relayed::OriginFailed(e),
                            None => Relayed::Done {
                                trailers: Vec::new(),
                                origin_read: self.origin_done,
                            },
                        };
                    }
                    Ok(n) => {
                        if client.send_body(&out[..n]).await.is_err() {
                            return Relayed::ClientGone;
                        }
                    }
                },
                _ = self.notify.notified() => {}
            }
        }
    }
}

impl Drop for Running {
    /// However the transaction ends (the body relayed, the client gone before its head): the
    /// first transform is closed, and the chain with it.
    fn drop(&mut self) {
        self.first.close(None);
        WAITERS.lock().remove(&self.me);
        if let Some(c) = CONTS.get(self.me) {
            c.mark_deleted();
        }
        CONTS.release(self.me);
        self.rd.free();
        self.buf.destroy();
    }
}
