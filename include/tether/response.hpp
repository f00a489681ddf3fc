/// \file
/// Response: what a settled request gives.
#pragma once

#include <string>

#include "tether/data.hpp"
#include "tether/headers.hpp"
#include "tether/request.hpp"
#include "tether/timings.hpp"

namespace tether {

/// What a settled request gives: axios' response, plus the final URL,
/// redirects, HTTP version and the transfer's record.
struct Response {
  int status = 0;             ///< the HTTP status code
  std::string status_text{};  ///< the server's reason phrase, or the standard one (HTTP/2 has none)
  Headers headers{};          ///< the response headers
  Data data{};                ///< JSON / text / bytes, chosen by Content-Type (see response_type)
  RequestConfig config{};     ///< the config the request was sent with
  // --- beyond axios ---
  std::string url{};           ///< the final URL, after redirects
  int redirects = 0;           ///< how many were followed
  std::string http_version{};  ///< "1.1" or "2"
  // --- observability ---
  TransferInfo transfer{};  ///< timings, bytes, connection reuse (docs/observability.md)
  /// Hedged requests (issue 14): which copy answered, 0 the first, n the n-th hedge.
  int hedge_copy = 0;

  /// fetch's response.ok: the status is 2xx.
  bool ok() const noexcept { return status >= 200 && status < 300; }
};

}  // namespace tether
