// A quick test for the URLs most requests carry, so that only the others pay
// for curl's full URL parse when a request is checked (that parse was a tenth
// of the whole process's instructions per request, curl's included).
#pragma once

#include <string_view>

namespace tether::detail {

// True when `url` is plainly one curl accepts: http(s)://host[:port][rest],
// the host made of ASCII letters, digits, '-' and '.' (with a letter in it, or
// a dotted quad of 0-255), the port 1-65535 without leading zeros, and the
// rest of RFC 3986 characters. False says nothing: the full parse decides.
bool plainly_valid_url(std::string_view url) noexcept;

}  // namespace tether::detail
