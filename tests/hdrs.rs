//! The header API (TSMBuffer/TSMLoc, HTTP headers, URLs, MIME fields, the well-known string data
//! symbols) from C: tests/c/hdrs_test.c drives tests/c/hdrs_plugin.c through the harness of
//! tshost.h with real request and response text and checks the wire bytes tshost would send to
//! the origin and to the client after the plugin's edits; the plugin checks ATS 9.2's semantics
//! (ts-api-semantics.md section 5, every "Must hold (headers)" rule). Each scenario runs with the
//! plugin built against tshost's ts.h and against Debian's trafficserver-dev ts.h; the outputs
//! must be identical.
//!
//! The same test program drives tests/c/util_plugin.c ("util" scenario): the utility API
//! (TSBase64*, TSStringPercent*, TSUrlPercentEncode, TSfopen & co, the UUID calls and
//! TSClientRequestUuidGet) with ATS 9.2's semantics, built against both headers too.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use common::{build_plugin, build_program, crate_dir, temp_dir, Header};

struct Built {
    test: PathBuf,
    plugin_ours: PathBuf,
    plugin_debian: PathBuf,
    util_ours: PathBuf,
    util_debian: PathBuf,
}

fn built() -> &'static Built {
    static B: OnceLock<Built> = OnceLock::new();
    B.get_or_init(|| {
        let d = temp_dir("hdrs-build");
        let c = crate_dir().join("tests/c");
        let b = Built {
            test: d.join("hdrs_test"),
            plugin_ours: d.join("hdrs_ours.so"),
            plugin_debian: d.join("hdrs_debian.so"),
            util_ours: d.join("util_ours.so"),
            util_debian: d.join("util_debian.so"),
        };
        build_program(&c.join("hdrs_test.c"), &b.test);
        build_plugin(&c.join("hdrs_plugin.c"), &b.plugin_ours, Header::Ours);
        build_plugin(&c.join("hdrs_plugin.c"), &b.plugin_debian, Header::Debian);
        build_plugin(&c.join("util_plugin.c"), &b.util_ours, Header::Ours);
        build_plugin(&c.join("util_plugin.c"), &b.util_debian, Header::Debian);
        b
    })
}

/// Run one scenario with one plugin build; returns stdout. Panics with the whole output unless
/// it passed with no failed check.
fn run(scenario: &str, plugin: &PathBuf) -> String {
    let out = Command::new(&built().test)
        .arg(scenario)
        .arg(plugin)
        .output()
        .expect("run hdrs_test");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success() && stdout.ends_with("PASS\n") && !stdout.contains("FAIL"),
        "scenario {scenario} with {} failed ({}):\n--- stdout\n{stdout}--- stderr\n{stderr}",
        plugin.display(),
        out.status
    );
    stdout
}

/// Run a scenario with both builds of the plugin; returns the output.
fn scenario(name: &str) -> String {
    let b = built();
    both(name, &b.plugin_ours, &b.plugin_debian)
}

/// Run a scenario with a plugin built against each header; returns the output.
fn both(name: &str, ours: &PathBuf, debian: &PathBuf) -> String {
    let ours = run(name, ours);
    let debian = run(name, debian);
    assert_eq!(
        ours, debian,
        "the plugin built against Debian's ts.h behaves differently"
    );
    ours
}

/// Every line of `expected` is an "ok" line of the output.
fn assert_checked(out: &str, expected: &[&str]) {
    for e in expected {
        assert!(
            out.lines()
                .any(|l| l.strip_prefix("plugin ok: ").or(l.strip_prefix("ok ")) == Some(e)),
            "no passed check {e:?} in:\n{out}"
        );
    }
}

#[test]
fn plugin_reads_and_edits_every_header() {
    let out = scenario("edit");
    // The "Must hold (headers)" rules of ts-api-semantics.md section 5, as the plugin checks them.
    assert_checked(
        &out,
        &[
            "a field named \"host\" reads as the TS_MIME_FIELD_HOST pointer",
            "path \"a/b\": leading slashes stripped",
            "the path reads without a leading slash",
            "path without its leading slashes",
            "releasing TS_NULL_MLOC succeeds",
            "even with no buffer",
            "release from TSMimeHdrFieldGet/Next",
            "handles of a destroyed field are still released",
            "created handles are released",
            "9 fields, duplicates counted",
            "8 fields: created ones not counted",
            "created fields are not counted",
            "element 1 of `a, \"b,c\" , d` is `b,c`",
            "Date element 1: NULL (not a list)",
            "append extends element 0 and adds none",
            "the second X-Dup stays",
            "TSHttpHdrReasonLookup(203)",
            "TSHttpHdrReasonLookup(TS_HTTP_STATUS_IM_USED) is NULL",
            "TS_URL_SCHEME_TUNNEL is NULL",
            "TS_HTTP_VALUE_BROTLI is \"br\"",
            "TS_MIME_FIELD_WWW_AUTHENTICATE is \"Www-Authenticate\"",
            // Availability of the transaction's headers.
            "TXN_START: client request there",
            "TXN_START: no method yet",
            "TXN_START: no server request",
            "TXN_CLOSE: all four headers still there",
            // The wire bytes.
            "the origin gets the request as the plugin edited it",
            "the client gets the response as the plugin edited it",
            "the plugin saw no failure",
        ],
    );
}

#[test]
fn error_response_carries_status_reason_and_body() {
    let out = scenario("error");
    assert_checked(
        &out,
        &[
            "status 403 from TSHttpTxnStatusSet",
            "reason from TSHttpHdrReasonLookup",
            "403 with the plugin's body and its SEND_RESPONSE_HDR edit",
        ],
    );
}

#[test]
fn harness_defaults_and_options() {
    scenario("defaults");
}

#[test]
fn plugin_loads_through_plugin_config_too() {
    // The Debian-built plugin resolves its data symbols (TS_MIME_FIELD_* & co) against the tshost
    // binary, as against traffic_server.
    let dir = temp_dir("hdrs-config");
    std::fs::write(
        dir.join("plugin.config"),
        format!("{} edit\n", built().plugin_debian.display()),
    )
    .unwrap();
    let out = common::tshost()
        .arg("--check")
        .arg("--config-dir")
        .arg(&dir)
        .output()
        .expect("run tshost");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "tshost --check failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("plugin ok: TS_MIME_FIELD_HOST") && !stdout.contains("FAIL"),
        "{stdout}"
    );
}

#[test]
fn utility_api_has_ats_semantics() {
    let b = built();
    let out = both("util", &b.util_ours, &b.util_debian);
    assert_checked(
        &out,
        &[
            "encode: 6 bytes need 9, 8 refused, nothing written",
            "decode: 8 characters need 7, 6 refused",
            "decode: '-' and '_' are 62 and 63",
            "decode: 1 left over, then '=' and a decodable character: 2 bytes (3 - 1), the second from '='",
            "decode: the group's last byte is written past the NUL, as ATS writes it",
            "encode: one byte short: TS_ERROR, length 0",
            "encode: dst not larger than the string refused (ATS asserts)",
            "decode: '%X' at the end is dropped",
            "decode: in place",
            "\"w\" does not truncate; fclose flushes",
            "fwrite: buffered, nothing in the file yet",
            "fgets: a line longer than length - 1 is cut",
            "fgets at the end of the file: NULL",
            "fgets: a 3001-byte line in pieces of 999 then \"xxx\\n\"",
            "a closed TSFile: -1, -1, NULL (logged)",
            "V4: lower-case 8-4-4-4-12, version 4, variant 10xx",
            "V1 (not implemented in ATS): the nil UUID, version V1",
            "parse: version 0 refused, the UUID left invalid (as ATS)",
            "the process UUID cannot be changed (logged)",
            "a destroyed TSUuid: refused (logged)",
            "\"<process uuid>-<transaction id>\"",
            "the process UUID is the one TSPluginInit saw",
            "TSUrlPercentEncode of the client request's URL",
            "the same as TSStringPercentEncode of TSUrlStringGet",
            "the plugin saw no failure",
        ],
    );
    // Both transactions checked the request UUID.
    assert_eq!(
        out.matches("plugin ok: \"<process uuid>-<transaction id>\"")
            .count(),
        2,
        "{out}"
    );
}
