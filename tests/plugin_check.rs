//! `tshost plugin-check X.so`: a plugin's kind and the symbols tshost lacks, read without loading
//! it. Its verdict on every one of Debian's plugin binaries agrees with opening them for real (a
//! program over libtshost that dlopens them as tshost does); a plugin calling a function tshost
//! does not have is named with it; a file that is not a shared object is an error (exit 2).

mod common;

use std::path::Path;
use std::process::Command;

use common::{build_plugin, build_program_with, crate_dir, temp_dir, tshost, Header};

/// `tshost plugin-check ARGS`: (exit code, stdout, stderr).
fn check(args: &[&Path]) -> (i32, String, String) {
    let out = tshost()
        .arg("plugin-check")
        .args(args)
        .output()
        .expect("run tshost plugin-check");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_verdict_on_debians_plugins_agrees_with_loading_them() {
    let modules: Vec<_> = std::fs::read_dir("/usr/lib/trafficserver/modules")
        .expect("Debian's trafficserver package (make test installs it)")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "so"))
        .collect();
    assert!(modules.len() >= 20, "{modules:?}");
    let dir = temp_dir("plugin-check-dlopen");
    let probe = dir.join("dlopen_probe");
    build_program_with(
        &crate_dir().join("tests/c/dlopen_probe.c"),
        &probe,
        &["-ldl"],
    );
    let out = Command::new(&probe).args(&modules).output().unwrap();
    let loaded = String::from_utf8_lossy(&out.stdout).into_owned();
    let refs: Vec<&Path> = modules.iter().map(|p| p.as_path()).collect();
    let (rc, said, err) = check(&refs);
    assert!(err.is_empty(), "{err}");
    let mut loads = 0;
    for m in &modules {
        let name = m.file_name().unwrap().to_str().unwrap();
        let really = loaded
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} not probed:\n{loaded}"));
        let verdict = said
            .lines()
            .find(|l| l.starts_with(&format!("{name}: would ")))
            .unwrap_or_else(|| panic!("no verdict on {name}:\n{said}"));
        let would = verdict.ends_with("would load");
        assert_eq!(
            would,
            really.ends_with(" loads"),
            "{verdict} / {really}\n{said}"
        );
        loads += would as usize;
        assert!(
            said.contains(&format!("{name}: a global"))
                || said.contains(&format!("{name}: a remap")),
            "{name}'s kind:\n{said}"
        );
    }
    assert_eq!(rc, if loads == modules.len() { 0 } else { 1 });
    assert!(
        said.contains("header_rewrite.so: a global and remap plugin (TSPluginInit, TSRemapInit)"),
        "{said}"
    );
    assert!(
        said.contains("libloader.so: a global plugin (TSPluginInit)"),
        "{said}"
    );
}

#[test]
fn a_missing_function_is_named_and_fails_the_check() {
    let dir = temp_dir("plugin-check-missing");
    let src = dir.join("missing.c");
    std::fs::write(
        &src,
        "#include <ts/ts.h>\nvoid TSNoSuchFunction(void);\nvoid TSPluginInit(int c, const char *v[]) { (void)c; (void)v; TSNoSuchFunction(); TSDebug(\"x\", \"y\"); }\n",
    )
    .unwrap();
    let so = dir.join("missing.so");
    build_plugin(&src, &so, Header::Ours);
    let (rc, out, _) = check(&[&so]);
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains("missing.so: a global plugin (TSPluginInit)"),
        "{out}"
    );
    assert!(
        out.contains("missing.so: 1 of 2 ATS API symbols missing in tshost: TSNoSuchFunction"),
        "{out}"
    );
    assert!(out.contains("missing.so: would not load"), "{out}");

    let remap = dir.join("remap.so");
    build_plugin(
        &crate_dir().join("tests/c/remap_plugin.c"),
        &remap,
        Header::Ours,
    );
    let (rc, out, _) = check(&[&remap]);
    assert_eq!(rc, 0, "{out}");
    assert!(
        out.contains("remap.so: a remap plugin (TSRemapInit)"),
        "{out}"
    );
    assert!(out.contains("ATS API symbols resolved"), "{out}");

    let text = dir.join("text.so");
    std::fs::write(&text, "not a library").unwrap();
    let (rc, _, err) = check(&[&text]);
    assert_eq!(rc, 2);
    assert!(err.contains("text.so: not a 64-bit ELF"), "{err}");
    let (rc, _, err) = check(&[]);
    assert_eq!(rc, 2);
    assert!(err.contains("Usage: tshost plugin-check"), "{err}");
}
