//! Shared by the integration tests: where the crate and its build artifacts are, scratch
//! directories, the `tshost` binary, and building C code with gcc against tshost's headers and
//! library.
//!
//! Each test file includes this with `mod common;` and uses only part of it.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

/// Debian's trafficserver-dev ts.h.
pub const DEBIAN_TS_H: &str = "/usr/include/ts/ts.h";

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// tshost's headers: `include/` (ts/ts.h and tshost.h).
pub fn include_dir() -> PathBuf {
    crate_dir().join("include")
}

/// The `tshost` binary cargo built for this test run.
pub fn tshost_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tshost"))
}

/// A `tshost` command with no configuration coming from the environment (no
/// `TSHOST_CONFIG_DIR` or `PROXY_CONFIG_CONFIG_DIR`), in the C locale, stdin from /dev/null.
pub fn tshost() -> Command {
    let mut cmd = Command::new(tshost_bin());
    cmd.env_remove("TSHOST_CONFIG_DIR")
        .env_remove("PROXY_CONFIG_CONFIG_DIR")
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    cmd
}

/// target/<profile>, where cargo puts the tshost binary (and libtshost.so, see [`libtshost`]).
pub fn artifact_dir() -> PathBuf {
    tshost_bin()
        .parent()
        .expect("binary directory")
        .to_path_buf()
}

fn mtime(p: &Path) -> Option<SystemTime> {
    fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// libtshost.so from the same cargo invocation as the tshost binary: next to it
/// (`target/<profile>/`) or in its `deps/` directory (where `cargo test` leaves a fresh copy),
/// the newer of the two; built with `cargo build --lib` if neither exists.
pub fn libtshost() -> PathBuf {
    let profile_dir = artifact_dir();
    let find = || {
        [
            profile_dir.join("libtshost.so"),
            profile_dir.join("deps/libtshost.so"),
        ]
        .into_iter()
        .filter_map(|p| mtime(&p).map(|t| (t, p)))
        .max_by_key(|(t, _)| *t)
        .map(|(_, p)| p)
    };
    if let Some(p) = find() {
        return p;
    }
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_string(),
        Some(p) => p.to_string(),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--lib", "--profile", &profile])
        .env(
            "CARGO_TARGET_DIR",
            profile_dir.parent().expect("target directory"),
        )
        .current_dir(crate_dir())
        .status()
        .expect("run cargo build --lib");
    assert!(status.success(), "cargo build --lib failed");
    find().expect("libtshost.so not found after cargo build --lib")
}

/// A fresh directory for one test (`$TMPDIR/tshost-test-<pid>-<n>-<name>`, emptied if it exists).
pub fn temp_dir(name: &str) -> PathBuf {
    // Numbered: two tests of one binary that pick the same name still get directories of their
    // own (they run in parallel; a shared trace file would mix their events).
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("tshost-test-{}-{n}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("create scratch dir");
    d
}

/// A gcc command that cannot pick up headers or libraries from the environment, in the C locale.
pub fn gcc_command() -> Command {
    let mut cmd = Command::new("gcc");
    for var in [
        "CPATH",
        "C_INCLUDE_PATH",
        "CPLUS_INCLUDE_PATH",
        "LIBRARY_PATH",
        "GCC_EXEC_PREFIX",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("LC_ALL", "C");
    cmd
}

/// Run gcc (a [`gcc_command`]) with `args`; panic with its output on failure.
pub fn gcc(args: &[&str]) {
    let out = gcc_command()
        .args(args)
        .output()
        .expect("run gcc (is it installed?)");
    assert!(
        out.status.success(),
        "gcc {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Which ts.h a plugin is compiled against.
#[derive(Clone, Copy, Debug)]
pub enum Header {
    /// tshost's generated include/ts/ts.h: `-I<crate>/include` (searched before /usr/include).
    Ours,
    /// Debian's trafficserver-dev /usr/include/ts/ts.h (no -I flag).
    Debian,
}

impl Header {
    /// The gcc flags that select this header.
    pub fn args(self) -> Vec<String> {
        match self {
            Header::Ours => vec![format!("-I{}", include_dir().display())],
            Header::Debian => vec![],
        }
    }

    /// The ts.h file those flags make `#include <ts/ts.h>` find.
    pub fn ts_h(self) -> PathBuf {
        match self {
            Header::Ours => include_dir().join("ts/ts.h"),
            Header::Debian => PathBuf::from(DEBIAN_TS_H),
        }
    }
}

/// Asserts that Debian's /usr/include/ts/ts.h is installed (the tests fail, rather than skip,
/// without it); returns true.
pub fn debian_header_present() -> bool {
    let present = Path::new(DEBIAN_TS_H).is_file();
    assert!(
        present,
        "{DEBIAN_TS_H} not found: the tests compare tshost's include/ts/ts.h with, and build \
         plugins against, Debian's Apache Traffic Server 9.2 headers. Install them with \
         `apt-get install trafficserver-dev` (make test does)."
    );
    present
}

/// Build a plugin .so from C source against the chosen header:
/// `gcc -std=gnu11 -Wall -Wextra -Werror -fPIC -shared <header flags> -o <out> <src> <extra>...`.
/// The plugin links no tshost library: its TS symbols resolve against the host at load time.
pub fn build_plugin_with(src: &Path, out: &Path, header: Header, extra: &[&str]) {
    if let Header::Debian = header {
        debian_header_present();
    }
    let header_args = header.args();
    let mut args = vec![
        "-std=gnu11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-fPIC",
        "-shared",
    ];
    args.extend(header_args.iter().map(String::as_str));
    args.extend(["-o", out.to_str().unwrap(), src.to_str().unwrap()]);
    args.extend(extra);
    gcc(&args);
}

/// Build a plugin .so from C source against the chosen header, with deprecated declarations
/// allowed and -lpthread ([`build_plugin_with`]).
pub fn build_plugin(src: &Path, out: &Path, header: Header) {
    build_plugin_with(
        src,
        out,
        header,
        &["-Wno-deprecated-declarations", "-lpthread"],
    );
}

/// Build a C program linked against libtshost.so (rpath set to its directory), with tshost.h:
/// `gcc -std=gnu11 -Wall -Wextra -Werror -I<crate>/include -o <out> <src> <extra>...
/// -L<dir> -ltshost -Wl,--disable-new-dtags,-rpath,<dir> -lpthread`.
///
/// An old-style RPATH, not RUNPATH: `cargo test` puts the target's `debug/` directory on
/// LD_LIBRARY_PATH, which a RUNPATH yields to, and `debug/libtshost.so` is the copy made by the
/// last `cargo build`, not the library `cargo test` just built in `debug/deps`. With RUNPATH the
/// programs ran against a stale library (seen under `make mutants`: a broken dispatcher passed
/// the harness tests).
pub fn build_program_with(src: &Path, out: &Path, extra: &[&str]) {
    let lib = libtshost();
    let dir = lib.parent().unwrap().display().to_string();
    let (inc, lib_dir, rpath) = (
        format!("-I{}", include_dir().display()),
        format!("-L{dir}"),
        format!("-Wl,--disable-new-dtags,-rpath,{dir}"),
    );
    let mut args = vec![
        "-std=gnu11",
        "-Wall",
        "-Wextra",
        "-Werror",
        &inc,
        "-o",
        out.to_str().unwrap(),
        src.to_str().unwrap(),
    ];
    args.extend(extra);
    args.extend([lib_dir.as_str(), "-ltshost", &rpath, "-lpthread"]);
    gcc(&args);
}

/// Build a C program linked against libtshost.so with unused parameters allowed
/// ([`build_program_with`]).
pub fn build_program(src: &Path, out: &Path) {
    build_program_with(src, out, &["-Wno-unused-parameter"]);
}
pub mod ats;
pub mod proxy;
