//! The driver of the transaction machine ([`crate::txn::machine`], ATS's HttpSM without I/O) with
//! sockets: it does the work the machine's steps name (read the request, remap, resolve, reach the
//! origin, exchange, respond) over the client connection it is given ([`ClientIo`]: HTTP/1 or an
//! HTTP/2 stream) and the origin pool, runs the hook points, and reports each step; where the
//! machine turns (an ERROR, a status set before remap, a failure), it follows. Its code is written
//! in the machine's order, so the request path pays for no dispatch loop (bench/instructions);
//! debug builds check every step against the machine.
//! TXN_CLOSE is run by the session.
#![forbid(unsafe_code)]

use crate::txn::milestones as ms;
use std::borrow::Cow;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::body::{
    chunked_prefix_is_valid, BodyError, BodyReader, BodyWriter, Conn, Framing, HeadError, Limit,
    Transport,
};
use super::client::{ClientIo, H1Client, PrefixError};
use super::origin::{OriginConn, OriginPool};
use super::origin_io::ConnectError;
use super::origin_tls::{host_of, TlsTo};
use super::{Session, Txn};
use crate::config::remap::RemapTable;
use crate::hdrs::http::split_host_port;
use crate::hdrs::text::{Dec, HStr};
use crate::hdrs::{HttpHdr, MBuffer};
use crate::hooks::dispatch::run_point;
use crate::hooks::id;
use crate::txn::machine::{Generated, Machine, Step};
use crate::txn::origin::cntl;
use crate::txn::ApiTimeout;

mod agents;
pub mod buffer;
mod config;
mod exchange;
mod overrides;
mod redirect;
mod relay;
mod remap;
pub(crate) use remap::scheme_refused;
mod remap_state;
mod respond;
mod rewrite;
mod stamp;
#[cfg(test)]
mod tests;
pub(crate) mod transform;

use crate::hdrs::parse::lines_within;
pub use crate::hdrs::parse::{parse_request, parse_response, ParsedRequest};
pub use config::{Done, Proxy, SmConfig};
use exchange::*;
use overrides::*;
use redirect::*;
use relay::{deliver, Delivered};
pub(crate) use remap::resolve as resolve_host;
pub use remap::Target;
use remap::*;
pub use remap_state::{RemapState, RuleUrls};
pub(crate) use respond::respond;
use rewrite::*;

/// ATS's `HttpTransact::ServerState_t::CONNECTION_ALIVE`: what TSRemapOSResponse is told when the
/// origin's response arrived.
const OS_RESPONSE_CONNECTION_ALIVE: std::os::raw::c_int = 3;

/// Hop-by-hop fields, never forwarded (RFC 9110 7.6.1, plus the proxy ones).
const HOP_BY_HOP: &[&[u8]] = &[
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
    b"proxy-authenticate",
];

/// Why work between hook points stopped.
enum Failure {
    /// Answer with this status (tshost makes the response).
    Respond(u16),
    /// The machine says tshost makes the response (`Machine::next` says which).
    Generate,
    /// The client is gone: no response.
    ClientGone,
}

/// The client connection closes after a response tshost makes, by ATS's rules: after a 400 (ATS's
/// build_error_response: the request stream is in an undetermined state); after an ERROR at any
/// hook before SEND_RESPONSE_HDR (as ATS 9.2.9, seen beside it: its error response has no trusted
/// length when keep-alive is decided; at SEND_RESPONSE_HDR it is kept as decided); when a request
/// body was not read (it would be taken for the next request); when the client does not keep
/// alive; while draining.
fn closes_after(
    proxy: &Proxy,
    what: Generated,
    request_framing: Framing,
    keep_alive: bool,
) -> bool {
    let by_kind = match what {
        Generated::Status(s) => s == 400,
        Generated::Api(at) => at != id::SEND_RESPONSE_HDR,
    };
    by_kind
        || request_framing != Framing::None
        || !keep_alive
        || proxy.draining.load(Ordering::Acquire)
}

/// The status a plugin set (TSHttpTxnStatusSet), for the machine.
fn plugin_status(txn: &Txn) -> i32 {
    txn.status.load(Ordering::Acquire)
}

/// Run a transaction whose TXN_START has not run yet; `scheme` ("http", "https") is the client
/// connection's, for remap. The transaction machine says what comes next; this drives it with
/// the client connection.
pub async fn run<S: Transport>(
    proxy: &Proxy,
    ssn: &Arc<Session>,
    txn: &Arc<Txn>,
    client: &mut Conn<S>,
    scheme: &str,
) -> Done {
    // TXN_START sees an empty request; the parsed one goes into the same heap, so handles a plugin
    // took at TXN_START stay valid.
    let tls = scheme == "https";
    // Every read and write of the client from here on: each within
    // transaction_no_activity_timeout_in, all within transaction_active_timeout_in.
    let active = proxy.config.client_active_timeout.as_millis() as u64;
    client.set_limit(Some(Limit {
        idle: proxy.config.client_request_timeout,
        until_ms: (active > 0).then(|| crate::rt::clock::coarse_ms() + active),
    }));
    let creq = MBuffer::empty_request();
    txn.headers.client_req.store(Some(creq.clone()));
    crate::metrics::request_started();
    let mut m = Machine::new();
    let outcome = run_point(ssn, Some(txn), id::TXN_START).await;
    m.hooks_ran(outcome, || plugin_status(txn));
    if m.next() != Step::ReadRequest {
        let mut c = H1Client::new(client, Framing::None, tls);
        return respond(proxy, ssn, txn, &mut c, &mut m, true).await;
    }

    // The request head: usually all here already (it woke the session up), then without a timer.
    let head = match client.buffered_head(proxy.config.request_header_max) {
        Some(r) => Ok(r),
        None => {
            tokio::time::timeout(
                proxy.config.client_request_timeout,
                client.read_head(proxy.config.request_header_max),
            )
            .await
        }
    };
    let head_len = match head {
        Err(_) => {
            m.failed(408);
            let mut c = H1Client::new(client, Framing::None, tls);
            return respond(proxy, ssn, txn, &mut c, &mut m, true).await;
        }
        Ok(Ok(Some(n))) => {
            txn.milestones
                .stamp_all(&[ms::UA_FIRST_READ, ms::UA_READ_HEADER_DONE]);
            n
        }
        Ok(Ok(None)) | Ok(Err(HeadError::Truncated)) | Ok(Err(HeadError::Io(_))) => {
            m.client_gone();
            txn.aborted.store(true, Ordering::Release);
            return Done { keep_alive: false };
        }
        Ok(Err(HeadError::TooLarge)) => {
            m.failed(400);
            let mut c = H1Client::new(client, Framing::None, tls);
            return respond(proxy, ssn, txn, &mut c, &mut m, true).await;
        }
    };
    // Parsed where it lies (its strings are copied into the header's block), then consumed: no
    // split of the buffer, which would make its storage shared.
    let head = &client.buf[..head_len];
    let parsed = match lines_within(
        head,
        proxy.config.request_line_max,
        proxy.config.header_field_max,
    ) {
        Ok(()) => parse_request(head),
        Err(why) => Err(why),
    };
    // The head ends where the parser says (its first empty line: a bare-LF head may be followed
    // by bytes with a CRLF CRLF in them, which is where the head was found to end).
    let consumed = parsed.as_ref().map_or(head_len, |p| p.len);
    txn.wire
        .client_req_hdr
        .store(consumed as i64, Ordering::Relaxed);
    bytes::Buf::advance(&mut client.buf, consumed);
    let refused = match &parsed {
        Ok(p) => scheme_refused(proxy, p.hdr.url().scheme(), tls),
        Err(why) => {
            crate::debug!("http", "transaction {}: bad request: {why}", txn.id);
            true
        }
    };
    let mut parsed = match parsed {
        Ok(p) if !refused => p,
        _ => {
            m.failed(400);
            let mut c = H1Client::new(client, Framing::None, tls);
            return respond(proxy, ssn, txn, &mut c, &mut m, true).await;
        }
    };
    parsed.hdr.apply_client_request_defaults(scheme == "https");
    txn.request_version.store(
        ((parsed.version.0 as u32) << 16) | parsed.version.1 as u32,
        Ordering::Release,
    );
    let request_framing = parsed.framing;
    let client_keep_alive = wants_keep_alive(&parsed.hdr);
    let is_head = parsed.hdr.method() == b"HEAD";
    creq.replace(parsed.hdr);
    m.worked();

    let mut c = H1Client::new(client, request_framing, tls);
    process(
        proxy,
        ssn,
        txn,
        &mut c,
        m,
        scheme,
        request_framing,
        client_keep_alive,
        is_head,
    )
    .await
}

/// The rest of a transaction once its request is in the client request header (`m` is past
/// reading it): hooks, remap, origin, response; or the response tshost makes when any of those
/// fails.
#[allow(clippy::too_many_arguments)]
pub async fn process<C: ClientIo>(
    proxy: &Proxy,
    ssn: &Arc<Session>,
    txn: &Arc<Txn>,
    client: &mut C,
    mut m: Machine,
    scheme: &str,
    request_framing: Framing,
    client_keep_alive: bool,
    is_head: bool,
) -> Done {
    let result = forward(
        proxy,
        ssn,
        txn,
        client,
        &mut m,
        scheme,
        request_framing,
        is_head,
    )
    .await;
    // The origin connection is no longer the transaction's (TSHttpTxnServerFdGet).
    txn.wire.server_fd.store(-1, Ordering::Relaxed);
    match result {
        Ok(done) => Done {
            keep_alive: done.keep_alive && client_keep_alive,
        },
        Err(Failure::ClientGone) => {
            txn.aborted.store(true, Ordering::Release);
            Done { keep_alive: false }
        }
        Err(Failure::Respond(_) | Failure::Generate) => {
            let close = match m.next() {
                Step::Generate(what) => {
                    closes_after(proxy, what, request_framing, client_keep_alive)
                }
                _ => true,
            };
            let d = respond(proxy, ssn, txn, client, &mut m, close).await;
            Done {
                keep_alive: d.keep_alive && client_keep_alive,
            }
        }
    }
}

/// Run the hooks of `point`, the machine's next step, and report how they ended; `Err(Generate)`
/// when the machine turns to a response tshost makes (an ERROR, a status set before remap). The
/// proxy's code follows the machine's order (checked on every step in debug builds: the tests),
/// so that the request path costs no dispatch loop.
async fn hooks(ssn: &Session, txn: &Txn, m: &mut Machine, point: i32) -> Result<(), Failure> {
    debug_assert_eq!(
        m.next(),
        Step::Hooks(point),
        "the proxy follows the machine"
    );
    let outcome = run_point(ssn, Some(txn), point).await;
    if m.hooks_ran(outcome, || plugin_status(txn)) {
        Ok(())
    } else {
        Err(Failure::Generate)
    }
}

/// Report the work `step` (the machine's next step) done.
#[inline]
fn worked(m: &mut Machine, step: Step) {
    debug_assert_eq!(m.next(), step, "the proxy follows the machine");
    m.worked();
}

/// Report a failure of the current work: a status becomes the response tshost makes
/// (`Generate`), a client gone ends the transaction.
fn fail(m: &mut Machine, f: Failure) -> Failure {
    match f {
        Failure::Respond(s) => {
            m.failed(s);
            Failure::Generate
        }
        Failure::ClientGone => {
            m.client_gone();
            Failure::ClientGone
        }
        Failure::Generate => Failure::Generate,
    }
}

/// Drive the machine from READ_REQUEST_HDR to the end of the response: hooks, remap, origin,
/// response. `Err(Generate)` once the machine says tshost makes the response (`m.next()` says
/// which).
#[allow(clippy::too_many_arguments)]
async fn forward<C: ClientIo>(
    proxy: &Proxy,
    ssn: &Session,
    txn: &Arc<Txn>,
    client: &mut C,
    m: &mut Machine,
    scheme: &str,
    request_framing: Framing,
    is_head: bool,
) -> Result<Done, Failure> {
    hooks(ssn, txn, m, id::READ_REQUEST_HDR).await?;
    let client_req = txn.headers.client_req.load_full().expect("client request");
    let remap_state = proxy.config.remap.load_full();
    // TS_HTTP_CNTL_SKIP_REMAPPING set by now: no PRE_REMAP, remap or POST_REMAP; the request goes
    // to the host it names (ATS's StartRemapRequest with api_skip_all_remapping).
    let skip_remap = txn.cntl.get(cntl::SKIP_REMAPPING) && m.skip_remap();
    let mut remapped = if skip_remap {
        None
    } else {
        hooks(ssn, txn, m, id::PRE_REMAP).await?;
        if remap_state.any_plugin {
            // TSHttpTxnPristineUrlGet's URL: the request's before remap (ATS's StartRemapRequest).
            *txn.pristine_url.lock() = Some(Box::new(client_req.with(|h| h.url_with_host_field())));
        }
        let target =
            remap(proxy, ssn, txn, &remap_state, &client_req, scheme).map_err(|e| fail(m, e))?;
        if let (Some((heap, locs)), Some(id)) = (&remap_state.rule_urls, target.rule_id) {
            if let Some(&(from, to)) = locs.get(id) {
                *txn.remap_urls.lock() = Some((heap.clone(), from, to));
            }
        }
        if target.mapped {
            // As ATS, remap rewrites the client request itself (its URL, and Host unless
            // pristine_host_hdr): plugins see the mapped request from POST_REMAP on, and what they
            // change in it is what the server request is made from.
            let chain = target.rule_id.and_then(|id| remap_state.plugins.of(id));
            // With remap plugins the Host field is settled after them (ATS's finish_remap).
            let keep_host = chain.is_some() || pristine_host(proxy, txn);
            client_req.with_mut(|h| apply_remap(h, &target, keep_host));
            if let Some(chain) = chain {
                run_remap_plugins(proxy, txn, &client_req, chain).map_err(|e| fail(m, e))?;
            }
            if target.denied {
                txn.access_denied.store(true, Ordering::Release);
                return Err(fail(m, Failure::Respond(403)));
            }
        }
        worked(m, Step::Remap);
        hooks(ssn, txn, m, id::POST_REMAP).await?;
        Some(target)
    };
    if request_framing == Framing::Chunked && client_req.with(|h| h.version()) < (1, 1) {
        // Transfer-Encoding exists in HTTP/1.1 only: ATS answers 406 after remap (#8451).
        return Err(fail(m, Failure::Respond(406)));
    }
    // Freed when the transaction is done with it (on every return from here).
    let _buffered = buffer::fill(client, proxy, ssn, txn, m, request_framing).await?;

    // From finding the origin to its response head: once, and again for each redirect a plugin
    // asks to follow (TSHttpTxnRedirectUrlSet), as ATS's do_redirect; where one goes, resolved.
    let mut redirected: Option<SocketAddr> = None;
    // A redirect not followed (redirect.actions `return`): the response head goes to the client
    // without its body, as ATS's build_response_copy.
    let mut head_only = false;
    let (addr, mut origin, server_resp, mut resp_framing, body_unsent, times) = loop {
        // OS_DNS: resolve the origin, the one the client request names now (POST_REMAP may change it;
        // a redirect followed names it in the URL).
        let target = match remapped.take() {
            Some(t) => client_req.with(|h| mapped_target(h, t)),
            None => client_req.with(host_target),
        };
        // TSHttpTxnServerAddrSet / TSHttpTxnOutgoingAddrSet (read only when a plugin called one).
        let (api_addr, api_from) = if txn.origin_steered.load(Ordering::Acquire) {
            let o = txn.origin.lock();
            let s = o.steered();
            (
                s.and_then(|s| s.api_server_addr),
                s.and_then(|s| s.api_outgoing_addr),
            )
        } else {
            (None, None)
        };
        // An intercepted transaction has no origin to find: a plugin answers as the origin.
        let intercept = txn.intercept.load(Ordering::Acquire);
        let addr = match (
            api_addr.or(redirected.take()),
            target.rule.as_ref().and_then(|r| r.ip),
        ) {
            _ if intercept != 0 => SocketAddr::from(([127, 0, 0, 1], 0)),
            (Some(a), _) => a,
            (None, Some(ip)) => SocketAddr::new(ip, target.port),
            (None, None) => resolve(&target.host, target.port)
                .await
                .ok_or_else(|| fail(m, Failure::Respond(502)))?,
        };
        // What only plugins read, kept only when one is loaded.
        if remap_state.any_plugin {
            txn.origin.lock().next_hop = Some(addr);
        }
        worked(m, Step::FindOrigin);
        hooks(ssn, txn, m, id::OS_DNS).await?;
        txn.cache_lookup_skipped();
        hooks(ssn, txn, m, id::CACHE_LOOKUP_COMPLETE).await?;

        if request_framing == Framing::Chunked
            && !client_req.with(|h| h.has_token(b"expect", b"100-continue"))
        {
            // Nothing ambiguous reaches the origin: the chunk framing the client already sent is
            // checked before the origin is contacted.
            match client
                .check_body_prefix(proxy.config.client_request_timeout)
                .await
            {
                Ok(()) => {}
                Err(PrefixError::Gone) => return Err(fail(m, Failure::ClientGone)),
                Err(PrefixError::Timeout) => return Err(fail(m, Failure::Respond(408))),
                Err(PrefixError::Malformed) => return Err(fail(m, Failure::Respond(400))),
            }
        }
        // The origin-side timeouts, as a plugin may have set them for this transaction.
        let connect_timeout = txn
            .api_timeout(ApiTimeout::Connect)
            .or_else(|| txn_secs(txn, key::CONNECT_ATTEMPTS_TIMEOUT))
            .unwrap_or(proxy.config.origin_connect_timeout);
        let origin_idle = txn
            .api_timeout(ApiTimeout::NoActivity)
            .or_else(|| txn_secs(txn, key::TRANSACTION_NO_ACTIVITY_TIMEOUT_OUT))
            .unwrap_or(proxy.config.origin_response_timeout);
        // response_header_max_size as a plugin (conf_remap) may set it for this transaction.
        let resp_max = txn
            .config_int(key::RESPONSE_HEADER_MAX_SIZE)
            .filter(|v| *v > 0)
            .map_or(proxy.config.response_header_max, |v| v as usize);
        // An https:// target is reached over TLS: its SNI, checks and certificates as the records
        // and the transaction's own settings say (TlsTo::new).
        // TSHttpTxnServerIntercept may come as late as CACHE_LOOKUP_COMPLETE.
        let intercept = txn.intercept.load(Ordering::Acquire);
        let tls_to = if intercept == 0 && matches!(target.scheme.as_ref(), "https" | "wss") {
            let names = super::origin_tls::Names {
                remap_host: &target.host,
                client_sni: ssn.client.sni.as_deref(),
            };
            let host_field = || client_req.with(|h| h.field(b"host").and_then(host_of));
            match TlsTo::new(
                &proxy.config.origin_tls.load(),
                |k| txn.config_str(k),
                names,
                host_field,
                addr,
            ) {
                Ok(t) => Some(t.logged_in(txn)),
                Err(e) => {
                    crate::error!("origin {} ({addr}): TLS: {e}", target.host);
                    return Err(fail(m, Failure::Respond(502)));
                }
            }
        } else {
            None
        };
        txn.milestones
            .stamp_all(&[ms::SERVER_FIRST_CONNECT, ms::SERVER_CONNECT]);
        let connected = match api_from {
            _ if intercept != 0 => OriginPool::intercepted(intercept, txn.handle)
                .map(|c| (c, false))
                .ok_or(ConnectError::Failed(
                    std::io::ErrorKind::NotConnected.into(),
                )),
            None => proxy.pool.get(addr, tls_to.as_ref(), connect_timeout).await,
            Some(from) => {
                OriginPool::connect_from(addr, Some(from), tls_to.as_ref(), connect_timeout)
                    .await
                    .map(|c| (c, false))
            }
        };
        let (mut origin, reused) = match connected {
            Ok(c) => {
                txn.milestones.stamp_once(ms::SERVER_CONNECT_END);
                c
            }
            Err(ConnectError::Timeout) => return Err(fail(m, connect_timed_out(txn))),
            Err(ConnectError::Failed(e)) => {
                crate::debug!("http", "transaction {}: origin {addr}: {e}", txn.id);
                txn.failed_connect();
                return Err(fail(m, Failure::Respond(502)));
            }
            // Logged where it failed, naming the origin and the reason.
            Err(ConnectError::Tls(_)) => {
                txn.failed_connect();
                return Err(fail(m, Failure::Respond(502)));
            }
        };
        // Each read and write of the origin within transaction_no_activity_timeout_out.
        let origin_limit = Some(Limit {
            idle: origin_idle,
            until_ms: None,
        });
        origin.set_limit(origin_limit);
        reached(txn, &origin, remap_state.any_plugin);

        // The server request: the client request, remapped, with the proxy's fields. Expect:
        // 100-continue goes to the origin, whose answer the client gets (ATS with
        // send_100_continue_response 0), where the client side can tell a body that comes without
        // waiting; else tshost answers 100 itself.
        let req_chain = transform::request_chain_of(txn, request_framing);
        let relay_continue = C::RELAYS_CONTINUE
            && !proxy.config.send_100_continue
            && request_framing != Framing::None
            && req_chain.is_empty();
        let (server_req, expect_continue) = client_req.copy_with(|h| {
            prepare_server_request(h, &target, proxy, txn, request_framing);
            transform::chunked_if(h, &req_chain);
            let e = h
                .field(b"expect")
                .map(|v| v.eq_ignore_ascii_case(b"100-continue"))
                .unwrap_or(false);
            if !(e && relay_continue) {
                h.remove_field(b"expect");
            }
            e
        });
        let relay_continue = relay_continue && expect_continue;
        // The origin answered before it had the body (a final response to Expect): the body is not
        // sent, so neither connection can carry another request.
        let mut body_unsent = false;
        txn.headers.server_req.store(Some(server_req.clone()));
        worked(m, Step::Connect);
        hooks(ssn, txn, m, id::SEND_REQUEST_HDR).await?;

        // An idle connection the origin closed (its keep-alive timeout) fails on the write or ends
        // before the first byte of a response: a request without a body goes once more, on a fresh
        // connection (as ATS retries a request that failed on a reused server session).
        let mut retry = reused && request_framing == Framing::None;
        let mut times = stamp::Times {
            sent: crate::rt::clock::coarse_unix_secs(),
            received: 0,
        };
        let (server_resp, resp_framing) = loop {
            txn.milestones.stamp_once(ms::SERVER_BEGIN_WRITE);
            let sent = if relay_continue {
                let max = resp_max;
                // Boxed: the rare path's futures are not part of every transaction's.
                match Box::pin(relay_expect(
                    client,
                    &mut origin,
                    &server_req,
                    max,
                    origin_idle,
                ))
                .await
                {
                    Ok(Expected::FinalFirst) => {
                        body_unsent = true;
                        Ok(())
                    }
                    Ok(Expected::Body) => {
                        Box::pin(send_body(client, &mut origin, request_framing)).await
                    }
                    Err(e) => Err(e),
                }
            } else if !req_chain.is_empty() {
                let (req, e) = (&server_req, expect_continue);
                transform::send_through(&req_chain, client, &mut origin, req, e, origin_idle).await
            } else {
                send_request(
                    client,
                    &mut origin,
                    &server_req,
                    request_framing,
                    expect_continue,
                )
                .await
            };
            let closed = match sent {
                Ok(()) => {
                    let head = pin!(read_response_head(
                        &mut origin,
                        is_head,
                        origin_idle,
                        resp_max
                    ));
                    match unless_gone(client, head).await {
                        Some(Ok(r)) => {
                            txn.milestones
                                .stamp_all(&[ms::SERVER_FIRST_READ, ms::SERVER_READ_HEADER_DONE]);
                            break r;
                        }
                        Some(Err(None)) => true,
                        Some(Err(Some(f))) => return Err(fail(m, head_failed(txn, f))),
                        // The origin connection is dropped: closed, never reused.
                        None => return Err(fail(m, Failure::ClientGone)),
                    }
                }
                Err(SendError::Client) => return Err(fail(m, Failure::ClientGone)),
                Err(SendError::ClientTimeout) => return Err(fail(m, Failure::Respond(408))),
                Err(SendError::BadClientBody) => return Err(fail(m, Failure::Respond(400))),
                Err(SendError::OriginTimeout) => return Err(fail(m, Failure::Respond(504))),
                Err(SendError::Origin) => true,
            };
            if !(closed && retry) {
                // A TLS origin that refused the connection (a client certificate it wanted):
                // ATS's connect failure page.
                if origin.io.refused() {
                    txn.failed_connect();
                }
                return Err(fail(m, Failure::Respond(502)));
            }
            retry = false;
            crate::debug!(
                "http",
                "transaction {}: reused origin connection closed, retrying",
                txn.id
            );
            origin = OriginPool::connect_from(addr, api_from, tls_to.as_ref(), connect_timeout)
                .await
                .map_err(|_| fail(m, Failure::Respond(502)))?;
            origin.set_limit(origin_limit);
            reached(txn, &origin, remap_state.any_plugin);
        };
        answered(txn, client, &origin);
        times.received = crate::rt::clock::coarse_unix_secs();
        server_resp.with_mut(stamp::date_if_missing);
        txn.headers.server_resp.store(Some(server_resp.clone()));
        if let Some(chain) = target.rule_id.and_then(|id| remap_state.plugins.of(id)) {
            // ATS's handle_response_from_server: the first plugin of the rule's chain hears of the
            // origin's response (CONNECTION_ALIVE).
            chain.os_response(txn.handle, OS_RESPONSE_CONNECTION_ALIVE);
        }
        worked(m, Step::Exchange);
        hooks(ssn, txn, m, id::READ_RESPONSE_HDR).await?;
        // (Only where a plugin steered the origin: the rare path's future is boxed.)
        let asked = txn.origin_steered.load(Ordering::Acquire) && request_framing == Framing::None;
        let redirect = match asked {
            true => Box::pin(asked_redirect(proxy, txn, m, &client_req)).await?,
            false => Redirect::None,
        };
        match redirect {
            Redirect::Follow(to_addr) => {
                redirected = Some(to_addr);
                // The first origin's response is not read: its connection is not reused.
                drop(origin);
                txn.headers.server_resp.store(None);
                txn.headers.server_req.store(None);
                continue;
            }
            Redirect::Return => head_only = true,
            Redirect::None => {}
        }
        break (addr, origin, server_resp, resp_framing, body_unsent, times);
    };

    // The client response.
    if head_only {
        resp_framing = Framing::Length(0);
        server_resp.with_mut(|h| set_content_length(h, 0));
    }
    let (client_version, client_ka, conn) =
        client_req.with(|h| (h.version(), wants_keep_alive(h), stamp::connection_name(h)));
    let client_ka = client_ka
        && (!ssn.client.internal || proxy.config.keepalive_internal_vc)
        && txn_flag(txn, key::KEEP_ALIVE_ENABLED_IN, proxy.config.keep_alive_in);
    let draining = proxy.draining.load(Ordering::Acquire);
    // Response transforms a plugin added (TS_HTTP_RESPONSE_TRANSFORM_HOOK): the body's length
    // may change, so the client gets it framed anew.
    let chain = transform::chain_of(txn, head_only);
    let origin_framing = transform::framing_for_client(&chain, resp_framing);
    let (client_resp, mut client_framing) = server_resp.copy_with(|h| {
        let keep = client_ka && !body_unsent;
        stamp::age(h, proxy, txn, times);
        let how = (client_version, is_head, keep, conn);
        let framing = prepare_client_response(h, origin_framing, how);
        stamp::server(h, proxy, txn);
        if draining {
            set_static(h, conn, b"close\0");
        }
        framing
    });
    txn.headers.client_resp.store(Some(client_resp.clone()));
    // Under transforms the head waits for the chain's first output (ATS): a transform may change
    // it (TSHttpTxnTransformRespGet).
    let transformed = !chain.is_empty() && client_framing != Framing::None;
    let mut running = None;
    if transformed {
        let idle = proxy.config.origin_response_timeout;
        let Some(mut run) = transform::start(&chain, resp_framing, idle) else {
            return Err(fail(m, Failure::Respond(502)));
        };
        if !Box::pin(run.until_output(&mut origin)).await {
            return Err(fail(m, Failure::Respond(504)));
        }
        client_framing = run.announce(resp_framing, &client_resp, client_framing);
        running = Some(Box::new(run));
    }
    worked(m, Step::Respond);
    hooks(ssn, txn, m, id::SEND_RESPONSE_HDR).await?;
    // Response plugin agents (TS_HTTP_RESPONSE_CLIENT_HOOK) see the body beside the client; a
    // transaction without (the usual case) sends to the client alone, with nothing around it.
    let head = (&*client_resp, client_framing);
    let delivered = if txn.hooks.has(id::RESPONSE_CLIENT) {
        let client = &mut agents::Teed::new(client, txn, ssn, proxy, client_framing);
        Box::pin(deliver(
            client,
            txn,
            head,
            running,
            &mut origin,
            resp_framing,
        ))
        .await
    } else {
        deliver(client, txn, head, running, &mut origin, resp_framing).await
    };
    let origin_read = match delivered {
        Delivered::Done { origin_read } => origin_read,
        Delivered::ClientGone => return Err(fail(m, Failure::ClientGone)),
        Delivered::OriginFailed => {
            worked(m, Step::Send);
            return Ok(Done { keep_alive: false });
        }
    };
    let origin_keep_alive = resp_framing != Framing::Close
        && origin_read
        && !body_unsent
        && !head_only
        && txn_flag(
            txn,
            key::KEEP_ALIVE_ENABLED_OUT,
            proxy.config.keep_alive_out,
        )
        && server_resp.with(wants_keep_alive);
    if origin_keep_alive {
        proxy.pool.put(addr, origin);
    }
    let client_keep_alive = client_framing != Framing::Close
        && !body_unsent
        && client_resp.with(|h| !h.has_token(crate::hdrs::tokens::token(conn).text(), b"close"));
    worked(m, Step::Send);
    Ok(Done {
        keep_alive: client_keep_alive,
    })
}
