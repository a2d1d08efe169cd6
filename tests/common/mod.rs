//! Shared by the integration tests: build C code with gcc against tshost's headers and library.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>, where cargo puts the tshost binary and libtshost.so.
pub fn artifact_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_tshost"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// libtshost.so, built by `cargo build` (the Makefile's test target builds it first).
pub fn libtshost() -> PathBuf {
    let so = artifact_dir().join("libtshost.so");
    assert!(
        so.exists(),
        "{} is missing: run `cargo build` first (make test does)",
        so.display()
    );
    so
}

/// A fresh directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tshost-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run gcc; panic with its output on failure.
pub fn gcc(args: &[&str]) {
    let out = Command::new("gcc").args(args).output().expect("gcc");
    assert!(
        out.status.success(),
        "gcc {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Which ts.h a plugin is compiled against.
#[derive(Clone, Copy, Debug)]
pub enum Header {
    /// tshost's include/ts/ts.h
    Ours,
    /// Debian's trafficserver-dev /usr/include/ts/ts.h
    Debian,
}

pub fn debian_header_present() -> bool {
    let present = Path::new("/usr/include/ts/ts.h").exists();
    assert!(present, "Debian's /usr/include/ts/ts.h is missing: apt-get install trafficserver-dev (make test does)");
    present
}

/// Build a plugin .so from C sources against the chosen header.
pub fn build_plugin(src: &Path, out: &Path, header: Header) {
    let inc = crate_dir().join("include");
    let mut args = vec![
        "-std=gnu11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-Wno-deprecated-declarations",
        "-fPIC",
        "-shared",
    ];
    let inc_flag = format!("-I{}", inc.display());
    match header {
        Header::Ours => args.push(&inc_flag),
        Header::Debian => {
            debian_header_present();
        }
    }
    let (s, o) = (src.to_str().unwrap(), out.to_str().unwrap());
    args.extend(["-o", o, s, "-lpthread"]);
    gcc(&args);
}

/// Build a C program linked against libtshost.so (rpath set), with tshost.h.
pub fn build_program(src: &Path, out: &Path) {
    let lib = libtshost();
    let dir = lib.parent().unwrap();
    gcc(&[
        "-std=gnu11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-Wno-unused-parameter",
        &format!("-I{}", crate_dir().join("include").display()),
        "-o",
        out.to_str().unwrap(),
        src.to_str().unwrap(),
        &format!("-L{}", dir.display()),
        "-ltshost",
        &format!("-Wl,-rpath,{}", dir.display()),
        "-lpthread",
    ]);
}
