//! records.config: `config::records::Records::parse`. A file that parses is written back (one
//! `CONFIG name TYPE value` line per record it set) and parses to the same values.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tshost::config::records::{RecValue, Records};

fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// The record names a file sets, in order (its lines as records.config splits them).
fn names(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for l in text.split(['\n', '\r']) {
        let mut w = l
            .trim_start_matches(is_c_space)
            .split([' ', '\t'])
            .filter(|w| !w.is_empty());
        match w.next() {
            Some(first) if !first.starts_with('#') => out.extend(w.next()),
            _ => {}
        }
    }
    out
}

fn same(a: &RecValue, b: &RecValue) -> bool {
    match (a, b) {
        (RecValue::Float(x), RecValue::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("/fuzz/records.config");
    let Ok(rec) = Records::parse(&text, path) else {
        return;
    };
    let set = names(&text);
    let mut written = String::new();
    for name in &set {
        let v = rec
            .get(name)
            .unwrap_or_else(|| panic!("record {name:?} set but not found"));
        let value = match v {
            RecValue::Int(i) | RecValue::Counter(i) => i.to_string(),
            RecValue::Float(f) => format!("{f:?}"),
            RecValue::String(s) if s.is_empty() => "NULL".to_string(),
            RecValue::String(s) => s.clone(),
        };
        written.push_str(&format!("CONFIG {name} {} {value}\n", v.type_name()));
        // Expansion for plugin.config never fails for a record that is there.
        assert!(rec.expand(name).is_some());
    }
    let again = match Records::parse(&written, path) {
        Ok(r) => r,
        Err(e) => panic!("written back, it does not parse: {e}\n{written}"),
    };
    for name in &set {
        let (a, b) = (rec.get(name).unwrap(), again.get(name).unwrap());
        assert!(same(a, b), "{name}: {a:?} became {b:?}");
    }
    assert_eq!(rec.unknown_names(), again.unknown_names());
});
