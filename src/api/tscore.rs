//! The few functions of ATS's own libraries (libtscore) that Debian's plugin binaries call from
//! the host process, exported under their C++ names: regex_remap.so calls `ats_ip_ntop` and
//! `ink_ctime_r`; header_rewrite.so `ats_ip_set`, `ats_ip_range_parse` and IpMap's `mark`,
//! `contains`, `count` and destructor; tcpinfo.so `ink_atoui64`. Each behaves as ATS 9.2.9's
//! (src/tscore/ink_inet.cc, ink_time.cc, IpMap.cc, ParseRules.cc).

use std::net::{IpAddr, SocketAddr};
use std::os::raw::{c_char, c_int, c_long, c_void};

use super::{guard, here, Here};

/// `const char *ats_ip_ntop(const sockaddr *addr, char *dst, size_t size)`: the address as text
/// (inet_ntop for IPv4 and IPv6; `*Not IP address [FAMILY]*` otherwise), NULL if it does not fit
/// (IPv4/IPv6) or `addr`/`dst` is NULL.
/// cbindgen:ignore
#[export_name = "_Z11ats_ip_ntopPK8sockaddrPcm"]
pub unsafe extern "C" fn ats_ip_ntop(
    addr: *const libc::sockaddr,
    dst: *mut c_char,
    size: usize,
) -> *const c_char {
    guard!(std::ptr::null(), || {
        if addr.is_null() || dst.is_null() {
            crate::error!("{}: NULL address or buffer", here!());
            return std::ptr::null();
        }
        // SAFETY: `addr` is non-NULL and points at a sockaddr of the family it names (the
        // function's contract): its family is read first, then the matching address.
        let (text, ip) = unsafe {
            match (*addr).sa_family as i32 {
                libc::AF_INET => {
                    let a = &*(addr as *const libc::sockaddr_in);
                    let ip = std::net::Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr));
                    (ip.to_string(), true)
                }
                libc::AF_INET6 => {
                    let a = &*(addr as *const libc::sockaddr_in6);
                    (
                        std::net::Ipv6Addr::from(a.sin6_addr.s6_addr).to_string(),
                        true,
                    )
                }
                family => (format!("*Not IP address [{family}]*"), false),
            }
        };
        // inet_ntop fails when the text does not fit; ATS's own text is cut to fit.
        if ip && text.len() + 1 > size {
            return std::ptr::null();
        }
        if size > 0 {
            let n = text.len().min(size - 1);
            // SAFETY: `dst` has `size` writable bytes (the function's contract); n < size.
            unsafe {
                std::ptr::copy_nonoverlapping(text.as_ptr(), dst.cast(), n);
                *dst.add(n) = 0;
            }
        }
        dst
    })
}

/// `char *ink_ctime_r(const ink_time_t *clock, char *buf)`: ctime_r (`buf` of at least 26 bytes).
/// cbindgen:ignore
#[export_name = "_Z11ink_ctime_rPKlPc"]
pub unsafe extern "C" fn ink_ctime_r(clock: *const c_long, buf: *mut c_char) -> *mut c_char {
    guard!(std::ptr::null_mut(), || {
        if clock.is_null() || buf.is_null() {
            crate::error!("{}: NULL clock or buffer", here!());
            return std::ptr::null_mut();
        }
        // SAFETY: `clock` points at a time_t and `buf` has room for ctime_r's 26 bytes (the
        // function's contract).
        unsafe { libc::ctime_r(clock, buf) }
    })
}

/// libtscore's `ink_atoui64` on bytes: leading spaces, tabs, CRs and LFs skipped; `0x` and hex
/// digits, else decimal digits with an optional K/M/G/T suffix (powers of 1024); stops at the
/// first other byte; overflow wraps, as C's unsigned arithmetic.
fn atoui64(s: &[u8]) -> u64 {
    let mut s = s;
    while let [b' ' | b'\t' | b'\n' | b'\r', rest @ ..] = s {
        s = rest;
    }
    let mut num: u64 = 0;
    if let [b'0', b'x', rest @ ..] = s {
        for c in rest.iter().map_while(|c| (*c as char).to_digit(16)) {
            num = (num << 4).wrapping_add(u64::from(c));
        }
        return num;
    }
    let mut i = 0;
    while let Some(d) = s.get(i).filter(|c| c.is_ascii_digit()) {
        num = num.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
        i += 1;
    }
    let shift = match s.get(i) {
        Some(b'K') => 10,
        Some(b'M') => 20,
        Some(b'G') => 30,
        Some(b'T') => 40,
        _ => 0,
    };
    num.wrapping_mul(1u64 << shift)
}

/// `uint64_t ink_atoui64(const char *str)`: a number from text, as libtscore reads it (decimal with
/// a K/M/G/T suffix, or `0x` hex); 0 for NULL (logged).
/// cbindgen:ignore
#[export_name = "_Z11ink_atoui64PKc"]
pub unsafe extern "C" fn ink_atoui64(str: *const c_char) -> u64 {
    guard!(0, || {
        if str.is_null() {
            crate::error!("{}: NULL string", here!());
            return 0;
        }
        // SAFETY: non-NULL (checked above) and NUL-terminated (the function's contract).
        atoui64(unsafe { std::ffi::CStr::from_ptr(str) }.to_bytes())
    })
}

/// libtscpputil's `ts::svtoi` on bytes (TextView.cc): leading blanks (isspace) skipped, an
/// optional `-`, base 0 meaning 10, or 8 after a `0`, or 16 after `0x`/`0X`; digits of the base
/// (letters from 10 up, with ATS's table, where `T`/`t` read as 20); an overflow stops at the
/// largest value (-1 as signed). Returns the value and the length of the text read from the
/// start of the blanks-trimmed text (0: no digit), and the blanks skipped.
fn svtoi(src: &[u8], base: i32) -> (i64, usize, usize) {
    if !(0..=36).contains(&base) {
        return (0, 0, 0);
    }
    let blanks = src
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .count();
    let s = &src[blanks..];
    if s.is_empty() {
        return (0, 0, blanks);
    }
    let mut i = 0;
    let neg = s[0] == b'-';
    i += neg as usize;
    let mut base = base as u64;
    if base == 0 {
        base = 10;
        if s.get(i) == Some(&b'0') {
            i += 1;
            base = 8;
            if matches!(s.get(i), Some(b'x' | b'X')) {
                i += 1;
                base = 16;
            }
        }
    }
    let digit = |c: u8| -> Option<u64> {
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'T' | b't' => 20,
            b'A'..=b'Z' => c - b'A' + 10,
            b'a'..=b'z' => c - b'a' + 10,
            _ => return None,
        };
        (u64::from(v) < base).then_some(u64::from(v))
    };
    let mut value: u64 = 0;
    while let Some(d) = s.get(i).copied().and_then(digit) {
        match value.checked_mul(base).and_then(|v| v.checked_add(d)) {
            Some(v) => value = v,
            None => {
                value = u64::MAX;
                break;
            }
        }
        i += 1;
    }
    let read = if i > neg as usize { i } else { 0 };
    let v = value as i64;
    (if neg { v.wrapping_neg() } else { v }, read, blanks)
}

/// `intmax_t ts::svtoi(TextView src, TextView *out, int base)` (libtscpputil): the number at the
/// start of `src` (see [`svtoi`]); `*out`, when given, is the text read (empty when none).
/// cbindgen:ignore
#[export_name = "_ZN2ts5svtoiENS_8TextViewEPS0_i"]
pub unsafe extern "C" fn ts_svtoi(src: StringView, out: *mut StringView, base: c_int) -> i64 {
    guard!(0, || {
        if !out.is_null() {
            // SAFETY: the caller's TextView (a string_view: length, then pointer).
            unsafe {
                out.write(StringView {
                    len: 0,
                    ptr: std::ptr::null(),
                })
            };
        }
        if src.ptr.is_null() || src.len == 0 {
            return 0;
        }
        // SAFETY: a string_view's pointer and length name `len` readable bytes.
        let bytes = unsafe { std::slice::from_raw_parts(src.ptr, src.len) };
        let (v, read, blanks) = svtoi(bytes, base);
        if read > 0 && !out.is_null() {
            // SAFETY: as above; the text read is inside `src`.
            unsafe {
                out.write(StringView {
                    len: read,
                    ptr: src.ptr.add(blanks),
                })
            };
        }
        v
    })
}

/// ATS's `IpAddr` (ink_inet.h): the family, then the address union (IPv4 in the first 4 bytes,
/// network order) at offset 8, since the union holds `uint64_t`s: 24 bytes.
#[repr(C, align(8))]
pub struct IpAddrRepr {
    family: u16,
    _pad: [u8; 6],
    addr: [u8; 16],
}

const _: () = assert!(std::mem::size_of::<IpAddrRepr>() == 24);
const _: () = assert!(std::mem::offset_of!(IpAddrRepr, addr) == 8);

impl IpAddrRepr {
    fn get(&self) -> Option<IpAddr> {
        match c_int::from(self.family) {
            libc::AF_INET => {
                let b = [self.addr[0], self.addr[1], self.addr[2], self.addr[3]];
                Some(IpAddr::from(b))
            }
            libc::AF_INET6 => Some(IpAddr::from(self.addr)),
            _ => None,
        }
    }

    fn set(&mut self, a: IpAddr) {
        self.addr = [0; 16];
        match a {
            IpAddr::V4(v) => {
                self.family = libc::AF_INET as u16;
                self.addr[..4].copy_from_slice(&v.octets());
            }
            IpAddr::V6(v) => {
                self.family = libc::AF_INET6 as u16;
                self.addr = v.octets();
            }
        }
    }
}

/// `sockaddr *ats_ip_set(sockaddr *dst, const IpAddr &addr, in_port_t port)`: `dst` made a
/// sockaddr_in / sockaddr_in6 of `addr` and `port` (network order), or marked AF_UNSPEC for an
/// address of another family; returns `dst`.
/// cbindgen:ignore
#[export_name = "_Z10ats_ip_setP8sockaddrRK6IpAddrt"]
pub unsafe extern "C" fn ats_ip_set(
    dst: *mut libc::sockaddr,
    addr: *const IpAddrRepr,
    port: u16,
) -> *mut libc::sockaddr {
    guard!(dst, || {
        if dst.is_null() || addr.is_null() {
            crate::error!("{}: NULL address", here!());
            return dst;
        }
        // SAFETY: `addr` is a live IpAddr (the function's contract).
        let a = unsafe { &*addr }.get();
        match a {
            Some(a) => {
                let c = crate::rt::sockaddr::CSockAddr::new(SocketAddr::new(a, u16::from_be(port)));
                let len = if a.is_ipv4() {
                    std::mem::size_of::<libc::sockaddr_in>()
                } else {
                    std::mem::size_of::<libc::sockaddr_in6>()
                };
                // SAFETY: `dst` has room for a sockaddr of `addr`'s family (the function's
                // contract: an IpEndpoint); `c` holds `len` bytes of it.
                unsafe { std::ptr::copy_nonoverlapping(c.as_ptr().cast::<u8>(), dst.cast(), len) };
            }
            // SAFETY: `dst` is a sockaddr (the function's contract).
            None => unsafe { (*dst).sa_family = libc::AF_UNSPEC as libc::sa_family_t },
        }
        dst
    })
}

/// A `std::string_view` passed by value (libstdc++: its length, then its pointer).
#[repr(C)]
pub struct StringView {
    len: usize,
    ptr: *const u8,
}

/// `int ats_ip_range_parse(std::string_view src, IpAddr &lower, IpAddr &upper)`: `ADDR`,
/// `ADDR-ADDR` or `ADDR/CIDR` into the inclusive range's ends; TS_SUCCESS (0), or TS_ERROR (-1)
/// with `lower`/`upper` untouched.
/// cbindgen:ignore
#[export_name = "_Z18ats_ip_range_parseSt17basic_string_viewIcSt11char_traitsIcEER6IpAddrS4_"]
pub unsafe extern "C" fn ats_ip_range_parse(
    src: StringView,
    lower: *mut IpAddrRepr,
    upper: *mut IpAddrRepr,
) -> c_int {
    guard!(-1, || {
        if lower.is_null() || upper.is_null() || (src.ptr.is_null() && src.len > 0) {
            crate::error!("{}: NULL argument", here!());
            return -1;
        }
        let bytes = if src.len == 0 {
            &[][..]
        } else {
            // SAFETY: a string_view's pointer and length name `len` readable bytes.
            unsafe { std::slice::from_raw_parts(src.ptr, src.len) }
        };
        let Some((lo, hi)) = std::str::from_utf8(bytes)
            .ok()
            .and_then(crate::util::ipmap::range_parse)
        else {
            return -1;
        };
        // SAFETY: `lower` and `upper` are live IpAddrs (the function's contract).
        unsafe {
            (*lower).set(lo);
            (*upper).set(hi);
        }
        0
    })
}

/// The bytes of a `std::string_view` (empty for a NULL pointer).
///
/// # Safety
/// `v` names `len` readable bytes at `ptr` (or `ptr` is NULL).
unsafe fn view_bytes<'a>(v: &StringView) -> &'a [u8] {
    if v.ptr.is_null() || v.len == 0 {
        &[]
    } else {
        // SAFETY: this function's contract.
        unsafe { std::slice::from_raw_parts(v.ptr, v.len) }
    }
}

/// How libtscpputil's TextView.cc orders two views (`memcmp` and `strcasecmp` on string_views):
/// the common prefix compared by `cmp` (its value returned when non-zero); then the longer view
/// sorts first (-1 when `lhs` is longer, 1 when shorter: the reverse of what ATS's header says,
/// but what its code and Debian's library do); 0 for equal views.
fn view_order(lhs: &[u8], rhs: &[u8], cmp: impl Fn(&[u8], &[u8]) -> c_int) -> c_int {
    let n = lhs.len().min(rhs.len());
    match cmp(&lhs[..n], &rhs[..n]) {
        0 => match lhs.len().cmp(&rhs.len()) {
            std::cmp::Ordering::Less => 1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => -1,
        },
        r => r,
    }
}

/// Both views of a string_view comparison, or None (logged) for a NULL reference.
///
/// # Safety
/// Each pointer is NULL or a live string_view.
unsafe fn two_views<'a>(
    who: Here,
    lhs: *const StringView,
    rhs: *const StringView,
) -> Option<(&'a [u8], &'a [u8])> {
    if lhs.is_null() || rhs.is_null() {
        crate::error!("{who}: NULL argument");
        return None;
    }
    // SAFETY: references to live string_views (this function's contract).
    Some(unsafe { (view_bytes(&*lhs), view_bytes(&*rhs)) })
}

/// libtscpputil's `int strcasecmp(const std::string_view &, const std::string_view &)`
/// (TextView.h): the common prefix compared as `strncasecmp` does (ASCII case ignored), then the
/// longer view first (see [`view_order`]). Negative, 0 or positive.
/// cbindgen:ignore
#[export_name = "_Z10strcasecmpRKSt17basic_string_viewIcSt11char_traitsIcEES4_"]
pub unsafe extern "C" fn ts_strcasecmp_views(
    lhs: *const StringView,
    rhs: *const StringView,
) -> c_int {
    guard!(0, || {
        // SAFETY: the caller's references (the function's contract), checked for NULL.
        let Some((a, b)) = (unsafe { two_views(here!(), lhs, rhs) }) else {
            return 0;
        };
        view_order(a, b, |x, y| {
            let d = x
                .iter()
                .zip(y)
                .map(|(p, q)| {
                    c_int::from(p.to_ascii_lowercase()) - c_int::from(q.to_ascii_lowercase())
                })
                .find(|d| *d != 0);
            d.unwrap_or(0)
        })
    })
}

/// libtscpputil's `int memcmp(const std::string_view &, const std::string_view &)` (TextView.h):
/// the common prefix compared as `memcmp` does, then the longer view first (see
/// [`view_order`]). Negative, 0 or positive.
/// cbindgen:ignore
#[export_name = "_Z6memcmpRKSt17basic_string_viewIcSt11char_traitsIcEES4_"]
pub unsafe extern "C" fn ts_memcmp_views(lhs: *const StringView, rhs: *const StringView) -> c_int {
    guard!(0, || {
        // SAFETY: the caller's references (the function's contract), checked for NULL.
        let Some((a, b)) = (unsafe { two_views(here!(), lhs, rhs) }) else {
            return 0;
        };
        view_order(a, b, |x, y| {
            if x.is_empty() {
                return 0;
            }
            // SAFETY: both slices hold `x.len()` readable bytes (same length: the common prefix).
            unsafe { libc::memcmp(x.as_ptr().cast(), y.as_ptr().cast(), x.len()) }
        })
    })
}

/// `std::ostream &std::operator<<(std::ostream &os, const ts::TextView &b)` (libtscpputil): the
/// view's bytes written as a formatted string is (the stream's width, fill and adjustment; the
/// width reset to 0), through libstdc++'s own inserter (`std::__ostream_insert`), which the
/// calling plugin's C++ runtime has loaded. Returns `os`. A NULL argument, or a process without
/// libstdc++, writes nothing (logged). A stream whose exception mask asks for exceptions must not
/// be used (an exception cannot cross tshost).
/// cbindgen:ignore
#[export_name = "_ZStlsRSoRKN2ts8TextViewE"]
pub unsafe extern "C" fn ts_textview_ostream(os: *mut c_void, b: *const StringView) -> *mut c_void {
    guard!(os, || {
        let who = here!();
        if os.is_null() || b.is_null() {
            crate::error!("{who}: NULL argument");
            return os;
        }
        let Some(insert) = ostream_insert() else {
            crate::error!("{who}: libstdc++'s std::__ostream_insert is not in the process");
            return os;
        };
        // SAFETY: `b` is a live string_view (the operator's contract); `insert` is libstdc++'s
        // `__ostream_insert<char>(ostream&, const char*, streamsize)`, given the caller's stream.
        unsafe { insert(os, (*b).ptr, (*b).len as isize) }
    })
}

/// libstdc++'s `std::__ostream_insert<char, std::char_traits<char>>`, looked up once in the
/// loaded libstdc++ (never loaded by tshost itself).
fn ostream_insert() -> Option<OstreamInsert> {
    static FOUND: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let f = *FOUND.get_or_init(|| {
        // SAFETY: RTLD_NOLOAD only finds a library that is already loaded (nothing runs); dlsym
        // reads its symbol table. The handle is kept (the library stays loaded).
        unsafe {
            let h = libc::dlopen(
                c"libstdc++.so.6".as_ptr(),
                libc::RTLD_NOW | libc::RTLD_NOLOAD,
            );
            if h.is_null() {
                return 0;
            }
            libc::dlsym(
                h,
                c"_ZSt16__ostream_insertIcSt11char_traitsIcEERSt13basic_ostreamIT_T0_ES6_PKS3_l"
                    .as_ptr(),
            ) as usize
        }
    });
    // SAFETY: a non-zero address is the function of that name, whose signature OstreamInsert is.
    (f != 0).then(|| unsafe { std::mem::transmute::<usize, OstreamInsert>(f) })
}

/// `std::ostream &std::__ostream_insert(std::ostream &, const char *, std::streamsize)`.
type OstreamInsert = unsafe extern "C" fn(*mut c_void, *const u8, isize) -> *mut c_void;

/// ATS's `IpMap` object as a plugin holds it: two pointers (its IPv4 and IPv6 maps), zero when
/// made. tshost keeps its own map behind the first; the second stays NULL.
#[repr(C)]
pub struct IpMapRepr {
    map: *mut crate::util::ipmap::IpMap,
    unused: *mut c_void,
}

/// `IpMap &IpMap::mark(const sockaddr *min, const sockaddr *max, void *data)`: every address of
/// `[min, max]` is marked with `data` (ranges of two families, or NULL ends, mark nothing).
/// Returns `this`.
/// cbindgen:ignore
#[export_name = "_ZN5IpMap4markEPK8sockaddrS2_Pv"]
pub unsafe extern "C" fn ipmap_mark(
    this: *mut IpMapRepr,
    min: *const libc::sockaddr,
    max: *const libc::sockaddr,
    data: *mut c_void,
) -> *mut IpMapRepr {
    guard!(this, || {
        let who = here!();
        if this.is_null() {
            crate::error!("{who}: NULL map");
            return this;
        }
        // SAFETY: `min` and `max` are NULL or sockaddrs of the family they name (the method's
        // contract).
        let ends = unsafe {
            (
                super::addr::sockaddr_of(who, min),
                super::addr::sockaddr_of(who, max),
            )
        };
        let (Some(lo), Some(hi)) = ends else {
            return this;
        };
        // SAFETY: `this` is a live IpMap (the method's contract), whose first pointer is NULL or
        // the map this function made.
        let m = unsafe { &mut *this };
        if m.map.is_null() {
            m.map = Box::into_raw(Box::default());
        }
        // SAFETY: non-NULL, made by Box::into_raw above or by an earlier call, freed only by the
        // destructor.
        unsafe { &mut *m.map }.mark(lo.ip(), hi.ip(), data as usize);
        this
    })
}

/// `bool IpMap::contains(const sockaddr *target, void **ptr) const`: whether `target` is marked;
/// if so and `ptr` is not NULL, `*ptr` = its data.
/// cbindgen:ignore
#[export_name = "_ZNK5IpMap8containsEPK8sockaddrPPv"]
pub unsafe extern "C" fn ipmap_contains(
    this: *const IpMapRepr,
    target: *const libc::sockaddr,
    ptr: *mut *mut c_void,
) -> bool {
    guard!(false, || {
        let who = here!();
        if this.is_null() {
            crate::error!("{who}: NULL map");
            return false;
        }
        // SAFETY: `this` is a live IpMap (the method's contract).
        let map = unsafe { (*this).map };
        if map.is_null() {
            return false;
        }
        // SAFETY: NULL or a sockaddr of the family it names (the method's contract).
        let Some(a) = (unsafe { super::addr::sockaddr_of(who, target) }) else {
            return false;
        };
        // SAFETY: made by `ipmap_mark`, alive until the destructor.
        let Some(data) = unsafe { &*map }.find(a.ip()) else {
            return false;
        };
        if !ptr.is_null() {
            // SAFETY: non-NULL: where the caller wants the data.
            unsafe { *ptr = data as *mut c_void };
        }
        true
    })
}

/// `size_t IpMap::count() const`: how many ranges the map holds (ranges with the same data that
/// touch are one).
/// cbindgen:ignore
#[export_name = "_ZNK5IpMap5countEv"]
pub unsafe extern "C" fn ipmap_count(this: *const IpMapRepr) -> usize {
    guard!(0, || {
        if this.is_null() {
            crate::error!("{}: NULL map", here!());
            return 0;
        }
        // SAFETY: `this` is a live IpMap (the method's contract).
        let map = unsafe { (*this).map };
        if map.is_null() {
            return 0;
        }
        // SAFETY: made by `ipmap_mark`, alive until the destructor.
        unsafe { &*map }.count()
    })
}

/// `IpMap::~IpMap()`: frees what `mark` made.
/// cbindgen:ignore
#[export_name = "_ZN5IpMapD1Ev"]
pub unsafe extern "C" fn ipmap_drop(this: *mut IpMapRepr) {
    guard!((), || {
        if this.is_null() {
            return;
        }
        // SAFETY: `this` is an IpMap being destroyed (the destructor's contract); its first
        // pointer is NULL or the map `ipmap_mark` made with Box::into_raw, freed only here.
        unsafe {
            let m = &mut *this;
            if !m.map.is_null() {
                drop(Box::from_raw(m.map));
                m.map = std::ptr::null_mut();
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(s: &str) -> StringView {
        StringView {
            len: s.len(),
            ptr: s.as_ptr(),
        }
    }

    #[test]
    fn strcasecmp_of_views_ignores_ascii_case_and_sorts_prefixes_last() {
        let cmp = |a: &str, b: &str| {
            let (a, b) = (view(a), view(b));
            // SAFETY (test): two live string_views.
            unsafe { ts_strcasecmp_views(&a, &b) }
        };
        assert_eq!(cmp("Gzip", "gZIP"), 0);
        assert_eq!(cmp("", ""), 0);
        assert!(cmp("br", "gzip") < 0);
        assert!(cmp("gzip", "br") > 0);
        // As Debian's libtscpputil (its code, not its header's comment): the longer view first.
        assert_eq!(cmp("gz", "gzip"), 1);
        assert_eq!(cmp("GZIP", "gz"), -1);
    }

    #[test]
    fn memcmp_of_views_orders_as_libtscpputil() {
        let cmp = |a: &str, b: &str| {
            let (a, b) = (view(a), view(b));
            // SAFETY (test): two live string_views.
            unsafe { ts_memcmp_views(&a, &b) }
        };
        // Debian's libtscpputil.so: memcmp("ab","abc") 1, ("abc","ab") -1, ("abc","abd") -1.
        assert_eq!(cmp("ab", "abc"), 1);
        assert_eq!(cmp("abc", "ab"), -1);
        assert!(cmp("abc", "abd") < 0);
        assert!(cmp("abd", "abc") > 0);
        assert_eq!(cmp("abc", "abc"), 0);
        assert_eq!(cmp("", ""), 0);
        assert!(cmp("A", "a") < 0, "case counts");
    }

    #[test]
    fn svtoi_reads_as_libtscpputil() {
        assert_eq!(svtoi(b"  42 rest", 10), (42, 2, 2));
        assert_eq!(svtoi(b"-17", 10), (-17, 3, 0));
        assert_eq!(svtoi(b"0x1F", 0), (31, 4, 0));
        assert_eq!(svtoi(b"017", 0), (15, 3, 0));
        assert_eq!(svtoi(b"0", 0), (0, 1, 0));
        assert_eq!(svtoi(b"x", 10), (0, 0, 0));
        assert_eq!(svtoi(b"-", 10), (0, 0, 0));
        assert_eq!(svtoi(b"12", 40), (0, 0, 0));
        assert_eq!(
            svtoi(b"99999999999999999999", 10).0,
            -1,
            "overflow stops at the top"
        );
        let src = " 123abc";
        let mut out = StringView {
            len: 9,
            ptr: std::ptr::null(),
        };
        // SAFETY (test): a live view and a writable out.
        let v = unsafe { ts_svtoi(view(src), &mut out, 10) };
        assert_eq!((v, out.len), (123, 3));
        assert_eq!(out.ptr, src[1..].as_ptr());
    }

    #[test]
    fn ink_atoui64_reads_decimal_with_multipliers_and_hex_after_blanks() {
        let read = |s: &str| {
            let c = std::ffi::CString::new(s).unwrap();
            // SAFETY (test): a NUL-terminated string.
            unsafe { ink_atoui64(c.as_ptr()) }
        };
        assert_eq!(read("1024"), 1024);
        assert_eq!(read(" \t\r\n42abc"), 42);
        assert_eq!(read("10M"), 10 << 20);
        assert_eq!(read("2K"), 2048);
        assert_eq!(read("0x1fZ"), 31);
        assert_eq!(read("0x10K"), 16, "no multiplier after hexadecimal");
        assert_eq!(read("x"), 0);
        assert_eq!(
            read("18446744073709551617"),
            1,
            "wraps as C's unsigned arithmetic"
        );
        // SAFETY (test): NULL is refused before it is read.
        assert_eq!(unsafe { ink_atoui64(std::ptr::null()) }, 0);
    }
}
