//! Deadlines on I/O waits that cost nothing when the I/O is ready: the future is polled first and a
//! timer is made only once it has to wait. Most waits on a busy connection (a write into a socket
//! with room, a read of bytes already there) finish on their first poll, so they register no timer.
#![forbid(unsafe_code)]

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

/// A wait that did not finish in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

/// Run `fut`, giving up once it has waited `limit` (measured from its first wait, not its start).
pub async fn within<F: Future>(limit: Duration, fut: F) -> Result<F::Output, Elapsed> {
    limited(limit, None, fut).await
}

/// Run `fut`, giving up once it has waited `idle`, or at `until_ms` on the coarse monotonic clock
/// ([`crate::rt::clock::coarse_ms`]) if that comes first: a deadline for a whole phase made of
/// many waits. The limit is worked out only when the future first has to wait: nothing is read
/// from a clock for a future that is ready.
pub async fn limited<F: Future>(
    idle: Duration,
    until_ms: Option<u64>,
    fut: F,
) -> Result<F::Output, Elapsed> {
    let mut fut = pin!(fut);
    let mut timer = pin!(None::<tokio::time::Sleep>);
    poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        if timer.is_none() {
            let limit = match until_ms {
                None => idle,
                Some(until) => {
                    let left = until.saturating_sub(crate::rt::clock::coarse_ms());
                    idle.min(Duration::from_millis(left))
                }
            };
            timer.set(Some(tokio::time::sleep(limit)));
        }
        match timer.as_mut().as_pin_mut().map(|t| t.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Err(Elapsed)),
            _ => Poll::Pending,
        }
    })
    .await
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
        // A deadline: one already past cuts a wait at once, one far off lets it finish.
        let now = crate::rt::clock::coarse_ms();
        let (idle, stalled) = (Duration::from_secs(5), std::future::pending::<()>());
        assert_eq!(limited(idle, Some(now), stalled).await, Err(Elapsed));
        let slow = tokio::time::sleep(Duration::from_millis(10));
        assert_eq!(limited(idle, Some(now + 5000), slow).await, Ok(()));
    }
}
