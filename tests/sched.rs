//! Continuations, mutexes, scheduling, actions, threads, memory and stats, exercised by a C
//! program that links libtshost.so and calls the ATS API directly (`tests/c/sched_test.c`).
//!
//! The program prints one `ok N - ...` line per passed check and stops with `FAIL ...` and exit
//! status 1 at the first failed one; this test compiles it with gcc, runs it and requires exit 0.
//! It needs gcc.

mod common;

use std::fs;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{build_program_with, crate_dir, temp_dir};

#[test]
fn sched_test_c_program_passes() {
    let dir = temp_dir("sched_test");
    let exe = dir.join("sched_test");
    build_program_with(
        &crate_dir().join("tests/c/sched_test.c"),
        &exe,
        &["-O0", "-g"],
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
