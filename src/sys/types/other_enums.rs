//! The other enums of `ts/apidefs.h` (parse results, HTTP types and statuses, server states, cache,
//! I/O buffers, return codes, records, overridable configurations, milestones, ...), each with its
//! `XRaw` twin, and the `#define` alias among `TSOverridableConfigKey`'s values.
#![forbid(unsafe_code)]

use std::os::raw::c_int;

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
