//! TSFetchCreate and its family: a fetch the plugin builds piece by piece and reads as a stream,
//! as ATS's FetchSM in its extended mode (TS_FETCH_FLAGS_STREAM, always on here). The plugin
//! gives the request line (TSFetchCreate), its fields (TSFetchHeaderAdd), launches it
//! (TSFetchLaunch: the head goes to tshost's HTTP engine, an internal session as TSFetchUrl's)
//! and writes its body (TSFetchWriteData, up to its Content-Length). The continuation then gets,
//! with the fetch as edata and its mutex held:
//! * TS_FETCH_EVENT_EXT_HEAD_DONE once the response head is in (TSFetchRespHdrMBufGet/MLocGet);
//! * TS_FETCH_EVENT_EXT_BODY_READY each time body bytes came (drained with TSFetchReadData);
//! * TS_FETCH_EVENT_EXT_BODY_DONE when the body is complete (right after HEAD_DONE for a response
//!   without one), and, as ATS, when the session ends after the head whatever came;
//! * TS_EVENT_VCONN_EOS when the session ends before a response head, TS_EVENT_ERROR when the
//!   response cannot be read (a malformed head or chunked framing).
//!
//! With TS_FETCH_FLAGS_DECHUNK a chunked body reads as its payload alone. At most
//! [`BODY_MAX`] unread body bytes are kept: the fetch reads on as TSFetchReadData drains them.
//! TSFetchDestroy ends the fetch at any time (no event after it); the handle is the plugin's
//! until then.
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

use super::fetch_body::Decoder;
use crate::cont::Cont;
use crate::hdrs::MBuffer;
use crate::rt::pool::Pool;
use crate::sched::{PoolKind, ScheduledEvent, ACTIONS};
use crate::sys::types::TSEvent;

/// ATS's TSFetchFlags (experimental.h).
pub mod flags {
    pub const STREAM: i32 = 1 << 1;
    pub const DECHUNK: i32 = 1 << 2;
    pub const NEWLOCK: i32 = 1 << 3;
    pub const NOT_INTERNAL_REQUEST: i32 = 1 << 4;
    /// Every flag ATS defines.
    pub const ALL: i32 = STREAM | DECHUNK | NEWLOCK | NOT_INTERNAL_REQUEST;
}

/// ATS's TSFetchEventExt (experimental.h). HEAD_READY is defined but, as in ATS, never sent.
pub mod event {
    pub const HEAD_READY: i32 = -1;
    pub const HEAD_DONE: i32 = -2;
    pub const BODY_READY: i32 = -3;
    pub const BODY_DONE: i32 = -4;
}

const EOS: c_int = TSEvent::TS_EVENT_VCONN_EOS as c_int;
const ERROR: c_int = TSEvent::TS_EVENT_ERROR as c_int;

/// Most unread body bytes kept before the fetch stops reading.
pub const BODY_MAX: usize = 1 << 20;
/// Longest response head taken (proxy.config.http.response_header_max_size's default).
const HEAD_MAX: usize = 131_072;
/// The tag and id of the fetch's session (TSHttpTxnPluginTagGet), as ATS's FetchSM.
pub const TAG: &str = "fetchSM";

/// The streaming fetches, by the handle C holds (TSFetchSM).
pub static STREAMS: Pool<Stream> = Pool::new();

pub struct Stream {
    pub handle: usize,
    cont: Arc<Cont>,
    client: SocketAddr,
    flags: AtomicI32,
    user_data: AtomicUsize,
    st: Mutex<State>,
    /// The task: request bytes to send.
    more: Notify,
    /// The task: room for body bytes again.
    room: Notify,
    /// The task: the plugin destroyed the fetch.
    gone: Notify,
}

#[derive(Default)]
struct State {
    /// The request so far (before the launch), then its bytes not sent yet.
    request: Vec<u8>,
    is_head: bool,
    /// The request body's length (its Content-Length field), then what is still to send.
    body_left: u64,
    launched: bool,
    destroyed: bool,
    head: Option<Arc<MBuffer>>,
    /// Body bytes for TSFetchReadData.
    body: VecDeque<u8>,
}

/// A new fetch of `url` with `method` and `version` from `client`, for `cont`; `flags` as
/// [`flags`] (STREAM is added). An error when no proxy runs.
pub fn create(
    cont: Arc<Cont>,
    method: &[u8],
    url: &[u8],
    version: &[u8],
    client: SocketAddr,
    flags: i32,
) -> Result<usize, String> {
    super::connect::runner()?;
    let mut request = Vec::with_capacity(256);
    for part in [method, b" ", url, b" ", version, b"\r\n"] {
        request.extend_from_slice(part);
    }
    let (h, _) = STREAMS.insert(|h| Stream {
        handle: h,
        cont,
        client,
        flags: AtomicI32::new(flags | flags::STREAM),
        user_data: AtomicUsize::new(0),
        st: Mutex::new(State {
            request,
            is_head: method == b"HEAD",
            ..State::default()
        }),
        more: Notify::new(),
        room: Notify::new(),
        gone: Notify::new(),
    });
    Ok(h)
}

impl Stream {
    /// TSFetchFlagSet: the flags (STREAM stays: a streaming fetch cannot become another kind).
    pub fn set_flags(&self, f: i32) {
        self.flags.store(f | flags::STREAM, Ordering::Relaxed);
    }

    pub fn set_user_data(&self, p: usize) {
        self.user_data.store(p, Ordering::Relaxed);
    }

    pub fn user_data(&self) -> usize {
        self.user_data.load(Ordering::Relaxed)
    }

    /// TSFetchHeaderAdd: a field of the request; an error after the launch.
    pub fn add_header(&self, name: &[u8], value: &[u8]) -> Result<(), &'static str> {
        let mut st = self.st.lock();
        if st.launched {
            return Err("the fetch was launched: its head is sent");
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            // As ATS (atoll): the leading digits.
            let digits: Vec<u8> = value
                .trim_ascii()
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .copied()
                .collect();
            st.body_left = std::str::from_utf8(&digits)
                .ok()
                .and_then(|d| d.parse().ok())
                .unwrap_or(0);
        }
        for part in [name, b": ", value, b"\r\n"] {
            st.request.extend_from_slice(part);
        }
        Ok(())
    }

    /// TSFetchWriteData: request body bytes, sent up to the Content-Length given (what is beyond
    /// is dropped: the count of bytes taken). An error before the launch.
    pub fn write(&self, data: &[u8]) -> Result<usize, &'static str> {
        let n = {
            let mut st = self.st.lock();
            if !st.launched {
                return Err("the fetch is not launched yet (TSFetchLaunch comes first)");
            }
            let n = (st.body_left.min(data.len() as u64)) as usize;
            st.request.extend_from_slice(&data[..n]);
            st.body_left -= n as u64;
            n
        };
        self.more.notify_one();
        Ok(n)
    }

    /// TSFetchReadData: up to `buf.len()` body bytes into `buf`; how many.
    pub fn read(&self, buf: &mut [u8]) -> usize {
        let n = {
            let mut st = self.st.lock();
            let n = buf.len().min(st.body.len());
            let (a, b) = st.body.as_slices();
            let from_a = n.min(a.len());
            buf[..from_a].copy_from_slice(&a[..from_a]);
            buf[from_a..n].copy_from_slice(&b[..n - from_a]);
            st.body.drain(..n);
            n
        };
        if n > 0 {
            self.room.notify_one();
        }
        n
    }

    /// The response head, once in.
    pub fn head(&self) -> Option<Arc<MBuffer>> {
        self.st.lock().head.clone()
    }

    /// TSFetchDestroy: no more events; the session ends.
    pub fn destroy(&self) {
        self.st.lock().destroyed = true;
        self.gone.notify_one();
        STREAMS.release(self.handle);
    }

    fn destroyed(&self) -> bool {
        self.st.lock().destroyed
    }
}

/// TSFetchLaunch: send the request (its head ends here) through a new session. An error when it
/// was launched already or no proxy runs.
pub fn launch(s: &Arc<Stream>) -> Result<(), String> {
    {
        let mut st = s.st.lock();
        if st.launched {
            return Err("the fetch was launched already".into());
        }
        st.launched = true;
        st.request.extend_from_slice(b"\r\n");
    }
    let internal = s.flags.load(Ordering::Relaxed) & flags::NOT_INTERNAL_REQUEST == 0;
    let (proxy_side, mine) = super::pipe::pipe();
    if let Err(e) = super::connect::serve(s.client, Some(TAG), 0, internal, proxy_side) {
        // The plugin waits for an event: it gets the error.
        let (_, ev) = ACTIONS.insert(|h| {
            ScheduledEvent::new(h, s.cont.clone(), ERROR, None, PoolKind::Net).with_edata(s.handle)
        });
        crate::sched::schedule_soon(ev);
        return Err(e);
    }
    let s = s.clone();
    super::connect::spawn(async move {
        let (mut rd, mut wr) = tokio::io::split(mine);
        tokio::select! {
            _ = receive(&s, &mut rd) => {}
            _ = send(&s, &mut wr) => {}
            _ = s.gone.notified() => {}
        }
    })
}

/// Send the request as the plugin gives it; never returns (the session stays open).
async fn send<W: tokio::io::AsyncWrite + Unpin>(s: &Stream, wr: &mut W) {
    loop {
        let bytes = std::mem::take(&mut s.st.lock().request);
        if bytes.is_empty() {
            s.more.notified().await;
        } else if wr.write_all(&bytes).await.is_err() {
            // The session is gone: the read side says so.
            std::future::pending::<()>().await;
        }
    }
}

/// Read the response and tell the plugin, to the end of the body.
async fn receive<R: tokio::io::AsyncRead + Unpin>(s: &Arc<Stream>, rd: &mut R) {
    let mut buf = Vec::new();
    let mut piece = vec![0u8; 32 * 1024];
    let is_head = s.st.lock().is_head;
    // The head (interim 1xx responses skipped).
    let (mut decoder, rest) = loop {
        if let Some(end) = super::body::find_head_end(&buf, 0) {
            match crate::hdrs::parse::parse_response(&buf[..end], is_head) {
                Ok((_, _, status, _)) if (100..200).contains(&status) && status != 101 => {
                    buf.drain(..end);
                    continue;
                }
                Ok((hdr, framing, _, _)) => {
                    s.st.lock().head = Some(hdr);
                    let dechunk = s.flags.load(Ordering::Relaxed) & flags::DECHUNK != 0;
                    break (Decoder::new(framing, dechunk), buf.split_off(end));
                }
                Err(e) => {
                    crate::debug!(TAG, "fetch {:#x}: {e}", s.handle);
                    tell(s, ERROR).await;
                    return;
                }
            }
        }
        if buf.len() > HEAD_MAX {
            crate::debug!(TAG, "fetch {:#x}: response head too long", s.handle);
            tell(s, ERROR).await;
            return;
        }
        match rd.read(&mut piece).await {
            Ok(0) => {
                tell(s, EOS).await;
                return;
            }
            Ok(n) => buf.extend_from_slice(&piece[..n]),
            Err(_) => {
                tell(s, ERROR).await;
                return;
            }
        }
    };
    let mut got = take(s, &mut decoder, &rest);
    if !tell(s, event::HEAD_DONE).await {
        return;
    }
    loop {
        match got {
            Err(e) => {
                crate::debug!(TAG, "fetch {:#x}: {e}", s.handle);
                tell(s, ERROR).await;
                return;
            }
            Ok(_) if decoder.done() => {
                tell(s, event::BODY_DONE).await;
                return;
            }
            Ok(true) => {
                if !tell(s, event::BODY_READY).await {
                    return;
                }
            }
            Ok(false) => {}
        }
        // Room for more (the plugin drains with TSFetchReadData).
        while s.st.lock().body.len() >= BODY_MAX {
            s.room.notified().await;
        }
        got = match rd.read(&mut piece).await {
            Ok(n) if n > 0 => take(s, &mut decoder, &piece[..n]),
            // The session ended (a body to the end of it, or cut short): as ATS, BODY_DONE.
            _ => {
                tell(s, event::BODY_DONE).await;
                return;
            }
        };
    }
}

/// Decode `input` into the fetch's body: whether body bytes came.
fn take(s: &Stream, decoder: &mut Decoder, input: &[u8]) -> Result<bool, &'static str> {
    let mut out = Vec::new();
    decoder.feed(input, &mut out)?;
    s.st.lock().body.extend(out.iter());
    Ok(!out.is_empty())
}

/// Call the continuation with `event` and the fetch, holding its mutex, off the network
/// thread's reactor: false when the fetch was destroyed (before or during the call).
async fn tell(s: &Arc<Stream>, event: c_int) -> bool {
    if s.destroyed() {
        return false;
    }
    let s2 = s.clone();
    let _ = tokio::task::spawn_blocking(move || {
        if !s2.cont.is_deleted() && !s2.destroyed() {
            s2.cont.call_locked(event, s2.handle as *mut c_void);
        }
    })
    .await;
    !s.destroyed()
}
