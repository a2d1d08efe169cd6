//! The structs and the union of `ts/apidefs.h` (`#[repr(C)]`, field for field).
#![forbid(unsafe_code)]

use std::os::raw::{c_char, c_int, c_void};

use super::{
    TSConnectTypeRaw, TSCont, TSFetchWakeUpOptionsRaw, TSIOBufferSizeIndexRaw,
    TSIOBufferWaterMarkRaw, TS_SSL_MAX_SSL_SESSION_ID_LENGTH,
};

// --------------------------------------------------------------------------------------------
// Structures

/// Registration information passed to TSPluginRegister.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TSPluginRegistrationInfo {
    pub plugin_name: *const c_char,
    pub vendor_name: *const c_char,
    pub support_email: *const c_char,
}

/// The event data of TS_EVENT_LIFECYCLE_MSG.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TSPluginMsg {
    /// Message tag (null terminated).
    pub tag: *const c_char,
    /// Message data (payload).
    pub data: *const c_void,
    /// Amount of message data.
    pub data_size: usize,
}

/// A librecords value.
#[repr(C)]
#[derive(Clone, Copy)]
pub union TSRecordData {
    pub rec_int: i64,
    pub rec_float: f32,
    pub rec_string: *mut c_char,
    pub rec_counter: i64,
}

/// The abstract type of the HTTP priority implementations (TSHttpTxnClientStreamPriorityGet).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TSHttpPriority {
    /// A TSHttpPriorityType value.
    pub priority_type: u8,
    /// Space for the concrete priority implementation.
    pub data: [u8; 7],
}

/// HTTP/2 priority (RFC 7540 section 5.3).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TSHttp2Priority {
    /// HTTP_PRIORITY_TYPE_HTTP_2.
    pub priority_type: u8,
    pub weight: u8,
    /// The stream dependency, or -1 if the stream has no dependency.
    pub stream_dependency: i32,
}

/// Events sent by TSFetchUrl/TSFetchPages.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TSFetchEvent {
    pub success_event_id: c_int,
    pub failure_event_id: c_int,
    pub timeout_event_id: c_int,
}

/// One fetch of a TSFetchPages list: as TSFetchUrl's arguments, `ip` the client address the
/// request comes from (`port` unused: the port is `ip`'s), `next` the next fetch or NULL.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TSFetchUrlParams {
    pub request: *const c_char,
    pub request_len: c_int,
    pub ip: libc::sockaddr_storage,
    pub port: c_int,
    pub contp: TSCont,
    pub events: TSFetchEvent,
    pub options: TSFetchWakeUpOptionsRaw,
    pub next: *mut TSFetchUrlParams,
}

/// `struct TSFetchUrlParams` (ATS's typedef name).
pub type TSFetchUrlParams_t = TSFetchUrlParams;

/// A TLS session id (mirrors ATS's SSLSessionID).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TSSslSessionID {
    pub len: usize,
    pub bytes: [c_char; TS_SSL_MAX_SSL_SESSION_ID_LENGTH],
}

/// Identifies a certificate and key pair (TSSslSecretGet & co).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TSSecretID {
    pub cert_name: *const c_char,
    pub cert_name_len: usize,
    pub key_name: *const c_char,
    pub key_name_len: usize,
}

/// Options for TSHttpConnectPlugin.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TSHttpConnectOptions {
    pub connect_type: TSConnectTypeRaw,
    pub addr: *const libc::sockaddr,
    pub tag: *const c_char,
    pub id: i64,
    pub buffer_index: TSIOBufferSizeIndexRaw,
    pub buffer_water_mark: TSIOBufferWaterMarkRaw,
}
