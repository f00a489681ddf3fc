// Header names and values: the case-insensitive container under a sequence of
// operations, then validation before anything is sent (CR / LF / NUL or a
// non-token name must be refused, never written to the wire).
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "client/client_core.hpp"
#include "fuzz_input.hpp"

namespace {

using tether::fuzz::require;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool is_tchar(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool clean_value(const std::string& v) {
  return v.find_first_of(std::string("\r\n\0", 3)) == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tether::fuzz::Fields fields(data, size);
  tether::Headers headers;
  tether::Headers other;
  // Operations: a letter, then a name and a value field.
  while (!fields.empty()) {
    const std::string op = fields.next();
    std::string name = fields.next();
    std::string value = fields.next();
    switch (op.empty() ? 's' : op[0]) {
      case 'a':
        headers.append(name, value);
        break;
      case 'r':
        headers.remove(name);
        break;
      case 'u':
        headers.unset(name);
        require(!headers.has(name), "an unset name is gone");
        break;
      case 'o':
        other.set(name, value);
        break;
      case 'm':
        headers.merge(other);
        break;
      default:
        headers.set(name, value);
        require(headers.get(upper(name)) == value, "set then get, whatever the case");
        break;
    }
  }

  tether::RequestConfig config;
  config.url = "http://127.0.0.1:1/";
  config.headers = headers;
  auto prepared = tether::detail::prepare_config({}, std::move(config));
  auto spec = tether::detail::make_spec(prepared.config, prepared.default_header_names);
  if (std::holds_alternative<tether::Error>(spec)) return 0;
  for (const auto& [name, value] : std::get<tether::detail::TransferSpec>(spec).headers) {
    require(!name.empty() &&
                std::all_of(name.begin(), name.end(), [](unsigned char c) { return is_tchar(c); }),
            "a sent header name is a token");
    require(clean_value(value), "no CR, LF or NUL in a sent value");
  }
  return 0;
}
