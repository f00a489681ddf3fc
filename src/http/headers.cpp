#include "tether/headers.hpp"

#include <algorithm>

namespace tether {

namespace {

constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

void clear_unset(std::vector<std::string>& unset, std::string_view name) {
  std::erase_if(unset, [&](const std::string& n) { return iequals(n, name); });
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

Headers::Headers(std::initializer_list<std::pair<std::string, std::string>> entries) {
  entries_.reserve(entries.size());
  for (const auto& [name, value] : entries) entries_.push_back({name, value});
}

Headers& Headers::set(std::string name, std::string value) {
  if (!unset_.empty()) clear_unset(unset_, name);
  auto matches = [&](const Entry& e) { return iequals(e.name, name); };
  auto first = std::find_if(entries_.begin(), entries_.end(), matches);
  if (first == entries_.end()) {
    entries_.push_back({std::move(name), std::move(value)});
    return *this;
  }
  entries_.erase(std::remove_if(std::next(first), entries_.end(), matches), entries_.end());
  *first = {std::move(name), std::move(value)};
  return *this;
}

Headers& Headers::append(std::string name, std::string value) {
  if (!unset_.empty()) clear_unset(unset_, name);
  entries_.push_back({std::move(name), std::move(value)});
  return *this;
}

std::size_t Headers::remove(std::string_view name) {
  return std::erase_if(entries_, [&](const Entry& e) { return iequals(e.name, name); });
}

Headers& Headers::unset(std::string name) {
  remove(name);
  if (!is_unset(name)) unset_.push_back(std::move(name));
  return *this;
}

bool Headers::is_unset(std::string_view name) const {
  return std::any_of(unset_.begin(), unset_.end(),
                     [&](const std::string& n) { return iequals(n, name); });
}

bool Headers::has(std::string_view name) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return iequals(e.name, name); });
}

std::optional<std::string> Headers::get(std::string_view name) const {
  std::optional<std::string> joined;
  for (const auto& e : entries_) {
    if (!iequals(e.name, name)) continue;
    if (joined) {
      joined->append(", ").append(e.value);
    } else {
      joined = e.value;
    }
  }
  return joined;
}

std::vector<std::string> Headers::get_all(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& e : entries_) {
    if (iequals(e.name, name)) values.push_back(e.value);
  }
  return values;
}

Headers& Headers::merge(const Headers& other) {
  if (this == &other) {
    const Headers copy = other;
    return merge(copy);
  }
  std::vector<const Entry*> done;  // first entry of each name of `other` already merged
  for (const auto& entry : other.entries_) {
    if (std::any_of(done.begin(), done.end(),
                    [&](const Entry* d) { return iequals(d->name, entry.name); })) {
      continue;
    }
    done.push_back(&entry);
    if (!unset_.empty()) clear_unset(unset_, entry.name);

    std::vector<Entry> replacement;
    for (const auto& e : other.entries_) {
      if (iequals(e.name, entry.name)) replacement.push_back(e);
    }
    // The replacement takes the place of this name's first entry, or goes last.
    auto matches = [&](const Entry& e) { return iequals(e.name, entry.name); };
    auto first = std::find_if(entries_.begin(), entries_.end(), matches);
    std::size_t at = static_cast<std::size_t>(first - entries_.begin());
    std::erase_if(entries_, matches);
    entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(std::min(at, entries_.size())),
                    replacement.begin(), replacement.end());
  }
  for (const auto& name : other.unset_) unset(name);
  return *this;
}

}  // namespace tether
