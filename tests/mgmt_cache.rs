//! Records as plugins read them (TSMgmt*Get, TSMgmtSourceGet, TSMgmtDataTypeGet, TSRecordDump),
//! TSMgmtUpdateRegister's TS_EVENT_MGMT_UPDATE on SIGHUP's reload, TSPluginDSOReloadEnable, and
//! the cache functions with no cache; Debian's unmodified cachekey.so and remap_purge.so from
//! remap.config. End to end: tshost, a tshost-origin, curl, tests/c/mgmt_cache_plugin.c (which
//! answers with what it read in response fields: see its header comment).
//!
//! Every expected value below was first seen on Debian's ATS 9.2.9 run the same way
//! (/work/ref-ats.sh, 2026-12-07: `proxy.config.http.cache.http INT 0`, `proxy.config.
//! mgmt_test.unknown INT 7` appended to Debian's records.config,
//! `PROXY_CONFIG_HTTP_INSERT_SQUID_X_FORWARDED_FOR=1` in the environment, the same remap rules
//! and plugin); where tshost differs on purpose, the comment says so.
mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::proxy::{curl, Origin, Proxy, Setup};
use common::{build_plugin, crate_dir, temp_dir, Header};

const MODULES: &str = "/usr/lib/trafficserver/modules";

/// tests/c/mgmt_cache_plugin.c built once per test binary.
fn plugin_so() -> PathBuf {
    static SO: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SO.get_or_init(|| {
        let so = temp_dir("mgmt-cache-plugin").join("mgmt_cache_plugin.so");
        build_plugin(
            &crate_dir().join("tests/c/mgmt_cache_plugin.c"),
            &so,
            Header::Ours,
        );
        so
    })
    .clone()
}

/// A Debian ATS module: the tests need the `trafficserver` package and fail without it.
fn module(name: &str) -> String {
    let p = format!("{MODULES}/{name}");
    assert!(
        std::path::Path::new(&p).exists(),
        "{p} missing: apt-get install trafficserver"
    );
    p
}

/// tshost with the plugin, records.config as the ATS run had it, and the rules of the ATS run.
fn start(name: &str, origin: &Origin, state_dir: &std::path::Path) -> Proxy {
    // The ATS run had this in its environment: TSMgmtSourceGet reports ENV for it. Every test of
    // this binary sets the same value (the default), so setting it again races with nothing.
    std::env::set_var("PROXY_CONFIG_HTTP_INSERT_SQUID_X_FORWARDED_FOR", "1");
    let o = origin.port;
    Proxy::start(
        name,
        origin,
        Setup {
            records: vec![
                "CONFIG proxy.config.http.cache.http INT 0".into(),
                "CONFIG proxy.config.mgmt_test.unknown INT 7".into(),
            ],
            plugins: vec![plugin_so().display().to_string()],
            remap: vec![
                format!("map http://plain.example/ http://127.0.0.1:{o}/"),
                format!(
                    "map http://ck.example/ http://127.0.0.1:{o}/ @plugin={} \
                     @pparam=--static-prefix=mykey",
                    module("cachekey.so")
                ),
                format!(
                    "map http://ckp.example/ http://127.0.0.1:{o}/ @plugin={} \
                     @pparam=--key-type=parent_selection_url @pparam=--static-prefix=pkey.example",
                    module("cachekey.so")
                ),
                format!(
                    "map http://purge.example/ http://127.0.0.1:{o}/ @plugin={} \
                     @pparam=--secret=s3cret @pparam=--state-file={}/genid",
                    module("remap_purge.so"),
                    state_dir.display()
                ),
            ],
            ..Setup::default()
        },
    )
}

/// The response head of a request through the proxy, with `extra` curl arguments.
fn head(proxy: &Proxy, host: &str, path: &str, extra: &[&str]) -> Vec<(String, String)> {
    let url = format!("http://127.0.0.1:{}{path}", proxy.port);
    let host = format!("Host: {host}");
    let mut args = vec!["-D", "-", "-o", "/dev/null", "-H", &host];
    args.extend_from_slice(extra);
    args.push(&url);
    let (rc, out) = curl(&args);
    assert_eq!(rc, 0, "curl failed: {}", String::from_utf8_lossy(&out));
    let text = String::from_utf8_lossy(&out).into_owned();
    let mut lines = text.lines();
    let status = lines.next().unwrap_or_default().to_string();
    let mut h = vec![(":status".to_string(), status)];
    for l in lines {
        if let Some((n, v)) = l.split_once(':') {
            h.push((n.to_string(), v.trim().to_string()));
        }
    }
    h
}

fn field<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn records_read_and_dumped_as_ats_reads_them() {
    let origin = Origin::start();
    let state = temp_dir("mgmt-records-state");
    let mut proxy = start("mgmt-records", &origin, &state);
    let h = head(&proxy, "plain.example", "/echo", &[]);
    // ATS 9.2.9: TSMgmtIntGet of an INT from records.config, a default, one from the
    // environment; the getters fail for a record of another type, for an unregistered
    // records.config line (whose source is EXPLICIT but whose type TSMgmtDataTypeGet does not
    // give) and for a name without a record; TSMgmtStringGet of a NULL string fails.
    assert_eq!(
        field(&h, "X-Records"),
        Some(
            "int proxy.config.http.cache.http=0:0 src=0:3 type=0:1;\
             int proxy.config.http.send_100_continue_response=0:0 src=0:1 type=0:1;\
             int proxy.config.http.insert_squid_x_forwarded_for=0:1 src=0:4 type=0:1;\
             int proxy.config.mgmt_test.unknown=-1:-99 src=0:3 type=-1:-1;\
             int proxy.config.http.server_ports=-1:-99 src=0:3 type=0:3;\
             int no.such.record=-1:-99 src=-1:-1 type=-1:-1;\
             str proxy.config.diags.output.note=0:L;\
             str proxy.config.diags.debug.client_ip=-1:(null);\
             str proxy.config.http.cache.http=-1:(null);\
             float=0:2560.000000;float-of-int=-1:-1.000000;counter-of-int=-1:-99;src-default=0:1"
        )
    );
    // ATS 9.2.9: TSRecordDump(TS_RECORDTYPE_CONFIG) in its table's order (records.config's lines
    // first), the unregistered line with registered 0, a NULL string as NULL; over 100 records
    // (ATS has about 700, tshost the ones it knows).
    assert_eq!(
        field(&h, "X-Dump"),
        Some(
            "cache.http type=1 reg=1 dt=1 v=0;unknown type=1 reg=0 dt=1 v=7;\
             client_ip type=1 reg=1 dt=3 null=1;note dt=3 s=L;seen=1,1 many=1"
        )
    );
    // ATS 9.2.9: TSPluginDSOReloadEnable(1) and (0) in TSPluginInit succeed; at a hook it is
    // TS_ERROR (dso=-1 below).
    assert_eq!(field(&h, "X-Dso"), Some("0,0"));
    // ATS 9.2.9: TSMgmtIntCreate over the unregistered records.config line registers it with the
    // file's value (7, not the default 5) and its EXPLICIT source; a new record has the default
    // and the PLUGIN source (2); a check type without a regex is TS_ERROR (and no record); a
    // second create keeps the value; TSMgmtConfigFileAdd succeeds; TSRecordDump lists both as
    // registered, the new one after the others.
    assert_eq!(
        field(&h, "X-Created"),
        Some(
            "rc=0,0,0,-1,0,0;proxy.config.mgmt_test.unknown=0:7 src=0:3 type=0:1;\
             plugin.mgmt_test.new=0:11 src=0:2 type=0:1;plugin.mgmt_test.bad=-1:-99 src=-1:-1 type=-1:-1;\
             str=0:abc src=0:2;dump proxy.config.mgmt_test.unknown type=1 reg=1 dt=1 v=7;\
             dump plugin.mgmt_test.new type=1 reg=1 dt=1 v=11;"
        )
    );
    // ATS 9.2.9 with the cache off: never cacheable, no cached response, no disk path, no lookup.
    // The STRING record per_server.connection.match (`both`) behind an INT key reads as its
    // MatchType, 3 (ATS 9.2.9; `host` read 2 there).
    assert_eq!(
        field(&h, "X-Misc"),
        Some("cacheable=0 cached=-1 disk=NULL:0 count=0:0 dso=-1 match=0:3")
    );
    // ATS 9.2.9: TSHttpTxnInfoIntGet with no cache: 0, the volume -1, other keys TS_ERROR.
    assert_eq!(
        field(&h, "X-Info"),
        Some("-1=-1:-9 0=0:0 1=0:0 2=0:0 3=0:0 4=0:0 5=0:-1 6=-1:-9")
    );
    assert_eq!(field(&h, "X-Mgmt-Updates"), Some("0 null=1"));
    // The plugin's stat is a record (ATS 9.2.9: TS_RECORDTYPE_PLUGIN, registered, INT, as here);
    // on purpose tshost reads its value at once where ATS reads the last sync (0, 0, then 2
    // after 5 s on ATS).
    assert_eq!(
        field(&h, "X-Stat"),
        Some("get=0:1 type=0:1 dump=type=32 reg=1 dt=1 v=1")
    );
    let h = head(&proxy, "plain.example", "/echo", &[]);
    assert_eq!(
        field(&h, "X-Stat"),
        Some("get=0:2 type=0:1 dump=type=32 reg=1 dt=1 v=2")
    );
    proxy.terminate(Duration::from_secs(10));
}

#[test]
fn cache_lookup_status_and_urls_without_a_cache() {
    let origin = Origin::start();
    let state = temp_dir("mgmt-cache-state");
    let mut proxy = start("mgmt-cache", &origin, &state);
    let cache = |host: &str, extra: &[&str]| {
        let h = head(&proxy, host, "/echo", extra);
        (
            field(&h, ":status").unwrap_or_default().to_string(),
            field(&h, "X-Cache").unwrap_or_default().to_string(),
            field(&h, "X-Set").map(str::to_string),
            field(&h, "X-Status-Set").map(str::to_string),
        )
    };
    // ATS 9.2.9: no status before CACHE_LOOKUP_COMPLETE (TS_ERROR), SKIPPED (3) from there on;
    // no cache key URL unless a plugin sets one.
    let (status, c, _, _) = cache("plain.example", &[]);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(c, "rrh=E|E post=E|E clc=3|E srh=3|E");
    // ATS 9.2.9: TSCacheUrlSet succeeds once, the second call is TS_ERROR; the key is read back
    // at every later hook.
    let (_, c, set, _) = cache(
        "plain.example",
        &["-H", "X-Cache-Key: http://k.example:81/p/q?x=1"],
    );
    assert_eq!(
        c,
        "rrh=E|E post=E|http://k.example:81/p/q?x=1 clc=3|http://k.example:81/p/q?x=1 \
         srh=3|http://k.example:81/p/q?x=1"
    );
    assert_eq!(set.as_deref(), Some("0,-1"));
    // ATS 9.2.9: a key that does not parse still succeeds, and reads back as an empty URL ("/").
    let (_, c, set, _) = cache("plain.example", &["-H", "X-Cache-Key: ht tp://%%%"]);
    assert_eq!(c, "rrh=E|E post=E|/ clc=3|/ srh=3|/");
    assert_eq!(set.as_deref(), Some("0,-1"));
    // ATS 9.2.9: TSHttpTxnCacheLookupUrlSet succeeds, and TSCacheUrlSet after it is TS_ERROR.
    let (_, c, set, _) = cache(
        "plain.example",
        &["-H", "X-Lookup-Url: https://l.example/lp"],
    );
    assert_eq!(
        c,
        "rrh=E|E post=E|E clc=3|https://l.example/lp srh=3|https://l.example/lp"
    );
    assert_eq!(set.as_deref(), Some("0,-1"));
    // ATS 9.2.9: at CACHE_LOOKUP_COMPLETE, HIT_FRESH and HIT_STALE can be set over SKIPPED (and
    // read back; the request still goes to the origin), SKIPPED and unknown values cannot.
    for (set_to, rc, after) in [
        ("2", "0", "2"),
        ("1", "0", "1"),
        ("3", "-1", "3"),
        ("7", "-1", "3"),
    ] {
        let (status, c, _, status_set) =
            cache("plain.example", &["-H", &format!("X-Status-Set: {set_to}")]);
        assert_eq!(status, "HTTP/1.1 200 OK", "set {set_to}");
        assert_eq!(
            c,
            format!("rrh=E|E post=E|E clc=3|E clc2={after}|E srh={after}|E"),
            "set {set_to}"
        );
        assert_eq!(status_set.as_deref(), Some(rc), "set {set_to}");
    }
    // MISS over SKIPPED: ATS 9.2.9 crashes (SIGSEGV: it goes back to HandleCacheOpenRead with
    // nothing read from a cache). tshost (on purpose) sets it and goes on to the origin.
    let (status, c, _, status_set) = cache("plain.example", &["-H", "X-Status-Set: 0"]);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(c, "rrh=E|E post=E|E clc=3|E clc2=0|E srh=0|E");
    assert_eq!(status_set.as_deref(), Some("0"));
    // ATS 9.2.9: a remap miss never reaches CACHE_LOOKUP_COMPLETE: no status at
    // SEND_RESPONSE_HDR either.
    let (status, c, _, _) = cache("nomap.example", &[]);
    assert!(status.starts_with("HTTP/1.1 404 "), "{status}");
    assert_eq!(c, "rrh=E|E srh=E|E");
    proxy.terminate(Duration::from_secs(10));
}

#[test]
fn debians_cachekey_sets_the_cache_key_and_the_parent_selection_url() {
    let origin = Origin::start();
    let state = temp_dir("mgmt-cachekey-state");
    let mut proxy = start("mgmt-cachekey", &origin, &state);
    // ATS 9.2.9: cachekey.so (remap) sets the key with TSCacheUrlSet during remap: POST_REMAP
    // and later read it; the key is a path-only URL.
    let h = head(&proxy, "ck.example", "/echo/a?b=1", &[]);
    assert_eq!(field(&h, ":status"), Some("HTTP/1.1 200 OK"));
    assert_eq!(
        field(&h, "X-Cache"),
        Some("rrh=E|E post=E|/mykey/echo/a?b=1 clc=3|/mykey/echo/a?b=1 srh=3|/mykey/echo/a?b=1")
    );
    assert_eq!(field(&h, "X-Parent"), Some("E"));
    // ATS 9.2.9: a key a global plugin set at READ_REQUEST_HDR wins; cachekey's TSCacheUrlSet
    // fails (it logs "failed to set cache key").
    let h = head(
        &proxy,
        "ck.example",
        "/echo",
        &["-H", "X-Cache-Key: http://k.example/p"],
    );
    assert_eq!(
        field(&h, "X-Cache"),
        Some("rrh=E|E post=E|http://k.example/p clc=3|http://k.example/p srh=3|http://k.example/p")
    );
    assert!(
        proxy.wait_for_stderr("(cachekey) failed to set cache key", Duration::from_secs(5)),
        "{}",
        proxy.stderr()
    );
    // ATS 9.2.9: --key-type=parent_selection_url sets the parent selection URL, not the key.
    let h = head(&proxy, "ckp.example", "/echo/a?b=1", &[]);
    assert_eq!(
        field(&h, "X-Cache"),
        Some("rrh=E|E post=E|E clc=3|E srh=3|E")
    );
    assert_eq!(field(&h, "X-Parent"), Some("/pkey.example/echo/a?b=1"));
    proxy.terminate(Duration::from_secs(10));
}

#[test]
fn debians_remap_purge_bumps_its_generation_on_a_purge_with_the_secret() {
    let origin = Origin::start();
    let state = temp_dir("mgmt-purge-state");
    let genid = state.join("genid");
    let _ = std::fs::remove_file(&genid);
    let mut proxy = start("mgmt-purge", &origin, &state);
    let purge = |path: &str| {
        let url = format!("http://127.0.0.1:{}{path}", proxy.port);
        let (rc, out) = curl(&["-i", "-X", "PURGE", "-H", "Host: purge.example", &url]);
        assert_eq!(rc, 0);
        String::from_utf8_lossy(&out).into_owned()
    };
    // ATS 9.2.9 with the cache off: a PURGE goes to the origin like any request (the origin's
    // answer comes back, 200 OK); the wrong secret changes nothing, the right one writes
    // generation 1 to the state file (its SEND_RESPONSE_HDR hook sets 200 OK, and its error body
    // is not used for an origin's response).
    let r = purge("/echo/wrong");
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert!(r.contains("\r\n\r\nPURGE /echo/wrong HTTP/1.1\r\n"), "{r}");
    assert!(!genid.exists());
    let r = purge("/echo/s3cret");
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert!(r.contains("\r\n\r\nPURGE /echo/s3cret HTTP/1.1\r\n"), "{r}");
    assert!(!r.contains("PURGED"), "{r}");
    assert_eq!(std::fs::read_to_string(&genid).unwrap(), "1");
    let r = purge("/echo/s3cret");
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert_eq!(std::fs::read_to_string(&genid).unwrap(), "2");
    // ATS 9.2.9: GET with the secret path is not a purge without --allow-get.
    let h = head(&proxy, "purge.example", "/echo/s3cret", &[]);
    assert_eq!(field(&h, ":status"), Some("HTTP/1.1 200 OK"));
    assert_eq!(std::fs::read_to_string(&genid).unwrap(), "2");
    proxy.terminate(Duration::from_secs(10));
}

#[test]
fn sighup_reload_tells_registered_continuations_mgmt_update() {
    let origin = Origin::start();
    let state = temp_dir("mgmt-update-state");
    let mut proxy = start("mgmt-update", &origin, &state);
    let updates = |proxy: &Proxy| {
        let h = head(proxy, "plain.example", "/echo", &[]);
        field(&h, "X-Mgmt-Updates").unwrap_or_default().to_string()
    };
    assert_eq!(updates(&proxy), "0 null=1");
    // ATS 9.2.9 under traffic_manager, `traffic_ctl config reload` twice: "1 null=1", then
    // "2 null=1": one continuation per plugin name (the plugin's second registration under the
    // same name is ignored), called with edata NULL on each reload. tshost's reload is SIGHUP.
    for n in 1..=2 {
        // SAFETY: a signal to the tshost this test started.
        let rc = unsafe { libc::kill(proxy.pid() as i32, libc::SIGHUP) };
        assert_eq!(rc, 0);
        let want = format!("{n} null=1");
        let end = Instant::now() + Duration::from_secs(10);
        let mut got = updates(&proxy);
        while got != want && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(50));
            got = updates(&proxy);
        }
        assert_eq!(got, want);
    }
    // No third event comes late.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(updates(&proxy), "2 null=1");
    proxy.terminate(Duration::from_secs(10));
}
