//! remap.config (`config::remap::RemapTable::parse`) and plugin.config
//! (`plugin::config::parse_plugin_config`). A table that parses is written back and parses to
//! the same rules (ACL filters aside: they are not written back), and each `map` rule's own
//! source is mapped by it or by an earlier rule (regex rules, and tables with
//! `map_with_recv_port` rules, aside); plugin lines written back parse to the same arguments.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tshost::config::remap::{MapKind, RemapRule, RemapTable, Request};
use tshost::plugin::config::{parse_plugin_config, MAX_PLUGIN_ARGS};

fn remap(text: &str) {
    let path = Path::new("/fuzz/remap.config");
    // `.include` reads files (an absolute path could name /dev/zero): not fuzzed here; the unit
    // tests cover it.
    if text.contains(".include") {
        return;
    }
    let Ok((table, _warnings)) = RemapTable::parse(text, path) else {
        return;
    };
    let mut written = String::new();
    for r in &table.rules {
        let kind = match r.kind {
            MapKind::Map => "map",
            MapKind::ReverseMap => "reverse_map",
            MapKind::Redirect => "redirect",
            MapKind::RedirectTemporary => "redirect_temporary",
            MapKind::MapWithRecvPort => "map_with_recv_port",
        };
        let regex = if r.host_regex.is_some() { "regex_" } else { "" };
        let from = if r.from.host.is_empty() {
            format!("/{}", r.from.path_prefix)
        } else {
            format!(
                "{}://{}:{}/{}",
                r.from.scheme, r.from.host, r.from.port, r.from.path_prefix
            )
        };
        let to = format!(
            "{}://{}:{}/{}",
            r.to.scheme, r.to.host, r.to.port, r.to.path_prefix
        );
        // `//` ends a From URL that is "unique" in ATS (stripped); a tag keeps the last word
        // from the line's end (trimmed).
        let mut plugins = String::new();
        for p in &r.plugins {
            plugins.push_str(&format!(" @plugin={}", p.path));
            for v in &p.params {
                plugins.push_str(&format!(" @pparam={v}"));
            }
        }
        written.push_str(&format!("{regex}{kind} {from}// {to}{plugins} tag\n"));
    }
    let (again, _) = match RemapTable::parse(&written, path) {
        Ok(t) => t,
        Err(e) => panic!("written back, it does not parse: {e}\n{written}"),
    };
    // The URLs as written (a plugin's argv) differ in form: the rules must not.
    let strip = |r: &RemapRule| RemapRule {
        line: 0,
        from_text: String::new(),
        to_text: String::new(),
        filters: Vec::new(),
        ip_allow_check: true,
        ..r.clone()
    };
    let a: Vec<RemapRule> = table.rules.iter().map(strip).collect();
    let b: Vec<RemapRule> = again.rules.iter().map(strip).collect();
    assert_eq!(a, b, "{written}");

    if table.has_recv_port {
        return;
    }
    for (i, r) in table.rules.iter().enumerate() {
        if r.kind != MapKind::Map || r.host_regex.is_some() {
            continue;
        }
        let f = table
            .lookup_path(&Request {
                scheme: &r.from.scheme,
                host: &r.from.host,
                port: r.from.port,
                recv_port: 0,
                path: r.from.path_prefix.as_bytes(),
            })
            .unwrap_or_else(|| panic!("rule {i} does not map its own source"));
        let (found, new) = (f.rule, f.path);
        let j = table
            .rules
            .iter()
            .position(|x| std::ptr::eq(x, found))
            .unwrap();
        assert!(j <= i, "rule {i}'s source mapped by a later rule {j}");
        if j == i {
            assert!(new.starts_with(r.to.path_prefix.as_bytes()));
        }
    }
}

fn lookup(name: &str) -> Option<String> {
    match name {
        "a" => Some("expanded value".to_string()),
        "n" => Some("42".to_string()),
        "e" => Some(String::new()),
        _ => None,
    }
}

fn plugins(data: &[u8]) {
    let out = parse_plugin_config(data, &lookup);
    let lines = 1 + data.iter().filter(|b| **b == b'\n').count();
    let mut written = Vec::new();
    let mut writable = true;
    let mut last = 0;
    for p in &out.plugins {
        assert!(p.line >= 1 && p.line <= lines && p.line >= last);
        last = p.line;
        assert!(!p.argv.is_empty() && p.argv.len() <= MAX_PLUGIN_ARGS);
        let c = p.c_argv();
        assert_eq!(c.len(), p.argc() + 1);
        assert!(c.last().unwrap().is_none());
        for a in &p.argv {
            assert!(!a.contains(&0), "a NUL in an argument");
            // Quoted, each argument comes back as it is (when it has no quote, no line end).
            if a.iter().any(|b| matches!(b, b'"' | b'\n' | b'\r')) {
                writable = false;
            }
            written.push(b'"');
            written.extend_from_slice(a);
            written.extend_from_slice(b"\" ");
        }
        written.push(b'\n');
    }
    // Lines over the reader's 1022-byte pieces would be split: only short ones are compared.
    if writable && written.split(|b| *b == b'\n').all(|l| l.len() < 1000) {
        let again = parse_plugin_config(&written, &lookup);
        let a: Vec<_> = out.plugins.iter().map(|p| &p.argv).collect();
        let b: Vec<_> = again.plugins.iter().map(|p| &p.argv).collect();
        // (A `$name` left as it is had no record: it stays so.)
        assert_eq!(a, b, "{:?}", String::from_utf8_lossy(&written));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    if ctl & 1 == 0 {
        remap(&String::from_utf8_lossy(rest));
    } else {
        plugins(rest);
    }
});
