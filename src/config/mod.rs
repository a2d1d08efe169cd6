//! ATS-format configuration files.
pub mod records;
