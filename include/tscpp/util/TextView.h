/* tscpp/util/TextView.h: the part of ATS's internal tscpp/util/TextView.h that ATS's example
 * and test plugins tshost builds use (client_context_dump, cert_update, test_cppapi): the `_sv`
 * literal (a constexpr std::string_view), ts::TextView as a std::string_view with its `_tv`
 * literal, and the functions of libtscpputil that traffic_server gives its plugins and tshost
 * exports with the same symbols: memcmp and strcasecmp on two views, and writing a TextView to an
 * ostream. ATS's class has many more methods (take_prefix_at, split_*, ltrim, ...): a plugin that
 * uses them does not compile against this header. Written for tshost; not ATS's header. C++17. */
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string_view>

/* Order two views: their common prefix compared byte by byte (memcmp) or ignoring ASCII case
 * (strcasecmp), that result if it is not 0; else the longer view first (1 when `lhs` is the
 * shorter, -1 when it is the longer), 0 when both are equal. */
int memcmp(const std::string_view &lhs, const std::string_view &rhs);
int strcasecmp(const std::string_view &lhs, const std::string_view &rhs);

namespace ts
{
/* A view of text it does not own: here, a std::string_view. */
class TextView : public std::string_view
{
public:
  using std::string_view::string_view;
  constexpr TextView() noexcept = default;
  constexpr TextView(std::string_view v) noexcept : std::string_view(v) {}
};

namespace literals
{
  constexpr ts::TextView operator"" _tv(const char *s, size_t n) { return {s, n}; }
} // namespace literals
} // namespace ts

namespace std
{
/* Write the view as a formatted string is written (the stream's width, fill and adjustment;
 * the width is reset to 0). */
ostream &operator<<(ostream &os, const ts::TextView &b);
} // namespace std

/* A constexpr std::string_view literal, as ATS's header gives it (global). */
constexpr std::string_view operator"" _sv(const char *s, size_t n)
{
  return {s, n};
}
