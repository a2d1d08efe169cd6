//! The exported symbol tables of the `tshost` binary and of `libtshost.so` against the headers.
//!
//! * `every_declared_symbol_is_exported_by_binary_and_library`: every function declared in
//!   `include/ts/ts.h` and `include/tshost.h` (`tsapi <ret> NAME(...)`, including the variadic
//!   ones of the trailer) and every data symbol they declare `extern` (`diags_on_for_plugins`) is
//!   in the dynamic symbol table (`nm -D --defined-only`) of both.
//! * `no_undeclared_exports`: every `TS*`, `_TS*` and `tshost_*` symbol either of them exports is
//!   declared in one of the headers.
//! * `plugin_resolves_against_the_binary`: a tiny plugin (TSPluginInit calling TSPluginRegister
//!   and TSDebug), compiled without linking any tshost library, loads into `tshost --check`:
//!   its undefined TS symbols can only come from the executable's own exports.
//!
//! * `every_export_goes_through_the_panic_boundary`: the body of every `#[no_mangle] extern "C"
//!   fn` in `src/api/*.rs` runs inside `guard!(fallback, ...)` (which names it), so that no panic
//!   unwinds into C.
//! * `every_export_is_documented_in_the_header`: every such function has a `///` doc comment, and
//!   every function prototype in `include/ts/ts.h` and `include/tshost.h` (the trailer's variadic
//!   ones included) comes right after a `/** ... */` doc comment.
//!
//! Functions the plugin itself defines (`TSPluginInit`, declared `extern tsapi` in ts.h) are not
//! expected in the host's exports.
//!
//! These tests need gcc and binutils (nm, readelf).

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{build_plugin_with, crate_dir, libtshost, temp_dir, tshost, tshost_bin, Header};

/// Names declared by a header: (functions, data symbols).
///
/// Comments and preprocessor lines (with their continuations) are removed, the rest is cut into
/// declarations at `;`, `{` and `}`. A declaration containing the word `tsapi` and a `(` declares
/// the function whose name is the identifier right before the first `(`; one starting with
/// `extern` (or `tsapi extern`) without a `(` declares the data symbol named by its last
/// identifier.
fn declared_in(header: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    // Strip comments.
    let mut text = String::with_capacity(header.len());
    let b = header.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            let end = header[i + 2..]
                .find("*/")
                .map(|e| i + 2 + e + 2)
                .unwrap_or(b.len());
            text.push(' ');
            i = end;
        } else if b[i..].starts_with(b"//") {
            i = header[i..].find('\n').map(|e| i + e).unwrap_or(b.len());
        } else if b[i] == b'"' {
            // String literals (extern "C") carry no names.
            let end = header[i + 1..]
                .find('"')
                .map(|e| i + 1 + e + 1)
                .unwrap_or(b.len());
            text.push(' ');
            i = end;
        } else {
            let c = header[i..].chars().next().unwrap();
            text.push(c);
            i += c.len_utf8();
        }
    }
    // Drop preprocessor lines and their backslash continuations.
    let mut code = String::new();
    let mut in_directive = false;
    for line in text.lines() {
        let t = line.trim_start();
        if in_directive || t.starts_with('#') {
            in_directive = line.trim_end().ends_with('\\');
            continue;
        }
        code.push_str(line);
        code.push('\n');
    }
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let idents = |s: &str| -> Vec<String> {
        s.split(|c: char| !is_ident(c))
            .filter(|w| !w.is_empty() && !w.starts_with(|c: char| c.is_ascii_digit()))
            .map(str::to_string)
            .collect()
    };
    let mut funcs = BTreeSet::new();
    let mut data = BTreeSet::new();
    for decl in code.split([';', '{', '}']) {
        let words = idents(decl);
        if let Some(paren) = decl.find('(') {
            if words.iter().any(|w| w == "tsapi") {
                let before = idents(&decl[..paren]);
                let name = before.last().expect("a name before '('");
                funcs.insert(name.clone());
            }
        } else {
            let w: Vec<&str> = words
                .iter()
                .map(String::as_str)
                .filter(|w| *w != "tsapi")
                .collect();
            if w.first() == Some(&"extern") && w.len() >= 3 {
                data.insert(w.last().unwrap().to_string());
            }
        }
    }
    (funcs, data)
}

/// Functions a header may declare that the *plugin* defines (ATS's ts.h and remap.h declare
/// them too): the host calls them and must not be expected to export them.
const PLUGIN_ENTRY_POINTS: &[&str] = &[
    "TSPluginInit",
    "TSRemapInit",
    "TSRemapDone",
    "TSRemapNewInstance",
    "TSRemapDeleteInstance",
    "TSRemapDoRemap",
    "TSRemapOSResponse",
    "TSRemapPreConfigReload",
    "TSRemapPostConfigReload",
];

/// Every header's declarations, checked for plausibility so that a parsing slip cannot make the
/// export checks vacuous.
fn declarations() -> (BTreeSet<String>, BTreeSet<String>) {
    let mut funcs = BTreeSet::new();
    let mut data = BTreeSet::new();
    for h in ["include/ts/ts.h", "include/tshost.h"] {
        let text =
            fs::read_to_string(crate_dir().join(h)).unwrap_or_else(|e| panic!("read {h}: {e}"));
        let (f, d) = declared_in(&text);
        assert!(!f.is_empty(), "no tsapi function declarations found in {h}");
        funcs.extend(
            f.into_iter()
                .filter(|n| !PLUGIN_ENTRY_POINTS.contains(&n.as_str())),
        );
        data.extend(d);
    }
    for must in [
        "TSContCreate",
        "TSPluginRegister",
        "TSStatCreate",
        "TSUserArgIndexReserve",
        "TSHttpTxnArgSet",
        "_TSmalloc",
        "TSDebug",
        "TSDebugSpecific",
        "TSError",
        "TSFatal",
        "TSEmergency",
        "tshost_start",
        "tshost_ssn_open",
    ] {
        assert!(
            funcs.contains(must),
            "header parse found no declaration of {must}"
        );
    }
    assert!(
        data.contains("diags_on_for_plugins"),
        "ts.h does not declare `extern int diags_on_for_plugins;` (data found: {data:?})"
    );
    for name in funcs.iter().chain(&data) {
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "odd name {name:?} parsed from the headers"
        );
        for kw in [
            "tsapi",
            "TS_DEPRECATED",
            "TS_NORETURN",
            "TS_PRINTFLIKE",
            "void",
            "int",
            "char",
            "const",
        ] {
            assert_ne!(name, kw, "parsed a keyword as a declared name");
        }
    }
    (funcs, data)
}

/// Defined dynamic symbols of an ELF file (`nm -D --defined-only`), version suffixes removed.
fn dynamic_symbols(file: &Path) -> BTreeSet<String> {
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(file)
        .env("LC_ALL", "C")
        .output()
        .expect("run nm (binutils)");
    assert!(
        out.status.success(),
        "nm -D {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .map(|s| s.split('@').next().unwrap().to_string())
        .collect()
}

fn artifacts() -> Vec<PathBuf> {
    vec![tshost_bin(), libtshost()]
}

#[test]
fn every_declared_symbol_is_exported_by_binary_and_library() {
    let (funcs, data) = declarations();
    let mut problems = Vec::new();
    for file in artifacts() {
        let syms = dynamic_symbols(&file);
        let missing: Vec<&String> = funcs
            .iter()
            .chain(&data)
            .filter(|n| !syms.contains(*n))
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{} does not export {} declared symbol(s): {missing:?}",
                file.display(),
                missing.len()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_undeclared_exports() {
    let (funcs, data) = declarations();
    let mut problems = Vec::new();
    for file in artifacts() {
        let syms = dynamic_symbols(&file);
        let api: Vec<&String> = syms
            .iter()
            .filter(|s| s.starts_with("TS") || s.starts_with("_TS") || s.starts_with("tshost_"))
            .collect();
        assert!(
            api.len() >= 50,
            "{} exports only {} TS symbols",
            file.display(),
            api.len()
        );
        let undeclared: Vec<&&String> = api
            .iter()
            .filter(|s| !funcs.contains(**s) && !data.contains(**s))
            .collect();
        if !undeclared.is_empty() {
            problems.push(format!(
                "{} exports symbol(s) declared in neither include/ts/ts.h nor include/tshost.h: {undeclared:?}",
                file.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

const TINY_PLUGIN: &str = r#"
#include <stdio.h>
#include <ts/ts.h>

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {"tiny", "tshost tests", "tests@tshost.invalid"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("tiny: TSPluginRegister failed");
    return;
  }
  TSDebug("tiny", "initialised with %d argument(s)", argc);
  if (argc > 1) {
    FILE *f = fopen(argv[1], "w");
    if (f != NULL) {
      fprintf(f, "tiny TSPluginInit ran, argc=%d\n", argc);
      fclose(f);
    }
  }
}
"#;

#[test]
fn plugin_resolves_against_the_binary() {
    let dir = temp_dir("tiny_plugin");
    let src = dir.join("tiny.c");
    let so = dir.join("tiny.so");
    fs::write(&src, TINY_PLUGIN).unwrap();
    build_plugin_with(&src, &so, Header::Ours, &[]);

    // The plugin links no tshost library: its TS symbols are undefined and no NEEDED entry could
    // provide them, so only the executable's dynamic exports can.
    let readelf = Command::new("readelf")
        .arg("-d")
        .arg(&so)
        .output()
        .expect("run readelf");
    let dynamic = String::from_utf8_lossy(&readelf.stdout);
    assert!(
        !dynamic.contains("tshost"),
        "the plugin depends on a tshost library:\n{dynamic}"
    );
    let nm = Command::new("nm")
        .args(["-D", "--undefined-only"])
        .arg(&so)
        .output()
        .expect("run nm");
    let undefined = String::from_utf8_lossy(&nm.stdout);
    for s in ["TSPluginRegister", "TSDebug"] {
        assert!(
            undefined.contains(s),
            "{s} is not an undefined symbol of the plugin:\n{undefined}"
        );
    }

    let marker = dir.join("init-ran.txt");
    fs::write(
        dir.join("plugin.config"),
        format!("{} {}\n", so.display(), marker.display()),
    )
    .unwrap();
    let out = tshost()
        .arg("--check")
        .arg("--config-dir")
        .arg(&dir)
        .output()
        .expect("run tshost");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "tshost --check failed:\n{stderr}"
    );
    let written = fs::read_to_string(&marker).unwrap_or_else(|e| {
        panic!(
            "TSPluginInit did not write {}: {e}\nstderr:\n{stderr}",
            marker.display()
        )
    });
    assert_eq!(written, "tiny TSPluginInit ran, argc=2\n");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn header_parser_handles_multiline_and_trailer_declarations() {
    let (f, d) = declared_in(
        "#define TSDEBUG \\\n  if (x) \\\n  TSDebug\n/* tsapi void NotMe(void); */\n\
         extern int some_data;\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\
         typedef int (*TSEventFunc)(void *contp);\n\
         tsapi\nTS_DEPRECATED\nint TSMulti(const char *a,\n  int b);\n\
         tsapi void TSVar(const char *fmt, ...) TS_PRINTFLIKE(1, 2);\n\
         typedef struct { int64_t a; } tshost_x;\n",
    );
    assert_eq!(f.into_iter().collect::<Vec<_>>(), ["TSMulti", "TSVar"]);
    assert_eq!(d.into_iter().collect::<Vec<_>>(), ["some_data"]);
}

/// One `#[no_mangle] extern "C" fn` under `src/api/` (its folders included).
struct Export {
    /// `src/api/<file>.rs` or `src/api/<family>/<file>.rs`.
    file: String,
    name: String,
    /// A `///` line right above its attributes.
    documented: bool,
    /// Its body runs through `guard!(` (the panic boundary).
    guarded: bool,
    /// Its body spells its own name in a string (for the guard, an argument check or an error
    /// message: `here!()` and `guard!` find it).
    names_itself: bool,
}

/// Every `#[no_mangle]` function of `src/api/*.rs`, read from the (rustfmt-formatted) source: the
/// item after the attribute lines, up to the first line that is `}` at column 0.
fn exports_in_source() -> Vec<Export> {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in fs::read_dir(dir).expect("read src/api") {
            let p = e.unwrap().path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let root = crate_dir();
    let mut files = Vec::new();
    rust_files(&root.join("src/api"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let file = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[no_mangle]" {
                continue;
            }
            let mut j = i + 1;
            while j < lines.len() && lines[j].trim_start().starts_with("#[") {
                j += 1;
            }
            let Some(item) = lines.get(j) else { continue };
            if !item.contains(" fn ") {
                continue; // an exported static
            }
            assert!(
                item.contains("extern \"C\" fn "),
                "{file}:{}: a #[no_mangle] fn that is not extern \"C\": {item}",
                j + 1
            );
            let name: String = item
                .split(" fn ")
                .nth(1)
                .unwrap()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let end = (j..lines.len())
                .find(|&k| lines[k] == "}")
                .unwrap_or_else(|| panic!("{file}: no end found for fn {name}"));
            let body = lines[j..=end].join("\n");
            let guarded = body.contains("guard!(");
            let names_itself = body.contains(&format!("\"{name}"));
            let mut above = i;
            while above > 0 && lines[above - 1].trim_start().starts_with("#[") {
                above -= 1;
            }
            let documented = above > 0 && lines[above - 1].trim_start().starts_with("///");
            out.push(Export {
                file: file.clone(),
                name,
                documented,
                guarded,
                names_itself,
            });
        }
    }
    // A parsing slip must not make the checks vacuous.
    assert!(
        out.len() >= 150,
        "only {} exported functions found in src/api",
        out.len()
    );
    for must in [
        "TSContCreate",
        "TSHttpTxnReenable",
        "TSUrlHostSet",
        "_TSmalloc",
        "TSStatIntIncrement",
        "tshost_start",
        "__tshost_diag_emit",
    ] {
        assert!(
            out.iter().any(|e| e.name == must),
            "the source scan found no export {must}"
        );
    }
    out
}

#[test]
fn every_export_goes_through_the_panic_boundary() {
    let offenders: Vec<String> = exports_in_source()
        .iter()
        .filter_map(|e| {
            if !e.guarded {
                Some(format!("{} ({}): no guard!(...)", e.name, e.file))
            } else if e.names_itself {
                Some(format!(
                    "{} ({}): spells its own name in a string (here!() and guard! find it)",
                    e.name, e.file
                ))
            } else {
                None
            }
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "{} exported function(s) do not run their body through crate::api::guard!(fallback, \
         || ...):\n  {}",
        offenders.len(),
        offenders.join("\n  ")
    );
}

/// Function prototypes of a header that do not come right after a `/** ... */` doc comment, and
/// the number of prototypes seen. A prototype starts a line with `tsapi` or `extern tsapi`.
fn undocumented_prototypes(header: &str) -> (Vec<String>, usize) {
    let lines: Vec<&str> = header.lines().collect();
    let mut bad = Vec::new();
    let mut seen = 0;
    for (i, line) in lines.iter().enumerate() {
        if !(line.starts_with("tsapi") || line.starts_with("extern tsapi")) {
            continue;
        }
        let decl: String = lines[i..]
            .iter()
            .take_while(|l| !l.contains(';'))
            .chain(lines[i..].iter().find(|l| l.contains(';')))
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let Some(paren) = decl.find('(') else {
            continue;
        };
        seen += 1;
        let name: String = decl[..paren]
            .trim_end()
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let doc = i > 0 && lines[i - 1].trim_end().ends_with("*/") && {
            // The comment that line closes must open with `/**` and say something.
            let start = (0..i).rev().find(|&k| lines[k].contains("/*"));
            start.is_some_and(|k| {
                let text = lines[k..i].join("\n");
                let opened = &text[text.find("/*").unwrap()..];
                opened.starts_with("/**")
                    && opened
                        .trim_start_matches("/**")
                        .trim_end()
                        .trim_end_matches("*/")
                        .chars()
                        .any(|c| c.is_alphanumeric())
            })
        };
        if !doc {
            bad.push(name);
        }
    }
    (bad, seen)
}

#[test]
fn every_export_is_documented_in_the_header() {
    let mut offenders = Vec::new();
    let (declared, _) = declarations();
    let mut seen_total = 0;
    for h in ["include/ts/ts.h", "include/tshost.h"] {
        let text =
            fs::read_to_string(crate_dir().join(h)).unwrap_or_else(|e| panic!("read {h}: {e}"));
        let (bad, seen) = undocumented_prototypes(&text);
        seen_total += seen;
        offenders.extend(bad.into_iter().map(|n| format!("{n} ({h})")));
    }
    // Every declaration the export checks know of was looked at (PLUGIN_ENTRY_POINTS aside).
    assert!(
        seen_total >= declared.len(),
        "the prototype scan saw {seen_total} prototypes, the header parser {} declarations",
        declared.len()
    );
    for e in exports_in_source() {
        if !e.documented {
            offenders.push(format!("{} ({}): no /// doc comment", e.name, e.file));
        }
    }
    assert!(
        offenders.is_empty(),
        "{} exported function(s) without a doc comment (a `///` comment right above the Rust \
         function, which cbindgen copies into the header; the trailer's in cbindgen.toml):\n  {}",
        offenders.len(),
        offenders.join("\n  ")
    );
}

#[test]
fn prototype_doc_scan_spots_a_missing_doc() {
    let (bad, seen) = undocumented_prototypes(
        "/**\n * Documented.\n */\ntsapi void TSGood(int a);\n\n\
         tsapi\nTS_DEPRECATED\nint TSBare(const char *a,\n  int b);\n\
         /* not a doc comment */\ntsapi void TSPlain(void);\n\
         /**\n */\ntsapi void TSEmpty(void);\n",
    );
    assert_eq!(seen, 4);
    assert_eq!(bad, ["TSBare", "TSPlain", "TSEmpty"]);
}
