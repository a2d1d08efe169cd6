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

mod addr;
pub mod cache;
pub mod cache_io;
pub mod connect;
pub mod cont;
pub mod dns;
pub mod embed;
pub mod fetch;
pub mod file;
pub mod hdrs;
pub mod http;
pub mod iobuffer;
pub mod log;
pub mod mem;
pub mod mgmt;
pub mod milestones;
pub mod mutex;
pub mod net;
pub mod plugin;
pub mod remap;
pub mod sched;
pub mod ssl;
pub mod ssl_ctx;
pub mod ssn;
pub mod stats;
pub mod textlog;
pub mod tscore;
pub mod txn_config;
pub mod txn_info;
pub mod txn_origin;
pub mod util;
pub mod uuid;
pub mod vconn;
pub mod vconn_io;

/// Run `f`, turning a panic into `fallback` and an error message naming the export it runs in:
/// the panic boundary every exported function's body goes through (tests/exports.rs checks that
/// each one does). `guard!(fallback, || body)`; the export's name is found from the enclosing
/// function's path (`std::any::type_name`), so no export spells its own name for it.
macro_rules! guard {
    ($fallback:expr, $body:expr $(,)?) => {{
        fn here() {}
        $crate::api::run_guarded(std::any::type_name_of_val(&here), $fallback, $body)
    }};
}
pub(crate) use guard;

/// The name of the export it is used in (for its error messages and the argument checks), found
/// from the enclosing function's path at compile time: `here!()`. No export spells its own name.
macro_rules! here {
    () => {{
        fn here() {}
        $crate::api::Here(std::any::type_name_of_val(&here))
    }};
}
pub(crate) use here;

/// An export's name as [`here!`] finds it: its path, printed as the name alone (the path is trimmed
/// only when printed, on an error path).
#[derive(Clone, Copy)]
pub(crate) struct Here(pub(crate) &'static str);

impl Here {
    /// The export's name alone.
    pub(crate) fn name(self) -> &'static str {
        export_name(self.0)
    }
}

impl std::fmt::Display for Here {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(export_name(self.0))
    }
}

/// What [`guard!`] runs: no cost on the normal path; a panic becomes `fallback`, logged under the
/// export's name (the last named segment of `here`'s path). A panic of the error message itself
/// (the logging functions go through here too) is swallowed as well, so nothing unwinds into C.
pub(crate) fn run_guarded<R>(here: &'static str, fallback: R, f: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => {
            let _ = std::panic::catch_unwind(|| {
                crate::error!(
                    "{}: internal error (panic); returned an error value",
                    export_name(here)
                )
            });
            fallback
        }
    }
}

/// `tshost::api::cont::TSContCreate::here` (or `...::{{closure}}::here`) -> `TSContCreate`.
fn export_name(here: &'static str) -> &'static str {
    here.trim_end_matches("::here")
        .rsplit("::")
        .find(|s| !s.starts_with('{'))
        .unwrap_or(here)
}

#[cfg(test)]
mod tests {
    #[test]
    fn guard_knows_the_name_of_the_export_it_runs_in() {
        fn here() {}
        let path = std::any::type_name_of_val(&here);
        assert_eq!(
            super::export_name(path),
            "guard_knows_the_name_of_the_export_it_runs_in"
        );
        assert_eq!(super::export_name("a::b::TSX::{{closure}}::here"), "TSX");
        assert_eq!(super::guard!(7, || -> i32 { panic!("boom") }), 7);
        assert_eq!(super::guard!(7, || 1), 1);
    }
}
