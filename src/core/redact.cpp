#include "core/redact.hpp"

#include <string_view>

namespace tether::detail {

namespace {

// Where an authority may start: "//" at the start, after a scheme's ':' or
// after a delimiter a message puts around a URL.
bool starts_authority(const std::string& text, std::size_t slashes) {
  if (slashes == 0) return true;
  return std::string_view(":\"' (<[=,;").find(text[slashes - 1]) != std::string_view::npos;
}

}  // namespace

std::string redact_userinfo(std::string text) {
  std::size_t pos = 0;
  while ((pos = text.find("//", pos)) != std::string::npos) {
    if (!starts_authority(text, pos)) {
      pos += 2;
      continue;
    }
    const std::size_t begin = pos + 2;
    // The authority ends at the path, query or fragment, or where the message
    // goes on (whitespace, a closing quote).
    std::size_t end = text.find_first_of("/?#\"' \t\r\n>", begin);
    if (end == std::string::npos) end = text.size();
    // The last '@' ends the userinfo (a password may hold an '@' of its own).
    const std::size_t at = text.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= begin && at < end) {
      text.replace(begin, at - begin, "***");
      end = begin + 3 + (end - at);
    }
    pos = end;
  }
  return text;
}

nlohmann::json printable(const nlohmann::json& j) {
  return nlohmann::json::parse(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace tether::detail
