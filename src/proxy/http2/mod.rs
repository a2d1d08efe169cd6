//! HTTP/2 client sessions (the h2 crate): one connection is one session; each stream is one
//! transaction, driven by the same state machine as HTTP/1 (requests are converted to HTTP/1.1
//! headers, as ATS does). Streams run concurrently; a stream held by a plugin hook stalls only
//! that stream. SSN_CLOSE comes once, after every stream's TXN_CLOSE, however the connection ends.
//!
//! This file is the connection driver ([`serve`]) and its settings; a stream's transaction and its
//! client side are in stream.rs, the frame tap on the client's bytes (frame caps, WINDOW_UPDATE
//! averages, header-block and SETTINGS deadlines) in tap.rs.
#![forbid(unsafe_code)]

mod push;
mod stream;
mod tap;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use h2::Reason;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio::time::Instant;

use super::sm::Proxy;
use super::{ClientInfo, Session};
use crate::hooks::dispatch::{run_session_point, Outcome};
use crate::hooks::id;
use stream::stream;
use tap::{Alarms, FrameCaps};

pub use push::promise as server_push;
pub use stream::H2Client;

/// `proxy.config.http2.*` settings.
#[derive(Clone, Copy, Debug)]
pub struct H2Settings {
    pub max_concurrent_streams: u32,
    pub initial_window_size: u32,
    pub max_header_list_size: u32,
    pub no_activity_timeout: Duration,
    /// 0: none.
    pub active_timeout: Duration,
    /// Streams reset by the client before they were accepted, tolerated by the h2 crate.
    pub max_pending_resets: usize,
    /// Per-minute caps on frames received from the client (ATS's
    /// `proxy.config.http2.max_*_frames_per_minute`); past one, GOAWAY ENHANCE_YOUR_CALM. 0: no
    /// cap. RST_STREAM is the rapid-reset (CVE-2023-44487) guard.
    pub max_rst_stream_frames_per_minute: u32,
    pub max_settings_frames_per_minute: u32,
    pub max_ping_frames_per_minute: u32,
    pub max_priority_frames_per_minute: u32,
    /// `min_avg_window_update`: the least average of a stream's (or the connection's) last five
    /// WINDOW_UPDATE increments; below it, RST_STREAM (or GOAWAY) ENHANCE_YOUR_CALM. 0: none.
    pub min_avg_window_update: f64,
    /// `incomplete_header_timeout_in`: a header block must be finished within this, else GOAWAY
    /// COMPRESSION_ERROR. 0: none.
    pub incomplete_header_timeout: Duration,
    /// tshost's `settings_ack_timeout_in`: our SETTINGS must be acknowledged within this, else
    /// GOAWAY SETTINGS_TIMEOUT (RFC 9113 6.5.3). 0: none.
    pub settings_ack_timeout: Duration,
    /// `push_diary_size`: URLs remembered as pushed per connection (TSHttpTxnServerPush pushes
    /// each once).
    pub push_diary_size: u32,
}

/// Fields that are connection-specific in HTTP/1.1 and forbidden in HTTP/2 (RFC 9113 8.2.2).
pub(super) const CONNECTION_SPECIFIC: &[&[u8]] = &[
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"transfer-encoding",
    b"upgrade",
];

/// Serve one HTTP/2 connection (ALPN h2 was negotiated).
pub async fn serve<S>(
    proxy: Arc<Proxy>,
    io: S,
    info: ClientInfo,
    settings: H2Settings,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ssn = Session::create(info);
    let _counted = crate::metrics::Held::new(
        crate::metrics::M::Http2TotalClientConnections,
        crate::metrics::M::Http2CurrentClientConnections,
    );
    // ATS fires SSN_START for HTTP/2 right after the session is made, before the preface.
    if run_session_point(&ssn, id::SSN_START).await == Outcome::Continue {
        let mut builder = h2::server::Builder::new();
        builder
            .max_concurrent_streams(settings.max_concurrent_streams)
            .initial_window_size(settings.initial_window_size)
            .max_header_list_size(settings.max_header_list_size)
            .max_pending_accept_reset_streams(settings.max_pending_resets)
            .max_local_error_reset_streams(Some(1024))
            .max_send_buffer_size(256 * 1024);
        let alarms = Arc::new(Alarms::default());
        let push = push::Port::install(
            &ssn,
            proxy.clone(),
            alarms.clone(),
            settings.no_activity_timeout,
            settings.push_diary_size,
        );
        let mut io = FrameCaps::new(io, &settings, alarms.clone());
        // (A connection error before the preface was through ends it: no GOAWAY to say it on.)
        if let Some(mut conn) = tokio::select! {
            h = tokio::time::timeout(
                settings.no_activity_timeout,
                builder.handshake::<_, Bytes>(&mut io),
            ) => h.ok().and_then(Result::ok),
            _ = alarms.session.notified() => None,
        } {
            // The streams run inside the connection's task, not as tasks of their own: they share
            // the h2 connection's state, and on the connection's thread they neither contend for
            // its lock nor wake another worker (a profile under h2load showed both).
            let mut streams = FuturesUnordered::new();
            let mut stopping = false;
            // Set when the connection was shut down abruptly: it may take this long to flush.
            let mut closing_by: Option<Instant> = None;
            let started = Instant::now();
            loop {
                // Every stream that can finish now does, before the connection is polled: their
                // responses then go out together, in one write (one TLS record, one send)
                // instead of one each. (The select below polls the streams again with this
                // task's waker.)
                while let Some(Some(())) = streams.next().now_or_never() {}
                let closing = async {
                    match closing_by {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending::<()>().await,
                    }
                };
                let idle = tokio::time::sleep(settings.no_activity_timeout);
                let active = async {
                    if settings.active_timeout.is_zero() {
                        std::future::pending::<()>().await
                    } else {
                        tokio::time::sleep_until(started + settings.active_timeout).await
                    }
                };
                tokio::select! {
                    biased;
                    Some(()) = streams.next(), if !streams.is_empty() => {}
                    next = conn.accept() => match next {
                        Some(Ok((req, respond))) => {
                            let (proxy, ssn) = (proxy.clone(), ssn.clone());
                            let idle = settings.no_activity_timeout;
                            let alarms = alarms.clone();
                            streams.push(crate::rt::boxed::pinned(|| {
                                stream(proxy, ssn, req, respond, idle, alarms)
                            }));
                        }
                        Some(Err(e)) => {
                            crate::debug!("http2", "session {}: {e}", ssn.id);
                            break;
                        }
                        None => break,
                    },
                    _ = alarms.session.notified(), if closing_by.is_none() => {
                        // A connection error found by the tap: a frame cap passed, WINDOW_UPDATEs
                        // too small, a header block or our SETTINGS' ACK overdue. GOAWAY, close.
                        let reason = Reason::from(alarms.goaway.load(Ordering::Acquire));
                        crate::debug!("http2", "session {}: GOAWAY {reason:?}", ssn.id);
                        conn.abrupt_shutdown(reason);
                        stopping = true;
                        closing_by = Some(Instant::now() + Duration::from_secs(2));
                    }
                    _ = closing => break,
                    _ = idle, if streams.is_empty() => {
                        // No stream and no activity: close gracefully.
                        conn.graceful_shutdown();
                        stopping = true;
                    }
                    _ = active => {
                        conn.graceful_shutdown();
                        stopping = true;
                    }
                    _ = stop.changed(), if !stopping => {
                        // Graceful stop: GOAWAY, let open streams finish.
                        conn.graceful_shutdown();
                        stopping = true;
                    }
                }
            }
            // The connection is over (or broken): every stream still running finishes on its own
            // (its I/O fails); each gets its TXN_CLOSE before SSN_CLOSE.
            push.close();
            drop(conn);
            while streams.next().await.is_some() {}
        }
        push.close();
        if io.tripped {
            // Lingering close after a connection error's GOAWAY: a flooding client still has
            // frames in flight, and closing with unread input would reset the connection
            // and lose the GOAWAY (RFC 9113 6.8: the sender should give it a chance to
            // arrive). Bounded: at most a second.
            let _ = tokio::time::timeout(Duration::from_secs(1), io.linger()).await;
        }
    }
    ssn.close_transactions().await;
    run_session_point(&ssn, id::SSN_CLOSE).await;
    ssn.free();
}
