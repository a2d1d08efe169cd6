//! The house's layering, read from the source: the C boundary (`src/api/`) is the top layer and
//! a leaf, the declarations (`src/sys/`) and the runtime (`src/rt/`) are the bottom, and the hook
//! dispatcher does not know the proxy.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Lines of code (comments dropped) under `src/<dir>` that name one of `modules` as
/// `crate::<module>`: "file:line: text".
fn imports(dir: &str, modules: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let base = root.join(dir);
    if base.is_dir() {
        rust_files(&base, &mut files);
    } else {
        files.push(base.with_extension("rs"));
    }
    let mut hits = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for m in modules {
                let needle = format!("crate::{m}");
                if let Some(at) = code.find(&needle) {
                    let next = code[at + needle.len()..].chars().next();
                    if matches!(next, None | Some(':' | ';' | ',' | '}' | ' ')) {
                        hits.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    hits
}

/// Every top-level module of src/ but `api`, `main.rs`'s and `lib.rs`.
fn modules_below_api() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    for e in fs::read_dir(&root).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if ["api", "lib", "main", "bin"].contains(&name.as_str()) {
            continue;
        }
        out.push(name);
    }
    out.sort();
    out
}

#[test]
fn no_module_below_the_c_boundary_imports_it() {
    let mods = modules_below_api();
    assert!(mods.len() > 15, "modules found: {mods:?}");
    let hits: Vec<String> = mods.iter().flat_map(|m| imports(m, &["api"])).collect();
    assert!(
        hits.is_empty(),
        "src/api is the top layer, imported by nothing but the crate root:\n{}",
        hits.join("\n")
    );
}

#[test]
fn declarations_and_runtime_import_nothing_above_them() {
    let above: Vec<String> = modules_below_api()
        .into_iter()
        .chain(["api".to_string()])
        .filter(|m| m != "sys" && m != "rt")
        .collect();
    let above: Vec<&str> = above.iter().map(String::as_str).collect();
    let mut hits = imports("sys", &above);
    hits.extend(imports("sys", &["rt"]));
    hits.extend(imports("rt", &above));
    assert!(
        hits.is_empty(),
        "src/sys and src/rt are the bottom layer:\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_hook_dispatcher_does_not_know_the_proxy() {
    let hits = imports("hooks", &["proxy", "harness", "host", "api"]);
    assert!(
        hits.is_empty(),
        "hooks runs over HookScope, not over the proxy:\n{}",
        hits.join("\n")
    );
}

/// Small files with one concern each: no source file over 800 lines, unless its opening says why
/// (a line of its module doc containing "over 800 lines:").
#[test]
fn no_source_file_is_over_800_lines_without_a_stated_reason() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(
        files.len() > 100,
        "the walk found the sources: {}",
        files.len()
    );
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let text = fs::read_to_string(f).unwrap();
            let n = text.lines().count();
            let stated = text
                .lines()
                .take_while(|l| l.starts_with("//!"))
                .any(|l| l.contains("over 800 lines:"));
            (n > 800 && !stated).then(|| format!("{}: {n} lines", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these along their seams: {long:?}");
}
