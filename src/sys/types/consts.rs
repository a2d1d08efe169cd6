//! The `#define` constants of `ts/apidefs.h` that are not enumerator aliases: buffer and string
//! lengths, log object mode flags.
#![forbid(unsafe_code)]

use std::os::raw::c_int;

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
