//! IOBuffers through the C API (`tests/c/iobuffer_test.c`, a program over libtshost): writes
//! across blocks, readers that walk blocks (ReaderStart, BlockReadStart, BlockNext) and consume,
//! clones, copies between buffers, writing in place (Start, BlockWriteStart, Produce), water
//! marks, ATS's five readers per buffer, bad and dead handles refused, readers ending with their
//! buffer; heads parsed in pieces (TSHttpHdrParseReq/Resp) and printed into an IOBuffer
//! (TSHttpHdrPrint, TSMimeHdrPrint).
mod common;

use common::{build_program, crate_dir, temp_dir};

#[test]
fn iobuffers_readers_and_blocks_behave_as_atss() {
    let dir = temp_dir("iobuffer");
    let prog = dir.join("iobuffer_test");
    build_program(&crate_dir().join("tests/c/iobuffer_test.c"), &prog);
    let out = std::process::Command::new(&prog)
        .output()
        .expect("run iobuffer_test");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    // The bad arguments were refused with a log line naming the call.
    assert!(
        err.contains("TSIOBufferSizedCreate: 15 is not a TSIOBufferSizeIndex"),
        "{err}"
    );
    assert!(err.contains("TSIOBufferWrite: NULL data"), "{err}");
    assert!(err.contains("is not a live TSIOBufferReader"), "{err}");
    assert!(err.contains("TSHttpParserDestroy:"), "{err}");
}
