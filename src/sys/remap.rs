//! ATS 9.2's `ts/remap.h`: the remap plugin interface (cbindgen writes `include/ts/remap.h` from
//! this file; the plugin's entry points, which plugins define and tshost calls, are declared in
//! the header's trailer, cbindgen.toml's `[remap]` text in build.rs).
#![forbid(unsafe_code)]

use std::os::raw::{c_int, c_ulong};

use super::types::{TSMBuffer, TSMLoc};

/// The remap API's major version (`TSREMAP_VMAJOR`).
pub const TSREMAP_VMAJOR: c_int = 3;
/// The remap API's minor version (`TSREMAP_VMINOR`).
pub const TSREMAP_VMINOR: c_int = 0;
/// `(TSREMAP_VMAJOR << 16) | TSREMAP_VMINOR`: what TSRemapInit is told tshost supports.
pub const TSREMAP_VERSION: c_int = (TSREMAP_VMAJOR << 16) | TSREMAP_VMINOR;

/// What TSRemapInit is given: the size of this struct and the remap API version tshost speaks.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TSRemapInterface {
    /// `sizeof(TSRemapInterface)`.
    pub size: c_ulong,
    /// `TSREMAP_VERSION`.
    pub tsremap_version: c_ulong,
}

/// What TSRemapDoRemap is given for a request. Do not release the buffer or its TSMLocs.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TSRemapRequestInfo {
    /// The rule's FROM URL (read-only).
    pub mapFromUrl: TSMLoc,
    /// The rule's TO URL (read-only).
    pub mapToUrl: TSMLoc,
    /// The request's URL (read-write: how a plugin changes where the request goes).
    pub requestUrl: TSMLoc,
    /// The client request's buffer (as TSHttpTxnClientReqGet gives it).
    pub requestBufp: TSMBuffer,
    /// The client request header.
    pub requestHdrp: TSMLoc,
    /// 0: no redirect; 1: answer with a redirect to the (new) request URL.
    pub redirect: c_int,
}

/// What TSRemapDoRemap returns.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSRemapStatus {
    /// No remapping was done; the chain goes on.
    TSREMAP_NO_REMAP = 0,
    /// Remapping was done; the chain goes on.
    TSREMAP_DID_REMAP = 1,
    /// No remapping was done; the chain stops.
    TSREMAP_NO_REMAP_STOP = 2,
    /// Remapping was done; the chain stops.
    TSREMAP_DID_REMAP_STOP = 3,
    /// An error (taken as TSREMAP_NO_REMAP, as ATS does with any negative value).
    TSREMAP_ERROR = -1,
}

/// What TSRemapPostConfigReload is told.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TSRemapReloadStatus {
    /// The new configuration did not load.
    TSREMAP_CONFIG_RELOAD_FAILURE = 0,
    /// It loaded, and uses this plugin.
    TSREMAP_CONFIG_RELOAD_SUCCESS_PLUGIN_USED = 1,
    /// It loaded, without this plugin.
    TSREMAP_CONFIG_RELOAD_SUCCESS_PLUGIN_UNUSED = 2,
}
