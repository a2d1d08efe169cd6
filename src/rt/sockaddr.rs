//! A socket address laid out as C's `struct sockaddr_in` / `sockaddr_in6` (or all zero:
//! AF_UNSPEC), for the `const struct sockaddr *` the C API hands out. Built and read without
//! `unsafe`: a union written whole, read only through the pointer C gets. Not socket2's SockAddr
//! (which the session's addresses use): that one cannot be AF_UNSPEC without `unsafe`, and
//! TSHttpTxnServerAddrGet's one slot is AF_UNSPEC until the origin is known, as ATS's.
#![forbid(unsafe_code)]

use std::net::{IpAddr, SocketAddr};

/// `sockaddr_in`, `sockaddr_in6` or 28 zero bytes, in place.
#[repr(C)]
#[derive(Clone, Copy)]
pub union CSockAddr {
    v4: libc::sockaddr_in,
    v6: libc::sockaddr_in6,
    unspecified: [u8; std::mem::size_of::<libc::sockaddr_in6>()],
}

impl Default for CSockAddr {
    fn default() -> Self {
        Self::unspecified()
    }
}

impl CSockAddr {
    /// All zero: family AF_UNSPEC (ATS's `IpEndpoint` before it is set).
    pub const fn unspecified() -> Self {
        CSockAddr {
            unspecified: [0; std::mem::size_of::<libc::sockaddr_in6>()],
        }
    }

    /// The C form of `a` (port in network order).
    pub fn new(a: SocketAddr) -> Self {
        match a.ip() {
            IpAddr::V4(ip) => CSockAddr {
                v4: libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(ip.octets()),
                    },
                    sin_zero: [0; 8],
                },
            },
            IpAddr::V6(ip) => CSockAddr {
                v6: libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: 0,
                    sin6_addr: libc::in6_addr {
                        s6_addr: ip.octets(),
                    },
                    sin6_scope_id: match a {
                        SocketAddr::V6(v6) => v6.scope_id(),
                        SocketAddr::V4(_) => 0,
                    },
                },
            },
        }
    }

    /// The address as C reads it.
    pub fn as_ptr(&self) -> *const libc::sockaddr {
        (self as *const CSockAddr).cast()
    }
}
