/// \file
/// Headers: HTTP header fields, case-insensitive by name, in insertion order,
/// with repeated names allowed (Set-Cookie).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether {

namespace detail {
struct HeadersAccess;
}  // namespace detail

/// HTTP header fields: case-insensitive by name, in insertion order, with
/// repeated names allowed (Set-Cookie). A value type: not synchronised.
class Headers {
 public:
  /// One header field.
  struct Entry {
    std::string name;   ///< as given (case kept for the wire)
    std::string value;  ///< the field's value
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  using const_iterator = std::vector<Entry>::const_iterator;  ///< iterates the entries

  /// No header.
  Headers() = default;
  /// Headers{{"Accept", "application/json"}, {"X-Id", "7"}}: each pair is appended.
  Headers(std::initializer_list<std::pair<std::string, std::string>> entries);

  /// Replaces every value of `name` with `value` (the first entry keeps its place).
  Headers& set(std::string name, std::string value);
  /// Adds one more value for `name`.
  Headers& append(std::string name, std::string value);
  /// Removes every value of `name`; returns how many were removed.
  std::size_t remove(std::string_view name);
  /// Removes every value of `name` and remembers that it is unset (axios'
  /// `headers: {X: null}`): merged over other headers (a client's defaults),
  /// it removes `name` there too. An unset name is no entry: it is never
  /// iterated, counted or sent. set() or append() of the name clears the mark.
  Headers& unset(std::string name);
  /// True when `name` was unset (and not set again since).
  bool is_unset(std::string_view name) const;
  /// The unset names, in the order they were unset.
  const std::vector<std::string>& unset_names() const noexcept { return unset_; }

  /// True when `name` has at least one value.
  bool has(std::string_view name) const;
  /// All values of `name` joined with ", " (Fetch's Headers.get), nullopt if none.
  std::optional<std::string> get(std::string_view name) const;
  /// Every value of `name`, in order (Fetch's getSetCookie for Set-Cookie).
  std::vector<std::string> get_all(std::string_view name) const;

  /// `other`'s names replace these names (case-insensitively); others stay.
  /// A name unset in `other` is removed here and stays unset here.
  Headers& merge(const Headers& other);

  /// The entries (unset names are none of them): count and iteration in order.
  ///@{
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  const_iterator begin() const noexcept { return entries_.begin(); }
  const_iterator end() const noexcept { return entries_.end(); }
  ///@}

  friend bool operator==(const Headers&, const Headers&) = default;

 private:
  friend struct detail::HeadersAccess;  // the engine sizes a response's fields up front
  std::vector<Entry> entries_;
  std::vector<std::string> unset_;  ///< never also in entries_
};

/// ASCII case-insensitive equality, as HTTP names compare.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace tether
