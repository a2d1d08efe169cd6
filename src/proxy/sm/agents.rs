//! Response plugin agents (TS_HTTP_RESPONSE_CLIENT_HOOK, ATS's `HttpSM::setup_plugin_agents`): a
//! plugin's VConnection (TSTransformCreate) added to that hook is written, as one more consumer
//! of the response, the bytes the client gets after the head (for an HTTP/1.1 client of a
//! chunked response, with their chunked framing) while they go to the client. It gives nothing
//! back: it consumes them and says WRITE_READY, then WRITE_COMPLETE, after which it is closed
//! (ATS's `tunnel_handler_plugin_agent`). A body of 0 bytes is never written to it (ATS starts no
//! write and sends no event). The response waits for the agents as ATS's tunnel waits for all
//! its consumers: at most [`AGENT_MAX`] bytes wait for each, and one that takes nothing for the
//! transaction's no-activity limit fails the response. However the response ends, every agent
//! is closed.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::future::Future;

use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::Notify;

use super::super::body::{BodyError, Framing, Trailers};
use super::super::client::{ClientIo, PrefixError};
use crate::cont::{Cont, CONTS};
use crate::hdrs::MBuffer;
use crate::iobuf::{IoBuffer, Reader};
use crate::mutex::{TsMutex, MUTEXES};
use crate::sys::types::{TSCont, TSEvent, TSEventRaw};
use crate::vio::{PluginVConn, Vio};

/// The most body bytes that wait for one agent before the response waits for it.
const AGENT_MAX: usize = 65_536;

const WRITE_COMPLETE: c_int = TSEvent::TS_EVENT_VCONN_WRITE_COMPLETE as c_int;

/// What an agent's continuation (the one its write VIO reports to) shares with the response.
struct Shared {
    notify: Notify,
    vc: Arc<PluginVConn>,
    /// Closed (after its WRITE_COMPLETE, or at the response's end): once only.
    closed: AtomicBool,
}

impl Shared {
    fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.vc.close(None);
        }
    }
}

/// The agents' continuations, by handle.
static AGENTS: LazyLock<Mutex<HashMap<usize, Arc<Shared>>>> = LazyLock::new(Default::default);

extern "C" fn agent_event(contp: TSCont, event: TSEventRaw, _edata: *mut c_void) -> c_int {
    let Some(sh) = AGENTS.lock().get(&(contp as usize)).cloned() else {
        return 0;
    };
    if event == WRITE_COMPLETE {
        // As ATS's tunnel_handler_plugin_agent: a consumer that took everything is closed.
        sh.close();
    }
    sh.notify.notify_one();
    0
}

/// One agent: the buffer its write drains, and the write once started.
struct Agent {
    sh: Arc<Shared>,
    me: usize,
    buf: Arc<IoBuffer>,
    rd: Arc<Reader>,
    input: Option<Arc<Vio>>,
    written: i64,
}

impl Agent {
    fn new(vc: Arc<PluginVConn>) -> Option<Agent> {
        let buf = crate::iobuf::create(crate::iobuf::DEFAULT_SIZE_INDEX)?;
        let rd = buf.alloc_reader()?;
        let mutex = MUTEXES.insert(TsMutex::new).1;
        let (me, _) = CONTS.insert(|h| Cont::new(h, Some(agent_event), Some(mutex)));
        let sh = Arc::new(Shared {
            notify: Notify::new(),
            vc,
            closed: AtomicBool::new(false),
        });
        AGENTS.lock().insert(me, sh.clone());
        Some(Agent {
            sh,
            me,
            buf,
            rd,
            input: None,
            written: 0,
        })
    }

    /// Give it `parts` (nothing if it is closed); its write starts with the first bytes, for
    /// `nbytes`.
    fn give(&mut self, parts: &[&[u8]], nbytes: i64) {
        if self.sh.closed.load(Ordering::Acquire) {
            return;
        }
        for p in parts {
            self.buf.write(p);
            self.written += p.len() as i64;
        }
        match &self.input {
            Some(_) => self.sh.vc.wake(),
            None => self.input = Some(self.sh.vc.do_write(self.me, self.rd.handle(), nbytes)),
        }
    }

    /// Wait until at most `max` bytes wait for it (or it is closed); false when it took nothing
    /// for `idle`.
    async fn drained(&self, max: usize, idle: Duration) -> bool {
        loop {
            if self.sh.closed.load(Ordering::Acquire) || self.rd.avail() <= max {
                return true;
            }
            let before = self.rd.avail();
            let notified = self.sh.notify.notified();
            if tokio::time::timeout(idle, notified).await.is_err() && self.rd.avail() >= before {
                crate::warning!(
                    "a response plugin agent (TS_HTTP_RESPONSE_CLIENT_HOOK) took nothing for {} s: \
                     the response fails",
                    idle.as_secs()
                );
                return false;
            }
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.sh.close();
        AGENTS.lock().remove(&self.me);
        if let Some(c) = CONTS.get(self.me) {
            c.mark_deleted();
        }
        CONTS.release(self.me);
        self.rd.free();
        self.buf.destroy();
    }
}

/// The client side with the transaction's response agents beside it: what [`ClientIo::send_body`]
/// and [`ClientIo::finish`] send to the client goes to each agent too.
pub(super) struct Teed<'a, C> {
    inner: &'a mut C,
    agents: Vec<Agent>,
    /// The client's body framing, and whether the client is HTTP/2 (no chunked framing there).
    framing: Framing,
    h2: bool,
    idle: Duration,
}

impl<'a, C: ClientIo> Teed<'a, C> {
    /// The agents on `txn`'s TS_HTTP_RESPONSE_CLIENT_HOOK for a response with `framing`; the
    /// most an agent may take nothing is `proxy`'s transaction_no_activity_timeout_out.
    pub(super) fn new(
        inner: &'a mut C,
        txn: &crate::proxy::Txn,
        ssn: &crate::proxy::Session,
        proxy: &super::Proxy,
        framing: Framing,
    ) -> Self {
        let idle = proxy.config.origin_response_timeout;
        let agents: Vec<Agent> = super::transform::agents_of(txn)
            .into_iter()
            .filter_map(Agent::new)
            .collect();
        let h2 = !agents.is_empty() && ssn.client.stack.contains(&super::super::proto::HTTP_2_0);
        Teed {
            inner,
            agents,
            framing,
            h2,
            idle,
        }
    }

    /// The bytes the agents get in all (ATS's write length): the body's when known, for an
    /// HTTP/1.1 client without its chunked framing.
    fn nbytes(&self) -> i64 {
        match self.framing {
            Framing::Length(n) => n as i64,
            _ => i64::MAX,
        }
    }

    fn chunked(&self) -> bool {
        self.framing == Framing::Chunked && !self.h2
    }

    async fn tee(&mut self, parts: &[&[u8]]) -> std::io::Result<()> {
        let nbytes = self.nbytes();
        for a in &mut self.agents {
            a.give(parts, nbytes);
        }
        for a in &self.agents {
            if !a.drained(AGENT_MAX, self.idle).await {
                return Err(std::io::ErrorKind::TimedOut.into());
            }
        }
        Ok(())
    }
}

impl<C: ClientIo> ClientIo for Teed<'_, C> {
    fn body_piece(&mut self) -> impl Future<Output = Result<Option<Bytes>, BodyError>> {
        self.inner.body_piece()
    }
    fn check_body_prefix(
        &mut self,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), PrefixError>> {
        self.inner.check_body_prefix(timeout)
    }
    fn send_continue(&mut self) -> impl Future<Output = std::io::Result<()>> {
        self.inner.send_continue()
    }
    fn send_head(
        &mut self,
        resp: &MBuffer,
        framing: Framing,
    ) -> impl Future<Output = std::io::Result<u64>> {
        self.inner.send_head(resp, framing)
    }
    async fn send_body(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.inner.send_body(data).await?;
        if data.is_empty() || self.agents.is_empty() {
            return Ok(());
        }
        self.tee_body(data).await
    }
    fn request_trailers(&mut self) -> impl Future<Output = Trailers> {
        self.inner.request_trailers()
    }
    async fn finish(&mut self, trailers: &[(Vec<u8>, Vec<u8>)]) -> std::io::Result<()> {
        self.inner.finish(trailers).await?;
        self.finish_agents(trailers).await
    }
    fn abort(&mut self) -> impl Future<Output = ()> {
        self.inner.abort()
    }
    fn push(&mut self) -> impl Future<Output = std::io::Result<()>> {
        self.inner.push()
    }
    const RELAYS_CONTINUE: bool = C::RELAYS_CONTINUE;
    fn read_ahead(&mut self, pieces: std::collections::VecDeque<Bytes>) {
        self.inner.read_ahead(pieces)
    }
    fn body_read(&self) -> u64 {
        self.inner.body_read()
    }
    fn body_started(&mut self) -> impl Future<Output = ()> {
        self.inner.body_started()
    }
    fn gone(&mut self) -> impl Future<Output = ()> {
        self.inner.gone()
    }
}

impl<C: ClientIo> Teed<'_, C> {
    /// A piece of the body for the agents (with its chunked framing for an HTTP/1.1 client).
    async fn tee_body(&mut self, data: &[u8]) -> std::io::Result<()> {
        if self.chunked() {
            let size = format!("{:x}\r\n", data.len());
            self.tee(&[size.as_bytes(), data, b"\r\n"]).await
        } else {
            self.tee(&[data]).await
        }
    }

    /// The response's end for the agents: the last chunk and trailers, then their writes end.
    async fn finish_agents(&mut self, trailers: &[(Vec<u8>, Vec<u8>)]) -> std::io::Result<()> {
        if self.chunked() {
            let mut end = b"0\r\n".to_vec();
            for (n, v) in trailers {
                end.extend_from_slice(n);
                end.extend_from_slice(b": ");
                end.extend_from_slice(v);
                end.extend_from_slice(b"\r\n");
            }
            end.extend_from_slice(b"\r\n");
            self.tee(&[&end]).await?;
        }
        // The write's length is now known: the agents see their end (ntodo 0) and complete.
        for a in &self.agents {
            if let Some(input) = &a.input {
                input.set_nbytes(a.written);
                a.sh.vc.wake();
            }
        }
        for a in &self.agents {
            if a.input.is_some() && !a.drained(0, self.idle).await {
                return Err(std::io::ErrorKind::TimedOut.into());
            }
        }
        Ok(())
    }
}
