//! A plugin's own VConnections and VIOs through the C API (`tests/c/vconn_io_test.c`, a program
//! over libtshost): TSVConnCreate as a pass-through written as ATS's null_transform example,
//! TSVConnRead/Write with their VIOs, TS_EVENT_IMMEDIATE on a write with data and on
//! TSVIOReenable, the READY/COMPLETE events the VConnection sends, close (1), abort (-1) and
//! shutdown, the handle and VIOs dead after TSContDestroy, bad arguments refused; the active and
//! inactivity timeouts (`tests/c/vconn_timeout_test.c`).
mod common;

use common::{build_program, crate_dir, temp_dir};

#[test]
fn a_plugin_vconnection_moves_bytes_between_its_vios_and_closes() {
    let dir = temp_dir("vconn_io");
    let prog = dir.join("vconn_io_test");
    build_program(&crate_dir().join("tests/c/vconn_io_test.c"), &prog);
    let out = std::process::Command::new(&prog)
        .output()
        .expect("run vconn_io_test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stdout}\n{stderr}", out.status);
    assert!(stdout.contains("all passed"), "{stdout}");
    assert!(
        stderr.contains("is not a live VConnection (TSVConnCreate)"),
        "{stderr}"
    );
}

#[test]
fn vconnection_timeouts_tell_the_vio_in_progress_once_and_can_be_cancelled() {
    let dir = temp_dir("vconn_timeout");
    let prog = dir.join("vconn_timeout_test");
    build_program(&crate_dir().join("tests/c/vconn_timeout_test.c"), &prog);
    let out = std::process::Command::new(&prog)
        .output()
        .expect("run vconn_timeout_test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stdout}\n{stderr}", out.status);
    assert!(stdout.contains("all passed"), "{stdout}");
    assert!(stderr.contains("TSVConnActiveTimeoutSet"), "{stderr}");
}
