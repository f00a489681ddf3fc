/// \file
/// Cookie: one entry of a client's cookie jar (ClientOptions::cookies), as
/// curl's cookie engine keeps it and a Netscape cookie file stores it.
#pragma once

#include <cstdint>
#include <string>

namespace tether {

/// One entry of a client's cookie jar (ClientOptions::cookies), as curl's
/// cookie engine keeps it and a Netscape cookie file stores it.
struct Cookie {
  std::string domain{};             ///< "example.com", or ".example.com" with subdomains
  bool include_subdomains = false;  ///< sent to the domain's subdomains too
  std::string path = "/";           ///< sent for this path and below
  bool secure = false;              ///< sent over https only
  std::int64_t expires = 0;         ///< Unix time; 0: a session cookie
  std::string name{};               ///< the cookie's name
  std::string value{};              ///< the cookie's value
  bool http_only = false;           ///< HttpOnly (scripts may not read it)

  friend bool operator==(const Cookie&, const Cookie&) = default;
};

}  // namespace tether
