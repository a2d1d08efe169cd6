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

use std::os::raw::{c_char, c_int, c_void};

// --------------------------------------------------------------------------------------------
// Constants (#define in the C headers)

/// The length of an SSL session id buffer (mirrors OpenSSL's `SSL_MAX_SSL_SESSION_ID_LENGTH`).
pub const TS_SSL_MAX_SSL_SESSION_ID_LENGTH: usize = 32;
/// Length of a UUID string, without the terminating NUL.
pub const TS_UUID_STRING_LEN: c_int = 36;
/// Length of a crash-recovery UUID string: UUID, '-', and a uint64_t in decimal.
pub const TS_CRUUID_STRING_LEN: c_int = 56;

/// Log object mode flag for TSTextLogObjectCreate: prefix each entry with a timestamp.
pub const TS_LOG_MODE_ADD_TIMESTAMP: c_int = 1;
/// Log object mode flag for TSTextLogObjectCreate: do not rename the log file on rolling.
pub const TS_LOG_MODE_DO_NOT_RENAME: c_int = 2;
/// Largest valid log object mode flag, used to check the mode argument.
pub const TS_LOG_MODE_INVALID_FLAG: c_int = 4;

// --------------------------------------------------------------------------------------------
// System types used by the API.

/// Stands for `struct sockaddr` of <sys/socket.h>, so that the header can name it: cbindgen
/// emits `typedef struct sockaddr sockaddr;` (the real struct, completed by <sys/socket.h>).
/// Rust code uses `libc::sockaddr`, which cbindgen maps to this name (it matches types by
/// their last path segment); this type is never dereferenced.
pub struct sockaddr {
    _p: (),
}

// --------------------------------------------------------------------------------------------
// Scalar typedefs

/// High resolution time in nanoseconds.
pub type TSHRTime = i64;
/// Integer value of a management record (TSMgmtIntGet).
pub type TSMgmtInt = i64;
/// Counter value of a management record (TSMgmtCounterGet).
pub type TSMgmtCounter = i64;
/// Float value of a management record (TSMgmtFloatGet).
pub type TSMgmtFloat = f32;
/// String value of a management record (TSMgmtStringGet); allocated with TSmalloc.
pub type TSMgmtString = *mut c_char;

// --------------------------------------------------------------------------------------------
// Opaque handles. Each `tsapi_x` is an incomplete C struct; only pointers to it exist.

pub struct tsapi_file {
    _p: (),
}
/// A file opened with TSfopen.
pub type TSFile = *mut tsapi_file;
pub struct tsapi_mloc {
    _p: (),
}
/// A location (header, URL, field) inside a TSMBuffer.
pub type TSMLoc = *mut tsapi_mloc;
pub struct tsapi_mbuffer {
    _p: (),
}
/// A marshal buffer holding HTTP headers, URLs and MIME fields.
pub type TSMBuffer = *mut tsapi_mbuffer;
pub struct tsapi_httpssn {
    _p: (),
}
/// An HTTP client session.
pub type TSHttpSsn = *mut tsapi_httpssn;
pub struct tsapi_httptxn {
    _p: (),
}
/// An HTTP transaction.
pub type TSHttpTxn = *mut tsapi_httptxn;
pub struct tsapi_ssl_obj {
    _p: (),
}
/// A TLS connection (really an OpenSSL `SSL *`).
pub type TSSslConnection = *mut tsapi_ssl_obj;
pub struct tsapi_ssl_session {
    _p: (),
}
/// A TLS session (really an OpenSSL `SSL_SESSION *`).
pub type TSSslSession = *mut tsapi_ssl_session;
pub struct tsapi_httpaltinfo {
    _p: (),
}
/// Alternate selection information (TS_HTTP_SELECT_ALT_HOOK).
pub type TSHttpAltInfo = *mut tsapi_httpaltinfo;
pub struct tsapi_mimeparser {
    _p: (),
}
/// A MIME header parser.
pub type TSMimeParser = *mut tsapi_mimeparser;
pub struct tsapi_httpparser {
    _p: (),
}
/// An HTTP header parser.
pub type TSHttpParser = *mut tsapi_httpparser;
pub struct tsapi_cachekey {
    _p: (),
}
/// A cache key.
pub type TSCacheKey = *mut tsapi_cachekey;
pub struct tsapi_cachehttpinfo {
    _p: (),
}
/// Cached HTTP information (request/response of a cached object).
pub type TSCacheHttpInfo = *mut tsapi_cachehttpinfo;
pub struct tsapi_cachetxn {
    _p: (),
}
/// A cache transaction.
pub type TSCacheTxn = *mut tsapi_cachetxn;
pub struct tsapi_x509_store_ctx {
    _p: (),
}
/// A certificate verification context (really an OpenSSL `X509_STORE_CTX *`).
pub type TSSslVerifyCTX = *mut tsapi_x509_store_ctx;
pub struct tsapi_port {
    _p: (),
}
/// A proxy port descriptor.
pub type TSPortDescriptor = *mut tsapi_port;
pub struct tsapi_vio {
    _p: (),
}
/// A virtual IO operation.
pub type TSVIO = *mut tsapi_vio;
pub struct tsapi_thread {
    _p: (),
}
/// A thread created by TSThreadCreate/TSThreadInit.
pub type TSThread = *mut tsapi_thread;
pub struct tsapi_event_thread {
    _p: (),
}
/// An event thread (EThread).
pub type TSEventThread = *mut tsapi_event_thread;
pub struct tsapi_x509 {
    _p: (),
}
/// A certificate (really an OpenSSL `X509 *`).
pub type TSSslX509 = *mut tsapi_x509;
pub struct tsapi_mutex {
    _p: (),
}
/// A (recursive) mutex.
pub type TSMutex = *mut tsapi_mutex;
pub struct tsapi_config {
    _p: (),
}
/// Configuration data registered with TSConfigSet.
pub type TSConfig = *mut tsapi_config;
pub struct tsapi_cont {
    _p: (),
}
/// A continuation.
pub type TSCont = *mut tsapi_cont;
/// A virtual connection: the same C type as TSCont (a VConn is a specialised continuation).
pub type TSVConn = *mut tsapi_cont;
pub struct tsapi_ssl_context {
    _p: (),
}
/// A TLS context (really an OpenSSL `SSL_CTX *`).
pub type TSSslContext = *mut tsapi_ssl_context;
pub struct tsapi_action {
    _p: (),
}
/// A cancellable action (returned by the scheduling functions).
pub type TSAction = *mut tsapi_action;
pub struct tsapi_iobuffer {
    _p: (),
}
/// An IO buffer.
pub type TSIOBuffer = *mut tsapi_iobuffer;
pub struct tsapi_iobufferdata {
    _p: (),
}
/// An IO buffer data block.
pub type TSIOBufferData = *mut tsapi_iobufferdata;
pub struct tsapi_bufferblock {
    _p: (),
}
/// An IO buffer block.
pub type TSIOBufferBlock = *mut tsapi_bufferblock;
pub struct tsapi_bufferreader {
    _p: (),
}
/// An IO buffer reader.
pub type TSIOBufferReader = *mut tsapi_bufferreader;
pub struct tsapi_hostlookupresult {
    _p: (),
}
/// The result of TSHostLookup.
pub type TSHostLookupResult = *mut tsapi_hostlookupresult;
pub struct tsapi_aiocallback {
    _p: (),
}
/// An asynchronous IO callback.
pub type TSAIOCallback = *mut tsapi_aiocallback;
pub struct tsapi_net_accept {
    _p: (),
}
/// A network acceptor.
pub type TSAcceptor = *mut tsapi_net_accept;
pub struct tsapi_fetchsm {
    _p: (),
}
/// A fetch state machine (TSFetchUrl, TSFetchCreate).
pub type TSFetchSM = *mut tsapi_fetchsm;
pub struct tsapi_uuid {
    _p: (),
}
/// A UUID object.
pub type TSUuid = *mut tsapi_uuid;
pub struct tsapi_textlogobject {
    _p: (),
}
/// A custom text log file created with TSTextLogObjectCreate.
pub type TSTextLogObject = *mut tsapi_textlogobject;

// --------------------------------------------------------------------------------------------
// Enums

/// Result of TSHttpHdrParseReq/TSHttpHdrParseResp/TSMimeHdrParse.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSParseResult {
    TS_PARSE_ERROR = -1,
    TS_PARSE_DONE = 0,
    TS_PARSE_CONT = 1,
}
/// `TSParseResult` as it crosses the C ABI: a plain `int` (spelled `TSParseResult` in the header).
pub type TSParseResultRaw = c_int;

/// The type of an HTTP header object (set once with TSHttpHdrTypeSet).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSHttpType {
    TS_HTTP_TYPE_UNKNOWN = 0,
    TS_HTTP_TYPE_REQUEST = 1,
    TS_HTTP_TYPE_RESPONSE = 2,
}
/// `TSHttpType` as it crosses the C ABI: a plain `int` (spelled `TSHttpType` in the header).
pub type TSHttpTypeRaw = c_int;

/// HTTP response status codes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSHttpStatus {
    TS_HTTP_STATUS_NONE = 0,
    TS_HTTP_STATUS_CONTINUE = 100,
    TS_HTTP_STATUS_SWITCHING_PROTOCOL = 101,
    TS_HTTP_STATUS_EARLY_HINTS = 103,
    TS_HTTP_STATUS_OK = 200,
    TS_HTTP_STATUS_CREATED = 201,
    TS_HTTP_STATUS_ACCEPTED = 202,
    TS_HTTP_STATUS_NON_AUTHORITATIVE_INFORMATION = 203,
    TS_HTTP_STATUS_NO_CONTENT = 204,
    TS_HTTP_STATUS_RESET_CONTENT = 205,
    TS_HTTP_STATUS_PARTIAL_CONTENT = 206,
    TS_HTTP_STATUS_MULTI_STATUS = 207,
    TS_HTTP_STATUS_ALREADY_REPORTED = 208,
    TS_HTTP_STATUS_IM_USED = 211,
    TS_HTTP_STATUS_MULTIPLE_CHOICES = 300,
    TS_HTTP_STATUS_MOVED_PERMANENTLY = 301,
    TS_HTTP_STATUS_MOVED_TEMPORARILY = 302,
    TS_HTTP_STATUS_SEE_OTHER = 303,
    TS_HTTP_STATUS_NOT_MODIFIED = 304,
    TS_HTTP_STATUS_USE_PROXY = 305,
    TS_HTTP_STATUS_TEMPORARY_REDIRECT = 307,
    TS_HTTP_STATUS_PERMANENT_REDIRECT = 308,
    TS_HTTP_STATUS_BAD_REQUEST = 400,
    TS_HTTP_STATUS_UNAUTHORIZED = 401,
    TS_HTTP_STATUS_PAYMENT_REQUIRED = 402,
    TS_HTTP_STATUS_FORBIDDEN = 403,
    TS_HTTP_STATUS_NOT_FOUND = 404,
    TS_HTTP_STATUS_METHOD_NOT_ALLOWED = 405,
    TS_HTTP_STATUS_NOT_ACCEPTABLE = 406,
    TS_HTTP_STATUS_PROXY_AUTHENTICATION_REQUIRED = 407,
    TS_HTTP_STATUS_REQUEST_TIMEOUT = 408,
    TS_HTTP_STATUS_CONFLICT = 409,
    TS_HTTP_STATUS_GONE = 410,
    TS_HTTP_STATUS_LENGTH_REQUIRED = 411,
    TS_HTTP_STATUS_PRECONDITION_FAILED = 412,
    TS_HTTP_STATUS_REQUEST_ENTITY_TOO_LARGE = 413,
    TS_HTTP_STATUS_REQUEST_URI_TOO_LONG = 414,
    TS_HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE = 415,
    TS_HTTP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE = 416,
    TS_HTTP_STATUS_EXPECTATION_FAILED = 417,
    TS_HTTP_STATUS_UNPROCESSABLE_ENTITY = 422,
    TS_HTTP_STATUS_LOCKED = 423,
    TS_HTTP_STATUS_FAILED_DEPENDENCY = 424,
    TS_HTTP_STATUS_UPGRADE_REQUIRED = 426,
    TS_HTTP_STATUS_PRECONDITION_REQUIRED = 428,
    TS_HTTP_STATUS_TOO_MANY_REQUESTS = 429,
    TS_HTTP_STATUS_REQUEST_HEADER_FIELDS_TOO_LARGE = 431,
    TS_HTTP_STATUS_UNAVAILABLE_FOR_LEGAL_REASONS = 451,
    TS_HTTP_STATUS_INTERNAL_SERVER_ERROR = 500,
    TS_HTTP_STATUS_NOT_IMPLEMENTED = 501,
    TS_HTTP_STATUS_BAD_GATEWAY = 502,
    TS_HTTP_STATUS_SERVICE_UNAVAILABLE = 503,
    TS_HTTP_STATUS_GATEWAY_TIMEOUT = 504,
    TS_HTTP_STATUS_HTTPVER_NOT_SUPPORTED = 505,
    TS_HTTP_STATUS_VARIANT_ALSO_NEGOTIATES = 506,
    TS_HTTP_STATUS_INSUFFICIENT_STORAGE = 507,
    TS_HTTP_STATUS_LOOP_DETECTED = 508,
    TS_HTTP_STATUS_NOT_EXTENDED = 510,
    TS_HTTP_STATUS_NETWORK_AUTHENTICATION_REQUIRED = 511,
}
/// `TSHttpStatus` as it crosses the C ABI: a plain `int` (spelled `TSHttpStatus` in the header).
pub type TSHttpStatusRaw = c_int;

/// Hook points for TSHttpHookAdd/TSHttpSsnHookAdd/TSHttpTxnHookAdd (HTTP and TLS/VConn hooks share this space).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSHttpHookID {
    TS_HTTP_READ_REQUEST_HDR_HOOK = 0,
    TS_HTTP_OS_DNS_HOOK = 1,
    TS_HTTP_SEND_REQUEST_HDR_HOOK = 2,
    TS_HTTP_READ_CACHE_HDR_HOOK = 3,
    TS_HTTP_READ_RESPONSE_HDR_HOOK = 4,
    TS_HTTP_SEND_RESPONSE_HDR_HOOK = 5,
    TS_HTTP_REQUEST_TRANSFORM_HOOK = 6,
    TS_HTTP_RESPONSE_TRANSFORM_HOOK = 7,
    TS_HTTP_SELECT_ALT_HOOK = 8,
    TS_HTTP_TXN_START_HOOK = 9,
    TS_HTTP_TXN_CLOSE_HOOK = 10,
    TS_HTTP_SSN_START_HOOK = 11,
    TS_HTTP_SSN_CLOSE_HOOK = 12,
    TS_HTTP_CACHE_LOOKUP_COMPLETE_HOOK = 13,
    TS_HTTP_PRE_REMAP_HOOK = 14,
    TS_HTTP_POST_REMAP_HOOK = 15,
    TS_HTTP_RESPONSE_CLIENT_HOOK = 16,
    TS_VCONN_START_HOOK = 17,
    TS_VCONN_CLOSE_HOOK = 18,
    TS_SSL_CLIENT_HELLO_HOOK = 19,
    TS_SSL_CERT_HOOK = 20,
    TS_SSL_SERVERNAME_HOOK = 21,
    TS_SSL_SERVER_VERIFY_HOOK = 22,
    TS_SSL_VERIFY_CLIENT_HOOK = 23,
    TS_SSL_SESSION_HOOK = 24,
    TS_VCONN_OUTBOUND_START_HOOK = 25,
    TS_VCONN_OUTBOUND_CLOSE_HOOK = 26,
    TS_HTTP_REQUEST_BUFFER_READ_COMPLETE_HOOK = 27,
    TS_HTTP_LAST_HOOK = 28,
}
/// `TSHttpHookID` as it crosses the C ABI: a plain `int` (spelled `TSHttpHookID` in the header).
pub type TSHttpHookIDRaw = c_int;
/// Alias of `TS_VCONN_START_HOOK` (17).
pub const TS_SSL_FIRST_HOOK: c_int = 17;
/// Alias of `TS_VCONN_START_HOOK` (17).
pub const TS_VCONN_PRE_ACCEPT_HOOK: c_int = 17;
/// Alias of `TS_SSL_CERT_HOOK` (20).
pub const TS_SSL_SNI_HOOK: c_int = 20;
/// Alias of `TS_SSL_SERVER_VERIFY_HOOK` (22).
pub const TS_SSL_VERIFY_SERVER_HOOK: c_int = 22;
/// Alias of `TS_VCONN_OUTBOUND_CLOSE_HOOK` (26).
pub const TS_SSL_LAST_HOOK: c_int = 26;

/// Plugin lifecycle hooks (TSLifecycleHookAdd).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSLifecycleHookID {
    TS_LIFECYCLE_PORTS_INITIALIZED_HOOK = 0,
    TS_LIFECYCLE_PORTS_READY_HOOK = 1,
    TS_LIFECYCLE_CACHE_READY_HOOK = 2,
    TS_LIFECYCLE_SERVER_SSL_CTX_INITIALIZED_HOOK = 3,
    TS_LIFECYCLE_CLIENT_SSL_CTX_INITIALIZED_HOOK = 4,
    TS_LIFECYCLE_MSG_HOOK = 5,
    TS_LIFECYCLE_TASK_THREADS_READY_HOOK = 6,
    TS_LIFECYCLE_SHUTDOWN_HOOK = 7,
    TS_LIFECYCLE_LAST_HOOK = 9,
}
/// `TSLifecycleHookID` as it crosses the C ABI: a plain `int` (spelled `TSLifecycleHookID` in the header).
pub type TSLifecycleHookIDRaw = c_int;

/// Events delivered to continuations.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSEvent {
    TS_EVENT_NONE = 0,
    TS_EVENT_IMMEDIATE = 1,
    TS_EVENT_TIMEOUT = 2,
    TS_EVENT_ERROR = 3,
    TS_EVENT_CONTINUE = 4,
    TS_EVENT_VCONN_READ_READY = 100,
    TS_EVENT_VCONN_WRITE_READY = 101,
    TS_EVENT_VCONN_READ_COMPLETE = 102,
    TS_EVENT_VCONN_WRITE_COMPLETE = 103,
    TS_EVENT_VCONN_EOS = 104,
    TS_EVENT_VCONN_INACTIVITY_TIMEOUT = 105,
    TS_EVENT_VCONN_ACTIVE_TIMEOUT = 106,
    TS_EVENT_VCONN_START = 107,
    TS_EVENT_VCONN_CLOSE = 108,
    TS_EVENT_VCONN_OUTBOUND_START = 109,
    TS_EVENT_VCONN_OUTBOUND_CLOSE = 110,
    TS_EVENT_NET_CONNECT = 200,
    TS_EVENT_NET_CONNECT_FAILED = 201,
    TS_EVENT_NET_ACCEPT = 202,
    TS_EVENT_NET_ACCEPT_FAILED = 204,
    TS_EVENT_INTERNAL_206 = 206,
    TS_EVENT_INTERNAL_207 = 207,
    TS_EVENT_INTERNAL_208 = 208,
    TS_EVENT_INTERNAL_209 = 209,
    TS_EVENT_INTERNAL_210 = 210,
    TS_EVENT_INTERNAL_211 = 211,
    TS_EVENT_INTERNAL_212 = 212,
    TS_EVENT_HOST_LOOKUP = 500,
    TS_EVENT_CACHE_OPEN_READ = 1102,
    TS_EVENT_CACHE_OPEN_READ_FAILED = 1103,
    TS_EVENT_CACHE_OPEN_WRITE = 1108,
    TS_EVENT_CACHE_OPEN_WRITE_FAILED = 1109,
    TS_EVENT_CACHE_REMOVE = 1112,
    TS_EVENT_CACHE_REMOVE_FAILED = 1113,
    TS_EVENT_CACHE_SCAN = 1120,
    TS_EVENT_CACHE_SCAN_FAILED = 1121,
    TS_EVENT_CACHE_SCAN_OBJECT = 1122,
    TS_EVENT_CACHE_SCAN_OPERATION_BLOCKED = 1123,
    TS_EVENT_CACHE_SCAN_OPERATION_FAILED = 1124,
    TS_EVENT_CACHE_SCAN_DONE = 1125,
    TS_EVENT_CACHE_LOOKUP = 1126,
    TS_EVENT_CACHE_READ = 1127,
    TS_EVENT_CACHE_DELETE = 1128,
    TS_EVENT_CACHE_WRITE = 1129,
    TS_EVENT_CACHE_WRITE_HEADER = 1130,
    TS_EVENT_CACHE_CLOSE = 1131,
    TS_EVENT_CACHE_LOOKUP_READY = 1132,
    TS_EVENT_CACHE_LOOKUP_COMPLETE = 1133,
    TS_EVENT_CACHE_READ_READY = 1134,
    TS_EVENT_CACHE_READ_COMPLETE = 1135,
    TS_EVENT_INTERNAL_1200 = 1200,
    TS_EVENT_SSL_SESSION_GET = 2000,
    TS_EVENT_SSL_SESSION_NEW = 2001,
    TS_EVENT_SSL_SESSION_REMOVE = 2002,
    TS_EVENT_AIO_DONE = 3900,
    TS_EVENT_HTTP_CONTINUE = 60000,
    TS_EVENT_HTTP_ERROR = 60001,
    TS_EVENT_HTTP_READ_REQUEST_HDR = 60002,
    TS_EVENT_HTTP_OS_DNS = 60003,
    TS_EVENT_HTTP_SEND_REQUEST_HDR = 60004,
    TS_EVENT_HTTP_READ_CACHE_HDR = 60005,
    TS_EVENT_HTTP_READ_RESPONSE_HDR = 60006,
    TS_EVENT_HTTP_SEND_RESPONSE_HDR = 60007,
    TS_EVENT_HTTP_REQUEST_TRANSFORM = 60008,
    TS_EVENT_HTTP_RESPONSE_TRANSFORM = 60009,
    TS_EVENT_HTTP_SELECT_ALT = 60010,
    TS_EVENT_HTTP_TXN_START = 60011,
    TS_EVENT_HTTP_TXN_CLOSE = 60012,
    TS_EVENT_HTTP_SSN_START = 60013,
    TS_EVENT_HTTP_SSN_CLOSE = 60014,
    TS_EVENT_HTTP_CACHE_LOOKUP_COMPLETE = 60015,
    TS_EVENT_HTTP_PRE_REMAP = 60016,
    TS_EVENT_HTTP_POST_REMAP = 60017,
    TS_EVENT_HTTP_REQUEST_BUFFER_COMPLETE = 60018,
    TS_EVENT_LIFECYCLE_PORTS_INITIALIZED = 60100,
    TS_EVENT_LIFECYCLE_PORTS_READY = 60101,
    TS_EVENT_LIFECYCLE_CACHE_READY = 60102,
    TS_EVENT_LIFECYCLE_SERVER_SSL_CTX_INITIALIZED = 60103,
    TS_EVENT_LIFECYCLE_CLIENT_SSL_CTX_INITIALIZED = 60104,
    TS_EVENT_LIFECYCLE_MSG = 60105,
    TS_EVENT_LIFECYCLE_TASK_THREADS_READY = 60106,
    TS_EVENT_LIFECYCLE_SHUTDOWN = 60107,
    TS_EVENT_INTERNAL_60200 = 60200,
    TS_EVENT_INTERNAL_60201 = 60201,
    TS_EVENT_INTERNAL_60202 = 60202,
    TS_EVENT_SSL_CERT = 60203,
    TS_EVENT_SSL_SERVERNAME = 60204,
    TS_EVENT_SSL_VERIFY_SERVER = 60205,
    TS_EVENT_SSL_VERIFY_CLIENT = 60206,
    TS_EVENT_SSL_CLIENT_HELLO = 60207,
    TS_EVENT_SSL_SECRET = 60208,
    TS_EVENT_MGMT_UPDATE = 60300,
}
/// `TSEvent` as it crosses the C ABI: a plain `int` (spelled `TSEvent` in the header).
pub type TSEventRaw = c_int;
/// Alias of `TS_EVENT_VCONN_START` (107).
pub const TS_EVENT_VCONN_PRE_ACCEPT: c_int = 107;

/// State of the origin server connection (TSHttpTxnServerStateGet).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSServerState {
    TS_SRVSTATE_STATE_UNDEFINED = 0,
    TS_SRVSTATE_ACTIVE_TIMEOUT = 1,
    TS_SRVSTATE_BAD_INCOMING_RESPONSE = 2,
    TS_SRVSTATE_CONNECTION_ALIVE = 3,
    TS_SRVSTATE_CONNECTION_CLOSED = 4,
    TS_SRVSTATE_CONNECTION_ERROR = 5,
    TS_SRVSTATE_INACTIVE_TIMEOUT = 6,
    TS_SRVSTATE_OPEN_RAW_ERROR = 7,
    TS_SRVSTATE_PARSE_ERROR = 8,
    TS_SRVSTATE_TRANSACTION_COMPLETE = 9,
    TS_SRVSTATE_PARENT_RETRY = 10,
    TS_SRVSTATE_OUTBOUND_CONGESTION = 11,
}
/// `TSServerState` as it crosses the C ABI: a plain `int` (spelled `TSServerState` in the header).
pub type TSServerStateRaw = c_int;

/// What a transaction is looking up.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSLookingUpType {
    TS_LOOKUP_UNDEFINED_LOOKUP = 0,
    TS_LOOKUP_PARENT_PROXY = 1,
    TS_LOOKUP_ORIGIN_SERVER = 2,
    TS_LOOKUP_INCOMING_ROUTER = 3,
    TS_LOOKUP_HOST_NONE = 4,
}
/// `TSLookingUpType` as it crosses the C ABI: a plain `int` (spelled `TSLookingUpType` in the header).
pub type TSLookingUpTypeRaw = c_int;

/// Result of the cache lookup (TSHttpTxnCacheLookupStatusGet/Set).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSCacheLookupResult {
    TS_CACHE_LOOKUP_MISS = 0,
    TS_CACHE_LOOKUP_HIT_STALE = 1,
    TS_CACHE_LOOKUP_HIT_FRESH = 2,
    TS_CACHE_LOOKUP_SKIPPED = 3,
}
/// `TSCacheLookupResult` as it crosses the C ABI: a plain `int` (spelled `TSCacheLookupResult` in the header).
pub type TSCacheLookupResultRaw = c_int;

/// Kind of data stored in the cache.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSCacheDataType {
    TS_CACHE_DATA_TYPE_NONE = 0,
    TS_CACHE_DATA_TYPE_HTTP = 1,
    TS_CACHE_DATA_TYPE_OTHER = 2,
}
/// `TSCacheDataType` as it crosses the C ABI: a plain `int` (spelled `TSCacheDataType` in the header).
pub type TSCacheDataTypeRaw = c_int;

/// Cache error codes (delivered as event data).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSCacheError {
    TS_CACHE_ERROR_NO_DOC = -20400,
    TS_CACHE_ERROR_DOC_BUSY = -20401,
    TS_CACHE_ERROR_NOT_READY = -20407,
}
/// `TSCacheError` as it crosses the C ABI: a plain `int` (spelled `TSCacheError` in the header).
pub type TSCacheErrorRaw = c_int;

/// Return values of a cache scan callback.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSCacheScanResult {
    TS_CACHE_SCAN_RESULT_DONE = 0,
    TS_CACHE_SCAN_RESULT_CONTINUE = 1,
    TS_CACHE_SCAN_RESULT_DELETE = 10,
    TS_CACHE_SCAN_RESULT_DELETE_ALL_ALTERNATES = 11,
    TS_CACHE_SCAN_RESULT_UPDATE = 12,
    TS_CACHE_SCAN_RESULT_RETRY = 13,
}
/// `TSCacheScanResult` as it crosses the C ABI: a plain `int` (spelled `TSCacheScanResult` in the header).
pub type TSCacheScanResultRaw = c_int;

/// Keys for TSHttpTxnInfoIntGet.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSHttpTxnInfoKey {
    TS_TXN_INFO_NONE = -1,
    TS_TXN_INFO_CACHE_HIT_RAM = 0,
    TS_TXN_INFO_CACHE_COMPRESSED_IN_RAM = 1,
    TS_TXN_INFO_CACHE_HIT_RWW = 2,
    TS_TXN_INFO_CACHE_OPEN_READ_TRIES = 3,
    TS_TXN_INFO_CACHE_OPEN_WRITE_TRIES = 4,
    TS_TXN_INFO_CACHE_VOLUME = 5,
    TS_TXN_INFO_LAST_ENTRY = 6,
}
/// `TSHttpTxnInfoKey` as it crosses the C ABI: a plain `int` (spelled `TSHttpTxnInfoKey` in the header).
pub type TSHttpTxnInfoKeyRaw = c_int;

/// Flags for TSVConnClose / TSVConnAbort.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSVConnCloseFlags {
    TS_VC_CLOSE_ABORT = -1,
    TS_VC_CLOSE_NORMAL = 1,
}
/// `TSVConnCloseFlags` as it crosses the C ABI: a plain `int` (spelled `TSVConnCloseFlags` in the header).
pub type TSVConnCloseFlagsRaw = c_int;

/// IOBuffer block size indexes (128 << index bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSIOBufferSizeIndex {
    TS_IOBUFFER_SIZE_INDEX_128 = 0,
    TS_IOBUFFER_SIZE_INDEX_256 = 1,
    TS_IOBUFFER_SIZE_INDEX_512 = 2,
    TS_IOBUFFER_SIZE_INDEX_1K = 3,
    TS_IOBUFFER_SIZE_INDEX_2K = 4,
    TS_IOBUFFER_SIZE_INDEX_4K = 5,
    TS_IOBUFFER_SIZE_INDEX_8K = 6,
    TS_IOBUFFER_SIZE_INDEX_16K = 7,
    TS_IOBUFFER_SIZE_INDEX_32K = 8,
    TS_IOBUFFER_SIZE_INDEX_64K = 9,
    TS_IOBUFFER_SIZE_INDEX_128K = 10,
    TS_IOBUFFER_SIZE_INDEX_256K = 11,
    TS_IOBUFFER_SIZE_INDEX_512K = 12,
    TS_IOBUFFER_SIZE_INDEX_1M = 13,
    TS_IOBUFFER_SIZE_INDEX_2M = 14,
}
/// `TSIOBufferSizeIndex` as it crosses the C ABI: a plain `int` (spelled `TSIOBufferSizeIndex` in the header).
pub type TSIOBufferSizeIndexRaw = c_int;

/// IOBuffer water marks.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSIOBufferWaterMark {
    TS_IOBUFFER_WATER_MARK_UNDEFINED = -1,
    TS_IOBUFFER_WATER_MARK_PLUGIN_VC_DEFAULT = 0,
    TS_IOBUFFER_WATER_MARK_HTTP_DEFAULT = 32768,
}
/// `TSIOBufferWaterMark` as it crosses the C ABI: a plain `int` (spelled `TSIOBufferWaterMark` in the header).
pub type TSIOBufferWaterMarkRaw = c_int;

/// Generic success/failure return code.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSReturnCode {
    TS_ERROR = -1,
    TS_SUCCESS = 0,
}
/// `TSReturnCode` as it crosses the C ABI: a plain `int` (spelled `TSReturnCode` in the header).
pub type TSReturnCodeRaw = c_int;
/// What the exports return for success and failure, declared once (crate-only: the header has
/// them as TSReturnCode's values).
pub(crate) const TS_SUCCESS: TSReturnCodeRaw = TSReturnCode::TS_SUCCESS as TSReturnCodeRaw;
pub(crate) const TS_ERROR: TSReturnCodeRaw = TSReturnCode::TS_ERROR as TSReturnCodeRaw;

/// When TSFetchPages wakes up the caller.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSFetchWakeUpOptions {
    NO_CALLBACK = 0,
    AFTER_HEADER = 1,
    AFTER_BODY = 2,
}
/// `TSFetchWakeUpOptions` as it crosses the C ABI: a plain `int` (spelled `TSFetchWakeUpOptions` in the header).
pub type TSFetchWakeUpOptionsRaw = c_int;

/// Grouping of per-server outbound connection tracking (proxy.config.http.per_server.match).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSOutboundConnectionMatchType {
    TS_SERVER_OUTBOUND_MATCH_IP = 0,
    TS_SERVER_OUTBOUND_MATCH_PORT = 1,
    TS_SERVER_OUTBOUND_MATCH_HOST = 2,
    TS_SERVER_OUTBOUND_MATCH_BOTH = 3,
}
/// `TSOutboundConnectionMatchType` as it crosses the C ABI: a plain `int` (spelled `TSOutboundConnectionMatchType` in the header).
pub type TSOutboundConnectionMatchTypeRaw = c_int;

/// librecords record types (must match RecT).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSRecordType {
    TS_RECORDTYPE_NULL = 0,
    TS_RECORDTYPE_CONFIG = 1,
    TS_RECORDTYPE_PROCESS = 2,
    TS_RECORDTYPE_NODE = 4,
    TS_RECORDTYPE_LOCAL = 16,
    TS_RECORDTYPE_PLUGIN = 32,
    TS_RECORDTYPE_ALL = 63,
}
/// `TSRecordType` as it crosses the C ABI: a plain `int` (spelled `TSRecordType` in the header).
pub type TSRecordTypeRaw = c_int;

/// librecords data types (must match RecDataT).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSRecordDataType {
    TS_RECORDDATATYPE_NULL = 0,
    TS_RECORDDATATYPE_INT = 1,
    TS_RECORDDATATYPE_FLOAT = 2,
    TS_RECORDDATATYPE_STRING = 3,
    TS_RECORDDATATYPE_COUNTER = 4,
    TS_RECORDDATATYPE_STAT_CONST = 5,
    TS_RECORDDATATYPE_STAT_FX = 6,
    TS_RECORDDATATYPE_MAX = 7,
}
/// `TSRecordDataType` as it crosses the C ABI: a plain `int` (spelled `TSRecordDataType` in the header).
pub type TSRecordDataTypeRaw = c_int;

/// librecords persistence (must match RecPersistT).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSRecordPersistType {
    TS_RECORDP_NULL = 0,
    TS_RECORDP_PERSISTENT = 1,
    TS_RECORDP_NON_PERSISTENT = 2,
}
/// `TSRecordPersistType` as it crosses the C ABI: a plain `int` (spelled `TSRecordPersistType` in the header).
pub type TSRecordPersistTypeRaw = c_int;

/// librecords update types (must match RecUpdateT).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSRecordUpdateType {
    TS_RECORDUPDATE_NULL = 0,
    TS_RECORDUPDATE_DYNAMIC = 1,
    TS_RECORDUPDATE_RESTART_TS = 2,
    TS_RECORDUPDATE_RESTART_TM = 3,
}
/// `TSRecordUpdateType` as it crosses the C ABI: a plain `int` (spelled `TSRecordUpdateType` in the header).
pub type TSRecordUpdateTypeRaw = c_int;

/// librecords value check types (must match RecCheckT).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSRecordCheckType {
    TS_RECORDCHECK_NULL = 0,
    TS_RECORDCHECK_STR = 1,
    TS_RECORDCHECK_INT = 2,
    TS_RECORDCHECK_IP = 3,
}
/// `TSRecordCheckType` as it crosses the C ABI: a plain `int` (spelled `TSRecordCheckType` in the header).
pub type TSRecordCheckTypeRaw = c_int;

/// librecords modes (must match RecModeT).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSRecordModeType {
    TS_RECORDMODE_NULL = 0,
    TS_RECORDMODE_CLIENT = 1,
    TS_RECORDMODE_SERVER = 2,
    TS_RECORDMODE_STAND_ALONE = 3,
}
/// `TSRecordModeType` as it crosses the C ABI: a plain `int` (spelled `TSRecordModeType` in the header).
pub type TSRecordModeTypeRaw = c_int;

/// librecords access types (must match RecAccessT).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSRecordAccessType {
    TS_RECORDACCESS_NULL = 0,
    TS_RECORDACCESS_NO_ACCESS = 1,
    TS_RECORDACCESS_READ_ONLY = 2,
}
/// `TSRecordAccessType` as it crosses the C ABI: a plain `int` (spelled `TSRecordAccessType` in the header).
pub type TSRecordAccessTypeRaw = c_int;

/// Overridable configuration keys (TSHttpTxnConfigIntSet & co). Debian numbering: includes TS_CONFIG_HTTP_STRICT_CHUNK_PARSING = 128.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSOverridableConfigKey {
    TS_CONFIG_NULL = -1,
    TS_CONFIG_URL_REMAP_PRISTINE_HOST_HDR = 0,
    TS_CONFIG_HTTP_CHUNKING_ENABLED = 1,
    TS_CONFIG_HTTP_NEGATIVE_CACHING_ENABLED = 2,
    TS_CONFIG_HTTP_NEGATIVE_CACHING_LIFETIME = 3,
    TS_CONFIG_HTTP_CACHE_WHEN_TO_REVALIDATE = 4,
    TS_CONFIG_HTTP_KEEP_ALIVE_ENABLED_IN = 5,
    TS_CONFIG_HTTP_KEEP_ALIVE_ENABLED_OUT = 6,
    TS_CONFIG_HTTP_KEEP_ALIVE_POST_OUT = 7,
    TS_CONFIG_HTTP_SERVER_SESSION_SHARING_MATCH = 8,
    TS_CONFIG_NET_SOCK_RECV_BUFFER_SIZE_OUT = 9,
    TS_CONFIG_NET_SOCK_SEND_BUFFER_SIZE_OUT = 10,
    TS_CONFIG_NET_SOCK_OPTION_FLAG_OUT = 11,
    TS_CONFIG_HTTP_FORWARD_PROXY_AUTH_TO_PARENT = 12,
    TS_CONFIG_HTTP_ANONYMIZE_REMOVE_FROM = 13,
    TS_CONFIG_HTTP_ANONYMIZE_REMOVE_REFERER = 14,
    TS_CONFIG_HTTP_ANONYMIZE_REMOVE_USER_AGENT = 15,
    TS_CONFIG_HTTP_ANONYMIZE_REMOVE_COOKIE = 16,
    TS_CONFIG_HTTP_ANONYMIZE_REMOVE_CLIENT_IP = 17,
    TS_CONFIG_HTTP_ANONYMIZE_INSERT_CLIENT_IP = 18,
    TS_CONFIG_HTTP_RESPONSE_SERVER_ENABLED = 19,
    TS_CONFIG_HTTP_INSERT_SQUID_X_FORWARDED_FOR = 20,
    TS_CONFIG_HTTP_SEND_HTTP11_REQUESTS = 21,
    TS_CONFIG_HTTP_CACHE_HTTP = 22,
    TS_CONFIG_HTTP_CACHE_IGNORE_CLIENT_NO_CACHE = 23,
    TS_CONFIG_HTTP_CACHE_IGNORE_CLIENT_CC_MAX_AGE = 24,
    TS_CONFIG_HTTP_CACHE_IMS_ON_CLIENT_NO_CACHE = 25,
    TS_CONFIG_HTTP_CACHE_IGNORE_SERVER_NO_CACHE = 26,
    TS_CONFIG_HTTP_CACHE_CACHE_RESPONSES_TO_COOKIES = 27,
    TS_CONFIG_HTTP_CACHE_IGNORE_AUTHENTICATION = 28,
    TS_CONFIG_HTTP_CACHE_CACHE_URLS_THAT_LOOK_DYNAMIC = 29,
    TS_CONFIG_HTTP_CACHE_REQUIRED_HEADERS = 30,
    TS_CONFIG_HTTP_INSERT_REQUEST_VIA_STR = 31,
    TS_CONFIG_HTTP_INSERT_RESPONSE_VIA_STR = 32,
    TS_CONFIG_HTTP_CACHE_HEURISTIC_MIN_LIFETIME = 33,
    TS_CONFIG_HTTP_CACHE_HEURISTIC_MAX_LIFETIME = 34,
    TS_CONFIG_HTTP_CACHE_GUARANTEED_MIN_LIFETIME = 35,
    TS_CONFIG_HTTP_CACHE_GUARANTEED_MAX_LIFETIME = 36,
    TS_CONFIG_HTTP_CACHE_MAX_STALE_AGE = 37,
    TS_CONFIG_HTTP_KEEP_ALIVE_NO_ACTIVITY_TIMEOUT_IN = 38,
    TS_CONFIG_HTTP_KEEP_ALIVE_NO_ACTIVITY_TIMEOUT_OUT = 39,
    TS_CONFIG_HTTP_TRANSACTION_NO_ACTIVITY_TIMEOUT_IN = 40,
    TS_CONFIG_HTTP_TRANSACTION_NO_ACTIVITY_TIMEOUT_OUT = 41,
    TS_CONFIG_HTTP_TRANSACTION_ACTIVE_TIMEOUT_OUT = 42,
    TS_CONFIG_HTTP_CONNECT_ATTEMPTS_MAX_RETRIES = 43,
    TS_CONFIG_HTTP_CONNECT_ATTEMPTS_MAX_RETRIES_DEAD_SERVER = 44,
    TS_CONFIG_HTTP_CONNECT_ATTEMPTS_RR_RETRIES = 45,
    TS_CONFIG_HTTP_CONNECT_ATTEMPTS_TIMEOUT = 46,
    TS_CONFIG_HTTP_POST_CONNECT_ATTEMPTS_TIMEOUT = 47,
    TS_CONFIG_HTTP_DOWN_SERVER_CACHE_TIME = 48,
    TS_CONFIG_HTTP_DOWN_SERVER_ABORT_THRESHOLD = 49,
    TS_CONFIG_HTTP_DOC_IN_CACHE_SKIP_DNS = 50,
    TS_CONFIG_HTTP_BACKGROUND_FILL_ACTIVE_TIMEOUT = 51,
    TS_CONFIG_HTTP_RESPONSE_SERVER_STR = 52,
    TS_CONFIG_HTTP_CACHE_HEURISTIC_LM_FACTOR = 53,
    TS_CONFIG_HTTP_BACKGROUND_FILL_COMPLETED_THRESHOLD = 54,
    TS_CONFIG_NET_SOCK_PACKET_MARK_OUT = 55,
    TS_CONFIG_NET_SOCK_PACKET_TOS_OUT = 56,
    TS_CONFIG_HTTP_INSERT_AGE_IN_RESPONSE = 57,
    TS_CONFIG_HTTP_CHUNKING_SIZE = 58,
    TS_CONFIG_HTTP_FLOW_CONTROL_ENABLED = 59,
    TS_CONFIG_HTTP_FLOW_CONTROL_LOW_WATER_MARK = 60,
    TS_CONFIG_HTTP_FLOW_CONTROL_HIGH_WATER_MARK = 61,
    TS_CONFIG_HTTP_CACHE_RANGE_LOOKUP = 62,
    TS_CONFIG_HTTP_DEFAULT_BUFFER_SIZE = 63,
    TS_CONFIG_HTTP_DEFAULT_BUFFER_WATER_MARK = 64,
    TS_CONFIG_HTTP_REQUEST_HEADER_MAX_SIZE = 65,
    TS_CONFIG_HTTP_RESPONSE_HEADER_MAX_SIZE = 66,
    TS_CONFIG_HTTP_NEGATIVE_REVALIDATING_ENABLED = 67,
    TS_CONFIG_HTTP_NEGATIVE_REVALIDATING_LIFETIME = 68,
    TS_CONFIG_SSL_HSTS_MAX_AGE = 69,
    TS_CONFIG_SSL_HSTS_INCLUDE_SUBDOMAINS = 70,
    TS_CONFIG_HTTP_CACHE_OPEN_READ_RETRY_TIME = 71,
    TS_CONFIG_HTTP_CACHE_MAX_OPEN_READ_RETRIES = 72,
    TS_CONFIG_HTTP_CACHE_RANGE_WRITE = 73,
    TS_CONFIG_HTTP_POST_CHECK_CONTENT_LENGTH_ENABLED = 74,
    TS_CONFIG_HTTP_GLOBAL_USER_AGENT_HEADER = 75,
    TS_CONFIG_HTTP_AUTH_SERVER_SESSION_PRIVATE = 76,
    TS_CONFIG_HTTP_SLOW_LOG_THRESHOLD = 77,
    TS_CONFIG_HTTP_CACHE_GENERATION = 78,
    TS_CONFIG_BODY_FACTORY_TEMPLATE_BASE = 79,
    TS_CONFIG_HTTP_CACHE_OPEN_WRITE_FAIL_ACTION = 80,
    TS_CONFIG_HTTP_NUMBER_OF_REDIRECTIONS = 81,
    TS_CONFIG_HTTP_CACHE_MAX_OPEN_WRITE_RETRIES = 82,
    TS_CONFIG_HTTP_REDIRECT_USE_ORIG_CACHE_KEY = 83,
    TS_CONFIG_HTTP_ATTACH_SERVER_SESSION_TO_CLIENT = 84,
    TS_CONFIG_WEBSOCKET_NO_ACTIVITY_TIMEOUT = 85,
    TS_CONFIG_WEBSOCKET_ACTIVE_TIMEOUT = 86,
    TS_CONFIG_HTTP_UNCACHEABLE_REQUESTS_BYPASS_PARENT = 87,
    TS_CONFIG_HTTP_PARENT_PROXY_TOTAL_CONNECT_ATTEMPTS = 88,
    TS_CONFIG_HTTP_TRANSACTION_ACTIVE_TIMEOUT_IN = 89,
    TS_CONFIG_SRV_ENABLED = 90,
    TS_CONFIG_HTTP_FORWARD_CONNECT_METHOD = 91,
    TS_CONFIG_SSL_CERT_FILENAME = 92,
    TS_CONFIG_SSL_CERT_FILEPATH = 93,
    TS_CONFIG_PARENT_FAILURES_UPDATE_HOSTDB = 94,
    TS_CONFIG_HTTP_CACHE_IGNORE_ACCEPT_MISMATCH = 95,
    TS_CONFIG_HTTP_CACHE_IGNORE_ACCEPT_LANGUAGE_MISMATCH = 96,
    TS_CONFIG_HTTP_CACHE_IGNORE_ACCEPT_ENCODING_MISMATCH = 97,
    TS_CONFIG_HTTP_CACHE_IGNORE_ACCEPT_CHARSET_MISMATCH = 98,
    TS_CONFIG_HTTP_PARENT_PROXY_FAIL_THRESHOLD = 99,
    TS_CONFIG_HTTP_PARENT_PROXY_RETRY_TIME = 100,
    TS_CONFIG_HTTP_PER_PARENT_CONNECT_ATTEMPTS = 101,
    TS_CONFIG_HTTP_PARENT_CONNECT_ATTEMPT_TIMEOUT = 102,
    TS_CONFIG_HTTP_NORMALIZE_AE = 103,
    TS_CONFIG_HTTP_INSERT_FORWARDED = 104,
    TS_CONFIG_HTTP_PROXY_PROTOCOL_OUT = 105,
    TS_CONFIG_HTTP_ALLOW_MULTI_RANGE = 106,
    TS_CONFIG_HTTP_REQUEST_BUFFER_ENABLED = 107,
    TS_CONFIG_HTTP_ALLOW_HALF_OPEN = 108,
    TS_CONFIG_HTTP_SERVER_MIN_KEEP_ALIVE_CONNS = 109,
    TS_CONFIG_HTTP_PER_SERVER_CONNECTION_MAX = 110,
    TS_CONFIG_HTTP_PER_SERVER_CONNECTION_MATCH = 111,
    TS_CONFIG_SSL_CLIENT_VERIFY_SERVER = 112,
    TS_CONFIG_SSL_CLIENT_VERIFY_SERVER_POLICY = 113,
    TS_CONFIG_SSL_CLIENT_VERIFY_SERVER_PROPERTIES = 114,
    TS_CONFIG_SSL_CLIENT_SNI_POLICY = 115,
    TS_CONFIG_SSL_CLIENT_PRIVATE_KEY_FILENAME = 116,
    TS_CONFIG_SSL_CLIENT_CA_CERT_FILENAME = 117,
    TS_CONFIG_HTTP_HOST_RESOLUTION_PREFERENCE = 118,
    TS_CONFIG_HTTP_CONNECT_DEAD_POLICY = 119,
    TS_CONFIG_HTTP_MAX_PROXY_CYCLES = 120,
    TS_CONFIG_PLUGIN_VC_DEFAULT_BUFFER_INDEX = 121,
    TS_CONFIG_PLUGIN_VC_DEFAULT_BUFFER_WATER_MARK = 122,
    TS_CONFIG_NET_SOCK_NOTSENT_LOWAT = 123,
    TS_CONFIG_BODY_FACTORY_RESPONSE_SUPPRESSION_MODE = 124,
    TS_CONFIG_HTTP_ENABLE_PARENT_TIMEOUT_MARKDOWNS = 125,
    TS_CONFIG_HTTP_DISABLE_PARENT_MARKDOWNS = 126,
    TS_CONFIG_HTTP_DROP_CHUNKED_TRAILERS = 127,
    TS_CONFIG_HTTP_STRICT_CHUNK_PARSING = 128,
    TS_CONFIG_LAST_ENTRY = 129,
}
/// `TSOverridableConfigKey` as it crosses the C ABI: a plain `int` (spelled `TSOverridableConfigKey` in the header).
pub type TSOverridableConfigKeyRaw = c_int;
/// Alias of `TS_CONFIG_SSL_CERT_FILENAME` (92).
pub const TS_CONFIG_SSL_CLIENT_CERT_FILENAME: c_int = 92;

/// Event thread pools for TSContScheduleOnPool & co.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSThreadPool {
    TS_THREAD_POOL_NET = 0,
    TS_THREAD_POOL_TASK = 1,
    TS_THREAD_POOL_DNS = 2,
    TS_THREAD_POOL_UDP = 3,
}
/// `TSThreadPool` as it crosses the C ABI: a plain `int` (spelled `TSThreadPool` in the header).
pub type TSThreadPoolRaw = c_int;

/// Transaction milestones (TSHttpTxnMilestoneGet).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSMilestonesType {
    TS_MILESTONE_NULL = -1,
    TS_MILESTONE_UA_BEGIN = 0,
    TS_MILESTONE_UA_FIRST_READ = 1,
    TS_MILESTONE_UA_READ_HEADER_DONE = 2,
    TS_MILESTONE_UA_BEGIN_WRITE = 3,
    TS_MILESTONE_UA_CLOSE = 4,
    TS_MILESTONE_SERVER_FIRST_CONNECT = 5,
    TS_MILESTONE_SERVER_CONNECT = 6,
    TS_MILESTONE_SERVER_CONNECT_END = 7,
    TS_MILESTONE_SERVER_BEGIN_WRITE = 8,
    TS_MILESTONE_SERVER_FIRST_READ = 9,
    TS_MILESTONE_SERVER_READ_HEADER_DONE = 10,
    TS_MILESTONE_SERVER_CLOSE = 11,
    TS_MILESTONE_CACHE_OPEN_READ_BEGIN = 12,
    TS_MILESTONE_CACHE_OPEN_READ_END = 13,
    TS_MILESTONE_CACHE_OPEN_WRITE_BEGIN = 14,
    TS_MILESTONE_CACHE_OPEN_WRITE_END = 15,
    TS_MILESTONE_DNS_LOOKUP_BEGIN = 16,
    TS_MILESTONE_DNS_LOOKUP_END = 17,
    TS_MILESTONE_SM_START = 18,
    TS_MILESTONE_SM_FINISH = 19,
    TS_MILESTONE_PLUGIN_ACTIVE = 20,
    TS_MILESTONE_PLUGIN_TOTAL = 21,
    TS_MILESTONE_TLS_HANDSHAKE_START = 22,
    TS_MILESTONE_TLS_HANDSHAKE_END = 23,
    TS_MILESTONE_LAST_ENTRY = 24,
}
/// `TSMilestonesType` as it crosses the C ABI: a plain `int` (spelled `TSMilestonesType` in the header).
pub type TSMilestonesTypeRaw = c_int;

/// The source of a management value.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSMgmtSource {
    TS_MGMT_SOURCE_NULL = 0,
    TS_MGMT_SOURCE_DEFAULT = 1,
    TS_MGMT_SOURCE_PLUGIN = 2,
    TS_MGMT_SOURCE_EXPLICIT = 3,
    TS_MGMT_SOURCE_ENV = 4,
}
/// `TSMgmtSource` as it crosses the C ABI: a plain `int` (spelled `TSMgmtSource` in the header).
pub type TSMgmtSourceRaw = c_int;

/// User argument slot kinds (TSUserArgIndexReserve & co).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSUserArgType {
    TS_USER_ARGS_TXN = 0,
    TS_USER_ARGS_SSN = 1,
    TS_USER_ARGS_VCONN = 2,
    TS_USER_ARGS_GLB = 3,
    TS_USER_ARGS_COUNT = 4,
}
/// `TSUserArgType` as it crosses the C ABI: a plain `int` (spelled `TSUserArgType` in the header).
pub type TSUserArgTypeRaw = c_int;

/// HTTP version types for the priority functions.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSHttpPriorityType {
    HTTP_PRIORITY_TYPE_HTTP_UNSPECIFIED = 1,
    HTTP_PRIORITY_TYPE_HTTP_2 = 2,
    HTTP_PRIORITY_TYPE_HTTP_3 = 3,
}
/// `TSHttpPriorityType` as it crosses the C ABI: a plain `int` (spelled `TSHttpPriorityType` in the header).
pub type TSHttpPriorityTypeRaw = c_int;

/// Connection types for TSHttpConnectPlugin.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSConnectType {
    TS_CONNECT_UNDEFINED = 0,
    TS_CONNECT_PLUGIN = 1,
    TS_CONNECT_LAST_ENTRY = 2,
}
/// `TSConnectType` as it crosses the C ABI: a plain `int` (spelled `TSConnectType` in the header).
pub type TSConnectTypeRaw = c_int;

/// Host status (TSHostStatusGet/Set).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSHostStatus {
    TS_HOST_STATUS_INIT = 0,
    TS_HOST_STATUS_DOWN = 1,
    TS_HOST_STATUS_UP = 2,
}
/// `TSHostStatus` as it crosses the C ABI: a plain `int` (spelled `TSHostStatus` in the header).
pub type TSHostStatusRaw = c_int;

/// Reasons for a host status (bit flags).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSHostStatusReason {
    TS_HOST_STATUS_ACTIVE = 1,
    TS_HOST_STATUS_LOCAL = 2,
    TS_HOST_STATUS_MANUAL = 4,
    TS_HOST_STATUS_SELF_DETECT = 8,
    TS_HOST_STATUS_ALL = 15,
}
/// `TSHostStatusReason` as it crosses the C ABI: a plain `int` (spelled `TSHostStatusReason` in the header).
pub type TSHostStatusReasonRaw = c_int;

/// UUID versions (only V4 is implemented).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSUuidVersion {
    TS_UUID_UNDEFINED = 0,
    TS_UUID_V1 = 1,
    TS_UUID_V2 = 2,
    TS_UUID_V3 = 3,
    TS_UUID_V4 = 4,
    TS_UUID_V5 = 5,
}
/// `TSUuidVersion` as it crosses the C ABI: a plain `int` (spelled `TSUuidVersion` in the header).
pub type TSUuidVersionRaw = c_int;

/// HTTP "control" modes (TSHttpTxnCntlSet/Get).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSHttpCntlType {
    TS_HTTP_CNTL_LOGGING_MODE = 0,
    TS_HTTP_CNTL_INTERCEPT_RETRY_MODE = 1,
    TS_HTTP_CNTL_RESPONSE_CACHEABLE = 2,
    TS_HTTP_CNTL_REQUEST_CACHEABLE = 3,
    TS_HTTP_CNTL_SERVER_NO_STORE = 4,
    TS_HTTP_CNTL_TXN_DEBUG = 5,
    TS_HTTP_CNTL_SKIP_REMAPPING = 6,
}
/// `TSHttpCntlType` as it crosses the C ABI: a plain `int` (spelled `TSHttpCntlType` in the header).
pub type TSHttpCntlTypeRaw = c_int;

/// Persistence of a plugin stat (TSStatCreate).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSStatPersistence {
    TS_STAT_PERSISTENT = 1,
    TS_STAT_NON_PERSISTENT = 2,
}
/// `TSStatPersistence` as it crosses the C ABI: a plain `int` (spelled `TSStatPersistence` in the header).
pub type TSStatPersistenceRaw = c_int;

/// Synchronisation (aggregation) type of a plugin stat (TSStatCreate).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSStatSync {
    TS_STAT_SYNC_SUM = 0,
    TS_STAT_SYNC_COUNT = 1,
    TS_STAT_SYNC_AVG = 2,
    TS_STAT_SYNC_TIMEAVG = 3,
}
/// `TSStatSync` as it crosses the C ABI: a plain `int` (spelled `TSStatSync` in the header).
pub type TSStatSyncRaw = c_int;
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

// --------------------------------------------------------------------------------------------
// Function pointer types

/// The entry point of a thread created with TSThreadCreate.
pub type TSThreadFunc = Option<unsafe extern "C" fn(data: *mut c_void) -> *mut c_void>;
/// A continuation handler.
pub type TSEventFunc =
    Option<unsafe extern "C" fn(contp: TSCont, event: TSEventRaw, edata: *mut c_void) -> c_int>;
/// Destroys configuration data registered with TSConfigSet.
pub type TSConfigDestroyFunc = Option<unsafe extern "C" fn(data: *mut c_void)>;
/// The callback of TSRecordDump.
pub type TSRecordDumpCb = Option<
    unsafe extern "C" fn(
        rec_type: TSRecordTypeRaw,
        edata: *mut c_void,
        registered: c_int,
        name: *const c_char,
        data_type: TSRecordDataTypeRaw,
        datum: *mut TSRecordData,
    ),
>;

// Not declared: `typedef struct TSFetchUrlParams {...} TSFetchUrlParams_t;` (for TSFetchPages).
// Its `struct TSFetchUrlParams *next` member refers to the struct's own tag, which cbindgen
// cannot emit with `style = "type"` (it writes anonymous `typedef struct {...} X;`).
