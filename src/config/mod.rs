//! ATS-format configuration files.
pub mod ports;
pub mod records;
pub mod remap;
pub mod ssl_multicert;
