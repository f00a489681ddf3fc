#include "client/plain_url.hpp"

#include <array>

namespace tether::detail {

namespace {

bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// 1-65535, digits only, no leading zero.
bool plain_port(std::string_view port) noexcept {
  if (port.empty() || port.size() > 5 || port.front() == '0') return false;
  unsigned value = 0;
  for (char c : port) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

// Four parts of 0-255, no leading zeros (curl reads other numeric forms its
// own way: those take the full parse).
bool dotted_quad(std::string_view host) noexcept {
  int parts = 0;
  while (true) {
    std::size_t dot = host.find('.');
    std::string_view part = host.substr(0, dot);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part.front() == '0')) return false;
    unsigned value = 0;
    for (char c : part) {
      if (!is_digit(c)) return false;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255 || ++parts > 4) return false;
    if (dot == std::string_view::npos) return parts == 4;
    host.remove_prefix(dot + 1);
  }
}

bool plain_host(std::string_view host) noexcept {
  if (host.empty() || host.size() > 253 || !(is_alpha(host.front()) || is_digit(host.front()))) {
    return false;
  }
  bool letter = false;
  for (char c : host) {
    if (is_alpha(c)) {
      letter = true;
    } else if (!is_digit(c) && c != '-' && c != '.') {
      return false;
    }
  }
  return letter || dotted_quad(host);
}

// RFC 3986's unreserved, sub-delims, '%' and the gen-delims but '[' and ']':
// a table, as every byte of every request's URL is looked up.
constexpr std::array<bool, 256> kRestTable = [] {
  std::array<bool, 256> table{};
  for (char c = 'a'; c <= 'z'; ++c) table[static_cast<unsigned char>(c)] = true;
  for (char c = 'A'; c <= 'Z'; ++c) table[static_cast<unsigned char>(c)] = true;
  for (char c = '0'; c <= '9'; ++c) table[static_cast<unsigned char>(c)] = true;
  for (char c : std::string_view("-._~!$&'()*+,;=%:/?#@"))
    table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool plain_rest(std::string_view rest) noexcept {
  for (char c : rest) {
    if (!kRestTable[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

}  // namespace

bool plainly_valid_url(std::string_view url) noexcept {
  std::size_t scheme_end;
  if (url.substr(0, 7) == "http://") {
    scheme_end = 7;
  } else if (url.substr(0, 8) == "https://") {
    scheme_end = 8;
  } else {
    return false;  // other spellings (HTTP://) take the full parse
  }
  if (url.size() > 65536) return false;
  std::string_view rest = url.substr(scheme_end);
  // (A plain loop: find_first_of does a search of the set per byte.)
  std::size_t authority_end = 0;
  while (authority_end < rest.size() && rest[authority_end] != '/' && rest[authority_end] != '?' &&
         rest[authority_end] != '#') {
    ++authority_end;
  }
  std::string_view authority = rest.substr(0, authority_end);
  std::size_t colon = authority.find(':');
  if (!plain_host(authority.substr(0, colon))) return false;
  if (colon != std::string_view::npos && !plain_port(authority.substr(colon + 1))) return false;
  return plain_rest(rest.substr(authority_end));
}

}  // namespace tether::detail
