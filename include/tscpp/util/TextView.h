/* tscpp/util/TextView.h: the part of ATS's internal tscpp/util/TextView.h that ATS's example
 * plugins tshost builds use (client_context_dump, cert_update): the `_sv` literal (a constexpr
 * std::string_view), and ts::TextView as a std::string_view with its `_tv` literal. ATS's class
 * has many more methods (take_prefix_at, split_*, ltrim, ...): a plugin that uses them does not
 * compile against this header. Written for tshost; not ATS's header. C++17. */
#pragma once

#include <cstddef>
#include <string_view>

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

/* A constexpr std::string_view literal, as ATS's header gives it (global). */
constexpr std::string_view operator"" _sv(const char *s, size_t n)
{
  return {s, n};
}
