//! Deadlines on I/O waits that cost nothing when the I/O is ready: the future is polled first and a
//! timer is made only once it has to wait. Most waits on a busy connection (a write into a socket
//! with room, a read of bytes already there) finish on their first poll, so they register no timer.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

/// A wait that did not finish in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

/// Run `fut`, giving up once it has waited `limit` (measured from its first wait, not its start).
pub async fn within<F: Future>(limit: Duration, fut: F) -> Result<F::Output, Elapsed> {
    within_with(|| limit, fut).await
}

/// Run `fut`, giving up at `until_ms` on the coarse monotonic clock
/// ([`crate::abi::handles::coarse_ms`]), if there is a deadline: one for a whole phase, made of
/// many waits.
pub async fn until<F: Future>(until_ms: Option<u64>, fut: F) -> Result<F::Output, Elapsed> {
    match until_ms {
        None => Ok(fut.await),
        Some(ms) => {
            within_with(
                || Duration::from_millis(ms.saturating_sub(crate::abi::handles::coarse_ms())),
                fut,
            )
            .await
        }
    }
}

/// Run `fut`, giving up once it has waited the limit `limit()` gives when it first has to wait
/// (the limit is worked out only then: nothing is read from a clock for a future that is ready).
async fn within_with<F: Future>(
    limit: impl FnOnce() -> Duration,
    fut: F,
) -> Result<F::Output, Elapsed> {
    let mut fut = pin!(fut);
    let mut limit = Some(limit);
    let mut timer = pin!(None::<tokio::time::Sleep>);
    poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        if let Some(limit) = limit.take() {
            timer.set(Some(tokio::time::sleep(limit())));
        }
        match timer.as_mut().as_pin_mut().map(|t| t.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Err(Elapsed)),
            _ => Poll::Pending,
        }
    })
    .await
}

/// As [`within`], mapping the time-out to an I/O error (`TimedOut`).
pub async fn io_within<T, F>(limit: Duration, fut: F) -> std::io::Result<T>
where
    F: Future<Output = std::io::Result<T>>,
{
    within(limit, fut)
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_ready_future_needs_no_timer_and_a_stalled_one_times_out() {
        // Real time, short limits: a stalled wait ends after its limit, a slower-than-poll one
        // that finishes well within it is not cut (10 ms against 5 s: no flake on a busy box).
        assert_eq!(within(Duration::from_millis(1), async { 7 }).await, Ok(7));
        let stalled = std::future::pending::<()>();
        assert_eq!(
            within(Duration::from_millis(20), stalled).await,
            Err(Elapsed)
        );
        let slow = tokio::time::sleep(Duration::from_millis(10));
        assert_eq!(within(Duration::from_secs(5), slow).await, Ok(()));
        let err = io_within(
            Duration::from_millis(20),
            std::future::pending::<std::io::Result<()>>(),
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        // A deadline: one already past cuts a wait at once, one far off lets it finish.
        let now = crate::abi::handles::coarse_ms();
        let stalled = std::future::pending::<()>();
        assert_eq!(until(Some(now), stalled).await, Err(Elapsed));
        let slow = tokio::time::sleep(Duration::from_millis(10));
        assert_eq!(until(Some(now + 5000), slow).await, Ok(()));
        let slow = tokio::time::sleep(Duration::from_millis(10));
        assert_eq!(until(None, slow).await, Ok(()));
    }
}
