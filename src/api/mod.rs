//! The top layer: every `extern "C"` function tshost exports, one file per ATS API family, imported
//! by nothing but the crate root. These functions are
//! thin: check the arguments, convert, call the core. None lets a panic cross into C, and a bad
//! argument (NULL, a dead or foreign handle, an unknown enum value) is logged and answered with an
//! error value instead of ATS's abort.
#![allow(
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    clippy::missing_safety_doc
)]
#![deny(unsafe_op_in_unsafe_fn)]
// Everything the headers declare is documented there (cbindgen copies these comments).
#![warn(missing_docs)]

pub mod cont;
pub mod embed;
pub mod hdrs;
pub mod http;
pub mod log;
pub mod mem;
pub mod mutex;
pub mod plugin;
pub mod sched;
pub mod ssl;
pub mod ssn;
pub mod stats;

/// Run `f`, turning a panic into `fallback` and an error message naming `name`: the panic boundary
/// every exported function's body goes through (tests/exports.rs checks that each one does, under
/// its own name). No cost on the normal path; a panic of the error message itself (the logging
/// functions go through here too) is swallowed as well, so nothing unwinds into C.
pub(crate) fn guard<R>(name: &str, fallback: R, f: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => {
            let _ = std::panic::catch_unwind(|| {
                crate::error!("{name}: internal error (panic); returned an error value")
            });
            fallback
        }
    }
}
