// A URL with its host's trailing dot dropped (host.hpp): "localhost." and
// "127.0.0.1." would otherwise reach the resolver as names of their own —
// past /etc/hosts and curl's own localhost handling, on to real DNS.
#include <curl/curl.h>

#include <memory>
#include <string_view>

#include "http/host.hpp"

namespace tether::detail {

namespace {

using UrlHandle = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;

std::string take(char* part) {
  std::string text = part ? part : "";
  curl_free(part);
  return text;
}

}  // namespace

std::string without_trailing_dot(std::string url) {
  // The usual URL leaves here without a parse: a trailing dot shows as "." at
  // the authority's end or before its port (a false alarm only costs a parse).
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto start = scheme + 3;
  // (A plain loop: find_first_of does a search of the set per byte.)
  auto end = start;
  while (end < url.size() && url[end] != '/' && url[end] != '?' && url[end] != '#') ++end;
  std::string_view authority(url.data() + start, end - start);
  if (authority.empty() ||
      (authority.back() != '.' && authority.find(".:") == std::string_view::npos)) {
    return url;
  }
  UrlHandle parsed(curl_url(), &curl_url_cleanup);
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
                     CURLUE_OK) {
    return url;  // not parsed: the URL's check says what is wrong with it
  }
  char* part = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_HOST, &part, 0) != CURLUE_OK) return url;
  std::string host = take(part);
  if (host.empty() || host.back() != '.' || host.front() == '[') return url;
  std::string canonical = canonical_host(host);
  if (canonical.empty() || canonical.find(':') != std::string::npos) return url;
  part = nullptr;
  if (curl_url_set(parsed.get(), CURLUPART_HOST, canonical.c_str(), 0) != CURLUE_OK ||
      curl_url_get(parsed.get(), CURLUPART_URL, &part, 0) != CURLUE_OK) {
    return url;
  }
  return take(part);
}

}  // namespace tether::detail
