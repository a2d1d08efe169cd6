//! Remap: the target a request goes to (remap.config rules, the Host field, DNS), and the request rewritten for it.

use super::*;
use crate::config::remap::RuleTo;

/// Where a request goes after remap. A mapped request borrows the rule's strings.
pub struct Target<'p> {
    pub host: Cow<'p, str>,
    pub port: u16,
    pub scheme: Cow<'p, str>,
    /// New path (without the leading '/').
    pub path: Vec<u8>,
    /// A remap rule matched (the client request was rewritten to this target).
    pub mapped: bool,
    /// The id of the rule that matched (its remap plugins, if any).
    pub rule_id: Option<usize>,
    /// The rule's target, while the host and port are still the rule's (its strings are made
    /// once: the request takes them without a copy, and its IP address without resolving; a
    /// `regex_` rule's is made for the request).
    pub rule: Option<crate::config::remap::RuleTo<'p>>,
    /// The rule's ACL filters deny the request (answered 403 after its remap plugins, as ATS's
    /// finish_remap then EndRemapRequest).
    pub denied: bool,
}

/// Bytes as text: borrowed when they are UTF-8 (a host name always is), else with U+FFFD.
pub(super) fn text(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

pub(super) fn remap<'p>(
    proxy: &Proxy,
    ssn: &Session,
    txn: &Txn,
    state: &'p RemapState,
    req: &MBuffer,
    scheme: &str,
) -> Result<Target<'p>, Failure> {
    use crate::config::remap::{acl, MapKind, Request};
    let table = &state.table;
    let client = || {
        ssn.client
            .client_addr
            .as_ref()
            .and_then(|a| a.as_socket())
            .map(|a| a.ip())
    };
    req.with(|h| {
        // ip_allow.yaml's method check (ATS's process_quick_http_filter): after the lookup, as
        // a rule may switch it off, and before a missing rule's 404 or a redirect.
        let ip_denied = || {
            state
                .ip_allow
                .as_ref()
                .is_some_and(|a| !client().is_some_and(|ip| a.allows(ip, h.method())))
        };
        let forbidden = || {
            txn.access_denied.store(true, Ordering::Release);
            Failure::Respond(403)
        };
        let url = h.url();
        // The URL's scheme: the connection's, unless an absolute-form URL named the other one
        // (let through by scheme_proto_mismatch_policy 0 or 1), which ATS 9.2.9 then follows
        // for the rule and the default port (seen beside it).
        let scheme = match url.effective_scheme() {
            Some(b"https") => "https",
            Some(b"http") => "http",
            _ => scheme,
        };
        let (host, port) = match url.host() {
            Some(host) if !host.is_empty() => (host, url.port()),
            _ => split_host_port(h.field(b"host").unwrap_or_default()),
        };
        let host = text(host);
        // sni.yaml's host_sni_policy (ATS's check_sni_host, before remap): refused like an
        // ip_allow.yaml method, after the rule's remap plugins (a redirect rule goes first).
        let sni_denied =
            ssn.client.tls && crate::tls::sni::host_denied(&host, ssn.client.sni.as_deref());
        let port = port.unwrap_or(if scheme == "https" { 443 } else { 80 });
        let local = || ssn.client.local_addr.as_ref().and_then(|a| a.as_socket());
        let recv_port = if table.has_recv_port {
            // A port a plugin set (TSHttpTxnClientIncomingPortSet) is the one ATS looks up by.
            match txn.wire.incoming_port.load(Ordering::Relaxed) {
                p @ 0..=65535 => p as u16,
                _ => local().map_or(0, |a| a.port()),
            }
        } else {
            0
        };
        let q = Request {
            scheme,
            host: &host,
            port,
            recv_port,
            path: url.path(),
        };
        match table.lookup_path(&q) {
            Some(found)
                if matches!(
                    found.rule.kind,
                    MapKind::Redirect | MapKind::RedirectTemporary
                ) =>
            {
                if ip_denied() {
                    return Err(forbidden());
                }
                // ATS's handleIfRedirect: the request's URL with the target's scheme, host, port
                // and path (its query kept); 301, or 307 (302 to an HTTP/1.0 client).
                let to = found.target();
                let mut loc = Vec::with_capacity(to.host.len() + found.path.len() + 16);
                loc.extend_from_slice(to.scheme.as_bytes());
                loc.extend_from_slice(b"://");
                loc.extend_from_slice(to.host_field.as_bytes());
                loc.push(b'/');
                loc.extend_from_slice(&found.path);
                if let Some(query) = url.query() {
                    loc.push(b'?');
                    loc.extend_from_slice(query);
                }
                *txn.redirect_to.lock() = Some(loc);
                let http10 = txn.request_version.load(Ordering::Acquire) == 0x10000;
                Err(Failure::Respond(match found.rule.kind {
                    MapKind::Redirect => 301,
                    _ if http10 => 302,
                    _ => 307,
                }))
            }
            Some(found) => {
                let rule = found.rule;
                let denied = (!rule.filters.is_empty()
                    && !acl::allowed(
                        &rule.filters,
                        &acl::AclRequest {
                            method: h.method(),
                            client: client(),
                            local: local().map(|a| a.ip()),
                            internal: ssn.client.internal,
                        },
                    ))
                    || (rule.ip_allow_check && ip_denied())
                    || sni_denied;
                let to = match found.regex_target {
                    Some(t) => RuleTo::Made(t),
                    None => RuleTo::Rule(&rule.to),
                };
                Ok(Target {
                    host: match &to {
                        RuleTo::Rule(t) => Cow::Borrowed(t.host.as_str()),
                        RuleTo::Made(t) => Cow::Owned(t.host.clone()),
                    },
                    port: to.port,
                    scheme: Cow::Borrowed(&rule.to.scheme),
                    path: found.path,
                    mapped: true,
                    rule_id: Some(rule.id),
                    rule: Some(to),
                    denied,
                })
            }
            None if sni_denied || ip_denied() => Err(forbidden()),
            None if proxy.config.remap_required => Err(Failure::Respond(404)),
            None if host.is_empty() => Err(Failure::Respond(400)),
            None => Ok(Target {
                host: Cow::Owned(host.into_owned()),
                port,
                scheme: Cow::Owned(scheme.to_string()),
                path: url.path().to_vec(),
                mapped: false,
                rule_id: None,
                rule: None,
                denied: false,
            }),
        }
    })
}

pub(crate) async fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Some(SocketAddr::new(ip, port));
    }
    tokio::net::lookup_host((host, port)).await.ok()?.next()
}

/// Rewrite a client request to its remap target (ATS's remap: scheme, host, port, path; the Host
/// field too unless `pristine_host`). The rule's strings are shared, not copied.
pub(super) fn apply_remap(h: &mut HttpHdr, t: &Target, pristine_host: bool) {
    let Some(rule) = t.rule.as_deref() else {
        return;
    };
    let default = if rule.scheme == "https" { 443 } else { 80 };
    let url = h.url_mut();
    url.set_scheme(Some(rule.scheme.as_bytes()));
    url.set_host_hstr(rule.host_str.clone());
    if rule.port == default {
        url.set_port(None);
    } else {
        url.set_port_hstr(rule.port, rule.port_text.clone());
    }
    if url.path() != t.path.as_slice() {
        url.set_path(&t.path);
    }
    if !pristine_host {
        h.set_field_hstr(b"Host", rule.host_field.clone());
    }
}

/// Run the rule's remap plugins on the mapped client request (ATS's RemapPlugins, then
/// finish_remap): a redirect a plugin asked for is answered (302, or the 3xx redirect status the
/// plugin set); the Host field follows the URL the plugins left unless pristine_host_hdr; a
/// status a plugin set during remap is answered too (ATS's EndRemapRequest).
pub(super) fn run_remap_plugins(
    proxy: &Proxy,
    txn: &Txn,
    req: &Arc<MBuffer>,
    chain: &crate::plugin::remap::Chain,
) -> Result<(), Failure> {
    let r = chain.run(txn.handle, req);
    let status = txn.status.load(Ordering::Acquire);
    if let Some(to) = r.redirect {
        *txn.redirect_to.lock() = Some(to);
        return Err(Failure::Respond(match status {
            301 | 302 | 303 | 305 | 307 | 308 => status as u16,
            _ => 302,
        }));
    }
    if !pristine_host(proxy, txn) {
        req.with_mut(host_from_url);
    }
    if status != 0 {
        return Err(Failure::Respond(status.clamp(0, u16::MAX as i32) as u16));
    }
    Ok(())
}

/// proxy.config.url_remap.pristine_host_hdr as this transaction sees it (a plugin may set it
/// for the transaction: TSHttpTxnConfigIntSet, conf_remap).
#[inline]
pub(super) fn pristine_host(proxy: &Proxy, txn: &Txn) -> bool {
    const KEY: usize =
        crate::sys::types::TSOverridableConfigKey::TS_CONFIG_URL_REMAP_PRISTINE_HOST_HDR as usize;
    txn.config_int(KEY)
        .map_or(proxy.config.pristine_host, |v| v != 0)
}

/// The Host field from the request's URL after its remap plugins ran (ATS's finish_remap: the
/// URL's host, and `:port` when the URL has one).
pub(super) fn host_from_url(h: &mut HttpHdr) {
    let url = h.url();
    let Some(host) = url.host().filter(|h| !h.is_empty()) else {
        return;
    };
    let mut v = host.to_vec();
    if let Some(p) = url.port() {
        v.push(b':');
        v.extend_from_slice(Dec::new(p.into()).as_bytes());
    }
    h.set_field(b"Host", &v);
}

/// Where a remapped client request goes: the host, port, scheme and path of its URL (which
/// plugins may have changed since remap); `remapped` if the URL names no host, or names what
/// remap put there.
pub(super) fn mapped_target<'p>(h: &HttpHdr, remapped: Target<'p>) -> Target<'p> {
    let url = h.url();
    match url.host() {
        Some(host) if remapped.mapped && !host.is_empty() => {
            let port = url.port_or_default();
            let scheme = url.effective_scheme();
            let path = url.path();
            if host == remapped.host.as_bytes()
                && port == remapped.port
                && scheme.is_none_or(|s| s == remapped.scheme.as_bytes())
                && path == remapped.path.as_slice()
            {
                return remapped;
            }
            let same_host = host == remapped.host.as_bytes() && port == remapped.port;
            Target {
                host: Cow::Owned(text(host).into_owned()),
                port,
                scheme: scheme
                    .map(|s| Cow::Owned(text(s).into_owned()))
                    .unwrap_or(remapped.scheme),
                path: path.to_vec(),
                mapped: true,
                rule_id: remapped.rule_id,
                rule: remapped.rule.filter(|_| same_host),
                denied: remapped.denied,
            }
        }
        _ => remapped,
    }
}

/// A request whose URL names the other scheme than its connection's (`http` over TLS, `https`
/// in the clear; `ws` and `wss` alike), logged as ATS does; true when
/// ssl.client.scheme_proto_mismatch_policy (2, as ATS's default) refuses it: a 400 before
/// READ_REQUEST_HDR, as ATS's HttpSM.
pub(crate) fn scheme_refused(proxy: &Proxy, scheme: Option<&[u8]>, tls: bool) -> bool {
    let policy = proxy.config.scheme_mismatch_policy;
    let Some(s) = scheme.filter(|_| policy != 0) else {
        return false;
    };
    let others: [&[u8]; 2] = if tls {
        [b"http", b"ws"]
    } else {
        [b"https", b"wss"]
    };
    if !others.iter().any(|o| s.eq_ignore_ascii_case(o)) {
        return false;
    }
    crate::warning!(
        "scheme [{}] vs. protocol [{}] mismatch",
        String::from_utf8_lossy(s),
        if tls { "tls" } else { "plaintext" }
    );
    policy == 2
}
