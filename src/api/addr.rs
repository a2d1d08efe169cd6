//! Reading a `struct sockaddr` a plugin passes in.

use std::net::SocketAddr;
use std::os::raw::c_int;

/// The address `p` points to; None for NULL or a family other than AF_INET and AF_INET6 (noted
/// in `who`'s name).
///
/// # Safety
/// `p` is NULL or points to a struct sockaddr_in (family AF_INET), a struct sockaddr_in6 (family
/// AF_INET6) or at least a struct sockaddr (other families), alive for the call.
pub(crate) unsafe fn sockaddr_of(who: super::Here, p: *const libc::sockaddr) -> Option<SocketAddr> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-NULL, and at least a struct sockaddr (this function's contract).
    match unsafe { (*p).sa_family } as c_int {
        libc::AF_INET => {
            // SAFETY: family AF_INET, so a struct sockaddr_in (this function's contract).
            let a = unsafe { &*(p as *const libc::sockaddr_in) };
            Some(SocketAddr::from((
                u32::from_be(a.sin_addr.s_addr).to_be_bytes(),
                u16::from_be(a.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: family AF_INET6, so a struct sockaddr_in6 (this function's contract).
            let a = unsafe { &*(p as *const libc::sockaddr_in6) };
            Some(SocketAddr::V6(std::net::SocketAddrV6::new(
                a.sin6_addr.s6_addr.into(),
                u16::from_be(a.sin6_port),
                u32::from_be(a.sin6_flowinfo),
                a.sin6_scope_id,
            )))
        }
        f => {
            crate::warning!("{who}: address family {f} is not AF_INET or AF_INET6; no address");
            None
        }
    }
}
