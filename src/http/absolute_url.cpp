#include "http/absolute_url.hpp"

#include <string>

namespace tether::detail {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// `url` as the WHATWG parser first sees it: leading C0 controls and spaces
// gone, tabs and newlines anywhere removed.
std::string cleaned(std::string_view url) {
  while (!url.empty() && static_cast<unsigned char>(url.front()) <= 0x20) url.remove_prefix(1);
  std::string out;
  for (char c : url) {
    if (c != '\t' && c != '\n' && c != '\r') out += c;
  }
  return out;
}

}  // namespace

bool is_absolute_url(std::string_view original) {
  const std::string url = cleaned(original);
  if (url.size() >= 2 && (url[0] == '/' || url[0] == '\\') && (url[1] == '/' || url[1] == '\\')) {
    return true;
  }
  if (url.empty() || !is_alpha(url[0])) return false;
  for (char c : url) {
    if (c == ':') return true;
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return false;
}

}  // namespace tether::detail
