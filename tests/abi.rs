//! ABI checks of the generated `include/ts/ts.h` against Debian's `trafficserver-dev` headers.
//!
//! * `abi_matches_debian_trafficserver_dev`: compiles `tests/c/abi_dump.c` once against our
//!   header and once against Debian's, runs both and requires identical output (enumerator and
//!   constant values, sizes, alignments, field offsets, type compatibility, macro expansions).
//! * `abi_dump_covers_every_type_of_types_rs`: every name declared in `src/sys/types/` is
//!   checked by `abi_dump.c`.
//! * `plugin_source_compiles_against_both_headers`: `tests/c/plugin_compile.c` compiles with
//!   `-Wall -Werror`, as C and as C++, against both headers.
//! * `declarations_match_debian_prototypes`: every function and variable declared in our header
//!   that Debian declares too is redeclared, with our spelling, after Debian's header; the C
//!   compiler rejects any conflicting type.
//!
//! These tests need gcc and Debian's `trafficserver-dev` package (`/usr/include/ts/ts.h`); they
//! fail, rather than skip, without them.

mod common;

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{crate_dir, debian_header_present, gcc_command, include_dir, temp_dir, Header};

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (is gcc installed?)"))
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Checks (with `gcc -M`) that compiling `src` with `header`'s flags really includes the
/// intended ts.h, so that a broken include path cannot make the comparison vacuous.
fn assert_uses_header(src: &Path, header: Header, extra: &[&str]) {
    let out = run(gcc_command()
        .args(extra)
        .args(header.args())
        .arg("-M")
        .arg(src));
    assert!(
        out.status.success(),
        "gcc -M {header:?} failed:\n{}",
        stderr_of(&out)
    );
    let deps = String::from_utf8_lossy(&out.stdout).replace("\\\n", " ");
    let want = fs::canonicalize(header.ts_h()).unwrap();
    let found = deps
        .split_whitespace()
        .filter(|d| d.ends_with("ts/ts.h"))
        .any(|d| fs::canonicalize(d).map(|p| p == want).unwrap_or(false));
    assert!(
        found,
        "compiling with {header:?} flags does not include {}; dependencies: {deps}",
        want.display()
    );
}

/// Compiles and runs `tests/c/abi_dump.c` against `header`; returns its output.
fn abi_dump(header: Header, dir: &Path) -> String {
    dump("abi_dump", header, dir)
}

/// Compiles and runs `tests/c/<name>.c` against `header`; returns its output.
fn dump(name: &str, header: Header, dir: &Path) -> String {
    let src = crate_dir().join(format!("tests/c/{name}.c"));
    assert_uses_header(&src, header, &[]);
    let exe = dir.join(format!("{name}_{header:?}"));
    let out = run(gcc_command()
        .args(["-std=gnu11", "-Wall", "-O0"])
        .args(header.args())
        .arg(&src)
        .arg("-o")
        .arg(&exe));
    assert!(
        out.status.success(),
        "compiling tests/c/{name}.c against the {header:?} header failed:\n{}",
        stderr_of(&out)
    );
    let out = run(&mut Command::new(&exe));
    assert!(
        out.status.success(),
        "{} failed: {}",
        exe.display(),
        stderr_of(&out)
    );
    String::from_utf8(out.stdout).expect("the dump is UTF-8")
}

/// A line diff (longest common subsequence): `-` lines only in `a`, `+` lines only in `b`.
fn diff(a: &[&str], b: &[&str]) -> Vec<String> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(format!("- {}", a[i]));
            i += 1;
        } else {
            out.push(format!("+ {}", b[j]));
            j += 1;
        }
    }
    out
}

#[test]
fn abi_matches_debian_trafficserver_dev() {
    debian_header_present();
    let dir = temp_dir("abi-dump");
    let debian = abi_dump(Header::Debian, &dir);
    let ours = abi_dump(Header::Ours, &dir);
    let (d, o): (Vec<&str>, Vec<&str>) = (debian.lines().collect(), ours.lines().collect());
    assert!(
        d.len() > 500,
        "abi_dump printed only {} lines against Debian's header",
        d.len()
    );
    if d != o {
        let lines = diff(&d, &o);
        let shown = lines
            .iter()
            .take(200)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        let more = lines.len().saturating_sub(200);
        panic!(
            "include/ts/ts.h differs from Debian's /usr/include/ts/ts.h \
             (- Debian, + tshost; {} differing lines):\n{shown}{}",
            lines.len(),
            if more > 0 {
                format!("\n... and {more} more")
            } else {
                String::new()
            }
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

/// The identifiers of a source text.
fn identifiers(text: &str) -> HashSet<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|s| !s.is_empty())
        .collect()
}

/// The declarations of `src/sys/types/` (ts.h's types, split by section): every file's text.
fn types_sources() -> String {
    let dir = crate_dir().join("src/sys/types");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    assert!(files.len() > 1, "no declarations in {}", dir.display());
    files
        .iter()
        .map(|p| fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// include/ts/remap.h (generated from src/sys/remap.rs) against Debian's ts/remap.h: the same
/// constants, enum values, struct layouts and field types, and the entry points' prototypes
/// (tests/c/remap_abi_dump.c defines each one with the signature a plugin has).
#[test]
fn remap_h_matches_debian_trafficserver_dev() {
    debian_header_present();
    let dir = temp_dir("remap-abi-dump");
    let debian = dump("remap_abi_dump", Header::Debian, &dir);
    let ours = dump("remap_abi_dump", Header::Ours, &dir);
    assert!(debian.lines().count() >= 30, "{debian}");
    let (d, o): (Vec<&str>, Vec<&str>) = (debian.lines().collect(), ours.lines().collect());
    assert!(
        d == o,
        "include/ts/remap.h differs from Debian's (- Debian, + tshost):\n{}",
        diff(&d, &o).join("\n")
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn abi_dump_covers_every_type_of_types_rs() {
    let types = types_sources();
    // What abi_dump prints, not its source: a name only in a comment or an unused macro is
    // not a check. Every identifier of the output was printed by a check (the subject of a
    // `const`/`enum`/`type`/`field` line, or a type spelled out in a `compatible` or `field`
    // line: opaque `struct tsapi_*` tags are checked that way, being incomplete types).
    let dir = temp_dir("abi-coverage");
    let dump = abi_dump(Header::Ours, &dir);
    let checked = identifiers(&dump);
    let mut missing = Vec::new();
    let mut in_enum = false;
    for line in types.lines() {
        let l = line.trim();
        if in_enum {
            if l.starts_with('}') {
                in_enum = false;
            } else if let Some((name, _)) = l.split_once(" = ") {
                if !checked.contains(name) {
                    missing.push(name.to_string());
                }
            }
            continue;
        }
        for kw in [
            "pub enum ",
            "pub struct ",
            "pub union ",
            "pub type ",
            "pub const ",
        ] {
            if let Some(rest) = l.strip_prefix(kw) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                in_enum = kw == "pub enum ";
                // `XRaw` is spelled `X` in the header.
                let c_name = name.strip_suffix("Raw").unwrap_or(&name);
                if !checked.contains(c_name) {
                    missing.push(name.clone());
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "declared in src/sys/types/ but not checked by tests/c/abi_dump.c (add them): {missing:?}"
    );
}

#[test]
fn plugin_source_compiles_against_both_headers() {
    debian_header_present();
    let src = crate_dir().join("tests/c/plugin_compile.c");
    let mut failures = Vec::new();
    for header in [Header::Debian, Header::Ours] {
        for lang in ["c", "c++"] {
            assert_uses_header(&src, header, &["-x", lang]);
            let out = run(gcc_command()
                .args(["-x", lang, "-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
                .args(header.args())
                .arg(&src));
            if !out.status.success() {
                failures.push(format!(
                    "--- {header:?} header, {lang}:\n{}",
                    stderr_of(&out)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "tests/c/plugin_compile.c does not compile with gcc -Wall -Wextra -Werror:\n{}",
        failures.join("\n")
    );
}

/// Strips C comments (`/* */` and `//`) from header text.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map(|(_, after)| after).unwrap_or("");
            out.push(' ');
        } else if let Some(r) = rest.strip_prefix("//") {
            rest = r.split_once('\n').map(|(_, after)| after).unwrap_or("");
            out.push('\n');
        } else if rest.starts_with('"') {
            // Copy a string literal verbatim (it may contain "//").
            let mut end = 1;
            let bytes = rest.as_bytes();
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            let end = (end + 1).min(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The function and variable declarations of our ts.h (everything cbindgen emits inside
/// `extern "C"`, plus the trailer), each as one line of C without the final `;`.
fn our_declarations(header: &str) -> Vec<(String, String)> {
    let text = strip_comments(header);
    let start = text
        .find("extern \"C\" {")
        .expect("no extern \"C\" block in include/ts/ts.h");
    let mut body = String::new();
    let mut continued = false;
    for line in text[start..].lines() {
        let t = line.trim();
        let is_pp = continued || t.starts_with('#');
        continued = is_pp && t.ends_with('\\');
        if is_pp || t.starts_with("extern \"C\"") || t == "}" {
            continue;
        }
        body.push_str(t);
        body.push(' ');
    }
    let mut decls = Vec::new();
    for stmt in body.split(';') {
        let stmt = stmt.split_whitespace().collect::<Vec<_>>().join(" ");
        if stmt.is_empty() {
            continue;
        }
        // The declared name: the identifier before the first '(' of a function, or the last
        // identifier of a variable.
        let head = stmt.split('(').next().unwrap();
        let head = if stmt.contains('(') {
            head
        } else {
            stmt.as_str()
        };
        let name = head
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find(|s| !s.is_empty())
            .unwrap_or_default()
            .to_string();
        decls.push((name, stmt));
    }
    decls
}

#[test]
fn declarations_match_debian_prototypes() {
    debian_header_present();
    let header = fs::read_to_string(include_dir().join("ts/ts.h")).expect("read include/ts/ts.h");
    let mut debian_text = String::new();
    for f in ["ts.h", "apidefs.h", "experimental.h"] {
        debian_text +=
            &fs::read_to_string(Path::new("/usr/include/ts").join(f)).unwrap_or_default();
    }
    let debian_names = identifiers(&debian_text);

    let decls = our_declarations(&header);
    assert!(
        !decls.is_empty(),
        "found no declarations in include/ts/ts.h"
    );
    let (known, unknown): (Vec<_>, Vec<_>) = decls
        .iter()
        .partition(|(name, _)| debian_names.contains(name.as_str()));
    if !unknown.is_empty() {
        let mut names: Vec<&str> = unknown.iter().map(|(n, _)| n.as_str()).collect();
        names.sort();
        names.dedup();
        eprintln!("note: include/ts/ts.h declares names that Debian's headers do not: {names:?}");
    }

    // Our header's own opaque typedefs (`typedef struct sockaddr sockaddr;` ...), which our
    // declarations may use, are valid alongside Debian's header too.
    let mut c = String::from("#include <ts/ts.h>\n#include <ts/experimental.h>\n\n");
    for line in header.lines() {
        let t = line.trim();
        if t.starts_with("typedef struct ")
            && t.ends_with(';')
            && !t.contains('{')
            && t.split_whitespace().count() == 4
        {
            c += t;
            c.push('\n');
        }
    }
    c += "\n/* tshost's declarations: each must agree with Debian's. */\n";
    for (_, stmt) in &known {
        c += stmt;
        c += ";\n";
    }
    let dir = temp_dir("abi-decls");
    let src = dir.join("decls.c");
    fs::write(&src, &c).unwrap();
    assert_uses_header(&src, Header::Debian, &[]);
    let out = run(gcc_command()
        .args(["-std=gnu11", "-fsyntax-only", "-Wall"])
        .arg(&src));
    assert!(
        out.status.success(),
        "declarations in include/ts/ts.h conflict with Debian's (checked file: {}):\n{}",
        src.display(),
        stderr_of(&out)
    );
    let _ = fs::remove_dir_all(&dir);
}
