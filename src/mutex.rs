//! TSMutex: a recursive mutex owned by a thread, as ATS's ProxyMutex.
//!
//! Lock and try-lock succeed at once on the thread that already holds the mutex (the hold count goes
//! up); unlock releases it when the count reaches zero; unlocking a mutex nobody holds is a silent
//! no-op, as in ATS. Unlike ATS, ownership is per OS thread, so plain pthreads that a plugin made
//! itself are excluded from each other too.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::{Condvar, Mutex};

use crate::rt::pool::Pool;

/// The live TSMutex handles.
pub static MUTEXES: Pool<TsMutex> = Pool::new();

static NEXT_TID: AtomicU64 = AtomicU64::new(1);
thread_local! {
    static TID: u64 = NEXT_TID.fetch_add(1, Ordering::Relaxed);
}

/// A small unique number for the calling thread (never 0).
pub fn thread_token() -> u64 {
    TID.with(|t| *t)
}

#[derive(Default)]
struct State {
    owner: u64,
    count: u32,
}

pub struct TsMutex {
    /// The TSMutex handle given to C.
    pub handle: usize,
    state: Mutex<State>,
    cv: Condvar,
    /// Continuations that use this mutex (ATS's reference count). The handle dies with the last.
    pub users: AtomicUsize,
}

impl TsMutex {
    pub fn new(handle: usize) -> Self {
        TsMutex {
            handle,
            state: Mutex::new(State::default()),
            cv: Condvar::new(),
            users: AtomicUsize::new(0),
        }
    }

    /// One more user (a continuation, a transaction) holds the mutex.
    pub fn hold(&self) {
        self.users.fetch_add(1, Ordering::AcqRel);
    }

    /// A user lets go; with the last, the handle dies (as in ATS).
    pub fn let_go(&self) {
        if self.users.fetch_sub(1, Ordering::AcqRel) == 1 {
            MUTEXES.release(self.handle);
        }
    }

    pub fn lock(&self) {
        let me = thread_token();
        let mut st = self.state.lock();
        loop {
            if st.owner == me || st.owner == 0 {
                st.owner = me;
                st.count += 1;
                return;
            }
            self.cv.wait(&mut st);
        }
    }

    pub fn try_lock(&self) -> bool {
        let me = thread_token();
        let mut st = self.state.lock();
        if st.owner == me || st.owner == 0 {
            st.owner = me;
            st.count += 1;
            true
        } else {
            false
        }
    }

    /// Returns false if another thread holds the mutex (the call is then ignored).
    pub fn unlock(&self) -> bool {
        let me = thread_token();
        let mut st = self.state.lock();
        if st.owner == 0 {
            return true;
        }
        if st.owner != me {
            return false;
        }
        st.count -= 1;
        if st.count == 0 {
            st.owner = 0;
            drop(st);
            self.cv.notify_one();
        }
        true
    }

    /// Is it held by any thread? (for tests and diagnostics)
    pub fn is_locked(&self) -> bool {
        self.state.lock().owner != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn recursive_and_exclusive() {
        let m = Arc::new(TsMutex::new(0));
        m.lock();
        m.lock();
        assert!(m.try_lock());
        let m2 = m.clone();
        assert!(!std::thread::spawn(move || m2.try_lock()).join().unwrap());
        m.unlock();
        m.unlock();
        m.unlock();
        assert!(!m.is_locked());
        let m2 = m.clone();
        assert!(std::thread::spawn(move || {
            let ok = m2.try_lock();
            m2.unlock();
            ok
        })
        .join()
        .unwrap());
        assert!(m.unlock(), "unlocking a free mutex is a no-op");
    }
}

/// A mutex made when first asked for and held, as one of its users, until this is dropped: a
/// transaction's (TSContMutexGet on a TSHttpTxn: ATS's HttpSM is a continuation with a mutex,
/// which plugins such as tslua take for continuations of their own).
#[derive(Default)]
pub struct LazyMutex(std::sync::OnceLock<std::sync::Arc<TsMutex>>);

impl LazyMutex {
    /// The mutex's TSMutex handle, made now if it was not yet.
    pub fn handle(&self) -> usize {
        self.0
            .get_or_init(|| {
                let m = MUTEXES.insert(TsMutex::new).1;
                m.hold();
                m
            })
            .handle
    }
}

impl Drop for LazyMutex {
    fn drop(&mut self) {
        if let Some(m) = self.0.get() {
            m.let_go();
        }
    }
}
