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
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;

use super::*;
use crate::hooks::dispatch::Outcome;
use crate::iobuf::{IoBuffer, Reader};
use crate::proxy::body::Trailers;

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

/// The client side, with the request body read ahead when it is buffered.
pub(super) struct Buffered<'a, C> {
    inner: &'a mut C,
    /// The buffered body's pieces not yet sent on (None: not buffered).
    body: Option<VecDeque<Bytes>>,
    txn: usize,
}

impl<'a, C: ClientIo> Buffered<'a, C> {
    pub(super) fn new(inner: &'a mut C) -> Self {
        Buffered {
            inner,
            body: None,
            txn: 0,
        }
    }

    /// Buffer the request body if the transaction wants it, then run
    /// TS_HTTP_REQUEST_BUFFER_READ_COMPLETE_HOOK. (Decided at once: a transaction that buffers
    /// nothing, the usual case, runs no future of this; the other gets a boxed one.)
    pub(super) fn fill<'s>(
        &'s mut self,
        proxy: &'s Proxy,
        ssn: &'s Session,
        txn: &'s Txn,
        m: &'s mut Machine,
        framing: Framing,
    ) -> impl Future<Output = Result<(), Failure>> + 's + use<'s, 'a, C> {
        let has_body = !matches!(framing, Framing::None | Framing::Length(0));
        if has_body
            && txn_flag(
                txn,
                key::REQUEST_BUFFER_ENABLED,
                proxy.config.request_buffer,
            )
        {
            Either::Left(Box::pin(self.fill_now(ssn, txn, m)))
        } else {
            Either::Right(std::future::ready(Ok(())))
        }
    }

    async fn fill_now(&mut self, ssn: &Session, txn: &Txn, m: &mut Machine) -> Result<(), Failure> {
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
        self.txn = txn.handle;
        let mut pieces = VecDeque::new();
        let mut total = 0;
        loop {
            match self.inner.body_piece().await {
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
        self.body = Some(pieces);
        match run_point(ssn, Some(txn), id::REQUEST_BUFFER_READ_COMPLETE).await {
            Outcome::Error => Err(fail(m, Failure::Respond(500))),
            Outcome::Continue => Ok(()),
        }
    }
}

impl<C> Drop for Buffered<'_, C> {
    fn drop(&mut self) {
        // Nothing to free for a transaction that buffered nothing (the usual case: no lock).
        if self.txn == 0 {
            return;
        }
        if let Some((buf, start)) = BODIES.lock().remove(&self.txn) {
            start.free();
            buf.destroy();
        }
    }
}

impl<C: ClientIo> ClientIo for Buffered<'_, C> {
    async fn body_piece(&mut self) -> Result<Option<Bytes>, BodyError> {
        match &mut self.body {
            Some(pieces) => Ok(pieces.pop_front()),
            None => self.inner.body_piece().await,
        }
    }
    async fn check_body_prefix(&mut self, timeout: Duration) -> Result<(), PrefixError> {
        match self.body {
            Some(_) => Ok(()),
            None => self.inner.check_body_prefix(timeout).await,
        }
    }
    fn send_continue(&mut self) -> impl Future<Output = std::io::Result<()>> {
        self.inner.send_continue()
    }
    fn send_head(
        &mut self,
        resp: &MBuffer,
        framing: Framing,
    ) -> impl Future<Output = std::io::Result<()>> {
        self.inner.send_head(resp, framing)
    }
    fn send_body(&mut self, data: &[u8]) -> impl Future<Output = std::io::Result<()>> {
        self.inner.send_body(data)
    }
    fn request_trailers(&mut self) -> impl Future<Output = Trailers> {
        self.inner.request_trailers()
    }
    fn finish(
        &mut self,
        trailers: &[(Vec<u8>, Vec<u8>)],
    ) -> impl Future<Output = std::io::Result<()>> {
        self.inner.finish(trailers)
    }
    fn abort(&mut self) -> impl Future<Output = ()> {
        self.inner.abort()
    }
    fn push(&mut self) -> impl Future<Output = std::io::Result<()>> {
        self.inner.push()
    }
    const RELAYS_CONTINUE: bool = C::RELAYS_CONTINUE;
    async fn body_started(&mut self) {
        if self.body.is_none() {
            self.inner.body_started().await
        }
    }
    fn gone(&mut self) -> impl Future<Output = ()> {
        self.inner.gone()
    }
}
