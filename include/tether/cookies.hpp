// Cookie: one entry of a client's cookie jar (ClientOptions::cookies), as
// curl's cookie engine keeps it and a Netscape cookie file stores it.
#pragma once

#include <cstdint>
#include <string>

namespace tether {

struct Cookie {
  std::string domain{};             ///< "example.com", or ".example.com" with subdomains
  bool include_subdomains = false;  ///< sent to the domain's subdomains too
  std::string path = "/";
  bool secure = false;       ///< sent over https only
  std::int64_t expires = 0;  ///< Unix time; 0: a session cookie
  std::string name{};
  std::string value{};
  bool http_only = false;

  friend bool operator==(const Cookie&, const Cookie&) = default;
};

}  // namespace tether
