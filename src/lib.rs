//! tshost: a Rust host for Apache Traffic Server 9.2 C plugins.
//!
//! Layers, bottom to top (each imports only those below it):
//! - `sys` (ATS's declarations: types, enums, constants, exported data, event and hook names) and
//!   `rt` (handle pools, string blocks, the clock, the allocator);
//! - the core: `cont`, `mutex`, `sched`, `stats`, `diags`, `args`, `hooks` (registry, dispatch,
//!   reenable), `hdrs` (the header model), `iobuf` (IOBuffers), `vio` (plugin VConnections, VIOs), `tls`, `config`, `plugin`, `util`
//!   (base64, percent coding, plugin files, UUIDs), `textlog` (plugins' text logs and their writer);
//! - `proxy` (sessions, transactions, the network driver), `layout`, `tscli`, `tscmd`, `verify`;
//! - the composition roots `host` (start-up) and `harness` (the C test harness);
//! - `api`, on top: every exported C function, imported by nothing (tests/house.rs checks it).
pub mod accesslog;
pub mod api;
pub mod args;
pub mod config;
pub mod cont;
pub mod ctl;
pub mod ctlproto;
pub mod diags;
pub mod harness;
pub mod hdrs;
pub mod hooks;
pub mod host;
pub mod iobuf;
pub mod layout;
pub mod metrics;
pub mod mgmt;
pub mod mutex;
pub mod plugin;
pub mod proxy;
pub mod rt;
pub mod sched;
pub mod stats;
pub mod sys;
pub mod textlog;
pub mod tls;
pub mod tscli;
pub mod tscmd;
pub mod txn;
pub mod util;
pub mod vconn;
pub mod verify;
pub mod vio;
