//! The types and constants of the ATS 9.2 plugin API (`ts/apidefs.h` and `ts/ts.h`).
//!
//! Everything here is ABI-identical to Debian's `trafficserver-dev` 9.2 headers (checked by
//! `tests/abi.rs`). cbindgen turns it into the type part of `include/ts/ts.h`.
//!
//! Conventions (build.rs relies on them; keep each item's keyword at the start of its line):
//! * Each C enum `X` is a `#[repr(C)]` Rust enum `X` with the exact C names and values, plus
//!   `pub type XRaw = c_int;`. build.rs spells `XRaw` as `X` in the header. Extern functions
//!   take and return `XRaw`, so that a value coming from C is an integer to check, never an
//!   invalid Rust enum.
//! * Enumerators that repeat another enumerator's value cannot be Rust variants: they are
//!   `pub const NAME: c_int` here and `#define NAME value` in the header.
//! * Opaque handles are pointers to Rust structs without `repr(C)`, which cbindgen emits as
//!   incomplete `typedef struct tsapi_x tsapi_x;` declarations.
//!
//! Split by section of ts.h: `consts.rs` (`#define` constants), `handles.rs` (typedefs, opaque
//! handles, function pointer types), `hook_enums.rs` (hooks and events), `other_enums.rs`,
//! `structs.rs`; everything is re-exported here. This file declares nothing (build.rs and
//! tests/abi.rs read every file of the folder; cbindgen is not given this one). The files' names
//! keep the order of ts.h's `#define` constants: build.rs hands the files to cbindgen in path
//! order, and cbindgen writes constants in the order it reads them.
#![forbid(unsafe_code)]

mod consts;
mod handles;
mod hook_enums;
mod other_enums;
mod structs;

pub use consts::*;
pub use handles::*;
pub use hook_enums::*;
pub use other_enums::*;
pub use structs::*;
