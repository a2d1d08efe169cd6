//! ATS-format configuration files.
#![forbid(unsafe_code)]
pub mod connect_ports;
pub mod ip_allow;
pub mod overridable;
pub mod ports;
pub mod records;
pub mod redirect;
pub mod remap;
pub mod sni;
pub mod ssl_multicert;
pub mod yaml;
