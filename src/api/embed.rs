//! tshost.h: start and stop a host from C, and the plugin test harness (synthetic sessions and
//! transactions through the real hook dispatcher, no sockets).
//!
//! Typical plugin unit test:
//!   tshost_plugin_load("./my_plugin.so", argc, argv);
//!   tshost_trace_enable(1);
//!   TSHttpSsn ssn; tshost_ssn_open(NULL, &ssn);
//!   tshost_txn_result r; tshost_txn_run(ssn, NULL, &r);
//!   tshost_ssn_close(ssn);
//!   ... inspect tshost_trace_get(i, &entry) for every hook call ...

use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::net::SocketAddr;
use std::os::raw::{c_char, c_int};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::http::ssn_arg;
use super::{guard, here};
use crate::harness::{self, SessionOptions, TxnOptions, TxnResult};
use crate::hooks::trace;
use crate::rt::pool::Pool;
use crate::sys::types::{TSCont, TSHttpSsn};
use crate::txn::ClientInfo;
use crate::txn::SSNS;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_error(msg: &str) {
    crate::error!("{msg}");
    LAST_ERROR.with(|e| *e.borrow_mut() = CString::new(msg.replace('\0', " ")).unwrap_or_default());
}

/// The message of the last tshost_* call that failed on this thread ("" if none).
#[no_mangle]
pub extern "C" fn tshost_last_error() -> *const c_char {
    guard!(c"".as_ptr(), || {
        LAST_ERROR.with(|e| e.borrow().as_ptr())
    })
}

/// tshost's own version (TSTrafficServerVersionGet gives the ATS API version, 9.2.9).
#[no_mangle]
pub extern "C" fn tshost_version() -> *const c_char {
    static V: &CStr = c"tshost 0.1.0";
    guard!(V.as_ptr(), || V.as_ptr())
}

/// Start a host in this process from a configuration directory: records.config (optional; defaults
/// apply), then every plugin of plugin.config in order. 0 on success, -1 on error (see
/// tshost_last_error; the message names the file and line). One host per process.
#[no_mangle]
pub unsafe extern "C" fn tshost_start(config_dir: *const c_char) -> c_int {
    guard!(-1, || {
        if config_dir.is_null() {
            set_error(&format!("{}: NULL config_dir", here!()));
            return -1;
        }
        // SAFETY: non-NULL (checked above); the caller passes a NUL-terminated path.
        let dir = unsafe { CStr::from_ptr(config_dir) }
            .to_string_lossy()
            .into_owned();
        match crate::host::start(Path::new(&dir)) {
            Ok(()) => 0,
            Err(e) => {
                set_error(&e);
                -1
            }
        }
    })
}

/// Stop the host started by tshost_start. Plugins stay loaded (ATS never unloads them). 0 if a host
/// was running, -1 otherwise.
#[no_mangle]
pub extern "C" fn tshost_stop() -> c_int {
    guard!(-1, || match crate::host::stop() {
        true => 0,
        false => -1,
    })
}

/// Load one plugin into this process, as a plugin.config line would: `argv[0]` is the path as
/// written (relative paths resolve against TSPluginDirGet()), `argv[1..]` its arguments. Runs its
/// TSPluginInit. 0 on success, -1 on error (tshost_last_error says why).
#[no_mangle]
pub unsafe extern "C" fn tshost_plugin_load(argc: c_int, argv: *const *const c_char) -> c_int {
    guard!(-1, || {
        if argc < 1 || argv.is_null() {
            set_error(&format!("{}: need argc >= 1 and argv", here!()));
            return -1;
        }
        let mut args = Vec::new();
        for i in 0..argc as usize {
            // SAFETY: argv is non-NULL (checked above) and has argc entries (this function's
            // contract, as TSPluginInit's), and i < argc.
            let p = unsafe { *argv.add(i) };
            if p.is_null() {
                set_error(&format!("{}: argv[{i}] is NULL", here!()));
                return -1;
            }
            // SAFETY: non-NULL (checked above); each argv entry is a NUL-terminated string.
            args.push(unsafe { CStr::from_ptr(p) }.to_bytes().to_vec());
        }
        let dir = crate::host::dirs().plugin_path.clone();
        match crate::plugin::loader::load(here!().name(), &dir, &args) {
            Ok(_) => 0,
            Err(e) => {
                set_error(&e);
                -1
            }
        }
    })
}

/// Deliver a message to the plugins, as ATS's `traffic_ctl plugin msg TAG DATA` does: every
/// continuation on TS_LIFECYCLE_MSG_HOOK gets TS_EVENT_LIFECYCLE_MSG with a TSPluginMsg (`tag`,
/// then `size` bytes of `data`, which may be NULL when `size` is 0), on the calling thread, in the
/// order they were added. 0, or -1 for a NULL tag or NULL data with a size.
#[no_mangle]
pub unsafe extern "C" fn tshost_plugin_msg(
    tag: *const c_char,
    data: *const std::os::raw::c_void,
    size: usize,
) -> c_int {
    guard!(-1, || {
        if tag.is_null() || (data.is_null() && size > 0) {
            set_error(&format!("{}: NULL tag, or NULL data with a size", here!()));
            return -1;
        }
        let mut msg = crate::sys::types::TSPluginMsg {
            tag,
            data,
            data_size: size,
        };
        crate::hooks::lifecycle::fire(
            crate::sys::types::TSLifecycleHookID::TS_LIFECYCLE_MSG_HOOK,
            (&mut msg as *mut crate::sys::types::TSPluginMsg).cast(),
        );
        0
    })
}

/// Configure debug output as records.config would (proxy.config.diags.debug.enabled/.tags).
#[no_mangle]
pub unsafe extern "C" fn tshost_debug_set(enabled: c_int, tags: *const c_char) -> c_int {
    guard!(-1, || {
        let tags = if tags.is_null() {
            String::new()
        } else {
            // SAFETY: non-NULL (checked above); the caller passes a NUL-terminated string.
            unsafe { CStr::from_ptr(tags) }
                .to_string_lossy()
                .into_owned()
        };
        match crate::diags::configure_debug(enabled != 0, &tags) {
            Ok(()) => 0,
            Err(e) => {
                set_error(&e);
                -1
            }
        }
    })
}

/// Report a hook not reenabled within `ms` milliseconds in the log (0: never). Default 10000.
#[no_mangle]
pub extern "C" fn tshost_hook_timeout_set(ms: u64) {
    guard!((), || { crate::hooks::set_hook_timeout_ms(ms) })
}

// -------------------------------------------------------------------------------------------------
// Trace

/// One hook call, as recorded by the trace.
#[repr(C)]
pub struct tshost_trace_entry {
    /// The session's id (TSHttpSsnIdGet).
    pub ssn_id: i64,
    /// -1 for session hooks (SSN_START, SSN_CLOSE).
    pub txn_id: i64,
    /// TSHttpHookID.
    pub hook: c_int,
    /// The event delivered (TS_EVENT_HTTP_*).
    pub event: c_int,
    /// Where the continuation was added: 0 global (TSHttpHookAdd), 1 session, 2 transaction.
    pub scope: c_int,
    /// The continuation called.
    pub cont: TSCont,
    /// The plugin's registered name (truncated).
    pub plugin: [c_char; 64],
    /// The event it was reenabled with, -1 while it is still outstanding.
    pub reenable_event: c_int,
    /// 1 if the reenable came before the callback returned.
    pub reenabled_inline: c_int,
    /// 1 if another thread than the one that ran the callback reenabled it.
    pub reenabled_from_other_thread: c_int,
}

/// Record every hook call from now on (1) or stop recording (0).
#[no_mangle]
pub extern "C" fn tshost_trace_enable(on: c_int) {
    guard!((), || trace::set_enabled(on != 0))
}

/// Forget every recorded hook call (recording stays on or off as it was).
#[no_mangle]
pub extern "C" fn tshost_trace_clear() {
    guard!((), trace::clear)
}

/// Number of recorded hook calls.
#[no_mangle]
pub extern "C" fn tshost_trace_count() -> c_int {
    guard!(0, || trace::len() as c_int)
}

/// Copy entry `i` (0 = oldest) into `out`. 0 on success, -1 if there is no such entry.
#[no_mangle]
pub unsafe extern "C" fn tshost_trace_get(i: c_int, out: *mut tshost_trace_entry) -> c_int {
    guard!(-1, || {
        let (Some(e), false) = (
            if i < 0 { None } else { trace::get(i as usize) },
            out.is_null(),
        ) else {
            return -1;
        };
        let mut plugin = [0 as c_char; 64];
        for (d, s) in plugin.iter_mut().zip(e.plugin.bytes().take(63)) {
            *d = s as c_char;
        }
        // SAFETY: `out` is non-NULL (checked above) and points to the caller's
        // tshost_trace_entry; the type has no Drop, so nothing is read from it.
        unsafe {
            *out = tshost_trace_entry {
                ssn_id: e.ssn_id,
                txn_id: e.txn_id,
                hook: e.hook,
                event: e.event,
                scope: e.scope,
                cont: e.cont as TSCont,
                plugin,
                reenable_event: e.reenable_event,
                reenabled_inline: e.inline as c_int,
                reenabled_from_other_thread: e.other_thread as c_int,
            }
        };
        0
    })
}

// -------------------------------------------------------------------------------------------------
// Sessions and transactions

/// A synthetic client session. All fields may be 0/NULL.
#[repr(C)]
pub struct tshost_ssn_options {
    /// Client address (a struct sockaddr_in or sockaddr_in6), NULL for 127.0.0.1:40000.
    pub client_addr: *const libc::sockaddr,
    /// Local (proxy) address, NULL for 127.0.0.1:8080.
    pub local_addr: *const libc::sockaddr,
    /// Protocol stack, outermost first, e.g. {"tls/1.3", "tcp", "ipv4"}; NULL for {"tcp", "ipv4"}
    /// ({"tcp", "ipv6"} with an IPv6 client address). With "h2" in it the session is HTTP/2 and
    /// keeps its client connection at SSN_CLOSE; otherwise, as ATS's HTTP/1 sessions, SSN_CLOSE
    /// sees no address, fd or network tags.
    pub protocol_stack: *const *const c_char,
    /// The number of tags in `protocol_stack`.
    pub protocol_stack_len: c_int,
    /// The client socket TSHttpSsnClientFdGet reports; 0 or negative: none (the call fails, as
    /// for a connection without a socket).
    pub fd: c_int,
    /// 1: a plugin-made session (TSHttpSsnIsInternal 1; TSHttpSsnClientFdGet gives -1).
    pub internal: c_int,
}

/// Open a session: its SSN_START hooks run on the calling thread, which waits for every reenable
/// (from any thread). Returns 0 and stores the session in `*out` when it is accepted; 1 when an
/// SSN_START hook reenabled with TS_EVENT_HTTP_ERROR (the session was closed and SSN_CLOSE ran;
/// `*out` is set to NULL); -1 on a bad argument.
#[no_mangle]
pub unsafe extern "C" fn tshost_ssn_open(
    opts: *const tshost_ssn_options,
    out: *mut TSHttpSsn,
) -> c_int {
    guard!(-1, || {
        if out.is_null() {
            set_error(&format!("{}: NULL out", here!()));
            return -1;
        }
        let mut so = SessionOptions {
            client_addr: Some(SocketAddr::from(([127, 0, 0, 1], 40000))),
            local_addr: Some(SocketAddr::from(([127, 0, 0, 1], 8080))),
            stack: vec![crate::proxy::proto::TCP, crate::proxy::proto::IPV4],
        };
        let (mut fd, mut internal) = (-1, false);
        if !opts.is_null() {
            // SAFETY: non-NULL (checked above); the caller passes a tshost_ssn_options alive for
            // the call.
            let o = unsafe { &*opts };
            if o.fd > 0 {
                fd = o.fd;
            }
            internal = o.internal != 0;
            if !o.client_addr.is_null() {
                // SAFETY: the options' address is NULL or a sockaddr_in/sockaddr_in6 matching its
                // family (tshost_ssn_options' contract).
                so.client_addr = unsafe { super::addr::sockaddr_of(here!(), o.client_addr) };
                if matches!(so.client_addr, Some(SocketAddr::V6(_))) {
                    so.stack = vec![crate::proxy::proto::TCP, crate::proxy::proto::IPV6];
                }
            }
            if !o.local_addr.is_null() {
                // SAFETY: as for the client address.
                so.local_addr = unsafe { super::addr::sockaddr_of(here!(), o.local_addr) };
            }
            if !o.protocol_stack.is_null() && o.protocol_stack_len > 0 {
                so.stack.clear();
                for i in 0..o.protocol_stack_len as usize {
                    // SAFETY: protocol_stack is non-NULL (checked above) with protocol_stack_len
                    // entries (tshost_ssn_options' contract), and i < protocol_stack_len.
                    let p = unsafe { *o.protocol_stack.add(i) };
                    let s = if p.is_null() {
                        String::new()
                    } else {
                        // SAFETY: non-NULL; each entry is a NUL-terminated tag.
                        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
                    };
                    match crate::proxy::proto::canonical(&s) {
                        Some(t) => so.stack.push(t),
                        None => {
                            set_error(&format!("{}: unknown protocol tag {s:?}", here!()));
                            return -1;
                        }
                    }
                }
            }
        }
        let mut info = ClientInfo::new(so.client_addr, so.local_addr, fd, so.stack);
        info.internal = internal;
        let (ssn, accepted) = harness::block_on(harness::open_client_session(info));
        if accepted {
            // SAFETY: `out` is non-NULL (checked above) and the caller's TSHttpSsn variable.
            unsafe { *out = ssn.handle as TSHttpSsn };
            0
        } else {
            // SAFETY: as above.
            unsafe { *out = std::ptr::null_mut() };
            1
        }
    })
}

/// Close a session: waits until every transaction of it has finished (TXN_CLOSE done), then runs
/// SSN_CLOSE on the calling thread. The handle is dead afterwards. 0, or -1 for a bad handle.
#[no_mangle]
pub extern "C" fn tshost_ssn_close(ssn: TSHttpSsn) -> c_int {
    guard!(-1, || {
        let Some(s) = ssn_arg(here!(), ssn) else {
            set_error(&format!("{}: not a live session", here!()));
            return -1;
        };
        harness::block_on(harness::close_session(&s));
        0
    })
}

/// How a synthetic transaction goes. All 0 = a normal request answered 200 by the origin.
#[repr(C)]
pub struct tshost_txn_options {
    /// The client goes away after this hook point (a TSHttpHookID; its callees still finish and
    /// the transaction then skips to TXN_CLOSE). -1 or 0 with `abort` 0: the client stays.
    pub abort_after_hook: c_int,
    /// Set to 1 to use `abort_after_hook` (so that hook 0, READ_REQUEST_HDR, can be named).
    pub abort: c_int,
    /// 1: the origin is unreachable (no SEND_REQUEST_HDR / READ_RESPONSE_HDR; 502).
    pub origin_fails: c_int,
    /// Status of the origin's response; 0 means 200.
    pub origin_status: c_int,
    /// HTTP version of the client request, TS_HTTP_VERSION(major, minor); 0 means 1.1. Read at
    /// READ_REQUEST_HDR: before that (TXN_START) the request reads as HTTP/1.0, as in ATS.
    pub request_version: c_int,
    /// The client request, raw HTTP/1.x text up to the blank line; NULL for
    /// "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n". READ_REQUEST_HDR sees it parsed (TXN_START
    /// sees an empty request). A request that does not parse makes tshost_txn_run fail.
    pub request: *const c_char,
    /// The origin's response head, raw text; NULL for "HTTP/1.1 200 OK\r\nContent-Length:
    /// 0\r\n\r\n" (`origin_status`, if set, replaces its status and reason).
    pub response: *const c_char,
}

/// What a transaction run with tshost_txn_run (or a job) came to.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tshost_txn_result {
    /// The transaction's id (TSHttpTxnIdGet).
    pub txn_id: u64,
    /// Status of the response the client got; 0 if none (client gone, response refused).
    pub status: c_int,
    /// 1 if tshost generated the response (plugin ERROR or status, origin failure).
    pub error_response: c_int,
    /// 1 if the client went away (abort_after_hook).
    pub aborted: c_int,
    /// The request head sent to the origin after the SEND_REQUEST_HDR hooks (NULL if none was
    /// sent). malloc'ed and NUL-terminated: free() it (or TSfree).
    pub server_request: *mut c_char,
    /// The response sent to the client after the SEND_RESPONSE_HDR hooks: the head, followed by
    /// the body when tshost made the response (NULL if none was sent). free() it.
    pub client_response: *mut c_char,
}

impl Default for tshost_txn_result {
    fn default() -> Self {
        tshost_txn_result {
            txn_id: 0,
            status: 0,
            error_response: 0,
            aborted: 0,
            server_request: std::ptr::null_mut(),
            client_response: std::ptr::null_mut(),
        }
    }
}

/// A malloc'ed NUL-terminated copy (NULL for None or when out of memory).
fn c_string(b: Option<Vec<u8>>) -> *mut c_char {
    let Some(b) = b else {
        return std::ptr::null_mut();
    };
    // SAFETY: a fresh allocation of b.len() + 1 bytes, filled below.
    unsafe {
        let p = libc::malloc(b.len() + 1).cast::<c_char>();
        if !p.is_null() {
            std::ptr::copy_nonoverlapping(b.as_ptr().cast::<c_char>(), p, b.len());
            *p.add(b.len()) = 0;
        }
        p
    }
}

impl From<TxnResult> for tshost_txn_result {
    fn from(r: TxnResult) -> Self {
        tshost_txn_result {
            txn_id: r.txn_id,
            status: r.status,
            error_response: r.error_response as c_int,
            aborted: r.aborted as c_int,
            server_request: c_string(r.server_request),
            client_response: c_string(r.client_response),
        }
    }
}

/// Raw header text from C, parsed.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string alive for the call.
unsafe fn raw_hdr(
    p: *const c_char,
    parse: fn(&[u8]) -> Result<crate::hdrs::HttpHdr, String>,
) -> Result<Option<crate::hdrs::HttpHdr>, String> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL (checked above), NUL-terminated and alive (this function's contract).
    parse(unsafe { CStr::from_ptr(p) }.to_bytes()).map(Some)
}

/// The transaction options the caller passed (NULL: the defaults).
///
/// # Safety
/// `opts` is NULL or points to a tshost_txn_options whose `request` and `response` are each NULL
/// or a NUL-terminated string, all alive for the call.
unsafe fn txn_options(opts: *const tshost_txn_options) -> Result<TxnOptions, String> {
    if opts.is_null() {
        return Ok(TxnOptions::default());
    }
    // SAFETY: non-NULL (checked above), and a live tshost_txn_options (this function's contract).
    let o = unsafe { &*opts };
    Ok(TxnOptions {
        abort_after: (o.abort != 0).then_some(o.abort_after_hook),
        origin_fails: o.origin_fails != 0,
        origin_status: o.origin_status,
        request_version: o.request_version as u32,
        // SAFETY: NULL or a NUL-terminated string (this function's contract).
        request: unsafe { raw_hdr(o.request, crate::harness::parse_request) }
            .map_err(|e| format!("request: {e}"))?,
        // SAFETY: as for the request.
        response: unsafe { raw_hdr(o.response, crate::harness::parse_response) }
            .map_err(|e| format!("response: {e}"))?,
    })
}

/// Run one transaction of `ssn` from TXN_START to TXN_CLOSE on the calling thread, waiting for
/// every reenable. 0 and `*out` filled (if non-NULL), or -1 for a bad or closing session.
#[no_mangle]
pub unsafe extern "C" fn tshost_txn_run(
    ssn: TSHttpSsn,
    opts: *const tshost_txn_options,
    out: *mut tshost_txn_result,
) -> c_int {
    guard!(-1, || {
        let Some(s) = ssn_arg(here!(), ssn) else {
            set_error(&format!("{}: not a live session", here!()));
            return -1;
        };
        // SAFETY: the caller passes NULL or a tshost_txn_options with NULL or NUL-terminated
        // header strings (this function's contract).
        let o = match unsafe { txn_options(opts) } {
            Ok(o) => o,
            Err(e) => {
                set_error(&format!("{}: {e}", here!()));
                return -1;
            }
        };
        let Some(txn) = harness::new_transaction(&s) else {
            set_error(&format!("{}: the session is closing", here!()));
            return -1;
        };
        let r = harness::block_on(harness::run_transaction(txn, o));
        if !out.is_null() {
            // SAFETY: non-NULL, the caller's tshost_txn_result (no Drop: nothing is read from it).
            unsafe { *out = r.into() };
        }
        0
    })
}

/// A transaction running on a thread of its own (tshost_txn_spawn).
pub struct tshost_job {
    done: Mutex<Option<TxnResult>>,
    cv: Condvar,
}

static JOBS: Pool<tshost_job> = Pool::new();

/// Run one transaction of `ssn` on a new thread and return at once. Wait for it with
/// tshost_job_wait and free it with tshost_job_free. NULL for a bad session.
#[no_mangle]
pub unsafe extern "C" fn tshost_txn_spawn(
    ssn: TSHttpSsn,
    opts: *const tshost_txn_options,
) -> *mut tshost_job {
    guard!(std::ptr::null_mut(), || {
        let Some(s) = ssn_arg(here!(), ssn) else {
            set_error(&format!("{}: not a live session", here!()));
            return std::ptr::null_mut();
        };
        // SAFETY: the caller passes NULL or a tshost_txn_options with NULL or NUL-terminated
        // header strings (this function's contract).
        let o = match unsafe { txn_options(opts) } {
            Ok(o) => o,
            Err(e) => {
                set_error(&format!("{}: {e}", here!()));
                return std::ptr::null_mut();
            }
        };
        // Counted now, so a session closed right after this call waits for it.
        let Some(txn) = harness::new_transaction(&s) else {
            set_error(&format!("{}: the session is closing", here!()));
            return std::ptr::null_mut();
        };
        let (h, job) = JOBS.insert(|_| tshost_job {
            done: Mutex::new(None),
            cv: Condvar::new(),
        });
        let j: Arc<tshost_job> = job;
        std::thread::Builder::new()
            .name("harness txn".into())
            .spawn(move || {
                let r = harness::block_on(harness::run_transaction(txn, o));
                *j.done.lock() = Some(r);
                j.cv.notify_all();
            })
            .map(|_| h as *mut tshost_job)
            .unwrap_or_else(|e| {
                set_error(&format!("{}: {e}", here!()));
                std::ptr::null_mut()
            })
    })
}

/// Wait up to `timeout_ms` (negative: forever) for a spawned transaction. 0: it finished and `*out`
/// is filled (if non-NULL; its `server_request`/`client_response` strings go to the first such
/// wait, later ones get NULL); 1: still running; -1: bad job.
#[no_mangle]
pub unsafe extern "C" fn tshost_job_wait(
    job: *mut tshost_job,
    timeout_ms: c_int,
    out: *mut tshost_txn_result,
) -> c_int {
    guard!(-1, || {
        let Some(j) = JOBS.get(job as usize) else {
            set_error(&format!("{}: not a live job", here!()));
            return -1;
        };
        let mut d = j.done.lock();
        if timeout_ms < 0 {
            while d.is_none() {
                j.cv.wait(&mut d);
            }
        } else {
            let deadline = std::time::Instant::now() + Duration::from_millis(timeout_ms as u64);
            while d.is_none() {
                if j.cv.wait_until(&mut d, deadline).timed_out() {
                    break;
                }
            }
        }
        match d.as_mut() {
            Some(r) => {
                if !out.is_null() {
                    // The strings go to this caller: a later wait gets NULL ones.
                    let strings = TxnResult {
                        server_request: r.server_request.take(),
                        client_response: r.client_response.take(),
                        ..r.clone()
                    };
                    // SAFETY: non-NULL (checked above), the caller's tshost_txn_result (no Drop:
                    // nothing is read from it).
                    unsafe { *out = strings.into() };
                }
                0
            }
            None => 1,
        }
    })
}

/// Free a job (a still-running transaction carries on to its end).
#[no_mangle]
pub extern "C" fn tshost_job_free(job: *mut tshost_job) {
    guard!((), || {
        JOBS.release(job as usize);
    })
}

/// 1 if `ssn` is a live session handle, else 0.
#[no_mangle]
pub extern "C" fn tshost_ssn_is_live(ssn: TSHttpSsn) -> c_int {
    guard!(0, || { SSNS.get(ssn as usize).is_some() as c_int })
}

/// How many objects of `kind` are live now, for tests that check nothing leaks (ATS's debug
/// counters): "cont", "vconn" (plugin VConnections: TSVConnCreate, TSTransformCreate, tshost's
/// intercept and sink ones), "vio", "iobuffer", "reader", "mutex", "action", "txn", "ssn",
/// "fetch", "mbuffer". -1 for NULL or an unknown kind. Exact when no traffic is in flight.
#[no_mangle]
pub unsafe extern "C" fn tshost_live_objects(kind: *const c_char) -> i64 {
    guard!(-1, || {
        if kind.is_null() {
            crate::error!("{}: NULL kind", here!());
            return -1;
        }
        // SAFETY: non-NULL; the caller's NUL-terminated string.
        let k = unsafe { CStr::from_ptr(kind) }.to_bytes();
        let n = match k {
            b"cont" => crate::cont::CONTS.live(),
            b"vconn" => crate::vio::live(),
            b"vio" => crate::vio::VIOS.live(),
            b"iobuffer" => crate::iobuf::live().0,
            b"reader" => crate::iobuf::live().1,
            b"mutex" => crate::mutex::MUTEXES.live(),
            b"action" => crate::sched::ACTIONS.live(),
            b"txn" => crate::txn::TXNS.live(),
            b"ssn" => SSNS.live(),
            b"fetch" => crate::proxy::fetch::FETCHES.live(),
            b"mbuffer" => crate::hdrs::BUFFERS.live(),
            _ => {
                crate::error!("{}: unknown kind {:?}", here!(), String::from_utf8_lossy(k));
                return -1;
            }
        };
        n as i64
    })
}
