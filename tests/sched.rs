//! Continuations, mutexes, scheduling, actions, threads, memory and stats, exercised by a C
//! program that links libtshost.so and calls the ATS API directly (`tests/c/sched_test.c`).
//!
//! The program prints one `ok N - ...` line per passed check and stops with `FAIL ...` and exit
//! status 1 at the first failed one; this test compiles it with gcc, runs it and requires exit 0.
//! It needs gcc.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh scratch directory for one test.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tshost-sched-{}-{test}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn mtime(p: &Path) -> Option<SystemTime> {
    fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The directory holding libtshost.so, built by the same cargo invocation as the tshost binary:
/// next to it (`target/<profile>/`) or in its `deps/` directory (where `cargo test` leaves a fresh
/// copy); the newer of the two. Builds it with `cargo build --lib` if neither exists.
fn libtshost_dir() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_tshost"));
    let profile_dir = bin.parent().expect("binary directory").to_path_buf();
    let find = || {
        [profile_dir.clone(), profile_dir.join("deps")]
            .into_iter()
            .filter_map(|d| mtime(&d.join("libtshost.so")).map(|t| (t, d)))
            .max_by_key(|(t, _)| *t)
            .map(|(_, d)| d)
    };
    if let Some(d) = find() {
        return d;
    }
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_string(),
        Some(p) => p.to_string(),
    };
    let target_dir = profile_dir.parent().expect("target directory");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--lib", "--profile", &profile])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(crate_dir())
        .status()
        .expect("run cargo build --lib");
    assert!(status.success(), "cargo build --lib failed");
    find().expect("libtshost.so not found after cargo build --lib")
}

/// A gcc command that cannot pick up headers from the environment.
fn gcc() -> Command {
    let mut cmd = Command::new("gcc");
    for var in ["CPATH", "C_INCLUDE_PATH", "LIBRARY_PATH", "GCC_EXEC_PREFIX"] {
        cmd.env_remove(var);
    }
    cmd.env("LC_ALL", "C");
    cmd
}

#[test]
fn sched_test_c_program_passes() {
    let dir = scratch_dir("sched_test");
    let lib = libtshost_dir();
    let exe = dir.join("sched_test");
    let src = crate_dir().join("tests/c/sched_test.c");
    let out = gcc()
        .args(["-std=gnu11", "-O0", "-g", "-Wall", "-Wextra", "-Werror"])
        .arg(format!("-I{}", crate_dir().join("include").display()))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib.display()))
        .arg("-ltshost")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-lpthread")
        .output()
        .expect("run gcc (is it installed?)");
    assert!(
        out.status.success(),
        "gcc failed to build {}:\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );

    let child = Command::new(&exe)
        .current_dir(&dir)
        .env_remove("LD_LIBRARY_PATH")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sched_test");
    // The program bounds every wait itself (and has a 60 s alarm); this is the backstop.
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(90)) {
        Ok(out) => out,
        Err(_) => {
            // SAFETY: signalling the child we started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            rx.recv().expect("sched_test output")
        }
    }
    .expect("sched_test output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "sched_test failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("all ") && stdout.contains(" checks passed"),
        "sched_test exited 0 without finishing:\n{stdout}"
    );
    let passed = stdout.lines().filter(|l| l.starts_with("ok ")).count();
    assert!(passed >= 100, "only {passed} checks ran:\n{stdout}");
    let _ = fs::remove_dir_all(&dir);
}
