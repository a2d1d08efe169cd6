//! ATS 9.2's declarations, the bottom layer: the types, enums, constants and structs of `ts/ts.h`
//! (which cbindgen reads from here), the data ATS exports (`diags_on_for_plugins`, and its setter),
//! and the names of events and hooks. Data only: no behaviour, and no unsafe but that setter.
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]

pub mod globals;
pub mod names;
pub mod remap;
pub mod types;
