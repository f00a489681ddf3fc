// ClientOptions::resolve: host names the client maps to addresses itself, as
// curl's --resolve does, so that no resolver is asked for them. The egress
// policy still checks the address a mapped name connects to.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <vector>

namespace tether::detail {

class NameOverrides {
 public:
  // Null when `entries` is empty. Throws Error(BadOptionValue) for an entry
  // that is not "host:port:address[,address…]" (a host name, a port 1–65535,
  // IP addresses).
  static std::shared_ptr<const NameOverrides> make(const std::vector<std::string>& entries);

  NameOverrides() = default;
  NameOverrides(const NameOverrides&) = delete;
  NameOverrides& operator=(const NameOverrides&) = delete;
  ~NameOverrides();

  // For CURLOPT_RESOLVE; lives as long as this object (the engine's).
  curl_slist* list() const { return list_; }
  // The entries in canonical form (lower-case host without its trailing dot,
  // addresses as to_string writes them, IPv6 in brackets).
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  std::vector<std::string> entries_;
  curl_slist* list_ = nullptr;
};

// One entry in canonical form, or empty if it is not valid.
std::string canonical_resolve_entry(std::string_view entry);

}  // namespace tether::detail
