//! Responses tshost generates itself: API errors, remap and origin failures, their default bodies.

use super::*;

/// Send the response tshost makes where the machine says so (`m.next()` is
/// `Step::Generate`), after the SEND_RESPONSE_HDR hooks (not run again when the ERROR came from
/// SEND_RESPONSE_HDR itself, as in ATS). As ATS's setup_internal_transfer, the body and its
/// Content-Length and Content-Type are settled after those hooks: a body set with
/// TSHttpTxnErrorBodySet (its type, or text/html), else the generated page of a `Status`
/// response, else none (`Content-Length: 0`).
pub(crate) async fn respond<C: ClientIo>(
    proxy: &Proxy,
    ssn: &Session,
    txn: &Arc<Txn>,
    client: &mut C,
    m: &mut Machine,
    close_after: bool,
) -> Done {
    let Step::Generate(what) = m.next() else {
        return Done { keep_alive: false };
    };
    let (status, reason, mut page) = match what {
        Generated::Status(s @ (301 | 302 | 307 | 308)) if txn.redirect_to.lock().is_some() => {
            // A remap plugin's redirect (ATS: build_error_response(.., "Redirect", ..)).
            (
                s,
                "Redirect",
                Some(default_body(s, "Redirect").into_bytes()),
            )
        }
        Generated::Status(403) if txn.access_denied.load(Ordering::Acquire) => {
            // A remap.config ACL filter (ATS: build_error_response(.., "Access Denied", ..)).
            (
                403,
                "Access Denied",
                Some(default_body(403, "Access Denied").into_bytes()),
            )
        }
        Generated::Status(502) if txn.connect_failed.load(Ordering::Acquire) => {
            // ATS's connect#failed_connect page is titled so (operators and tests look for it).
            let page = default_body(502, "Could Not Connect").replace(
                "<HR>",
                "<HR>\n<P>tshost could not connect to the server of this request.</P>",
            );
            (502, "Bad Gateway", Some(page.into_bytes()))
        }
        Generated::Status(s) => {
            let reason = crate::hdrs::reason(s).unwrap_or("Unknown HTTP Status");
            // No page for a status that has no body (1xx, 204, 304), as ATS.
            let page = (!bodiless(s)).then(|| default_body(s, reason).into_bytes());
            (s, reason, page)
        }
        Generated::Api(_) => {
            let (s, reason) = api_error_status(txn);
            (s, reason, None)
        }
    };
    let (is_head, conn) = txn
        .headers
        .client_req
        .load_full()
        .map(|r| r.with(|h| (h.method() == b"HEAD", stamp::connection_name(h))))
        .unwrap_or((false, stamp::NAMES.connection));
    // In the client's HTTP version once its request was parsed (as ATS).
    let version = match txn.request_version.load(Ordering::Acquire) {
        0x10000 => (1, 0),
        _ => (1, 1),
    };
    let connection: &'static [u8] = if close_after {
        b"close\0"
    } else {
        b"keep-alive\0"
    };
    let plugin_body = |page: &Option<Vec<u8>>| -> Option<(Vec<u8>, Vec<u8>)> {
        match txn.error_body.lock().as_ref() {
            Some(b) => Some((
                b.body().to_vec(),
                b.mime()
                    .map(|m| m.to_bytes().to_vec())
                    .unwrap_or_else(|| b"text/html".to_vec()),
            )),
            None => page.clone().map(|p| (p, b"text/html".to_vec())),
        }
    };
    let build = |h: &mut HttpHdr, status: u16, reason: &str, page: &Option<Vec<u8>>| {
        h.clear_fields();
        h.set_version(version);
        h.set_status(status);
        h.set_reason(reason.as_bytes());
        // ATS's order (its gold tests body_factory/http204_response_plugin and http204_response):
        // Date, Connection, Server, then Cache-Control and Location, then the body's fields: a
        // plugin's body (set after the SEND_RESPONSE_HDR hooks, setup_internal_transfer) gives
        // Content-Length then Content-Type, the generated page Content-Type then Content-Length.
        stamp::date_now(h);
        h.set_known(conn, HStr::from_static_nul(connection));
        stamp::server(h, proxy, txn);
        if matches!(what, Generated::Status(_)) {
            h.set_field(b"Cache-Control", b"no-store");
        }
        if matches!(status, 301 | 302 | 307 | 308) {
            if let Some(to) = txn.redirect_to.lock().as_deref() {
                h.set_field(b"Location", to);
            }
        }
        let from_plugin = txn.error_body.lock().is_some();
        match plugin_body(page) {
            Some((body, ctype)) if from_plugin => {
                h.set_field(b"Content-Length", body.len().to_string().as_bytes());
                h.set_field(b"Content-Type", &ctype);
            }
            Some((body, ctype)) => {
                h.set_field(b"Content-Type", &ctype);
                h.set_field(b"Content-Length", body.len().to_string().as_bytes());
            }
            None if !bodiless(status) => h.set_field(b"Content-Length", b"0"),
            None => {}
        }
    };
    let resp = match txn.headers.client_resp.load_full() {
        // ERROR at SEND_RESPONSE_HDR: ATS rebuilds the client response in place (fields cleared).
        Some(r) if what == Generated::Api(id::SEND_RESPONSE_HDR) => r,
        _ => {
            let r = MBuffer::new_response(version, status, reason.as_bytes(), &[]);
            txn.headers.client_resp.store(Some(r.clone()));
            r
        }
    };
    resp.with_mut(|h| build(h, status, reason, &page));
    m.worked();
    if let Step::Hooks(point) = m.next() {
        let outcome = run_point(ssn, Some(txn), point).await;
        m.hooks_ran(outcome, || plugin_status(txn));
        if let Step::Generate(_) = m.next() {
            // ERROR at SEND_RESPONSE_HDR of this response: the API error response instead,
            // without running those hooks again (ATS).
            let (status, reason) = api_error_status(txn);
            page = None;
            resp.with_mut(|h| build(h, status, reason, &page));
            m.worked();
        }
    }
    let body = match plugin_body(&page) {
        Some((body, ctype)) => {
            resp.with_mut(|h| {
                h.set_field(b"Content-Length", body.len().to_string().as_bytes());
                h.remove_field(b"transfer-encoding");
                h.set_field(b"Content-Type", &ctype);
            });
            body
        }
        None => {
            resp.with_mut(|h| {
                if !matches!(h.status(), 100..=199 | 204 | 304) {
                    h.set_field(b"Content-Length", b"0");
                    h.remove_field(b"transfer-encoding");
                }
            });
            Vec::new()
        }
    };
    let conn_name = crate::hdrs::tokens::token(conn).text();
    let keep = !close_after && !resp.with(|h| h.has_token(conn_name, b"close"));
    let framing = if is_head || body.is_empty() {
        Framing::None
    } else {
        Framing::Length(body.len() as u64)
    };
    let sent = async {
        txn.milestones
            .stamp_once(crate::txn::milestones::UA_BEGIN_WRITE);
        let head = client.send_head(&resp, framing).await?;
        txn.wire
            .client_resp_hdr
            .store(head as i64, Ordering::Relaxed);
        if framing != Framing::None {
            client.send_body(&body).await?;
        }
        client.finish(&[]).await
    };
    if sent.await.is_err() {
        m.client_gone();
        txn.aborted.store(true, Ordering::Release);
        return Done { keep_alive: false };
    }
    m.worked();
    Done { keep_alive: keep }
}

/// A status whose response has no body (RFC 9110: 1xx, 204, 304).
fn bodiless(status: u16) -> bool {
    matches!(status, 100..=199 | 204 | 304)
}

pub(super) fn default_body(status: u16, reason: &str) -> String {
    format!("<HTML>\n<HEAD><TITLE>{status} {reason}</TITLE></HEAD>\n<BODY>\n<H1>{reason}</H1>\n<HR>\n<I>tshost</I>\n</BODY>\n</HTML>\n")
}

/// The status and reason of the response to TS_EVENT_HTTP_ERROR ([`crate::hdrs::api_error_status`]).
fn api_error_status(txn: &Txn) -> (u16, &'static str) {
    crate::hdrs::api_error_status(txn.status.load(Ordering::Acquire))
}
