//! tshost: a Rust host for Apache Traffic Server 9.2 C plugins.
//!
//! Modules: `abi` (every exported C function), `plugin` (plugin.config, loading), `hooks`
//! (registry, dispatch, reenable), `proxy` (sessions, transactions), `sched` (timers, event pools,
//! plugin threads), `config` (records.config), `host` (start-up), `layout` (ATS's directories),
//! `tscli` and `verify` (the `traffic_server` command line and its plugin checks), `harness` (the
//! C test harness).
pub mod abi;
pub mod args;
pub mod config;
pub mod cont;
pub mod diags;
pub mod harness;
pub mod hdrs;
pub mod hooks;
pub mod host;
pub mod layout;
pub mod mutex;
pub mod plugin;
pub mod proxy;
pub mod sched;
pub mod shared;
pub mod stats;
pub mod tls;
pub mod tscli;
pub mod tscmd;
pub mod verify;
