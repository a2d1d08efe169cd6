//! Following a redirect a plugin asked for (TSHttpTxnRedirectUrlSet), as ATS's
//! HttpSM::redirect_request: the client request takes the new URL, and the Host field its
//! authority (without the scheme's default port: redirection_host_no_port 1); a URL without a
//! host keeps the request's own.

use super::*;
use crate::config::redirect::Action;
use crate::hdrs::url::Url;

/// What becomes of a redirect a plugin asked for, once the origin's response head is in.
pub(super) enum Redirect {
    /// Followed: the request goes again, to this address.
    Follow(SocketAddr),
    /// Not followed (redirect.actions `return`): the response head goes to the client without
    /// its body, as ATS's build_response_copy.
    Return,
    /// None asked, or the URL is not one.
    None,
}

/// After READ_RESPONSE_HDR, where a plugin steered the origin: the redirect it asked for (for a
/// request without a body only),
/// resolved, and what redirect.actions says of its address (ATS's OSDNSLookup with
/// redirect_in_process); a followed one is counted and reported to the machine.
pub(super) async fn asked_redirect(
    proxy: &Proxy,
    txn: &Txn,
    m: &mut Machine,
    client_req: &MBuffer,
) -> Result<Redirect, Failure> {
    let Some(url) = txn.origin.lock().steer().redirect_url.take() else {
        return Ok(Redirect::None);
    };
    if !client_req.with_mut(|h| follow_redirect(h, &url)) {
        return Ok(Redirect::None);
    }
    txn.origin.lock().steer().redirect_tries += 1;
    let to = client_req.with(host_target);
    let Some(to_addr) = resolve(&to.host, to.port).await else {
        return Err(fail(m, Failure::Respond(502)));
    };
    let is_self = super::super::local_addr::is_self(to_addr.ip());
    let how = proxy.config.redirect_actions.action(to_addr.ip(), is_self);
    crate::debug!(
        "http",
        "transaction {}: redirect to {} ({to_addr}): {how:?}",
        txn.id,
        String::from_utf8_lossy(&url)
    );
    match how {
        Action::Follow => {
            m.follow_redirect();
            txn.origin.lock().steer().api_server_addr = None;
            Ok(Redirect::Follow(to_addr))
        }
        Action::Reject => Err(fail(m, Failure::Respond(403))),
        Action::Return => Ok(Redirect::Return),
    }
}

/// Rewrite the client request `h` for `url`; false (nothing changed) when `url` is not one.
pub(super) fn follow_redirect(h: &mut HttpHdr, url: &[u8]) -> bool {
    let Some(mut new) = Url::parse(url.trim_ascii()) else {
        return false;
    };
    let old = h.url().clone();
    let scheme: &[u8] = new
        .effective_scheme()
        .or(old.effective_scheme())
        .unwrap_or(b"http");
    match new
        .host()
        .filter(|host| !host.is_empty())
        .map(<[u8]>::to_vec)
    {
        Some(host) => {
            if new.scheme().is_none() {
                new.set_scheme(Some(scheme));
            }
            let port = new.port_or_default();
            let default = matches!((scheme, port), (b"http", 80) | (b"https", 443));
            let mut value = host;
            if !default {
                value.extend_from_slice(format!(":{port}").as_bytes());
            }
            h.set_url(new);
            h.set_field(b"Host", &value);
        }
        None => {
            new.set_scheme(Some(scheme));
            new.set_host(old.host());
            new.set_port(old.port());
            h.set_url(new);
        }
    }
    true
}

/// Where a request goes by the host it names (its URL's, else its Host field's), no rule: after a
/// redirect was followed, or when a plugin had remap skipped (TS_HTTP_CNTL_SKIP_REMAPPING).
pub(super) fn host_target(h: &HttpHdr) -> Target<'static> {
    let url = h.url();
    let scheme = match url.effective_scheme() {
        Some(b"https") => "https",
        _ => "http",
    };
    let (host, port) = match url.host() {
        Some(host) if !host.is_empty() => (host, url.port()),
        _ => split_host_port(h.field(b"host").unwrap_or_default()),
    };
    Target {
        host: Cow::Owned(text(host).into_owned()),
        port: port.unwrap_or(if scheme == "https" { 443 } else { 80 }),
        scheme: Cow::Borrowed(scheme),
        path: url.path().to_vec(),
        mapped: true,
        rule_id: None,
        rule: None,
        denied: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &[u8], host: &[u8]) -> HttpHdr {
        let mut h = HttpHdr::default();
        h.set_method(b"GET");
        h.set_url(Url::parse(target).unwrap());
        h.set_field(b"Host", host);
        h
    }

    #[test]
    fn an_absolute_url_takes_the_request_and_its_host_field() {
        let mut h = request(b"http://a.example:8080/old", b"a.example:8080");
        assert!(follow_redirect(&mut h, b"http://b.example:9090/new?q"));
        assert_eq!(h.field(b"host"), Some(&b"b.example:9090"[..]));
        let t = host_target(&h);
        assert_eq!(
            (t.host.as_ref(), t.port, t.path.as_slice()),
            ("b.example", 9090, &b"new"[..])
        );
        // The default port is left out of Host.
        assert!(follow_redirect(&mut h, b"http://c.example/x"));
        assert_eq!(h.field(b"host"), Some(&b"c.example"[..]));
        assert_eq!(host_target(&h).port, 80);
    }

    #[test]
    fn a_path_keeps_the_requests_authority() {
        let mut h = request(b"http://a.example:8080/old", b"a.example:8080");
        assert!(follow_redirect(&mut h, b"/elsewhere"));
        assert_eq!(h.field(b"host"), Some(&b"a.example:8080"[..]));
        let t = host_target(&h);
        assert_eq!(
            (t.host.as_ref(), t.port, t.path.as_slice()),
            ("a.example", 8080, &b"elsewhere"[..])
        );
    }

    #[test]
    fn what_is_not_a_url_changes_nothing() {
        let mut h = request(b"http://a.example/old", b"a.example");
        assert!(!follow_redirect(&mut h, b"http://bad host/"));
        assert_eq!(h.url().path(), b"old");
    }
}
