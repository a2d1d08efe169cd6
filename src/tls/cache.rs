//! tshost's TLS session cache (ATS's mode 2): serialized sessions by session id, in buckets with a
//! lock each, bounded in entries, expiring, evicting the oldest inserted entry first (FIFO, as ATS).
//!
//! Differences from ATS 9.2, on purpose (the contract): inserting an id that is present
//! replaces the entry (TSSslSessionInsert's documented behaviour; ATS's code keeps the old one), and
//! sessions of any size are kept (ATS silently drops those over 256 DER bytes). Expired entries are
//! reported as misses and dropped when met.
//!
//! This module is the cache itself; the OpenSSL callbacks, TS_SSL_SESSION_HOOK and the
//! TSSslSession* API are built on it.
#![forbid(unsafe_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::RwLock;

/// Longest session id (TS_SSL_MAX_SSL_SESSION_ID_LENGTH).
pub const MAX_ID_LEN: usize = 32;

/// A session id: 0..=32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SessionId {
    len: u8,
    bytes: [u8; MAX_ID_LEN],
}

impl SessionId {
    /// None if longer than 32 bytes.
    pub fn new(id: &[u8]) -> Option<SessionId> {
        if id.len() > MAX_ID_LEN {
            return None;
        }
        let mut bytes = [0; MAX_ID_LEN];
        bytes[..id.len()].copy_from_slice(id);
        Some(SessionId {
            len: id.len() as u8,
            bytes,
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// Cache settings (proxy.config.ssl.session_cache.*).
#[derive(Clone, Copy, Debug)]
pub struct CacheConfig {
    /// Target number of entries in all (`.size`).
    pub size: usize,
    /// Number of buckets (`.num_buckets`).
    pub buckets: usize,
    /// Entry lifetime (`.timeout`; OpenSSL's 300 s when 0).
    pub timeout: Duration,
    /// Give up instead of waiting when a bucket lock is busy (`.skip_cache_on_bucket_contention`).
    pub skip_on_contention: bool,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            size: 102400,
            buckets: 256,
            timeout: Duration::from_secs(300),
            skip_on_contention: false,
        }
    }
}

struct Entry {
    der: Vec<u8>,
    inserted: Instant,
    /// Insertion sequence number: the FIFO queue may hold stale sequence numbers of replaced or
    /// removed entries, which eviction skips.
    seq: u64,
}

#[derive(Default)]
struct Bucket {
    map: HashMap<SessionId, Entry>,
    fifo: VecDeque<(SessionId, u64)>,
}

/// Counters, as ATS's ssl_session_cache_* stats.
#[derive(Default, Debug)]
pub struct Counters {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub inserts: AtomicU64,
    pub evictions: AtomicU64,
    pub expirations: AtomicU64,
    pub removals: AtomicU64,
    pub lock_contention: AtomicU64,
}

pub struct SessionCache {
    config: CacheConfig,
    per_bucket: usize,
    buckets: Vec<RwLock<Bucket>>,
    seq: AtomicU64,
    pub counters: Counters,
}

impl SessionCache {
    pub fn new(config: CacheConfig) -> SessionCache {
        let n = config.buckets.max(1);
        SessionCache {
            per_bucket: config.size.div_ceil(n).max(1),
            buckets: (0..n).map(|_| RwLock::new(Bucket::default())).collect(),
            seq: AtomicU64::new(0),
            counters: Counters::default(),
            config,
        }
    }

    fn bucket(&self, id: &SessionId) -> &RwLock<Bucket> {
        // FNV-1a over the id: session ids are random, any mixing spreads them.
        let h = id.as_bytes().iter().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ *b as u64).wrapping_mul(0x100000001b3)
        });
        &self.buckets[(h % self.buckets.len() as u64) as usize]
    }

    fn contended(&self) {
        self.counters
            .lock_contention
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Store a serialized session under `id`, replacing any entry of that id. False if skipped
    /// (bucket busy and skip-on-contention set).
    pub fn insert(&self, id: &SessionId, der: Vec<u8>) -> bool {
        let lock = self.bucket(id);
        let mut b = match lock.try_write() {
            Some(b) => b,
            None => {
                self.contended();
                if self.config.skip_on_contention {
                    return false;
                }
                lock.write()
            }
        };
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        b.map.insert(
            *id,
            Entry {
                der,
                inserted: Instant::now(),
                seq,
            },
        );
        b.fifo.push_back((*id, seq));
        while b.map.len() > self.per_bucket {
            let Some((old, s)) = b.fifo.pop_front() else {
                break;
            };
            if b.map.get(&old).is_some_and(|e| e.seq == s) {
                b.map.remove(&old);
                self.counters.evictions.fetch_add(1, Ordering::Relaxed);
            }
        }
        // Keep the queue from growing with stale sequence numbers of replaced entries.
        if b.fifo.len() > 2 * self.per_bucket + 16 {
            let Bucket { map, fifo } = &mut *b;
            fifo.retain(|(i, s)| map.get(i).is_some_and(|e| e.seq == *s));
        }
        self.counters.inserts.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// The serialized session of `id` if present and not expired (an expired entry is dropped).
    pub fn get(&self, id: &SessionId) -> Option<Vec<u8>> {
        let lock = self.bucket(id);
        let b = match lock.try_read() {
            Some(b) => b,
            None => {
                self.contended();
                if self.config.skip_on_contention {
                    self.counters.misses.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                lock.read()
            }
        };
        match b.map.get(id) {
            Some(e) if e.inserted.elapsed() <= self.config.timeout => {
                self.counters.hits.fetch_add(1, Ordering::Relaxed);
                Some(e.der.clone())
            }
            Some(_) => {
                drop(b);
                let mut b = lock.write();
                if b.map
                    .get(id)
                    .is_some_and(|e| e.inserted.elapsed() > self.config.timeout)
                {
                    b.map.remove(id);
                    self.counters.expirations.fetch_add(1, Ordering::Relaxed);
                }
                self.counters.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
            None => {
                self.counters.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Remove `id`; true if it was there.
    pub fn remove(&self, id: &SessionId) -> bool {
        let removed = self.bucket(id).write().map.remove(id).is_some();
        if removed {
            self.counters.removals.fetch_add(1, Ordering::Relaxed);
        }
        removed
    }

    /// Entries in the cache (all buckets).
    pub fn len(&self) -> usize {
        self.buckets.iter().map(|b| b.read().map.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u32) -> SessionId {
        let mut b = [0u8; 32];
        b[..4].copy_from_slice(&n.to_be_bytes());
        SessionId::new(&b).unwrap()
    }

    #[test]
    fn ids_are_at_most_32_bytes() {
        assert!(SessionId::new(&[1; 33]).is_none());
        assert_eq!(SessionId::new(&[7; 5]).unwrap().as_bytes(), &[7; 5]);
        assert_ne!(
            SessionId::new(&[0; 4]),
            SessionId::new(&[0; 5]),
            "length is part of the id"
        );
    }

    #[test]
    fn insert_get_replace_remove() {
        let c = SessionCache::new(CacheConfig::default());
        assert!(c.get(&id(1)).is_none());
        c.insert(&id(1), vec![1; 2000]);
        assert_eq!(
            c.get(&id(1)).unwrap().len(),
            2000,
            "large sessions are kept"
        );
        c.insert(&id(1), vec![2; 10]);
        assert_eq!(c.get(&id(1)).unwrap(), vec![2; 10], "insert replaces");
        assert!(c.remove(&id(1)));
        assert!(!c.remove(&id(1)));
        assert!(c.get(&id(1)).is_none());
        assert_eq!(c.counters.hits.load(Ordering::Relaxed), 2);
        assert_eq!(c.counters.misses.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn bounded_and_oldest_inserted_evicted_first() {
        let c = SessionCache::new(CacheConfig {
            size: 4,
            buckets: 1,
            ..Default::default()
        });
        for n in 0..4 {
            c.insert(&id(n), vec![n as u8]);
        }
        // A lookup does not protect an entry: eviction is FIFO, not LRU.
        assert!(c.get(&id(0)).is_some());
        c.insert(&id(4), vec![4]);
        assert_eq!(c.len(), 4);
        assert!(c.get(&id(0)).is_none(), "the oldest inserted went first");
        assert!(c.get(&id(1)).is_some());
        // A replaced entry counts as inserted now.
        c.insert(&id(1), vec![11]);
        c.insert(&id(5), vec![5]);
        assert!(c.get(&id(2)).is_none());
        assert_eq!(c.get(&id(1)).unwrap(), vec![11]);
        assert_eq!(c.counters.evictions.load(Ordering::Relaxed), 2);
        for n in 100..10_000 {
            c.insert(&id(n), vec![0]);
        }
        assert_eq!(c.len(), 4, "bounded");
    }

    #[test]
    fn replacing_an_id_many_times_keeps_the_cache_and_its_queue_bounded() {
        let c = SessionCache::new(CacheConfig {
            size: 4,
            buckets: 1,
            ..Default::default()
        });
        // Each replacement leaves a stale record in the eviction queue; the queue is compacted
        // past 2 x per-bucket + 16 records (24 here), keeping the live records.
        for n in 0..100u8 {
            c.insert(&id(1), vec![n]);
            assert!(c.buckets[0].read().fifo.len() <= 2 * 4 + 16 + 1);
        }
        assert_eq!(c.get(&id(1)).unwrap(), vec![99]);
        // id(1) is still the oldest live entry: the fourth new id evicts it, then each next one
        // the oldest of the new.
        for n in 2..=7 {
            c.insert(&id(n), vec![n as u8]);
        }
        assert_eq!(c.len(), 4);
        for n in 1..=3 {
            assert!(c.get(&id(n)).is_none(), "id {n} should be evicted");
        }
        for n in 4..=7 {
            assert!(c.get(&id(n)).is_some(), "id {n} should be there");
        }
        assert_eq!(c.counters.evictions.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn busy_bucket_is_skipped_and_counted_with_skip_on_contention() {
        let c = SessionCache::new(CacheConfig {
            size: 4,
            buckets: 1,
            skip_on_contention: true,
            ..Default::default()
        });
        assert!(c.insert(&id(1), vec![1]));
        let held = c.buckets[0].write();
        // The bucket is busy (a writer holds it): both give up at once.
        assert!(c.get(&id(1)).is_none());
        assert!(!c.insert(&id(2), vec![2]));
        drop(held);
        assert_eq!(c.counters.lock_contention.load(Ordering::Relaxed), 2);
        assert_eq!(c.counters.misses.load(Ordering::Relaxed), 1);
        assert_eq!(c.counters.inserts.load(Ordering::Relaxed), 1);
        assert_eq!(c.get(&id(1)).unwrap(), vec![1]);
        assert!(c.get(&id(2)).is_none());
    }

    #[test]
    fn entries_expire() {
        let c = SessionCache::new(CacheConfig {
            timeout: Duration::from_millis(30),
            ..Default::default()
        });
        c.insert(&id(9), vec![9]);
        assert!(c.get(&id(9)).is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(c.get(&id(9)).is_none());
        assert_eq!(c.counters.expirations.load(Ordering::Relaxed), 1);
        assert!(c.is_empty(), "an expired entry is dropped when met");
    }

    #[test]
    fn concurrent_use_from_threads() {
        let c = std::sync::Arc::new(SessionCache::new(CacheConfig {
            size: 1000,
            buckets: 8,
            ..Default::default()
        }));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for n in 0..2000u32 {
                        let i = id(t * 100_000 + n);
                        c.insert(&i, vec![t as u8; 64]);
                        let _ = c.get(&i);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        // Full: 8,000 ids spread over 8 buckets fill every bucket's 125 places (ids that hash
        // to few buckets would leave the others part-empty).
        assert_eq!(c.len(), 1000);
        // Every insert is either still there or was evicted; nothing is lost or counted twice.
        let (ins, ev) = (
            c.counters.inserts.load(Ordering::Relaxed),
            c.counters.evictions.load(Ordering::Relaxed),
        );
        assert_eq!(ins, 8000);
        assert_eq!(ev + c.len() as u64, ins);
    }
}
