//! tshost's own metrics, under ATS's names (`proxy.process.*`), for what tshost can count honestly:
//! client and server connections, transactions, responses by status class, TLS handshakes and
//! session cache lookups, HTTP/2 connections. `tshost ctl metric get` and TSRecordDump (what
//! stats_over_http serves) read them.
//!
//! Each thread counts into a block of its own (a relaxed add on a cache line no other thread
//! writes, as ATS's per-thread stat blocks); a read sums the blocks. A thread that ends folds its
//! block into the retired one, under the same lock the readers take, so a sum never loses or
//! doubles a count. A gauge (`current_*`) may go up on one thread and down on another: only its
//! sum means something.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

/// The metrics, in the order they are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum M {
    IncomingRequests,
    CompletedRequests,
    Responses1xx,
    Responses2xx,
    Responses3xx,
    Responses4xx,
    Responses5xx,
    CurrentClientTransactions,
    TotalClientConnections,
    CurrentClientConnections,
    TotalServerConnections,
    CurrentServerConnections,
    SslHandshakesIn,
    SslSessionCacheHit,
    SslSessionCacheMiss,
    Http2TotalClientConnections,
    Http2CurrentClientConnections,
}

/// Each metric: its name, and whether it is a gauge (ATS's RECD_INT) or a counter (RECD_COUNTER).
pub const METRICS: [(M, &str, bool); 17] = [
    (
        M::IncomingRequests,
        "proxy.process.http.incoming_requests",
        false,
    ),
    (
        M::CompletedRequests,
        "proxy.process.http.completed_requests",
        false,
    ),
    (M::Responses1xx, "proxy.process.http.1xx_responses", false),
    (M::Responses2xx, "proxy.process.http.2xx_responses", false),
    (M::Responses3xx, "proxy.process.http.3xx_responses", false),
    (M::Responses4xx, "proxy.process.http.4xx_responses", false),
    (M::Responses5xx, "proxy.process.http.5xx_responses", false),
    (
        M::CurrentClientTransactions,
        "proxy.process.http.current_client_transactions",
        true,
    ),
    (
        M::TotalClientConnections,
        "proxy.process.http.total_client_connections",
        false,
    ),
    (
        M::CurrentClientConnections,
        "proxy.process.http.current_client_connections",
        true,
    ),
    (
        M::TotalServerConnections,
        "proxy.process.http.total_server_connections",
        false,
    ),
    (
        M::CurrentServerConnections,
        "proxy.process.http.current_server_connections",
        true,
    ),
    (
        M::SslHandshakesIn,
        "proxy.process.ssl.total_success_handshake_count_in",
        false,
    ),
    (
        M::SslSessionCacheHit,
        "proxy.process.ssl.ssl_session_cache_hit",
        false,
    ),
    (
        M::SslSessionCacheMiss,
        "proxy.process.ssl.ssl_session_cache_miss",
        false,
    ),
    (
        M::Http2TotalClientConnections,
        "proxy.process.http2.total_client_connections",
        false,
    ),
    (
        M::Http2CurrentClientConnections,
        "proxy.process.http2.current_client_connections",
        true,
    ),
];

/// ATS's per-status response counters (proxy/http/HttpConfig.cc): the client's response status.
pub const CODES: [(u16, &str); 40] = [
    (100, "proxy.process.http.100_responses"),
    (101, "proxy.process.http.101_responses"),
    (200, "proxy.process.http.200_responses"),
    (201, "proxy.process.http.201_responses"),
    (202, "proxy.process.http.202_responses"),
    (203, "proxy.process.http.203_responses"),
    (204, "proxy.process.http.204_responses"),
    (205, "proxy.process.http.205_responses"),
    (206, "proxy.process.http.206_responses"),
    (300, "proxy.process.http.300_responses"),
    (301, "proxy.process.http.301_responses"),
    (302, "proxy.process.http.302_responses"),
    (303, "proxy.process.http.303_responses"),
    (304, "proxy.process.http.304_responses"),
    (305, "proxy.process.http.305_responses"),
    (307, "proxy.process.http.307_responses"),
    (308, "proxy.process.http.308_responses"),
    (400, "proxy.process.http.400_responses"),
    (401, "proxy.process.http.401_responses"),
    (402, "proxy.process.http.402_responses"),
    (403, "proxy.process.http.403_responses"),
    (404, "proxy.process.http.404_responses"),
    (405, "proxy.process.http.405_responses"),
    (406, "proxy.process.http.406_responses"),
    (407, "proxy.process.http.407_responses"),
    (408, "proxy.process.http.408_responses"),
    (409, "proxy.process.http.409_responses"),
    (410, "proxy.process.http.410_responses"),
    (411, "proxy.process.http.411_responses"),
    (412, "proxy.process.http.412_responses"),
    (413, "proxy.process.http.413_responses"),
    (414, "proxy.process.http.414_responses"),
    (415, "proxy.process.http.415_responses"),
    (416, "proxy.process.http.416_responses"),
    (500, "proxy.process.http.500_responses"),
    (501, "proxy.process.http.501_responses"),
    (502, "proxy.process.http.502_responses"),
    (503, "proxy.process.http.503_responses"),
    (504, "proxy.process.http.504_responses"),
    (505, "proxy.process.http.505_responses"),
];

/// ATS's per-method request counters (the client's request); the last counts every other method.
pub const METHODS: [(&[u8], &str); 11] = [
    (b"GET", "proxy.process.http.get_requests"),
    (b"HEAD", "proxy.process.http.head_requests"),
    (b"TRACE", "proxy.process.http.trace_requests"),
    (b"OPTIONS", "proxy.process.http.options_requests"),
    (b"POST", "proxy.process.http.post_requests"),
    (b"PUT", "proxy.process.http.put_requests"),
    (b"PUSH", "proxy.process.http.push_requests"),
    (b"DELETE", "proxy.process.http.delete_requests"),
    (b"PURGE", "proxy.process.http.purge_requests"),
    (b"CONNECT", "proxy.process.http.connect_requests"),
    (b"", "proxy.process.http.extension_method_requests"),
];

/// A block's slots: [`METRICS`], then [`CODES`], then [`METHODS`].
const CODE0: usize = METRICS.len();
const METHOD0: usize = CODE0 + CODES.len();
const N: usize = METHOD0 + METHODS.len();

struct Block([AtomicI64; N]);

impl Block {
    fn new() -> Block {
        Block([const { AtomicI64::new(0) }; N])
    }
}

/// The live threads' blocks, and what ended threads counted.
struct Blocks {
    live: Vec<Arc<Block>>,
    retired: [i64; N],
}

static BLOCKS: Mutex<Blocks> = Mutex::new(Blocks {
    live: Vec::new(),
    retired: [0; N],
});

/// This thread's block, folded into the retired counts when the thread ends.
struct Mine(Arc<Block>);

impl Drop for Mine {
    fn drop(&mut self) {
        let mut b = BLOCKS.lock();
        for (i, v) in self.0 .0.iter().enumerate() {
            b.retired[i] += v.load(Ordering::Relaxed);
        }
        b.live.retain(|x| !Arc::ptr_eq(x, &self.0));
    }
}

thread_local! {
    static MINE: Mine = {
        let block = Arc::new(Block::new());
        BLOCKS.lock().live.push(block.clone());
        Mine(block)
    };
}

/// Add `n` to metric `m` (a relaxed add on this thread's block). During a thread's teardown, when
/// its block is gone, the count goes to the retired block directly.
#[inline]
pub fn add(m: M, n: i64) {
    add_slots(&[(m as usize, n)]);
}

/// [`add`] for several metrics, with one look at this thread's block.
#[inline]
pub fn add_all<const K: usize>(changes: [(M, i64); K]) {
    add_slots(&changes.map(|(m, n)| (m as usize, n)));
}

/// Add to slots of the block (the request path counts several at a time: one look at the
/// thread's block).
#[inline]
fn add_slots(changes: &[(usize, i64)]) {
    if MINE
        .try_with(|b| {
            for (i, n) in changes {
                b.0 .0[*i].fetch_add(*n, Ordering::Relaxed);
            }
        })
        .is_err()
    {
        let mut b = BLOCKS.lock();
        for (i, n) in changes {
            b.retired[*i] += n;
        }
    }
}

fn get_slot(i: usize) -> i64 {
    let b = BLOCKS.lock();
    b.retired[i]
        + b.live
            .iter()
            .map(|x| x.0[i].load(Ordering::Relaxed))
            .sum::<i64>()
}

/// The value of metric `m` now.
pub fn get(m: M) -> i64 {
    get_slot(m as usize)
}

/// The metric called `name`, if it is one of [`METRICS`].
pub fn find(name: &str) -> Option<M> {
    METRICS
        .iter()
        .find(|(_, n, _)| *n == name)
        .map(|(m, _, _)| *m)
}

/// Every metric's name and whether it is a gauge, by slot.
fn names() -> impl Iterator<Item = (usize, &'static str, bool)> {
    METRICS
        .iter()
        .enumerate()
        .map(|(i, (_, n, g))| (i, *n, *g))
        .chain(
            CODES
                .iter()
                .enumerate()
                .map(|(i, (_, n))| (CODE0 + i, *n, false)),
        )
        .chain(
            METHODS
                .iter()
                .enumerate()
                .map(|(i, (_, n))| (METHOD0 + i, *n, false)),
        )
}

/// The value of the metric called `name` and whether it is a gauge.
pub fn value(name: &str) -> Option<(i64, bool)> {
    names()
        .find(|(_, n, _)| *n == name)
        .map(|(i, _, gauge)| (get_slot(i), gauge))
}

/// Every metric: name, value, whether it is a gauge ([`METRICS`], [`CODES`], [`METHODS`]).
pub fn all() -> Vec<(&'static str, i64, bool)> {
    names().map(|(i, n, g)| (n, get_slot(i), g)).collect()
}

/// A client's request was read (HTTP/1 or an HTTP/2 stream): a transaction in flight.
pub fn request_started() {
    add_all([(M::IncomingRequests, 1), (M::CurrentClientTransactions, 1)]);
}

/// Each status's slot among [`CODES`] plus one (0: no counter of its own).
const CODE_SLOT: [u8; 600] = {
    let mut t = [0u8; 600];
    let mut i = 0;
    while i < CODES.len() {
        t[CODES[i].0 as usize] = (i + 1) as u8;
        i += 1;
    }
    t
};

/// A transaction whose request was read ended: `method` its request's, `status` the response
/// the client got (0: none). One look at the thread's block, a table for the status.
pub fn request_completed(method: &[u8], status: i32) {
    let method = method_slot(method);
    let (class, code) = match usize::try_from(status) {
        Ok(s @ 100..=599) => {
            let class = M::Responses1xx as usize + (s / 100 - 1);
            let code = match CODE_SLOT[s] {
                0 => None,
                c => Some(CODE0 + c as usize - 1),
            };
            (Some(class), code)
        }
        _ => (None, None),
    };
    let mut changes = [
        (M::CompletedRequests as usize, 1),
        (M::CurrentClientTransactions as usize, -1),
        (method, 1),
        (0, 0),
        (0, 0),
    ];
    let mut n = 3;
    for slot in [class, code].into_iter().flatten() {
        changes[n] = (slot, 1);
        n += 1;
    }
    add_slots(&changes[..n]);
}

/// The slot of `method`'s counter (in [`METHODS`] order).
fn method_slot(method: &[u8]) -> usize {
    METHOD0
        + match method {
            b"GET" => 0,
            b"HEAD" => 1,
            b"TRACE" => 2,
            b"OPTIONS" => 3,
            b"POST" => 4,
            b"PUT" => 5,
            b"PUSH" => 6,
            b"DELETE" => 7,
            b"PURGE" => 8,
            b"CONNECT" => 9,
            _ => 10,
        }
}

/// A gauge held for as long as the guard lives: `total` counted once, `current` up now and down
/// at drop.
pub struct Held(M);

impl Held {
    pub fn new(total: M, current: M) -> Held {
        add_all([(total, 1), (current, 1)]);
        Held(current)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        add(self.0, -1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two tests below both count HTTP/2 connections: one at a time.
    static HTTP2: Mutex<()> = Mutex::new(());

    #[test]
    fn counts_from_threads_that_ended_are_kept_once() {
        let _one = HTTP2.lock();
        // (The HTTP/2 metrics: no other unit test counts them.)
        let before = get(M::Http2TotalClientConnections);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    for _ in 0..1000 {
                        add(M::Http2TotalClientConnections, 1);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(get(M::Http2TotalClientConnections) - before, 4000);
    }

    #[test]
    fn a_gauge_goes_down_on_another_thread() {
        let _one = HTTP2.lock();
        let c0 = get(M::Http2CurrentClientConnections);
        let held = Held::new(
            M::Http2TotalClientConnections,
            M::Http2CurrentClientConnections,
        );
        assert_eq!(get(M::Http2CurrentClientConnections) - c0, 1);
        std::thread::spawn(move || drop(held)).join().unwrap();
        assert_eq!(get(M::Http2CurrentClientConnections), c0);
    }

    #[test]
    fn a_completed_request_counts_its_class_its_status_and_its_method() {
        // (Statuses and methods no other unit test's transactions use.)
        let v = |n: &str| value(n).unwrap().0;
        let (c4, c415, purge, ext, c2) = (
            v("proxy.process.http.4xx_responses"),
            v("proxy.process.http.415_responses"),
            v("proxy.process.http.purge_requests"),
            v("proxy.process.http.extension_method_requests"),
            v("proxy.process.http.2xx_responses"),
        );
        request_completed(b"PURGE", 415);
        request_completed(b"BREW", 299);
        assert_eq!(v("proxy.process.http.4xx_responses") - c4, 1);
        assert_eq!(v("proxy.process.http.415_responses") - c415, 1);
        assert_eq!(v("proxy.process.http.purge_requests") - purge, 1);
        assert_eq!(v("proxy.process.http.extension_method_requests") - ext, 1);
        assert_eq!(
            v("proxy.process.http.2xx_responses") - c2,
            1,
            "299: its class once"
        );
        assert!(
            CODES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for the search"
        );
        assert_eq!(all().len(), N);
    }

    #[test]
    fn names_are_atss_and_found() {
        assert_eq!(
            find("proxy.process.http.completed_requests"),
            Some(M::CompletedRequests)
        );
        assert_eq!(find("proxy.process.http.nope"), None);
        for (i, (m, _, _)) in METRICS.iter().enumerate() {
            assert_eq!(*m as usize, i, "METRICS is in M's order");
        }
    }
}
