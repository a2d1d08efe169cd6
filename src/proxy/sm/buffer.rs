//! Request buffering, as ATS 9.2.9 does it (HttpTransact::HandleRequest, HttpSM::
//! wait_for_full_body): when proxy.config.http.request_buffer_enabled is on for the transaction
//! (the record, or TSHttpTxnConfigIntSet with its key) and its request has a body,
//! the whole body is read after POST_REMAP, before the origin is looked for; then
//! TS_HTTP_REQUEST_BUFFER_READ_COMPLETE_HOOK runs (its event is ATS's generic one for that hook,
//! TS_EVENT_HTTP_READ_REQUEST_HDR + 27 = 60029, as ATS 9.2.9 sends, not
//! TS_EVENT_HTTP_REQUEST_BUFFER_COMPLETE), when TSHttpTxnPostBufferReaderGet gives a reader on
//! the body; the origin then gets the body from that buffer. A body larger than
//! proxy.config.http.post_copy_size (2048 by default) is not buffered: ATS's tunnel fails it
//! ("post exceeds buffer limit") and the client's connection is closed without a response.
#![forbid(unsafe_code)]

use std::collections::{HashMap, VecDeque};
use std::future::Future;

use futures::future::Either;
use std::sync::{Arc, LazyLock};

use parking_lot::Mutex;

use super::*;
use crate::hooks::dispatch::Outcome;
use crate::iobuf::{IoBuffer, Reader};

/// A buffered body: the buffer and a reader at its start.
type Body = (Arc<IoBuffer>, Arc<Reader>);

/// The buffered bodies, by transaction handle.
static BODIES: LazyLock<Mutex<HashMap<usize, Body>>> = LazyLock::new(Default::default);

/// TSHttpTxnPostBufferReaderGet: a new reader on the transaction's buffered body (the caller
/// frees it), None when the body is not buffered.
pub fn post_reader(txn: usize) -> Option<Arc<Reader>> {
    BODIES.lock().get(&txn).and_then(|(_, r)| r.clone_reader())
}

/// proxy.config.http.post_copy_size (ATS's default 2048).
fn post_copy_size() -> usize {
    match crate::mgmt::record_value("proxy.config.http.post_copy_size") {
        Some(crate::config::records::RecValue::Int(n)) if n >= 0 => n as usize,
        _ => 2048,
    }
}

/// A transaction's buffered body, while the transaction goes on: dropped, it is freed.
pub(super) struct Held(usize);

impl Drop for Held {
    fn drop(&mut self) {
        if let Some((buf, start)) = BODIES.lock().remove(&self.0) {
            start.free();
            buf.destroy();
        }
    }
}

/// Buffer the request body if the transaction wants it, then run
/// TS_HTTP_REQUEST_BUFFER_READ_COMPLETE_HOOK; the client then gives the body from the buffer
/// ([`ClientIo::read_ahead`]). Decided at once: a transaction that buffers nothing, the usual
/// case, runs no future of this and holds nothing; the other gets a boxed one, and holds its
/// body until the [`Held`] is dropped.
pub(super) fn fill<'s, C: ClientIo>(
    client: &'s mut C,
    proxy: &'s Proxy,
    ssn: &'s Session,
    txn: &'s Txn,
    m: &'s mut Machine,
    framing: Framing,
) -> impl Future<Output = Result<Option<Held>, Failure>> + 's {
    let has_body = !matches!(framing, Framing::None | Framing::Length(0));
    if has_body
        && txn_flag(
            txn,
            key::REQUEST_BUFFER_ENABLED,
            proxy.config.request_buffer,
        )
    {
        Either::Left(Box::pin(fill_now(client, ssn, txn, m)))
    } else {
        Either::Right(std::future::ready(Ok(None)))
    }
}

async fn fill_now<C: ClientIo>(
    client: &mut C,
    ssn: &Session,
    txn: &Txn,
    m: &mut Machine,
) -> Result<Option<Held>, Failure> {
    let (Some(buf), limit) = (
        crate::iobuf::create(crate::iobuf::DEFAULT_SIZE_INDEX),
        post_copy_size(),
    ) else {
        return Err(fail(m, Failure::Respond(500)));
    };
    let Some(start) = buf.alloc_reader() else {
        buf.destroy();
        return Err(fail(m, Failure::Respond(500)));
    };
    BODIES.lock().insert(txn.handle, (buf.clone(), start));
    let held = Held(txn.handle);
    let mut pieces = VecDeque::new();
    let mut total = 0;
    loop {
        match client.body_piece().await {
            Ok(Some(p)) => {
                total += p.len();
                if total > limit {
                    crate::warning!(
                        "transaction {}: the request body exceeds proxy.config.http.post_copy_size \
                         ({limit}) and cannot be buffered: the connection is closed",
                        txn.id
                    );
                    return Err(fail(m, Failure::ClientGone));
                }
                buf.write(&p);
                pieces.push_back(p);
            }
            Ok(None) => break,
            Err(_) => return Err(fail(m, Failure::ClientGone)),
        }
    }
    client.read_ahead(pieces);
    match run_point(ssn, Some(txn), id::REQUEST_BUFFER_READ_COMPLETE).await {
        Outcome::Error => Err(fail(m, Failure::Respond(500))),
        Outcome::Continue => Ok(Some(held)),
    }
}
