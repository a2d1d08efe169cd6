//! Debian's unmodified tslua.so (ATS 9.2's Lua plugin, on libluajit) as a global and as a remap
//! plugin, with Lua scripts written here; each expectation was first checked on Debian's ATS 9.2
//! (/work/ref-ats.sh, REMAP for the rule), as the comments say. A C plugin built against Debian's
//! header checks the functions tslua does not reach as plainly (TSHostLookup, TSIpStringToAddr,
//! TSHttpTxnServerFdGet after the response).

mod common;

use common::proxy::{raw_request, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

const TSLUA: &str = "/usr/lib/trafficserver/modules/tslua.so";

fn text(r: Vec<u8>) -> String {
    String::from_utf8_lossy(&r).into_owned()
}

fn field<'a>(resp: &'a str, name: &str) -> Option<&'a str> {
    let head = resp.split("\r\n\r\n").next()?;
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn script(name: &str, body: &str) -> (String, Vec<u8>) {
    (name.to_string(), body.as_bytes().to_vec())
}

#[test]
fn tslua_scripts_work_as_remap_and_global_plugins() {
    let origin = Origin::start();
    let dir_name = "tslua-scripts";
    // The script paths are relative to the configuration directory, as ATS's.
    let p = Proxy::start(
        dir_name,
        &origin,
        Setup {
            plugins: vec![format!("{TSLUA} global.lua")],
            remap: vec![
                format!(
                    "map http://a.test/ http://127.0.0.1:{}/ @plugin={TSLUA} @pparam=remap.lua",
                    origin.port
                ),
                format!(
                    "map http://b.test/ http://127.0.0.1:{}/ @plugin={TSLUA} @pparam=uri.lua",
                    origin.port
                ),
                format!("map http://c.test/ http://127.0.0.1:{}/", origin.port),
            ],
            files: vec![
                script(
                    "remap.lua",
                    "function do_remap()\n  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()\n    \
                     ts.client_response.header['X-Lua'] = 'remap'\n    return 0\n  end)\n  \
                     return 0\nend\n",
                ),
                script(
                    "uri.lua",
                    "function do_remap()\n  local uri = ts.client_request.get_uri()\n  \
                     ts.http.set_resp(200, 'uri=' .. uri .. '\\n')\n  return 0\nend\n",
                ),
                script(
                    "global.lua",
                    "function do_global_read_request()\n  \
                     ts.client_request.header['X-Global-Lua'] = 'seen'\n  return 0\nend\n\
                     function do_global_send_response()\n  \
                     ts.client_response.header['X-Global'] = 'yes'\n  return 0\nend\n",
                ),
            ],
            ..Default::default()
        },
    );
    // ATS 9.2.9: `X-Global: yes` then `X-Lua: remap` on the origin's 200.
    let r = text(raw_request(
        p.port,
        b"GET /size/5 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n",
    ));
    assert!(r.starts_with("HTTP/1.1 200"), "{r}\n{}", p.stderr());
    assert_eq!(field(&r, "X-Lua"), Some("remap"), "{r}");
    assert_eq!(field(&r, "X-Global"), Some("yes"), "{r}");
    // ATS 9.2.9: 200 with the body `uri=/some/path` (the path without the query) and the global
    // script's header.
    let r = text(raw_request(
        p.port,
        b"GET /some/path?q=1 HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n",
    ));
    assert!(r.starts_with("HTTP/1.1 200"), "{r}\n{}", p.stderr());
    assert!(r.ends_with("\r\n\r\nuri=/some/path\n"), "{r}");
    assert_eq!(field(&r, "X-Global"), Some("yes"), "{r}");
    // ATS 9.2.9: the origin got `X-Global-Lua: seen` (do_global_read_request).
    let r = text(raw_request(
        p.port,
        b"GET /echo HTTP/1.1\r\nHost: c.test\r\nConnection: close\r\n\r\n",
    ));
    assert!(r.contains("\nX-Global-Lua: seen\r\n"), "{r}");
    assert_eq!(field(&r, "X-Global"), Some("yes"), "{r}");
}

#[test]
fn tslua_reads_the_transaction_as_on_ats() {
    let origin = Origin::start();
    let info = "function send_response()\n\
        local h = ts.client_response.header\n\
        h['X-State'] = ts.http.get_server_state()\n\
        h['X-Shdr'] = ts.server_request.get_header_size()\n\
        h['X-Sbody'] = ts.server_request.get_body_size()\n\
        h['X-Chdr'] = ts.client_request.get_header_size()\n\
        h['X-Cbody'] = ts.client_request.get_body_size()\n\
        h['X-Stack'] = table.concat({ts.http.get_server_protocol_stack()}, ',')\n\
        h['X-WS'] = tostring(ts.http.is_websocket())\n\
        h['X-Fd'] = tostring(ts.http.get_server_fd())\n\
        local ph, pp = ts.http.get_parent_proxy()\n\
        h['X-Parent'] = tostring(ph) .. ':' .. tostring(pp)\n\
        h['X-MaxAge'] = ts.server_response.get_maxage()\n\
        local c, e = ts.http.get_client_received_error()\n\
        h['X-CErr'] = tostring(c) .. '/' .. tostring(e)\n\
        return 0\nend\n\
        function do_remap()\n  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, send_response)\n  return 0\nend\n";
    let p = Proxy::start(
        "tslua-info",
        &origin,
        Setup {
            remap: vec![format!(
                "map http://d.test/ http://127.0.0.1:{}/ @plugin={TSLUA} @pparam=info.lua",
                origin.port
            )],
            files: vec![script("info.lua", info)],
            ..Default::default()
        },
    );
    let head =
        "POST /echo HTTP/1.1\r\nHost: d.test\r\nContent-Length: 5\r\nConnection: close\r\n\r\n";
    let r = text(raw_request(p.port, format!("{head}hello").as_bytes()));
    assert!(r.starts_with("HTTP/1.1 200"), "{r}\n{}", p.stderr());
    // ATS 9.2.9 for curl's POST of `hello`: X-State 3 (CONNECTION_ALIVE), X-Sbody 5, X-Chdr the
    // request head's length (143 for curl's), X-Cbody 5, X-Stack http/1.1,tcp,ipv4, X-WS false,
    // X-Fd a descriptor (25), X-Parent nil:-1, X-MaxAge -1, X-CErr 0/0; X-Shdr the server
    // request head's length (298 with ATS's fields).
    assert_eq!(field(&r, "X-State"), Some("3"), "{r}");
    assert_eq!(field(&r, "X-Sbody"), Some("5"), "{r}");
    assert_eq!(
        field(&r, "X-Chdr"),
        Some(head.len().to_string().as_str()),
        "{r}"
    );
    assert_eq!(field(&r, "X-Cbody"), Some("5"), "{r}");
    assert_eq!(field(&r, "X-Stack"), Some("http/1.1,tcp,ipv4"), "{r}");
    assert_eq!(field(&r, "X-WS"), Some("false"), "{r}");
    let fd: i32 = field(&r, "X-Fd").unwrap().parse().unwrap();
    assert!(fd > 2, "{r}");
    assert_eq!(field(&r, "X-Parent"), Some("nil:-1"), "{r}");
    assert_eq!(field(&r, "X-MaxAge"), Some("-1"), "{r}");
    assert_eq!(field(&r, "X-CErr"), Some("0/0"), "{r}");
    // The origin echoes the request head it got: its length is what tshost wrote.
    let body = r.split("\r\n\r\n").nth(1).unwrap();
    let sent_head = body.split("\r\n\r\n").next().unwrap().len() + 4;
    assert_eq!(
        field(&r, "X-Shdr"),
        Some(sent_head.to_string().as_str()),
        "{r}"
    );
}

/// A C plugin (Debian's header) calls TSHostLookup at READ_REQUEST_HDR and reenables the
/// transaction from the lookup's callback, with the address it found (or `none`) in a request
/// field the origin echoes; it also checks TSIpStringToAddr and, at TXN_CLOSE, that
/// TSHttpTxnServerFdGet says TS_ERROR (the connection is no longer the transaction's).
#[test]
fn host_lookup_calls_back_with_the_address_or_null() {
    let d = temp_dir("tslua-c");
    let so = d.join("lookup.so");
    build_plugin(
        &crate_dir().join("tests/c/host_lookup.c"),
        &so,
        Header::Debian,
    );
    let origin = Origin::start();
    let p = Proxy::start(
        "host-lookup",
        &origin,
        Setup {
            plugins: vec![so.display().to_string()],
            ..Default::default()
        },
    );
    let ask = |name: &str| {
        text(raw_request(
            p.port,
            format!(
                "GET /echo HTTP/1.1\r\nHost: example.com\r\nX-Lookup: {name}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        ))
    };
    let r = ask("localhost");
    assert!(
        r.contains("\nX-Found: 127.0.0.1\r\n") || r.contains("\nX-Found: ::1\r\n"),
        "{r}\n{}",
        p.stderr()
    );
    let r = ask("no-such-host.invalid");
    assert!(r.contains("\nX-Found: none\r\n"), "{r}\n{}", p.stderr());
    assert!(
        p.wait_for_stderr("ip_string: ok", std::time::Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
    assert!(
        p.wait_for_stderr("txn_close fd: error -1", std::time::Duration::from_secs(5)),
        "{}",
        p.stderr()
    );
}
