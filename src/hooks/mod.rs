//! Hooks: the global registry, per-session and per-transaction lists, and the dispatcher.
//!
//! For one hook point the callees are the global continuations for that id, then the session's,
//! then the transaction's, each list in add order. Lists are walked by index and re-read at every
//! step, so a continuation added to a list during the pass (even to a list that was empty when the
//! hook point started) still runs in that pass, as in ATS.
#![forbid(unsafe_code)]

pub mod dispatch;
pub mod lifecycle;
pub mod trace;

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use arc_swap::ArcSwap;
use parking_lot::Mutex;

use crate::cont::Cont;
use crate::sys::types::TSHttpHookID;

/// TS_HTTP_LAST_HOOK: valid hook ids are 0..HOOK_COUNT.
pub const HOOK_COUNT: usize = TSHttpHookID::TS_HTTP_LAST_HOOK as usize;

/// The hook ids the core uses, as plain ints: TSHttpHookID's values (declared once, in
/// sys/types/hook_enums.rs).
pub mod id {
    use crate::sys::types::TSHttpHookID as H;
    pub const READ_REQUEST_HDR: i32 = H::TS_HTTP_READ_REQUEST_HDR_HOOK as i32;
    pub const OS_DNS: i32 = H::TS_HTTP_OS_DNS_HOOK as i32;
    pub const SEND_REQUEST_HDR: i32 = H::TS_HTTP_SEND_REQUEST_HDR_HOOK as i32;
    pub const READ_CACHE_HDR: i32 = H::TS_HTTP_READ_CACHE_HDR_HOOK as i32;
    pub const READ_RESPONSE_HDR: i32 = H::TS_HTTP_READ_RESPONSE_HDR_HOOK as i32;
    pub const SEND_RESPONSE_HDR: i32 = H::TS_HTTP_SEND_RESPONSE_HDR_HOOK as i32;
    pub const REQUEST_TRANSFORM: i32 = H::TS_HTTP_REQUEST_TRANSFORM_HOOK as i32;
    pub const RESPONSE_TRANSFORM: i32 = H::TS_HTTP_RESPONSE_TRANSFORM_HOOK as i32;
    pub const SELECT_ALT: i32 = H::TS_HTTP_SELECT_ALT_HOOK as i32;
    pub const TXN_START: i32 = H::TS_HTTP_TXN_START_HOOK as i32;
    pub const TXN_CLOSE: i32 = H::TS_HTTP_TXN_CLOSE_HOOK as i32;
    pub const SSN_START: i32 = H::TS_HTTP_SSN_START_HOOK as i32;
    pub const SSN_CLOSE: i32 = H::TS_HTTP_SSN_CLOSE_HOOK as i32;
    pub const CACHE_LOOKUP_COMPLETE: i32 = H::TS_HTTP_CACHE_LOOKUP_COMPLETE_HOOK as i32;
    pub const PRE_REMAP: i32 = H::TS_HTTP_PRE_REMAP_HOOK as i32;
    pub const POST_REMAP: i32 = H::TS_HTTP_POST_REMAP_HOOK as i32;
    pub const RESPONSE_CLIENT: i32 = H::TS_HTTP_RESPONSE_CLIENT_HOOK as i32;
    pub const VCONN_START: i32 = H::TS_VCONN_START_HOOK as i32;
    pub const VCONN_CLOSE: i32 = H::TS_VCONN_CLOSE_HOOK as i32;
    pub const SSL_CLIENT_HELLO: i32 = H::TS_SSL_CLIENT_HELLO_HOOK as i32;
    pub const SSL_SERVERNAME: i32 = H::TS_SSL_SERVERNAME_HOOK as i32;
    pub const SSL_CERT: i32 = H::TS_SSL_CERT_HOOK as i32;
    pub const SSL_VERIFY_CLIENT: i32 = H::TS_SSL_VERIFY_CLIENT_HOOK as i32;
    pub const SSL_VERIFY_SERVER: i32 = H::TS_SSL_SERVER_VERIFY_HOOK as i32;
    pub const VCONN_OUTBOUND_START: i32 = H::TS_VCONN_OUTBOUND_START_HOOK as i32;
    pub const VCONN_OUTBOUND_CLOSE: i32 = H::TS_VCONN_OUTBOUND_CLOSE_HOOK as i32;
    pub const SSL_SESSION: i32 = H::TS_SSL_SESSION_HOOK as i32;
    pub const REQUEST_BUFFER_READ_COMPLETE: i32 =
        H::TS_HTTP_REQUEST_BUFFER_READ_COMPLETE_HOOK as i32;
}

/// The event a transaction or session hook delivers: TS_EVENT_HTTP_READ_REQUEST_HDR + id.
pub fn event_for(hook: i32) -> i32 {
    crate::sys::types::TSEvent::TS_EVENT_HTTP_READ_REQUEST_HDR as i32 + hook
}

/// Short name of a hook id for log messages ("READ_REQUEST_HDR").
pub fn short_name(hook: i32) -> String {
    let full = crate::sys::names::hook_name(hook).to_string_lossy();
    full.trim_start_matches("TS_HTTP_")
        .trim_start_matches("TS_")
        .trim_end_matches("_HOOK")
        .to_string()
}

/// Transaction hooks in the order a proxied request reaches them (no cache: DNS comes first).
pub const TXN_SEQUENCE: [i32; 10] = [
    id::TXN_START,
    id::READ_REQUEST_HDR,
    id::PRE_REMAP,
    id::POST_REMAP,
    id::OS_DNS,
    id::CACHE_LOOKUP_COMPLETE,
    id::SEND_REQUEST_HDR,
    id::READ_RESPONSE_HDR,
    id::SEND_RESPONSE_HDR,
    id::TXN_CLOSE,
];

/// Every hook id tshost fires, and nothing else: the transaction hooks of [`TXN_SEQUENCE`], the
/// session's start and close, TS_SSL_SESSION_HOOK (src/tls/session.rs), the client
/// connection hooks (src/vconn.rs), TS_HTTP_REQUEST_BUFFER_READ_COMPLETE_HOOK (src/proxy/sm/buffer.rs),
/// the request and response transforms (src/proxy/sm/transform.rs)
/// and the response agents (src/proxy/sm/agents.rs; their continuations are VConnections written
/// into, not called at a point). The one list of
/// them: [`dispatch::run_point`] and [`dispatch::invoke_global`] check (in debug builds) that the
/// hook they run is here, and a continuation added for any other id gets a warning
/// ([`warn_if_never_fired`]). Implementing a hook means adding it here, which ends its warning.
pub const FIRED: [i32; TXN_SEQUENCE.len() + 16] = {
    let mut all = [0; TXN_SEQUENCE.len() + 16];
    let mut i = 0;
    while i < TXN_SEQUENCE.len() {
        all[i] = TXN_SEQUENCE[i];
        i += 1;
    }
    all[i] = id::SSN_START;
    all[i + 1] = id::SSN_CLOSE;
    all[i + 2] = id::SSL_SESSION;
    all[i + 3] = id::VCONN_START;
    all[i + 4] = id::VCONN_CLOSE;
    all[i + 5] = id::SSL_CLIENT_HELLO;
    all[i + 6] = id::SSL_SERVERNAME;
    all[i + 7] = id::SSL_CERT;
    all[i + 8] = id::SSL_VERIFY_CLIENT;
    all[i + 9] = id::SSL_VERIFY_SERVER;
    all[i + 10] = id::VCONN_OUTBOUND_START;
    all[i + 11] = id::VCONN_OUTBOUND_CLOSE;
    all[i + 12] = id::RESPONSE_TRANSFORM;
    all[i + 13] = id::REQUEST_TRANSFORM;
    all[i + 14] = id::RESPONSE_CLIENT;
    all[i + 15] = id::REQUEST_BUFFER_READ_COMPLETE;
    all
};

/// [`FIRED`] as a bit mask.
const FIRED_MASK: u32 = {
    let mut m = 0u32;
    let mut i = 0;
    while i < FIRED.len() {
        m |= 1 << FIRED[i];
        i += 1;
    }
    m
};

/// Does tshost ever fire `hook` (a valid id, 0..HOOK_COUNT)?
pub fn is_fired(hook: i32) -> bool {
    (0..HOOK_COUNT as i32).contains(&hook) && FIRED_MASK & (1 << hook) != 0
}

/// The last connection hook id (TS_VCONN_OUTBOUND_CLOSE_HOOK).
const H_LAST_CONNECTION: i32 = crate::sys::types::TSHttpHookID::TS_VCONN_OUTBOUND_CLOSE_HOOK as i32;

/// A continuation was added for `hook` with `api` (`global`: TSHttpHookAdd): if tshost never fires
/// that hook there, say so, once per plugin and hook (ATS would call it; tshost silently would not). A bit test when the hook is
/// fired, which is every add on the request path of a working plugin.
pub fn warn_if_never_fired(api: &str, hook: i32, cont: &Cont, global: bool) {
    // The connection hooks (TS_VCONN_*, TS_SSL_*) fire from the global list only, as in ATS.
    let connection = (id::VCONN_START..=H_LAST_CONNECTION).contains(&hook);
    if is_fired(hook) && (global || !connection) {
        return;
    }
    // The plugin making the call (during TSPluginInit or a callback), else the one that made
    // the continuation.
    let plugin = crate::plugin::current()
        .map(|p| p.name())
        .unwrap_or_else(|| cont.plugin_name());
    static WARNED: Mutex<Vec<(String, i32)>> = Mutex::new(Vec::new());
    {
        let mut warned = WARNED.lock();
        if warned.iter().any(|(p, h)| *p == plugin && *h == hook) {
            return;
        }
        warned.push((plugin.clone(), hook));
    }
    let name = crate::sys::names::hook_name(hook).to_string_lossy();
    crate::warning!(
        "plugin {plugin}: {api} for {name}, which tshost never fires (not implemented yet): \
         the continuation will not be called there"
    );
}

/// Milliseconds after which a hook not reenabled is reported (0: never).
static HOOK_TIMEOUT_MS: AtomicU64 = AtomicU64::new(10_000);

pub fn set_hook_timeout_ms(ms: u64) {
    HOOK_TIMEOUT_MS.store(ms, Ordering::Relaxed);
}

pub fn hook_timeout_ms() -> u64 {
    HOOK_TIMEOUT_MS.load(Ordering::Relaxed)
}

/// Global hooks: written at plugin init (rarely later), read lock-free on every hook point.
pub struct GlobalHooks {
    lists: [ArcSwap<Vec<Arc<Cont>>>; HOOK_COUNT],
    mask: AtomicU32,
    add_lock: Mutex<()>,
    /// Bumped after every change of a list: a thread's cached snapshots are good while it has
    /// not moved.
    version: AtomicU64,
}

/// A list of continuations as it was at some moment.
pub type Snapshot = Arc<Vec<Arc<Cont>>>;

thread_local! {
    /// This thread's snapshots of the global lists, and the [`GlobalHooks::version`] they were
    /// taken at: a hook point takes its snapshot with one atomic load and a reference count,
    /// not with arc-swap's load protocol.
    static SNAPSHOTS: std::cell::RefCell<(u64, [Option<Snapshot>; HOOK_COUNT])> =
        std::cell::RefCell::new((u64::MAX, std::array::from_fn(|_| None)));
}

pub static GLOBAL: LazyLock<GlobalHooks> = LazyLock::new(|| GlobalHooks {
    lists: std::array::from_fn(|_| ArcSwap::from_pointee(Vec::new())),
    mask: AtomicU32::new(0),
    add_lock: Mutex::new(()),
    version: AtomicU64::new(0),
});

impl GlobalHooks {
    /// Append (duplicates allowed, as in ATS).
    pub fn add(&self, hook: i32, cont: Arc<Cont>) {
        let _g = self.add_lock.lock();
        let list = &self.lists[hook as usize];
        let mut v = Vec::clone(&list.load());
        v.push(cont);
        list.store(Arc::new(v));
        self.version.fetch_add(1, Ordering::Release);
        self.mask.fetch_or(1 << hook, Ordering::Release);
    }
    pub fn get(&self, hook: i32, i: usize) -> Option<Arc<Cont>> {
        if !self.has(hook) {
            return None;
        }
        self.lists[hook as usize].load().get(i).cloned()
    }

    /// The list of `hook` as it is now (None if empty): a hook point walks one snapshot and looks
    /// again only at its end, so a continuation added meanwhile still runs.
    pub fn snapshot(&self, hook: i32) -> Option<Snapshot> {
        if !self.has(hook) {
            return None;
        }
        let version = self.version.load(Ordering::Acquire);
        let fresh = || self.lists[hook as usize].load_full();
        // A list stored after `version` was read may be cached under it: newer, and replaced
        // at the next look since the version has moved on by then.
        SNAPSHOTS
            .try_with(|cache| {
                let mut cache = cache.borrow_mut();
                if cache.0 != version {
                    *cache = (version, std::array::from_fn(|_| None));
                }
                cache.1[hook as usize].get_or_insert_with(fresh).clone()
            })
            .ok()
            .or_else(|| Some(fresh()))
    }

    /// The version of the lists now (see [`GlobalHooks::changed_since`]).
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Has any list changed since `version` was read?
    pub fn changed_since(&self, version: u64) -> bool {
        self.version.load(Ordering::Acquire) != version
    }

    /// Is any continuation registered for `hook`?
    pub fn has(&self, hook: i32) -> bool {
        self.mask.load(Ordering::Acquire) & (1 << hook) != 0
    }

    /// Does the list of `hook` have more than `n` continuations now? (A cheap look, no snapshot.)
    pub fn longer_than(&self, hook: i32, n: usize) -> bool {
        self.has(hook) && self.lists[hook as usize].load().len() > n
    }
}

/// Hooks of one session or transaction.
#[derive(Default)]
pub struct HookList {
    mask: AtomicU32,
    entries: Mutex<Vec<(i32, Arc<Cont>)>>,
}

impl HookList {
    /// Append; with `dedupe` (transaction lists) a continuation already there for that id is not
    /// added again. Returns whether it was added.
    pub fn add(&self, hook: i32, cont: Arc<Cont>, dedupe: bool) -> bool {
        let mut e = self.entries.lock();
        if dedupe && e.iter().any(|(h, c)| *h == hook && Arc::ptr_eq(c, &cont)) {
            return false;
        }
        e.push((hook, cont));
        self.mask.fetch_or(1 << hook, Ordering::Release);
        true
    }

    /// Is any continuation registered for `hook`?
    pub fn has(&self, hook: i32) -> bool {
        self.mask.load(Ordering::Acquire) & (1 << hook) != 0
    }

    /// Is any continuation registered for one of `hooks`? (One load.)
    #[inline]
    pub fn has_any(&self, hooks: &[i32]) -> bool {
        let want = hooks.iter().fold(0u32, |m, h| m | (1 << h));
        self.mask.load(Ordering::Acquire) & want != 0
    }

    pub fn get(&self, hook: i32, i: usize) -> Option<Arc<Cont>> {
        if !self.has(hook) {
            return None;
        }
        self.entries
            .lock()
            .iter()
            .filter(|(h, _)| *h == hook)
            .nth(i)
            .map(|(_, c)| c.clone())
    }
}
