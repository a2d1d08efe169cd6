//! Hook dispatcher micro-benchmark: the cost of one hook point run by `run_point` with 0, 1 and 4
//! global continuations (C-ABI callbacks registered with TSContCreate + TSHttpHookAdd), each
//! reenabling
//!  * inline (TSHttpTxnReenable inside the callback: the synchronous fast path), with and without
//!    a continuation mutex;
//!  * from another thread (the callback hands the transaction to a dedicated thread over a
//!    channel, that thread reenables and the dispatching thread wakes up): the round trip, with
//!    the "not reenabled" watchdog on (the default, 10 s) and off.
//!
//! Global hooks cannot be removed, so each configuration lives on its own hook point of one
//! synthetic transaction (`tshost::harness`, no sockets):
//!
//! | point                  | callbacks                         |
//! |------------------------|-----------------------------------|
//! | PRE_REMAP              | none (baseline)                   |
//! | READ_REQUEST_HDR       | 1, inline reenable                |
//! | POST_REMAP             | 4, inline reenable                |
//! | CACHE_LOOKUP_COMPLETE  | 1 with a mutex, inline reenable   |
//! | OS_DNS                 | 1, reenable from another thread   |
//! | SEND_REQUEST_HDR       | 4, reenable from another thread   |
//!
//! Per-hook cost = (time of the point with N callbacks - time of the empty point) / N. The
//! cross-thread group also times bare round trips between two threads (a channel ping-pong, and
//! park/unpark, which never spins, as the dispatching thread does not): the floor set by the OS's
//! thread wake-up latency, which on a VM is much higher when the CPUs are idle.
//!
//! Times are wall-clock, and for the inline cases also the dispatching thread's CPU time
//! (`sync_reenable_cputime`: steadier on a loaded machine).
//!
//! `cargo bench --bench dispatch` (about 40 s once built).

use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use crossbeam_channel::{unbounded, Sender};

use tshost::api::cont::TSContCreate;
use tshost::api::http::{TSHttpHookAdd, TSHttpTxnReenable};
use tshost::api::mutex::TSMutexCreate;
use tshost::harness::{block_on, new_transaction, open_session, SessionOptions};
use tshost::hooks::dispatch::{run_point, Outcome};
use tshost::hooks::{id, set_hook_timeout_ms};
use tshost::sys::types::{TSCont, TSHttpTxn, TSMutex};
use tshost::txn::{Session, Txn};

const TS_EVENT_HTTP_CONTINUE: c_int = 60000;
/// tshost's default for the "hook not reenabled" warning.
const DEFAULT_HOOK_TIMEOUT_MS: u64 = 10_000;

/// The channel to the reenabling thread (set once, before any cross-thread point runs).
static REENABLER: std::sync::OnceLock<Sender<usize>> = std::sync::OnceLock::new();

unsafe extern "C" fn reenable_inline(_c: TSCont, _ev: c_int, edata: *mut c_void) -> c_int {
    TSHttpTxnReenable(edata as TSHttpTxn, TS_EVENT_HTTP_CONTINUE);
    0
}

unsafe extern "C" fn reenable_elsewhere(_c: TSCont, _ev: c_int, edata: *mut c_void) -> c_int {
    REENABLER
        .get()
        .expect("reenabler thread")
        .send(edata as usize)
        .expect("reenabler alive");
    0
}

fn add(
    hook: i32,
    n: usize,
    mutex: bool,
    f: unsafe extern "C" fn(TSCont, c_int, *mut c_void) -> c_int,
) {
    for _ in 0..n {
        let m: TSMutex = if mutex {
            TSMutexCreate()
        } else {
            std::ptr::null_mut()
        };
        let c = TSContCreate(Some(f), m);
        assert!(!c.is_null());
        TSHttpHookAdd(hook, c);
    }
}

struct Fixture {
    ssn: Arc<Session>,
    txn: Arc<Txn>,
}

fn setup() -> Fixture {
    add(id::READ_REQUEST_HDR, 1, false, reenable_inline);
    add(id::POST_REMAP, 4, false, reenable_inline);
    add(id::CACHE_LOOKUP_COMPLETE, 1, true, reenable_inline);
    add(id::OS_DNS, 1, false, reenable_elsewhere);
    add(id::SEND_REQUEST_HDR, 4, false, reenable_elsewhere);

    let (tx, rx) = unbounded::<usize>();
    REENABLER.set(tx).expect("set once");
    std::thread::Builder::new()
        .name("reenabler".into())
        .spawn(move || {
            for txn in rx {
                TSHttpTxnReenable(txn as TSHttpTxn, TS_EVENT_HTTP_CONTINUE);
            }
        })
        .expect("spawn reenabler");

    let (ssn, ok) = block_on(open_session(SessionOptions {
        client_addr: None,
        local_addr: None,
        stack: vec![],
    }));
    assert!(ok, "session accepted");
    let txn = new_transaction(&ssn).expect("transaction");
    // Warm up every point once (lazily created statics, first allocations).
    for hook in [
        id::PRE_REMAP,
        id::READ_REQUEST_HDR,
        id::POST_REMAP,
        id::CACHE_LOOKUP_COMPLETE,
        id::OS_DNS,
        id::SEND_REQUEST_HDR,
    ] {
        assert_eq!(
            block_on(run_point(&ssn, Some(&txn), hook)),
            Outcome::Continue
        );
    }
    Fixture { ssn, txn }
}

/// CPU time of the calling thread: unlike wall time, not inflated while the thread waits for a
/// core on a busy machine.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec to fill.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(r, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[derive(Clone, Copy)]
enum Clock {
    Wall,
    ThreadCpu,
}

/// Run `hook` `iters` times in one `block_on` (the dispatching thread stays the event thread).
fn time_points(f: &Fixture, hook: i32, iters: u64, clock: Clock) -> Duration {
    block_on(async {
        let (wall, cpu) = (Instant::now(), thread_cpu_time());
        for _ in 0..iters {
            let o = run_point(&f.ssn, Some(&f.txn), hook).await;
            debug_assert_eq!(o, Outcome::Continue);
            std::hint::black_box(o);
        }
        match clock {
            Clock::Wall => wall.elapsed(),
            Clock::ThreadCpu => thread_cpu_time() - cpu,
        }
    })
}

fn bench_dispatch(c: &mut Criterion) {
    let f = setup();

    // Wall time, and the dispatching thread's CPU time (the same work, without the time the
    // thread spent preempted by other processes on a shared machine).
    for (group, clock) in [
        ("sync_reenable", Clock::Wall),
        ("sync_reenable_cputime", Clock::ThreadCpu),
    ] {
        let mut g = c.benchmark_group(group);
        for (name, hook, n) in [
            ("0_hooks_empty_point", id::PRE_REMAP, 0u64),
            ("1_hook", id::READ_REQUEST_HDR, 1),
            ("4_hooks", id::POST_REMAP, 4),
            ("1_hook_with_mutex", id::CACHE_LOOKUP_COMPLETE, 1),
        ] {
            // Throughput in hooks (callbacks) per point, so criterion also prints hooks/s.
            g.throughput(Throughput::Elements(n.max(1)));
            g.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter_custom(|iters| time_points(&f, hook, iters, clock))
            });
        }
        g.finish();
    }

    let mut g = c.benchmark_group("cross_thread_reenable");
    // The platform's floor: a bare round trip to another thread and back over two channels, each
    // side blocking (parked) while it waits, as the dispatching thread does.
    {
        let (to_echo, echo_rx) = unbounded::<()>();
        let (echo_tx, back) = unbounded::<()>();
        std::thread::Builder::new()
            .name("echo".into())
            .spawn(move || {
                for m in echo_rx {
                    if echo_tx.send(m).is_err() {
                        break;
                    }
                }
            })
            .expect("spawn echo");
        g.throughput(Throughput::Elements(1));
        // Crossbeam's receiver spins a little before parking: a tight ping-pong often never
        // sleeps. The park/unpark round trip below never spins (like the dispatching thread).
        g.bench_function("baseline_channel_round_trip", |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    to_echo.send(()).unwrap();
                    back.recv().unwrap();
                }
                start.elapsed()
            })
        });
    }
    {
        struct Flags {
            to_b: AtomicBool,
            to_a: AtomicBool,
        }
        let flags = Arc::new(Flags {
            to_b: AtomicBool::new(false),
            to_a: AtomicBool::new(false),
        });
        let a = std::thread::current();
        let f2 = flags.clone();
        let b_thread = std::thread::Builder::new()
            .name("park-echo".into())
            .spawn(move || loop {
                while !f2.to_b.swap(false, Ordering::AcqRel) {
                    std::thread::park();
                }
                f2.to_a.store(true, Ordering::Release);
                a.unpark();
            })
            .expect("spawn park-echo");
        let b_handle = b_thread.thread().clone();
        g.bench_function("baseline_park_unpark_round_trip", |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    flags.to_b.store(true, Ordering::Release);
                    b_handle.unpark();
                    while !flags.to_a.swap(false, Ordering::AcqRel) {
                        std::thread::park();
                    }
                }
                start.elapsed()
            })
        });
    }
    for (name, hook, n, watchdog) in [
        // Watchdog off first: the watchdog's timers (10 s each) must not fire during other runs.
        ("1_hook_watchdog_off", id::OS_DNS, 1u64, false),
        ("4_hooks_watchdog_off", id::SEND_REQUEST_HDR, 4, false),
        ("1_hook_watchdog_on", id::OS_DNS, 1, true),
        ("4_hooks_watchdog_on", id::SEND_REQUEST_HDR, 4, true),
    ] {
        g.throughput(Throughput::Elements(n));
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            set_hook_timeout_ms(if watchdog { DEFAULT_HOOK_TIMEOUT_MS } else { 0 });
            b.iter_custom(|iters| time_points(&f, hook, iters, Clock::Wall))
        });
    }
    set_hook_timeout_ms(DEFAULT_HOOK_TIMEOUT_MS);
    g.finish();
}

fn config() -> Criterion {
    // Bounded run time: the machine is small and shared.
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_dispatch
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
