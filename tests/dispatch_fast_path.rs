//! A reenable made inside the callback continues at once, on the same thread, without allocating:
//! hook points whose callees all reenable inline run with zero heap allocations on the
//! dispatching thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tshost::api::cont::TSContCreate;
use tshost::api::http::{TSHttpHookAdd, TSHttpTxnReenable};
use tshost::api::mutex::TSMutexCreate;
use tshost::harness::{block_on, new_transaction, open_session, SessionOptions};
use tshost::hooks::dispatch::{run_point, Outcome};
use tshost::hooks::id;
use tshost::sys::types::{TSCont, TSHttpTxn};

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
}

#[global_allocator]
static A: Counting = Counting;

static CALLS: AtomicUsize = AtomicUsize::new(0);
static DRIVER: AtomicUsize = AtomicUsize::new(0);
static WRONG_THREAD: AtomicUsize = AtomicUsize::new(0);

fn thread_key() -> usize {
    thread_local!(static K: u8 = const { 0 });
    K.with(|k| k as *const u8 as usize)
}

unsafe extern "C" fn on_hook(_c: TSCont, _ev: c_int, edata: *mut c_void) -> c_int {
    CALLS.fetch_add(1, Ordering::Relaxed);
    if thread_key() != DRIVER.load(Ordering::Relaxed) {
        WRONG_THREAD.fetch_add(1, Ordering::Relaxed);
    }
    TSHttpTxnReenable(edata as TSHttpTxn, 60000);
    0
}

#[test]
fn inline_reenable_runs_without_allocating_on_the_same_thread() {
    // Three global continuations (two with mutexes) on READ_REQUEST_HDR.
    for m in [true, false, true] {
        let mutex = if m {
            TSMutexCreate()
        } else {
            std::ptr::null_mut()
        };
        let c = TSContCreate(Some(on_hook), mutex);
        assert!(!c.is_null());
        TSHttpHookAdd(id::READ_REQUEST_HDR, c);
    }
    DRIVER.store(thread_key(), Ordering::Relaxed);
    // A hook point that never proceeds would block this test forever: after 10 s (the test
    // takes well under 1 s) the binary fails instead. The watchdog's own allocations are on its
    // thread and not counted.
    static DONE: AtomicBool = AtomicBool::new(false);
    std::thread::spawn(|| {
        for _ in 0..100 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if DONE.load(Ordering::Relaxed) {
                return;
            }
        }
        eprintln!("a hook point did not proceed within 10 s");
        std::process::exit(1);
    });
    let (ssn, ok) = block_on(open_session(SessionOptions {
        client_addr: None,
        local_addr: None,
        stack: vec![],
    }));
    assert!(ok);
    let txn = new_transaction(&ssn).unwrap();
    const POINTS: usize = 1000;
    let allocs = block_on(async {
        // Warm up (first use of lazily created statics).
        assert_eq!(
            run_point(&ssn, Some(&txn), id::READ_REQUEST_HDR).await,
            Outcome::Continue
        );
        let before = ALLOCS.with(|a| a.get());
        for _ in 0..POINTS {
            assert_eq!(
                run_point(&ssn, Some(&txn), id::READ_REQUEST_HDR).await,
                Outcome::Continue
            );
        }
        ALLOCS.with(|a| a.get()) - before
    });
    DONE.store(true, Ordering::Relaxed);
    assert_eq!(CALLS.load(Ordering::Relaxed), 3 * (POINTS + 1));
    assert_eq!(
        WRONG_THREAD.load(Ordering::Relaxed),
        0,
        "callbacks ran on the dispatching thread"
    );
    assert_eq!(
        allocs, 0,
        "{allocs} allocations in {POINTS} hook points with inline reenables"
    );
}
