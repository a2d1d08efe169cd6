//! The few functions of ATS's own libraries (libtscore) that Debian's plugin binaries call from
//! the host process, exported under their C++ names: regex_remap.so calls `ats_ip_ntop` and
//! `ink_ctime_r`. Each behaves as ATS 9.2.9's (src/tscore/ink_inet.cc, ink_time.cc).

use std::os::raw::{c_char, c_long};

use super::{guard, here};

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
