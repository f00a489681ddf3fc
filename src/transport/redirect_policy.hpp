// The redirect policy: whether a response is a redirect to follow, and what
// the next request keeps. A pure decision (no curl handle), table-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/error.hpp"

namespace tether::detail {

// The status codes that redirect (and that the loop follows itself).
constexpr bool is_redirect_status(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

struct RedirectInput {
  long status = 0;
  std::string_view method;
  const char* location = nullptr;  // the absolute URL curl resolved, or null
  std::string_view url;            // the request's URL now
  std::string_view bound_origin;   // the origin default headers belong to ("" for none)
  int redirects = 0;               // followed so far
  int max_redirects = 21;
};

struct RedirectDecision {
  enum class Action {
    None,    // not a redirect to follow: the response is the outcome
    Follow,  // send the next request
    Refuse,  // fail the request with `code` and `message`
  } action = Action::None;

  // Follow:
  std::string url;
  std::string method;              // the next request's method
  bool drop_body = false;          // the body (and its Content-Type/Length) goes
  bool drop_credentials = false;   // Authorization, Cookie, Proxy-Authorization, auth
  bool drop_origin_bound = false;  // the client's default headers
  // Refuse:
  ErrorCode code = ErrorCode::Unknown;
  std::string message;
};

RedirectDecision decide_redirect(const RedirectInput& in);

struct TransferSpec;
class UploadSource;

// Strips from `spec` what the next request of a followed redirect must not
// carry (credentials, the client's origin-bound headers, the body and its
// Content-Type / Length), as `d` says. The loop and the test kit's mock
// transport both apply it (redirect_strip.cpp).
void strip_for_redirect(const RedirectDecision& d, TransferSpec& spec);

// A 307/308 sends a streamed body again, from its first byte: nullopt when it
// can, else the Error that says why not (what the restart threw is told to
// the upload's on_throw first).
std::optional<Error> rewind_for_redirect(UploadSource& upload, long status);

// The headers that never follow a redirect to another origin.
inline constexpr const char* kCredentialHeaders[] = {"Authorization", "Cookie",
                                                     "Proxy-Authorization"};

// `url` without its userinfo ("user:pass@"), for messages.
std::string strip_userinfo(std::string_view url);

}  // namespace tether::detail
