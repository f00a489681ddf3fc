#include "http/host.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace tether::detail {

namespace {

constexpr std::uint64_t kTooBig = std::uint64_t{1} << 40;

// One part of an IPv4 address: decimal, octal ("0…") or hex ("0x…"), as
// WHATWG's IPv4 number parser reads it.
std::optional<std::uint64_t> ipv4_number(std::string_view part) {
  if (part.empty()) return std::nullopt;
  unsigned base = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    base = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (char c : part) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (digit >= base) return std::nullopt;
    value = value * base + digit;
    if (value >= kTooBig) return std::nullopt;  // no overflow, and surely too big
  }
  return value;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    auto at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

bool is_mapped_ipv4(const IpAddress& a) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return a.v6 && std::memcmp(a.bytes.data(), kPrefix, sizeof kPrefix) == 0;
}

// Whether a name's last label is a number, which makes the name an IPv4
// address or nothing (WHATWG's "ends in a number").
bool ends_in_number(std::string_view name) {
  std::string_view last = name.substr(name.rfind('.') + 1);
  if (last.empty()) return false;
  if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return true;
  }
  return last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') &&
         ipv4_number(last).has_value();
}

bool valid_name_char(unsigned char c) {
  if (c <= 0x20 || c == 0x7f) return false;
  return std::string_view("/\\?#@:[]%<>^|\"'`{}").find(static_cast<char>(c)) ==
         std::string_view::npos;
}

}  // namespace

std::optional<IpAddress> parse_ipv4(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  auto parts = split(text, '.');
  if (parts.size() > 4) return std::nullopt;
  std::vector<std::uint64_t> numbers;
  for (auto part : parts) {
    auto n = ipv4_number(part);
    if (!n) return std::nullopt;
    numbers.push_back(*n);
  }
  // Every part but the last is one byte; the last fills the bytes left.
  std::uint64_t value = 0;
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) {
    if (numbers[i] > 255) return std::nullopt;
    value |= numbers[i] << (8 * (3 - i));
  }
  const std::uint64_t last_limit = std::uint64_t{1} << (8 * (5 - numbers.size()));
  if (numbers.back() >= last_limit) return std::nullopt;
  value |= numbers.back();
  IpAddress a;
  for (int i = 0; i < 4; ++i) a.bytes[i] = static_cast<std::uint8_t>(value >> (8 * (3 - i)));
  return a;
}

std::optional<IpAddress> parse_ipv6(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  text = text.substr(0, text.find('%'));  // the zone does not name another host
  if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string copy(text);
  IpAddress a;
  a.v6 = true;
  if (inet_pton(AF_INET6, copy.c_str(), a.bytes.data()) != 1) return std::nullopt;
  return a;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  auto a = text.find(':') == std::string_view::npos ? parse_ipv4(text) : parse_ipv6(text);
  if (a && is_mapped_ipv4(*a)) {
    IpAddress v4;
    std::copy(a->bytes.begin() + 12, a->bytes.end(), v4.bytes.begin());
    return v4;
  }
  return a;
}

std::string to_string(const IpAddress& address) {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(address.v6 ? AF_INET6 : AF_INET, address.bytes.data(), buffer, sizeof buffer);
  return buffer;
}

std::string canonical_host(std::string_view host) {
  if (host.empty()) return {};
  if (host.front() == '[' || host.find(':') != std::string_view::npos) {
    if (host.front() == '[' && host.back() != ']') return {};
    auto a = parse_ip(host);
    return a ? to_string(*a) : std::string();
  }
  std::string name(host);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  if (name.back() == '.') name.pop_back();
  if (name.empty() || name.front() == '.' || name.back() == '.' ||
      name.find("..") != std::string::npos) {
    return {};
  }
  if (!std::all_of(name.begin(), name.end(),
                   [](char c) { return valid_name_char(static_cast<unsigned char>(c)); })) {
    return {};
  }
  if (ends_in_number(name)) {
    auto a = parse_ipv4(name);
    return a ? to_string(*a) : std::string();
  }
  return name;
}

}  // namespace tether::detail
