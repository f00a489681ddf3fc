/// \file
/// Params: query parameters in insertion order, and the query-string helpers.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace tether {

/// Query parameters in insertion order (a value type: not synchronised).
/// Values are JSON: strings, numbers, booleans, arrays (repeated keys), objects
/// (nested keys, axios-style), null (left out).
class Params {
 public:
  using Entry = std::pair<std::string, nlohmann::json>;       ///< a name and its value
  using const_iterator = std::vector<Entry>::const_iterator;  ///< iterates the entries

  /// No parameter.
  Params() = default;
  /// Params{{"q", "x"}, {"page", 2}, {"flag", true}, {"ids", {1, 2}}}
  Params(std::initializer_list<Entry> entries);

  /// Replaces the value of `name` (keeping its place) or appends it.
  Params& set(std::string name, nlohmann::json value);
  /// Removes `name`; true if it was there.
  bool remove(std::string_view name);
  /// True when `name` is there.
  bool has(std::string_view name) const;
  /// The value of `name`, or nullptr.
  const nlohmann::json* find(std::string_view name) const;

  /// The entries: count and iteration in order.
  ///@{
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  const_iterator begin() const noexcept { return entries_.begin(); }
  const_iterator end() const noexcept { return entries_.end(); }
  ///@}

  friend bool operator==(const Params&, const Params&) = default;

 private:
  std::vector<Entry> entries_;
};

/// How an array value is written (axios / qs "arrayFormat").
enum class ArrayFormat {
  Brackets,  ///< ids[]=1&ids[]=2 (axios' default)
  Indices,   ///< ids[0]=1&ids[1]=2
  Repeat,    ///< ids=1&ids=2
  Comma,     ///< ids=1,2
};

/// The query string (no leading '?') as axios' buildURL writes it: its encode()
/// (encodeURIComponent, then ':', '$', ',', '[', ']' left literal and space as
/// '+'), null values left out, booleans and numbers as JSON text, objects as
/// nested keys (a[b]=1).
std::string build_query(const Params& params, ArrayFormat arrays = ArrayFormat::Brackets);

/// axios' buildURL: drops any \#fragment, then appends the query with '?' or '&'.
std::string build_url(std::string_view url, const Params& params,
                      ArrayFormat arrays = ArrayFormat::Brackets);

/// Parses "a=1&b&c=x%20y" into {a:"1", b:true, c:"x y"} ('+' also decodes to a
/// space). A repeated key keeps its last value (as the ApiClient article's
/// parseQueryString).
Params parse_query(std::string_view query);

/// The ApiClient's mergeParamsIntoUrl: the url's own query merged with `params`
/// (given params win on a name conflict), the fragment kept. `true` is written
/// as a bare key, arrays as repeated keys; percent-encoding as
/// encodeURIComponent.
std::string merge_params_into_url(std::string_view url, const Params& params);

/// encodeURIComponent and its inverse (decode_uri_component keeps malformed
/// escapes as they are).
///@{
std::string encode_uri_component(std::string_view s);
std::string decode_uri_component(std::string_view s);
///@}

}  // namespace tether
