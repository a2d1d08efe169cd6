//! UUIDs: ATS 9.2's ATSUuid (src/tscore/ink_uuid.cc, include/tscore/ink_uuid.h), the pool of
//! live TSUuid handles, and the process UUID (ATS's `Machine::instance()->uuid`, a v4 UUID made
//! at start-up).
//!
//! ATS's rules, kept here: a new UUID is invalid (no string, version TS_UUID_UNDEFINED) until
//! initialized or parsed. Initializing to V4 takes 16 random bytes (OpenSSL's RAND_bytes) and sets
//! the version and variant bits; V1, V2, V3 and V5 are "not properly implemented yet" in ATS and
//! give the nil UUID with that version. The string is ATS's
//! `%08x-%04hx-%04hx-%02hhx%02hhx-%02hhx%02hhx%02hhx%02hhx%02hhx%02hhx` of the fields (lower
//! case); parsing is C's sscanf with that same format, then the version is the string's version
//! nibble (1 to 5; anything else, or fewer than 11 fields, leaves the UUID invalid).

use std::ffi::CStr;
use std::os::raw::{c_char, c_uchar, c_uint, c_ushort};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;

use crate::rt::pool::Pool;
use crate::sys::types::{TSUuidVersion, TS_CRUUID_STRING_LEN, TS_UUID_STRING_LEN};

/// The live TSUuid handles (the process UUID is one of them, never released).
pub static UUIDS: Pool<TsUuid> = Pool::new();

const STRING_LEN: usize = TS_UUID_STRING_LEN as usize;

/// ATS's ATSUuid: the RFC 4122 fields (ATS's union over the 16 raw bytes, in the machine's byte
/// order), the version, and the string (NUL-terminated) it gives out.
#[derive(Clone, Copy)]
pub struct AtsUuid {
    time_low: u32,
    time_mid: u16,
    time_high_and_version: u16,
    clock_seq_and_reserved: u8,
    clock_seq_low: u8,
    node: [u8; 6],
    version: TSUuidVersion,
    string: [u8; STRING_LEN + 1],
}

impl Default for AtsUuid {
    fn default() -> Self {
        AtsUuid {
            time_low: 0,
            time_mid: 0,
            time_high_and_version: 0,
            clock_seq_and_reserved: 0,
            clock_seq_low: 0,
            node: [0; 6],
            version: TSUuidVersion::TS_UUID_UNDEFINED,
            string: [0; STRING_LEN + 1],
        }
    }
}

impl AtsUuid {
    /// Has it been initialized or parsed (ATS's `valid()`)?
    pub fn valid(&self) -> bool {
        self.version != TSUuidVersion::TS_UUID_UNDEFINED
    }

    pub fn version(&self) -> TSUuidVersion {
        self.version
    }

    /// The string (36 characters, then a NUL), if valid.
    pub fn string(&self) -> Option<&[u8; STRING_LEN + 1]> {
        self.valid().then_some(&self.string)
    }

    fn set_raw(&mut self, d: [u8; 16]) {
        self.time_low = u32::from_ne_bytes([d[0], d[1], d[2], d[3]]);
        self.time_mid = u16::from_ne_bytes([d[4], d[5]]);
        self.time_high_and_version = u16::from_ne_bytes([d[6], d[7]]);
        self.clock_seq_and_reserved = d[8];
        self.clock_seq_low = d[9];
        self.node.copy_from_slice(&d[10..]);
    }

    fn format(&mut self) {
        let n = self.node;
        let s = format!(
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            self.time_low,
            self.time_mid,
            self.time_high_and_version,
            self.clock_seq_and_reserved,
            self.clock_seq_low,
            n[0],
            n[1],
            n[2],
            n[3],
            n[4],
            n[5]
        );
        debug_assert_eq!(s.len(), STRING_LEN);
        self.string[..STRING_LEN].copy_from_slice(s.as_bytes());
        self.string[STRING_LEN] = 0;
    }

    /// ATSUuid::initialize for a defined version (ATS aborts on TS_UUID_UNDEFINED; refused here,
    /// the UUID unchanged). Err also if OpenSSL has no random bytes to give (unchanged too).
    pub fn initialize(&mut self, v: TSUuidVersion) -> Result<(), String> {
        match v {
            TSUuidVersion::TS_UUID_UNDEFINED => {
                return Err("cannot initialize to TS_UUID_UNDEFINED".into())
            }
            TSUuidVersion::TS_UUID_V4 => {
                let mut d = [0u8; 16];
                openssl::rand::rand_bytes(&mut d)
                    .map_err(|e| format!("no random bytes from OpenSSL: {e}"))?;
                self.set_raw(d);
                self.clock_seq_and_reserved = (self.clock_seq_and_reserved & 0x3F) | 0x80;
                self.time_high_and_version = (self.time_high_and_version & 0x0FFF) | 0x4000;
            }
            _ => self.set_raw([0; 16]),
        }
        self.format();
        self.version = v;
        Ok(())
    }

    /// ATSUuid::parseString: true if `s` parsed (sscanf, 11 fields) with a version nibble of 1
    /// to 5. Otherwise the UUID is left invalid, as in ATS.
    pub fn parse(&mut self, s: &CStr) -> bool {
        let mut time_low: c_uint = self.time_low;
        let mut time_mid: c_ushort = self.time_mid;
        let mut thv: c_ushort = self.time_high_and_version;
        let mut csr: c_uchar = self.clock_seq_and_reserved;
        let mut csl: c_uchar = self.clock_seq_low;
        let mut n: [c_uchar; 6] = self.node;
        let [n0, n1, n2, n3, n4, n5] = &mut n;
        // SAFETY: `s` and the format are NUL-terminated; the format has 11 conversions, each
        // given a pointer to a live variable of its type (%x: unsigned int, %hx: unsigned
        // short, %hhx: unsigned char).
        let cnt = unsafe {
            libc::sscanf(
                s.as_ptr(),
                c"%08x-%04hx-%04hx-%02hhx%02hhx-%02hhx%02hhx%02hhx%02hhx%02hhx%02hhx".as_ptr(),
                &mut time_low as *mut c_uint,
                &mut time_mid as *mut c_ushort,
                &mut thv as *mut c_ushort,
                &mut csr as *mut c_uchar,
                &mut csl as *mut c_uchar,
                n0 as *mut c_uchar,
                n1 as *mut c_uchar,
                n2 as *mut c_uchar,
                n3 as *mut c_uchar,
                n4 as *mut c_uchar,
                n5 as *mut c_uchar,
            )
        };
        // sscanf stores the fields it converted before failing: ATS's fields change too.
        self.time_low = time_low;
        self.time_mid = time_mid;
        self.time_high_and_version = thv;
        self.clock_seq_and_reserved = csr;
        self.clock_seq_low = csl;
        self.node = n;
        self.version = TSUuidVersion::TS_UUID_UNDEFINED;
        if cnt != 11 {
            return false;
        }
        self.format();
        self.version = match self.time_high_and_version >> 12 {
            1 => TSUuidVersion::TS_UUID_V1,
            2 => TSUuidVersion::TS_UUID_V2,
            3 => TSUuidVersion::TS_UUID_V3,
            4 => TSUuidVersion::TS_UUID_V4,
            5 => TSUuidVersion::TS_UUID_V5,
            _ => TSUuidVersion::TS_UUID_UNDEFINED,
        };
        self.valid()
    }
}

/// What a TSUuid handle stands for.
pub struct TsUuid {
    /// The TSUuid handle given to C.
    pub handle: usize,
    /// The process UUID: read-only (ATS hands out its own Machine's UUID; changing it would
    /// change every TSClientRequestUuidGet after).
    pub process: bool,
    uuid: Mutex<AtsUuid>,
}

impl TsUuid {
    /// Run `f` on the UUID (one call at a time).
    pub fn with<R>(&self, f: impl FnOnce(&mut AtsUuid) -> R) -> R {
        f(&mut self.uuid.lock())
    }

    /// The string's address: it lives as long as the UUID (and changes with it), as in ATS. NULL
    /// while the UUID is invalid.
    pub fn string_ptr(&self) -> *const c_char {
        self.with(|u| u.string().map_or(std::ptr::null(), |s| s.as_ptr().cast()))
    }
}

/// TSUuidCreate: a new, invalid UUID's handle.
pub fn create() -> usize {
    UUIDS
        .insert(|handle| TsUuid {
            handle,
            process: false,
            uuid: Mutex::new(AtsUuid::default()),
        })
        .0
}

/// The live UUID behind a handle.
pub fn get(handle: usize) -> Option<Arc<TsUuid>> {
    UUIDS.get(handle)
}

/// TSUuidDestroy: the handle dies.
pub fn destroy(handle: usize) {
    UUIDS.release(handle)
}

/// The process UUID: one v4 UUID for the life of the process, made on the first call (tshost's
/// start-up makes that call). Panics if OpenSSL has no random bytes (ATS release-asserts).
pub fn process() -> Arc<TsUuid> {
    static PROCESS: OnceLock<Arc<TsUuid>> = OnceLock::new();
    PROCESS
        .get_or_init(|| {
            let mut u = AtsUuid::default();
            if let Err(e) = u.initialize(TSUuidVersion::TS_UUID_V4) {
                panic!("the process UUID could not be made: {e}");
            }
            UUIDS
                .insert(|handle| TsUuid {
                    handle,
                    process: true,
                    uuid: Mutex::new(u),
                })
                .1
        })
        .clone()
}

/// TSClientRequestUuidGet's string for transaction `id`: ATS's
/// `snprintf(buf, TS_CRUUID_STRING_LEN + 1, "%s-%" PRId64, process_uuid, sm_id)`, as (what lands
/// in the buffer, NUL not included; whether it fitted: false when snprintf's result exceeds
/// TS_CRUUID_STRING_LEN, the string then cut).
pub fn client_request_uuid(id: u64) -> (Vec<u8>, bool) {
    let p = process().with(|u| *u);
    let uuid = p.string().map_or(&[][..], |s| &s[..STRING_LEN]);
    let mut s = uuid.to_vec();
    s.push(b'-');
    s.extend_from_slice((id as i64).to_string().as_bytes());
    let max = TS_CRUUID_STRING_LEN as usize;
    let fits = s.len() <= max;
    s.truncate(max);
    (s, fits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(u: &AtsUuid) -> &str {
        std::str::from_utf8(&u.string().unwrap()[..STRING_LEN]).unwrap()
    }

    fn parsed(s: &CStr) -> Option<String> {
        let mut u = AtsUuid::default();
        u.parse(s).then(|| text(&u).to_string())
    }

    #[test]
    fn v4_has_its_version_and_variant_bits() {
        let mut u = AtsUuid::default();
        assert!(!u.valid() && u.string().is_none());
        u.initialize(TSUuidVersion::TS_UUID_V4).unwrap();
        let s = text(&u).to_string();
        assert_eq!(s.len(), 36);
        let b = s.as_bytes();
        assert_eq!((b[8], b[13], b[18], b[23]), (b'-', b'-', b'-', b'-'));
        assert_eq!(b[14], b'4');
        assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'), "{s}");
        assert!(s
            .bytes()
            .all(|c| c == b'-' || matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        assert_eq!(u.string().unwrap()[36], 0);
        let mut v = AtsUuid::default();
        v.initialize(TSUuidVersion::TS_UUID_V4).unwrap();
        assert_ne!(text(&v), s);
    }

    #[test]
    fn other_versions_give_the_nil_uuid_and_undefined_is_refused() {
        let mut u = AtsUuid::default();
        u.initialize(TSUuidVersion::TS_UUID_V1).unwrap();
        assert_eq!(text(&u), "00000000-0000-0000-0000-000000000000");
        assert_eq!(u.version(), TSUuidVersion::TS_UUID_V1);
        assert!(u.initialize(TSUuidVersion::TS_UUID_UNDEFINED).is_err());
        assert_eq!(u.version(), TSUuidVersion::TS_UUID_V1);
    }

    #[test]
    fn parse_is_sscanf_then_the_version_nibble() {
        let s = "a1b2c3d4-e5f6-4789-8abc-def012345678";
        assert_eq!(parsed(c"a1b2c3d4-e5f6-4789-8abc-def012345678").unwrap(), s);
        assert_eq!(
            parsed(c"A1B2C3D4-E5F6-4789-8ABC-DEF012345678").unwrap(),
            s,
            "upper case in, lower case out"
        );
        assert_eq!(
            parsed(c"a1b2c3d4-e5f6-4789-8abc-def012345678trailing").unwrap(),
            s,
            "sscanf ignores what follows"
        );
        assert_eq!(
            parsed(c"1-2-3004-5-6").unwrap_or_default(),
            "",
            "too few node bytes"
        );
        assert_eq!(
            parsed(c"1-2-3004-0506-0708090a0b0c").unwrap(),
            "00000001-0002-3004-0506-0708090a0b0c",
            "short fields are widened"
        );
        assert!(
            parsed(c"a1b2c3d4-e5f6-0789-8abc-def012345678").is_none(),
            "version 0"
        );
        assert!(
            parsed(c"a1b2c3d4-e5f6-6789-8abc-def012345678").is_none(),
            "version 6"
        );
        assert!(parsed(c"a1b2c3d4e5f6-4789-8abc-def012345678").is_none());
        assert!(parsed(c"").is_none());
        let mut u = AtsUuid::default();
        u.initialize(TSUuidVersion::TS_UUID_V4).unwrap();
        assert!(!u.parse(c"nonsense"));
        assert!(
            !u.valid(),
            "a failed parse leaves the UUID invalid, as in ATS"
        );
    }

    #[test]
    fn process_uuid_is_one_v4() {
        let a = process();
        let b = process();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(a.process);
        assert_eq!(a.with(|u| u.version()), TSUuidVersion::TS_UUID_V4);
        let (s, fits) = client_request_uuid(42);
        assert!(fits);
        let p = a.with(|u| text(u).to_string());
        assert_eq!(s, format!("{p}-42").into_bytes());
        // PRId64 of a u64 above i64::MAX: negative.
        let (s, fits) = client_request_uuid(u64::MAX);
        assert!(fits);
        assert_eq!(s, format!("{p}--1").into_bytes());
        // 57 characters: cut to 56 and refused, as in ATS.
        let (s, fits) = client_request_uuid(i64::MIN as u64);
        assert!(!fits);
        assert_eq!(s.len(), 56);
        assert_eq!(s, format!("{p}--922337203685477580").into_bytes());
        let (_, fits) = client_request_uuid(i64::MAX as u64);
        assert!(fits, "19 digits fit");
    }
}
