//! TSFetchUrl: a request a plugin hands over whole, made through tshost's HTTP engine as an
//! internal session (as [`super::connect`]), the response read to the session's end and given
//! back as ATS's FetchSM does: with AFTER_BODY, the continuation gets the success event with the
//! fetch (TSFetchRespGet: the response as received, head and body); with AFTER_HEADER, first the
//! success event once the head is in (TSFetchPageRespGet gives it parsed), then again at the end;
//! NO_CALLBACK, nothing. The failure event (edata NULL) comes when no response arrived. Each call holds the
//! continuation's mutex; the fetch and its bytes live until the last call returns.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::os::raw::c_void;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::cont::Cont;
use crate::hdrs::MBuffer;
use crate::rt::pool::Pool;

/// TSFetchWakeUpOptions.
pub const NO_CALLBACK: i32 = 0;
pub const AFTER_HEADER: i32 = 1;
pub const AFTER_BODY: i32 = 2;

/// The most response bytes a fetch keeps (ATS keeps what comes; tshost bounds it).
pub const MAX_RESPONSE: usize = 64 * 1024 * 1024;

/// A fetch in flight: the response so far, NUL-terminated for C, and its head once parsed.
pub struct Fetch {
    pub handle: usize,
    response: Mutex<Vec<u8>>,
    head: Mutex<Option<Arc<MBuffer>>>,
    /// TSFetchFlagSet's (TS_FETCH_FLAGS_*): DECHUNK (or STREAM) gives TSFetchRespGet a chunked
    /// body's payload alone, as ATS's FetchSM.
    flags: AtomicI32,
    user_data: AtomicUsize,
}

pub static FETCHES: Pool<Fetch> = Pool::new();

impl Fetch {
    /// The response as received (head and body) and its length, valid while the fetch lives.
    pub fn response(&self) -> (*const u8, usize) {
        let r = self.response.lock();
        (r.as_ptr(), r.len().saturating_sub(1))
    }

    /// The parsed response head, once the head has come.
    pub fn head(&self) -> Option<Arc<MBuffer>> {
        self.head.lock().clone()
    }

    /// TSFetchFlagSet: taken into account when the response is complete.
    pub fn set_flags(&self, f: i32) {
        self.flags.store(f, Ordering::Relaxed);
    }

    pub fn set_user_data(&self, p: usize) {
        self.user_data.store(p, Ordering::Relaxed);
    }

    pub fn user_data(&self) -> usize {
        self.user_data.load(Ordering::Relaxed)
    }

    /// The response complete: with DECHUNK or STREAM, a chunked body becomes its payload; then
    /// the NUL C expects.
    fn finish(&self) {
        let dechunk = self.flags.load(Ordering::Relaxed)
            & (super::fetch_stream::flags::DECHUNK | super::fetch_stream::flags::STREAM)
            != 0;
        let mut r = self.response.lock();
        if dechunk {
            if let Some(end) = crate::proxy::body::find_head_end(&r, 0) {
                let chunked = crate::hdrs::parse::parse_response(&r[..end], false)
                    .is_ok_and(|p| matches!(p.1, crate::hdrs::parse::Framing::Chunked));
                if chunked {
                    if let Some(body) = super::fetch_body::dechunk_all(&r[end..]) {
                        r.truncate(end);
                        r.extend_from_slice(&body);
                    }
                }
            }
        }
        r.push(0);
    }
}

/// What the continuation is told, and when.
pub struct Wakeup {
    pub cont: Option<Arc<Cont>>,
    pub options: i32,
    pub success: i32,
    pub failure: i32,
}

/// Start a fetch of `request` (a raw HTTP/1 request) from `client`: the fetch's handle.
pub fn fetch_url(request: Vec<u8>, client: SocketAddr, wake: Wakeup) -> Result<usize, String> {
    let (proxy_side, mut mine) = super::pipe::pipe();
    let tag = Some(super::fetch_stream::TAG);
    super::connect::serve(client, tag, 0, true, proxy_side)?;
    let (handle, fetch) = FETCHES.insert(|h| Fetch {
        handle: h,
        response: Mutex::new(Vec::new()),
        head: Mutex::new(None),
        flags: AtomicI32::new(0),
        user_data: AtomicUsize::new(0),
    });
    let run = async move {
        let mut ok = mine.write_all(&request).await.is_ok();
        let mut buf = vec![0u8; 16 * 1024];
        let mut head_told = false;
        while ok {
            match mine.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => {
                    let mut r = fetch.response.lock();
                    if r.len() + n > MAX_RESPONSE {
                        ok = false;
                        break;
                    }
                    r.extend_from_slice(&buf[..n]);
                    if fetch.head.lock().is_none() {
                        if let Some(end) = crate::proxy::body::find_head_end(&r, 0) {
                            if let Ok(p) = crate::hdrs::parse::parse_response(&r[..end], false) {
                                *fetch.head.lock() = Some(p.0);
                            }
                        }
                    }
                }
                Err(_) => ok = false,
            }
            if wake.options == AFTER_HEADER && !head_told && fetch.head.lock().is_some() {
                head_told = true;
                tell(&wake, wake.success, fetch.handle).await;
            }
        }
        fetch.finish();
        let got_response = fetch.head.lock().is_some();
        if wake.options != NO_CALLBACK {
            // As ATS's FetchSM: the fetch with success, NULL with failure.
            if ok && got_response {
                tell(&wake, wake.success, fetch.handle).await;
            } else {
                tell(&wake, wake.failure, 0).await;
            }
        }
        FETCHES.release(fetch.handle);
    };
    // The request goes once the calling plugin code is done (ATS's FetchSM runs on the caller's
    // event thread, after it): the fetch cannot end, and its handle die, before the caller's
    // TSFetchFlagSet or TSFetchUserDataSet on it.
    crate::sched::later(Box::new(move || {
        if let Err(e) = super::connect::spawn(run) {
            crate::error!("TSFetchUrl: {e}");
        }
    }));
    Ok(handle)
}

/// Call the continuation with `event` and the fetch, under its mutex, off the network thread's
/// reactor (a busy mutex waits there).
async fn tell(wake: &Wakeup, event: i32, handle: usize) {
    let Some(cont) = wake.cont.clone() else {
        return;
    };
    let _ = tokio::task::spawn_blocking(move || {
        if !cont.is_deleted() {
            cont.call_locked(event, handle as *mut c_void);
        }
    })
    .await;
}
