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

const N: usize = METRICS.len();

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
    add_all(&[(m, n)]);
}

/// [`add`] for several metrics, with one look at this thread's block (the request path counts two
/// or three at a time).
#[inline]
pub fn add_all(changes: &[(M, i64)]) {
    if MINE
        .try_with(|b| {
            for (m, n) in changes {
                b.0 .0[*m as usize].fetch_add(*n, Ordering::Relaxed);
            }
        })
        .is_err()
    {
        let mut b = BLOCKS.lock();
        for (m, n) in changes {
            b.retired[*m as usize] += n;
        }
    }
}

/// The value of metric `m` now.
pub fn get(m: M) -> i64 {
    let b = BLOCKS.lock();
    b.retired[m as usize]
        + b.live
            .iter()
            .map(|x| x.0[m as usize].load(Ordering::Relaxed))
            .sum::<i64>()
}

/// The metric called `name`, if tshost keeps it.
pub fn find(name: &str) -> Option<M> {
    METRICS
        .iter()
        .find(|(_, n, _)| *n == name)
        .map(|(m, _, _)| *m)
}

/// Every metric: name, value, whether it is a gauge; in [`METRICS`] order.
pub fn all() -> Vec<(&'static str, i64, bool)> {
    METRICS
        .iter()
        .map(|(m, name, gauge)| (*name, get(*m), *gauge))
        .collect()
}

/// A client's request was read (HTTP/1 or an HTTP/2 stream): a transaction in flight.
pub fn request_started() {
    add_all(&[(M::IncomingRequests, 1), (M::CurrentClientTransactions, 1)]);
}

/// A transaction whose request was read ended; `status` is the response the client got (0: none).
pub fn request_completed(status: i32) {
    let class = match status {
        100..=199 => M::Responses1xx,
        200..=299 => M::Responses2xx,
        300..=399 => M::Responses3xx,
        400..=499 => M::Responses4xx,
        500..=599 => M::Responses5xx,
        _ => {
            return add_all(&[
                (M::CompletedRequests, 1),
                (M::CurrentClientTransactions, -1),
            ])
        }
    };
    add_all(&[
        (M::CompletedRequests, 1),
        (M::CurrentClientTransactions, -1),
        (class, 1),
    ]);
}

/// A gauge held for as long as the guard lives: `total` counted once, `current` up now and down
/// at drop.
pub struct Held(M);

impl Held {
    pub fn new(total: M, current: M) -> Held {
        add_all(&[(total, 1), (current, 1)]);
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
