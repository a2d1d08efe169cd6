//! The typedefs of `ts/apidefs.h`: the system type it names (`struct sockaddr`), scalar typedefs,
//! the opaque handles (pointers to incomplete `struct tsapi_*`), and the function pointer types.
#![forbid(unsafe_code)]

use std::os::raw::{c_char, c_int, c_void};

use super::{TSEventRaw, TSRecordData, TSRecordDataTypeRaw, TSRecordTypeRaw};

// --------------------------------------------------------------------------------------------
// System types used by the API.

/// Stands for `struct sockaddr` of <sys/socket.h>, so that the header can name it: cbindgen
/// emits `typedef struct sockaddr sockaddr;` (the real struct, completed by <sys/socket.h>).
/// Rust code uses `libc::sockaddr`, which cbindgen maps to this name (it matches types by
/// their last path segment); this type is never dereferenced.
pub struct sockaddr {
    _p: (),
}

/// Stands for `struct sockaddr_storage` of <sys/socket.h> (as [`sockaddr`]): cbindgen emits
/// `typedef struct sockaddr_storage sockaddr_storage;`, the real struct; Rust code uses
/// `libc::sockaddr_storage`.
pub struct sockaddr_storage {
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
