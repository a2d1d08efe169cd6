//! HTTP/1.x client sessions: one connection, its transactions one after the other (pipelined
//! requests are answered in order), then SSN_CLOSE once every TXN_CLOSE has run.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::body::{Conn, Transport};
use super::sm::{self, Proxy};
use super::{ClientInfo, Session, Txn};
use crate::hooks::dispatch::{run_point, run_session_point, Outcome};
use crate::hooks::id;
use crate::rt::clock::coarse_ms;

/// How long, and how many bytes, a closing connection reads and drops.
const LINGER: Duration = Duration::from_millis(500);
const LINGER_BYTES: usize = 256 * 1024;

/// Serve one client connection. `conn.buf` may already hold the first bytes.
pub async fn serve<S: Transport>(
    proxy: Arc<Proxy>,
    mut conn: Conn<S>,
    info: ClientInfo,
    scheme: &'static str,
    keep_alive_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let ssn = Session::create(info);
    if run_session_point(&ssn, id::SSN_START).await == Outcome::Continue {
        // One keep-alive timer for the whole session, not one per request: it is set once and
        // moved on only when it fires early (the connection was busy since), so a request costs
        // no timer registration for it.
        let idle_timer = tokio::time::sleep(keep_alive_timeout);
        tokio::pin!(idle_timer);
        loop {
            if conn.buf.is_empty() {
                // Idle between requests: wait for the next one, the keep-alive timeout or a stop.
                // When it went idle is read from the coarse clock (no clock read per request).
                let idle_since = coarse_ms();
                let more = loop {
                    tokio::select! {
                        r = conn.fill_idle() => break matches!(r, Ok(n) if n > 0),
                        _ = &mut idle_timer => {
                            let idle = Duration::from_millis(coarse_ms().saturating_sub(idle_since));
                            if idle >= keep_alive_timeout {
                                break false;
                            }
                            idle_timer.as_mut().reset(Instant::now() + (keep_alive_timeout - idle));
                        }
                        _ = stop.changed() => break false,
                    }
                };
                if !more {
                    break;
                }
            }
            let Some(txn) = Txn::create(&ssn) else { break };
            // Boxed: the transaction's large future is not part of an idle session's.
            let body_before = conn.body_out;
            let done =
                crate::rt::boxed::pinned(|| sm::run(&proxy, &ssn, &txn, &mut conn, scheme)).await;
            let body_out = conn.body_out - body_before;
            close_transaction(&ssn, &txn, body_out).await;
            if !done.keep_alive || *stop.borrow() {
                break;
            }
        }
    }
    // A clean close: on TLS a close_notify, so that a close-delimited response is not taken
    // for a truncated one (ATS shuts TLS down with SSL_shutdown). Bounded: a client that does
    // not read must not hold the session.
    let _ = tokio::time::timeout(Duration::from_secs(1), conn.shutdown()).await;
    // A lingering close: what the client still sends (a request body the response did not wait
    // for) is read and dropped for a moment, so that closing does not reset the connection under
    // a response the client has not read yet. Bounded in time and bytes.
    let _ = super::deadline::within(LINGER, conn.drain(LINGER_BYTES)).await;
    // The connection is gone for plugins from here on (as ATS's HTTP/1 SSN_CLOSE).
    drop(conn);
    ssn.detach();
    ssn.close_transactions().await;
    run_session_point(&ssn, id::SSN_CLOSE).await;
    ssn.free();
}

/// The end of a transaction, HTTP/1 or an HTTP/2 stream: its last milestones, its access log
/// line (`body_out`: the response body bytes sent), TXN_CLOSE, and its handle freed.
pub(super) async fn close_transaction(ssn: &Session, txn: &Arc<Txn>, body_out: u64) {
    txn.closing();
    txn.wire
        .client_resp_body
        .store(body_out as i64, std::sync::atomic::Ordering::Relaxed);
    if crate::accesslog::enabled() {
        crate::accesslog::txn_done(txn, crate::accesslog::Counts { body_out });
    }
    if super::sm::transform::any_to_close(txn) {
        super::sm::transform::close_all(txn).await;
    }
    if txn.intercept.load(std::sync::atomic::Ordering::Acquire) != 0
        && !super::intercept::told_before_close(txn.handle, Duration::from_secs(5)).await
    {
        crate::warning!(
            "transaction {}: the intercepting plugin was not told of the transaction's end within \
             5 s; TXN_CLOSE goes on",
            txn.id
        );
    }
    // ERROR at TXN_CLOSE counts as CONTINUE.
    run_point(ssn, Some(txn), id::TXN_CLOSE).await;
    txn.free();
}
