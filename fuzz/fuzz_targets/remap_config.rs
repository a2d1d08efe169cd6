//! remap.config (`config::remap::RemapTable::parse`) and plugin.config
//! (`plugin::config::parse_plugin_config`). A table that parses is written back and parses to
//! the same rules, and each rule's own source is mapped by it or by an earlier rule; plugin
//! lines written back parse to the same arguments.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tshost::config::remap::{MapKind, RemapRule, RemapTable};
use tshost::plugin::config::{parse_plugin_config, MAX_PLUGIN_ARGS};

fn remap(text: &str) {
    let path = Path::new("/fuzz/remap.config");
    let Ok((table, _warnings)) = RemapTable::parse(text, path) else {
        return;
    };
    let mut written = String::new();
    for r in &table.rules {
        let kind = match r.kind {
            MapKind::Map => "map",
            MapKind::ReverseMap => "reverse_map",
        };
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
        written.push_str(&format!("{kind} {from}// {to}{plugins} tag\n"));
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
        ..r.clone()
    };
    let a: Vec<RemapRule> = table.rules.iter().map(strip).collect();
    let b: Vec<RemapRule> = again.rules.iter().map(strip).collect();
    assert_eq!(a, b, "{written}");

    for (i, r) in table.rules.iter().enumerate() {
        if r.kind != MapKind::Map {
            continue;
        }
        let (found, new) = table
            .lookup_path(
                &r.from.scheme,
                &r.from.host,
                r.from.port,
                r.from.path_prefix.as_bytes(),
            )
            .unwrap_or_else(|| panic!("rule {i} does not map its own source"));
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
