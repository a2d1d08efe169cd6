/* tscore/ink_inet.h: the part of ATS's internal tscore/ink_inet.h that ATS's example plugins use
 * (ssl_preaccept): the IpAddr class, laid out as ATS's (a 16-bit family, then the address at
 * offset 8, 24 bytes in all: tshost's exported ats_ip_set and ats_ip_range_parse read and write
 * it), with its methods written inline here; ats_ip_ntop and ats_ip_range_parse are exported by
 * tshost. Written for tshost; not ATS's header. C++17. */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <string>
#include <string_view>

class IpAddr;

/* Exported by tshost (libtscore's functions under their C++ names). */
char *ats_ip_ntop(const struct sockaddr *addr, char *dst, size_t size);
int ats_ip_range_parse(std::string_view src, IpAddr &lower, IpAddr &upper);
sockaddr *ats_ip_set(sockaddr *dst, IpAddr const &addr, uint16_t port);

class IpAddr
{
public:
  IpAddr() : _family(AF_UNSPEC) { memset(&_addr, 0, sizeof(_addr)); }

  /* The address of a socket address (IPv4 or IPv6; anything else leaves it invalid). */
  explicit IpAddr(const sockaddr *sa) : IpAddr() { assign(sa); }

  IpAddr &
  assign(const sockaddr *sa)
  {
    _family = AF_UNSPEC;
    memset(&_addr, 0, sizeof(_addr));
    if (sa && sa->sa_family == AF_INET) {
      _family = AF_INET;
      memcpy(_addr._byte, &reinterpret_cast<const sockaddr_in *>(sa)->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6) {
      _family = AF_INET6;
      memcpy(_addr._byte, &reinterpret_cast<const sockaddr_in6 *>(sa)->sin6_addr, 16);
    }
    return *this;
  }

  /* Read an address from text ("1.2.3.4", "::1", "[::1]"): 0 when it is one, else -1 (and the
   * address is invalid). */
  int
  load(std::string_view text)
  {
    _family = AF_UNSPEC;
    memset(&_addr, 0, sizeof(_addr));
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
      text = text.substr(1, text.size() - 2);
    }
    std::string s(text);
    if (inet_pton(AF_INET, s.c_str(), _addr._byte) == 1) {
      _family = AF_INET;
      return 0;
    }
    if (inet_pton(AF_INET6, s.c_str(), _addr._byte) == 1) {
      _family = AF_INET6;
      return 0;
    }
    memset(&_addr, 0, sizeof(_addr));
    return -1;
  }

  /* The address as text into `dest` (`len` bytes); an invalid one reads as ATS writes it. */
  char *
  toString(char *dest, size_t len) const
  {
    if (!isValid()) {
      snprintf(dest, len, "*Not IP address [%u]*", static_cast<unsigned>(_family));
    } else if (!inet_ntop(_family, _addr._byte, dest, len) && len > 0) {
      dest[0] = '\0';
    }
    return dest;
  }

  bool isValid() const { return _family == AF_INET || _family == AF_INET6; }
  bool isIp4() const { return _family == AF_INET; }
  bool isIp6() const { return _family == AF_INET6; }
  uint16_t family() const { return _family; }

  /* Order: invalid, then IPv4, then IPv6; within a family by the address bytes. */
  int
  cmp(const IpAddr &that) const
  {
    auto rank = [](uint16_t f) { return f == AF_INET ? 1 : f == AF_INET6 ? 2 : 0; };
    int a = rank(_family), b = rank(that._family);
    if (a != b) {
      return a < b ? -1 : 1;
    }
    if (a == 0) {
      return 0;
    }
    int r = memcmp(_addr._byte, that._addr._byte, a == 1 ? 4 : 16);
    return r < 0 ? -1 : r > 0 ? 1 : 0;
  }

  bool operator==(const IpAddr &that) const { return cmp(that) == 0; }
  bool operator!=(const IpAddr &that) const { return cmp(that) != 0; }
  bool operator<(const IpAddr &that) const { return cmp(that) < 0; }
  bool operator<=(const IpAddr &that) const { return cmp(that) <= 0; }
  bool operator>(const IpAddr &that) const { return cmp(that) > 0; }
  bool operator>=(const IpAddr &that) const { return cmp(that) >= 0; }

  uint16_t _family;
  union Addr {
    in_addr_t _ip4;
    in6_addr _ip6;
    uint8_t _byte[16];
    uint32_t _u32[4];
    uint64_t _u64[2];
  } _addr;
};

static_assert(sizeof(IpAddr) == 24, "IpAddr is laid out as ATS's");
static_assert(offsetof(IpAddr, _addr) == 8, "IpAddr's address is where ATS's is");
