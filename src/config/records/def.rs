//! A built-in record's type and default value, as the tables of `defaults.rs` and `ats.rs` write
//! them.
#![forbid(unsafe_code)]

/// An INT (or COUNTER), FLOAT or STRING default (ATS's NULL strings are "").
pub(super) enum Def {
    I(i64),
    F(f64),
    S(&'static str),
}
