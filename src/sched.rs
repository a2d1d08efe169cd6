//! Timers, the event thread pools behind TSContSchedule*, and plugin threads (TSThread).
//!
//! Scheduled continuations run on tshost's own NET and TASK pool threads, never on the threads that
//! serve connections, so a plugin that blocks there stalls nothing else. One timer thread keeps the
//! deadlines; it only hands work on (wakes a task, queues an event), it never runs plugin code.
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::os::raw::{c_int, c_void};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Sender};
use parking_lot::{Condvar, Mutex};

use crate::cont::Cont;
use crate::rt::pool::Pool;

// ---------------------------------------------------------------------------------------------
// Timer

pub type Task = Box<dyn FnOnce() + Send>;

struct TimerEntry {
    at: Instant,
    seq: u64,
    task: Task,
}
impl PartialEq for TimerEntry {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for TimerEntry {}
impl PartialOrd for TimerEntry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for TimerEntry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

struct Timer {
    heap: Mutex<BinaryHeap<Reverse<TimerEntry>>>,
    cv: Condvar,
    seq: AtomicU64,
}

static TIMER: LazyLock<Arc<Timer>> = LazyLock::new(|| {
    let t = Arc::new(Timer {
        heap: Mutex::new(BinaryHeap::new()),
        cv: Condvar::new(),
        seq: AtomicU64::new(0),
    });
    let t2 = t.clone();
    std::thread::Builder::new()
        .name("tshost timer".into())
        .spawn(move || timer_loop(&t2))
        .expect("timer thread");
    t
});

fn timer_loop(t: &Timer) {
    let mut heap = t.heap.lock();
    loop {
        let now = Instant::now();
        match heap.peek() {
            Some(Reverse(e)) if e.at <= now => {
                let Reverse(e) = heap.pop().unwrap();
                drop(heap);
                (e.task)();
                heap = t.heap.lock();
            }
            Some(Reverse(e)) => {
                let at = e.at;
                t.cv.wait_until(&mut heap, at);
            }
            None => t.cv.wait(&mut heap),
        }
    }
}

/// Run `task` on the timer thread after `delay`. Tasks must be short: hand work on, never block.
pub fn after(delay: Duration, task: impl FnOnce() + Send + 'static) {
    let t = &*TIMER;
    let e = TimerEntry {
        at: Instant::now() + delay,
        seq: t.seq.fetch_add(1, Ordering::Relaxed),
        task: Box::new(task),
    };
    t.heap.lock().push(Reverse(e));
    t.cv.notify_one();
}

/// A future that completes after `delay`.
pub fn sleep(delay: Duration) -> Sleep {
    Sleep { delay, state: None }
}

pub struct Sleep {
    delay: Duration,
    state: Option<Arc<AtomicBool>>,
}

impl Future for Sleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.state {
            Some(done) if done.load(Ordering::Acquire) => Poll::Ready(()),
            Some(_) => Poll::Pending,
            None => {
                let done = Arc::new(AtomicBool::new(false));
                let (d, w) = (done.clone(), cx.waker().clone());
                after(self.delay, move || {
                    d.store(true, Ordering::Release);
                    w.wake();
                });
                self.state = Some(done);
                Poll::Pending
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Event pools

/// tshost's event pools. ATS's DNS and UDP pools map to NET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Net,
    Task,
}

/// A scheduled delivery of TS_EVENT_IMMEDIATE or TS_EVENT_TIMEOUT to a continuation (a TSAction).
pub struct ScheduledEvent {
    /// The event's handle; TSAction is this with bit 0 set, edata is this.
    pub handle: usize,
    pub cont: Arc<Cont>,
    pub event: c_int,
    pub period: Option<Duration>,
    pub pool: PoolKind,
    /// The event thread it runs on, chosen when it is scheduled.
    thread: OnceLock<Arc<ThreadObj>>,
    cancelled: AtomicBool,
    done: AtomicBool,
    /// The edata delivered instead of the event's handle: NULL (TS_EVENT_MGMT_UPDATE), a VIO (a
    /// VConnection's timeout events).
    edata: Option<usize>,
    /// Run once the event is over: delivered, or dropped because the continuation is gone.
    then: Option<Box<dyn Fn() + Send + Sync>>,
}

impl ScheduledEvent {
    pub fn new(
        handle: usize,
        cont: Arc<Cont>,
        event: c_int,
        period: Option<Duration>,
        pool: PoolKind,
    ) -> Self {
        ScheduledEvent {
            handle,
            cont,
            event,
            period,
            pool,
            thread: OnceLock::new(),
            cancelled: AtomicBool::new(false),
            done: AtomicBool::new(false),
            edata: None,
            then: None,
        }
    }
    /// Run `f` once the event is over: after the continuation's call returned, or when the
    /// event was dropped (its continuation destroyed, the event cancelled).
    pub fn with_then(mut self, f: impl Fn() + Send + Sync + 'static) -> Self {
        self.then = Some(Box::new(f));
        self
    }
    /// The event is delivered with NULL edata (as ATS's config-update callbacks are), not the
    /// TSEvent handle.
    pub fn with_null_edata(mut self) -> Self {
        self.edata = Some(0);
        self
    }
    /// The event is delivered with `edata` (a handle), not the TSEvent handle.
    pub fn with_edata(mut self, edata: usize) -> Self {
        self.edata = Some(edata);
        self
    }
    pub fn cancel(&self) -> bool {
        !self.cancelled.swap(true, Ordering::AcqRel)
    }
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }
}

/// An event thread's way in: a pool worker's own queue, or a network thread's runtime.
pub enum Exec {
    Queue(Sender<Job>),
    Runtime(tokio::runtime::Handle),
}

/// What a pool worker runs: an event, or a call tshost makes on an event thread (a lifecycle
/// hook that ATS fires on one).
pub enum Job {
    Event(Arc<ScheduledEvent>),
    Call(Task),
}

/// An event thread (ATS's EThread): a NET or TASK pool worker, or a network thread (NET).
pub struct EventThread {
    pub kind: PoolKind,
    exec: Exec,
    /// A pool worker (pools pick these); a network thread is reached only by being named
    /// (TSContScheduleOnThread, a continuation's thread affinity).
    worker: bool,
}

struct Pools {
    net: Vec<Arc<ThreadObj>>,
    task: Vec<Arc<ThreadObj>>,
    next: [AtomicUsize; 2],
}

/// Number of NET pool threads (set before the first schedule; default 2).
static NET_THREADS: AtomicU64 = AtomicU64::new(2);
const TASK_THREADS: usize = 2;

pub fn set_net_threads(n: usize) {
    NET_THREADS.store(n.max(1) as u64, Ordering::Relaxed);
}

static POOLS: LazyLock<Pools> = LazyLock::new(|| {
    let net = (0..NET_THREADS.load(Ordering::Relaxed))
        .map(|i| spawn_worker(format!("ET_NET {i}"), PoolKind::Net))
        .collect();
    let task = (0..TASK_THREADS)
        .map(|i| spawn_worker(format!("ET_TASK {i}"), PoolKind::Task))
        .collect();
    Pools {
        net,
        task,
        next: [AtomicUsize::new(0), AtomicUsize::new(0)],
    }
});

thread_local! {
    static MY_POOL: std::cell::Cell<Option<PoolKind>> = const { std::cell::Cell::new(None) };
}

/// The pool the calling thread belongs to, if it is a pool thread.
pub fn current_pool() -> Option<PoolKind> {
    MY_POOL.with(|p| p.get())
}

fn spawn_worker(name: String, kind: PoolKind) -> Arc<ThreadObj> {
    let (tx, rx) = unbounded::<Job>();
    let (h, obj) = THREADS.insert(|h| ThreadObj {
        event: Some(EventThread {
            kind,
            exec: Exec::Queue(tx),
            worker: true,
        }),
        ..ThreadObj::new(h, false)
    });
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            MY_POOL.with(|p| p.set(Some(kind)));
            SELF.with(|s| s.set(h));
            for job in rx.iter() {
                match job {
                    Job::Event(ev) => deliver(ev),
                    Job::Call(f) => f(),
                }
                // What the event's handler asked for "soon" goes out once it has returned.
                for ev in DEFERRED.with(|d| std::mem::take(&mut *d.borrow_mut())) {
                    enqueue(ev);
                }
            }
        })
        .expect("event thread");
    obj
}

/// The calling thread's event thread (a pool worker or a network thread), if it is one.
pub fn current_event_thread() -> Option<Arc<ThreadObj>> {
    event_thread(SELF.with(|s| s.get()))
}

/// The event thread of TSThread handle `h`, if it is one.
pub fn event_thread(h: usize) -> Option<Arc<ThreadObj>> {
    if h == 0 {
        return None;
    }
    THREADS.get(h).filter(|t| t.event.is_some())
}

/// The next worker of pool `kind`, round robin (ATS's assign_thread).
fn next_worker(kind: PoolKind) -> Arc<ThreadObj> {
    let p = &*POOLS;
    let (list, i) = match kind {
        PoolKind::Net => (&p.net, 0),
        PoolKind::Task => (&p.task, 1),
    };
    let n = p.next[i].fetch_add(1, Ordering::Relaxed);
    list[n % list.len()].clone()
}

/// A worker of pool `kind` for an event that has no continuation affinity to honour: the calling
/// thread if it is one, else the pool's next.
pub fn pool_thread(kind: PoolKind) -> Arc<ThreadObj> {
    match current_event_thread() {
        Some(c) if c.event.as_ref().is_some_and(|e| e.worker && e.kind == kind) => c,
        _ => next_worker(kind),
    }
}

/// Run `f` on one of the pool's workers (as ATS runs a thread group's start callback on one of
/// its threads).
pub fn run_on_pool(kind: PoolKind, f: impl FnOnce() + Send + 'static) {
    let t = next_worker(kind);
    if let Some(EventThread {
        exec: Exec::Queue(tx),
        ..
    }) = &t.event
    {
        let _ = tx.send(Job::Call(Box::new(f)));
    }
}

/// The thread an event for `cont` on pool `kind` goes to, as ATS's EventProcessor::schedule
/// chooses: the continuation's affinity thread if it is of that kind; else the calling thread if
/// it is a worker of that pool; else the pool's next worker. A continuation without affinity gets
/// the chosen thread as its affinity. Unlike ATS, a network thread is chosen only through
/// affinity: events scheduled from a hook go to the pool's workers.
pub fn pick_thread(cont: &Cont, kind: PoolKind) -> Arc<ThreadObj> {
    let affine = cont.affinity();
    if let Some(t) = event_thread(affine) {
        if t.event.as_ref().is_some_and(|e| e.kind == kind) {
            return t;
        }
    }
    let t = pool_thread(kind);
    if affine == 0 {
        cont.set_affinity(t.handle);
    }
    t
}

/// Queue an event for delivery on `thread` after `delay`.
pub fn schedule_on(ev: Arc<ScheduledEvent>, thread: Arc<ThreadObj>, delay: Duration) {
    let _ = ev.thread.set(thread);
    schedule(ev, delay);
}

/// Queue an event for delivery after `delay`.
pub fn schedule(ev: Arc<ScheduledEvent>, delay: Duration) {
    ev.thread.get_or_init(|| pick_thread(&ev.cont, ev.pool));
    if delay.is_zero() {
        enqueue(ev);
    } else {
        after(delay, move || enqueue(ev));
    }
}

thread_local! {
    /// Events a pool thread's current handler scheduled with [`schedule_soon`].
    static DEFERRED: std::cell::RefCell<Vec<Arc<ScheduledEvent>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Deliver `ev` now (TS_EVENT_IMMEDIATE), but not before the plugin code that asked for it has
/// returned, as ATS's `schedule_imm` on the calling thread: from a pool thread, after the event
/// it is handling; from a network thread's task (a hook, a remap call), after that task yields;
/// from another thread, at once. So a continuation a plugin is still setting up (TSContDataSet
/// after TSVConnWrite) is not called half-made.
pub fn schedule_soon(ev: Arc<ScheduledEvent>) {
    if current_pool().is_some() {
        DEFERRED.with(|d| d.borrow_mut().push(ev));
        return;
    }
    if let Ok(h) = tokio::runtime::Handle::try_current() {
        h.spawn(async move { enqueue(ev) });
        return;
    }
    enqueue(ev);
}

fn enqueue(ev: Arc<ScheduledEvent>) {
    let t = ev
        .thread
        .get_or_init(|| pick_thread(&ev.cont, ev.pool))
        .clone();
    match t.event.as_ref().map(|e| &e.exec) {
        Some(Exec::Queue(tx)) => {
            let _ = tx.send(Job::Event(ev));
        }
        // A network thread's runtime that has stopped drops the task: the proxy is stopping.
        Some(Exec::Runtime(rt)) => {
            rt.spawn(async move { deliver(ev) });
        }
        None => finish(&ev),
    }
}

/// ATS retries a busy continuation mutex after 10 ms.
pub const MUTEX_RETRY: Duration = Duration::from_millis(10);

fn deliver(ev: Arc<ScheduledEvent>) {
    if ev.is_cancelled() || ev.cont.is_deleted() {
        finish(&ev);
        return;
    }
    if let Some(m) = &ev.cont.mutex {
        if !m.try_lock() {
            after(MUTEX_RETRY, move || enqueue(ev));
            return;
        }
        // Look again with the mutex held (as ATS's event loop does): a TSActionCancel or
        // TSContDestroy made under the mutex while we were getting it must win.
        if ev.is_cancelled() || ev.cont.is_deleted() {
            m.unlock();
            finish(&ev);
            return;
        }
    }
    let edata = ev.edata.unwrap_or(ev.handle) as *mut c_void;
    ev.cont.call(ev.event, edata);
    if let Some(m) = &ev.cont.mutex {
        m.unlock();
    }
    match ev.period {
        Some(p) if !ev.is_cancelled() && !ev.cont.is_deleted() => after(p, move || enqueue(ev)),
        _ => finish(&ev),
    }
}

fn finish(ev: &ScheduledEvent) {
    if !ev.done.swap(true, Ordering::AcqRel) {
        ACTIONS.release(ev.handle);
        if let Some(f) = &ev.then {
            f();
        }
    }
}

/// The handles of scheduled events (TSAction) and of threads (TSThread).
pub static ACTIONS: Pool<ScheduledEvent> = Pool::new();
pub static THREADS: Pool<ThreadObj> = Pool::new();

/// A TSThread: a thread tshost made or adopted.
pub struct ThreadObj {
    pub handle: usize,
    /// Made by TSThreadCreate (has a function to wait for).
    pub(crate) created: bool,
    pub(crate) finished: Mutex<bool>,
    pub(crate) cv: Condvar,
    /// Set for an event thread (TSEventThread is then this TSThread's handle).
    pub event: Option<EventThread>,
}

impl ThreadObj {
    pub(crate) fn new(handle: usize, created: bool) -> Self {
        ThreadObj {
            handle,
            created,
            finished: Mutex::new(false),
            cv: Condvar::new(),
            event: None,
        }
    }
}

thread_local! {
    pub(crate) static SELF: Cell<usize> = const { Cell::new(0) };
}

/// Give the calling tshost-made thread (drivers, main) a TSThread, as ATS's threads all have an
/// EThread.
pub(crate) fn adopt_current_thread() -> usize {
    SELF.with(|s| {
        if s.get() == 0 {
            let (h, _) = THREADS.insert(|h| ThreadObj::new(h, false));
            s.set(h);
        }
        s.get()
    })
}

/// What [`later`] keeps for the end of start-up (None once it is over).
static LATER: Mutex<Option<Vec<Task>>> = Mutex::new(Some(Vec::new()));

/// Run `f` once the calling plugin code is done, as ATS frees a continuation TSContDestroy
/// could not free at once (`schedule_imm` on the calling EThread): on a pool worker, after the
/// event it is handling; on a network thread, after the current task yields; elsewhere (the
/// main thread while plugins load), at the end of start-up ([`run_later`]), when ATS's main
/// thread starts its event loop; on any other thread after start-up (a plugin's own), at once.
pub fn later(f: Task) {
    if let Some(t) = current_event_thread() {
        match t.event.as_ref().map(|e| &e.exec) {
            Some(Exec::Queue(tx)) => {
                let _ = tx.send(Job::Call(f));
                return;
            }
            Some(Exec::Runtime(rt)) => {
                rt.spawn(async move { f() });
                return;
            }
            None => {}
        }
    }
    let mut kept = LATER.lock();
    match kept.as_mut() {
        Some(v) => v.push(f),
        None => {
            drop(kept);
            f();
        }
    }
}

/// Run what [`later`] kept (start-up is over); from now on it runs at once what it is given off
/// the event threads.
pub fn run_later() {
    let kept = LATER.lock().take().unwrap_or_default();
    for f in kept {
        f();
    }
}

/// Make the calling network thread an event thread of the NET kind (TSEventThreadSelf returns
/// it); events scheduled on it run on its runtime, between its connections' tasks.
pub(crate) fn adopt_network_thread(rt: tokio::runtime::Handle) {
    let (h, _) = THREADS.insert(|h| ThreadObj {
        event: Some(EventThread {
            kind: PoolKind::Net,
            exec: Exec::Runtime(rt),
            worker: false,
        }),
        ..ThreadObj::new(h, false)
    });
    SELF.with(|s| s.set(h));
}
