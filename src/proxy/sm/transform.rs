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

/// The transforms a plugin added for the response, in add order (live plugin VConnections).
pub(super) fn chain_of(txn: &Txn) -> Vec<Arc<PluginVConn>> {
    let mut out = Vec::new();
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

/// Relay the origin's body through the chain to the client.
pub(super) async fn relay<C: ClientIo>(
    chain: &[Arc<PluginVConn>],
    client: &mut C,
    origin: &mut super::super::origin::OriginConn,
    framing: Framing,
) -> Relayed {
    let mut reader = BodyReader::new(framing);
    let known_length = match framing {
        Framing::Length(n) => Some(n),
        Framing::None => Some(0),
        _ => None,
    };
    let first = chain[0].clone();
    if client.push().await.is_err() {
        return Relayed::ClientGone;
    }
    // The chain: each writes into the next, the last into the sink.
    let mut sink = crate::proxy::intercept::sink();
    for w in chain.windows(2) {
        w[0].set_output(w[1].handle());
    }
    chain[chain.len() - 1].set_output(sink.handle());
    // The proxy side: a buffer the body goes into, and a continuation told of the first
    // transform's progress.
    let Some(buf) = crate::iobuf::create(crate::iobuf::DEFAULT_SIZE_INDEX) else {
        return Relayed::OriginFailed("no buffer".into());
    };
    let Some(rd) = buf.alloc_reader() else {
        return Relayed::OriginFailed("no reader".into());
    };
    let notify = Arc::new(Notify::new());
    let mutex = MUTEXES.insert(TsMutex::new).1;
    let (me, _cont) = CONTS.insert(|h| Cont::new(h, Some(input_event), Some(mutex)));
    WAITERS.lock().insert(me, notify.clone());
    let nbytes = known_length.map_or(i64::MAX, |n| n as i64);
    let input = first.do_write(me, rd.handle(), nbytes);

    let mut written: i64 = 0;
    let mut origin_done = false;
    let mut origin_error: Option<String> = None;
    let mut out = vec![0u8; 16384];
    let result = loop {
        let room = rd.avail() < IN_MAX;
        tokio::select! {
            piece = reader.next(origin), if !origin_done && room => match piece {
                Ok(Some(p)) => {
                    buf.write(&p);
                    written += p.len() as i64;
                    first.wake();
                }
                Ok(None) => {
                    origin_done = true;
                    // The body's end: NBytes is what was written (ATS's tunnel does the same).
                    input.set_nbytes(written);
                    first.wake();
                }
                Err(e) => {
                    origin_done = true;
                    origin_error = Some(format!("{e:?}"));
                    input.set_nbytes(written);
                    first.wake();
                }
            },
            n = sink.read(&mut out) => match n {
                Ok(0) | Err(_) => break match origin_error.take() {
                    Some(e) => Relayed::OriginFailed(e),
                    None => Relayed::Done {
                        trailers: Vec::new(),
                        origin_read: origin_done,
                    },
                },
                Ok(n) => {
                    if client.send_body(&out[..n]).await.is_err() {
                        break Relayed::ClientGone;
                    }
                }
            },
            _ = notify.notified() => {}
        }
    };
    // The end: the first transform is closed, and the chain with it.
    first.close(None);
    WAITERS.lock().remove(&me);
    if let Some(c) = CONTS.get(me) {
        c.mark_deleted();
    }
    CONTS.release(me);
    rd.free();
    buf.destroy();
    drop(sink);
    result
}
