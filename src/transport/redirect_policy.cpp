#include "transport/redirect_policy.hpp"

#include <curl/curl.h>

#include <cctype>

#include "http/host.hpp"

#include "transport/engine.hpp"

namespace tether::detail {

std::string origin_of(const std::string& url) {
  CURLU* u = curl_url();
  std::string origin;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      // Security: one spelling per host ("127.1", "LOCALHOST.", "[::ffff:7f00:1]"),
      // so that no spelling passes for another origin, nor fails to match its own.
      std::string canonical = canonical_host(host);
      if (canonical.empty()) canonical = host;
      for (char* c = scheme; *c; ++c)
        *c = static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
      origin = std::string(scheme) + "://" + canonical + ":" + port;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return origin;
}

std::string strip_userinfo(std::string_view url) {
  // scheme "://" [userinfo "@"] host...: the userinfo ends at the last '@'
  // before the path.
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  auto authority = scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  auto at = url.substr(authority, authority_end - authority).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, authority));
  out += url.substr(authority + at + 1);
  return out;
}

namespace {

bool is_http_scheme(const std::string& origin) {
  return origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0;
}

// 303 turns any method but HEAD into GET; 301 and 302 turn POST into GET
// (what browsers and axios' follow-redirects do). The body goes with it.
bool becomes_get(long status, std::string_view method) {
  return (status == 303 && method != "HEAD") ||
         ((status == 301 || status == 302) && method == "POST");
}

}  // namespace

RedirectDecision decide_redirect(const RedirectInput& in) {
  RedirectDecision d;
  if (!is_redirect_status(in.status) || !in.location || in.max_redirects <= 0) return d;
  if (in.redirects >= in.max_redirects) {
    d.action = RedirectDecision::Action::Refuse;
    d.code = ErrorCode::TooManyRedirects;
    d.message = "Maximum number of redirects exceeded";
    return d;
  }
  d.url = without_trailing_dot(in.location);
  std::string next_origin = origin_of(d.url);
  if (!is_http_scheme(next_origin)) {
    d.action = RedirectDecision::Action::Refuse;
    d.code = ErrorCode::InvalidUrl;
    d.message = "Redirected to a URL that is not http or https: " + strip_userinfo(d.url);
    d.url.clear();
    return d;
  }
  d.action = RedirectDecision::Action::Follow;
  // Credentials stay with the origin they were given for, and a client's
  // default headers with its base_url's.
  d.drop_credentials = next_origin != origin_of(std::string(in.url));
  d.drop_origin_bound = !in.bound_origin.empty() && next_origin != in.bound_origin;
  d.drop_body = becomes_get(in.status, in.method);
  d.method = d.drop_body ? std::string("GET") : std::string(in.method);
  return d;
}

}  // namespace tether::detail
