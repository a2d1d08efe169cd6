//! The network driver: listeners, start-up, HTTP/1 and HTTP/2 client sessions, bodies, the origin
//! pool, and the driver of the transaction machine ([`crate::txn::machine`]) with sockets ([`sm`]).

pub mod body;
pub mod client;
pub mod client_tls;
pub mod connect;
pub mod control;
pub mod deadline;
pub mod fd_vconn;
pub mod fetch;
mod fetch_body;
pub mod fetch_stream;
pub mod hook_times;
pub mod host_lookup;
pub mod http1;
pub mod http2;
pub mod intercept;
pub mod local_addr;
pub mod net_connect;
pub mod origin;
pub mod origin_io;
pub mod origin_tls;
pub mod pipe;
pub mod prometheus;
pub mod proto;
pub mod reload;
pub mod server;
pub mod sm;
pub mod start;
pub mod tls_files;
pub mod tunnel;

pub(crate) use crate::txn::{ClientInfo, Session, Txn};
