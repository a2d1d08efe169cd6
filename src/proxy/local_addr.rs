//! Whether an address is one of this host's (ATS's `Machine::is_self`: the addresses of its
//! interfaces, the loopback interface's included).
#![forbid(unsafe_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, UdpSocket};

/// True when `ip` is an address of this host: the loopback interface's (127.0.0.1, ::1), or an
/// address a socket can be bound to (the system allows that only for its own addresses).
pub fn is_self(ip: IpAddr) -> bool {
    if ip.is_loopback() {
        return ip == IpAddr::V4(Ipv4Addr::LOCALHOST) || ip == IpAddr::V6(Ipv6Addr::LOCALHOST);
    }
    if ip.is_unspecified() || ip.is_multicast() {
        return false;
    }
    UdpSocket::bind((ip, 0)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_interface_addresses_are_self_and_others_are_not() {
        assert!(is_self("127.0.0.1".parse().unwrap()));
        assert!(!is_self("127.0.0.2".parse().unwrap()));
        // TEST-NET-3 (RFC 5737): never a host's own.
        assert!(!is_self("203.0.113.7".parse().unwrap()));
        assert!(!is_self("0.0.0.0".parse().unwrap()));
    }
}
