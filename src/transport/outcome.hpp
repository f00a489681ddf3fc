// Outcome classification: what curl's result code, and the facts the loop
// knows about a transfer, mean for the user. A pure function, so every row of
// the mapping can be unit-tested without a network.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string_view>

#include "transport/engine.hpp"

namespace tether::detail {

struct CurlOutcome {
  CURLcode code = CURLE_OK;
  long os_errno = 0;                        // CURLINFO_OS_ERRNO
  std::string_view detail;                  // curl's error buffer, or its strerror
  RequestPhase phase = RequestPhase::None;  // where the transfer was
  bool maybe_delivered = false;
  std::chrono::milliseconds timeout{0};  // the request's limits, for the messages
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds elapsed{0};  // since the transfer started
  bool clarify_timeout_error = false;    // ETIMEDOUT rather than ECONNABORTED
};

// The failure for a result other than CURLE_OK: the axios ErrorCode, the
// TransportError detail and a message of our own followed by curl's detail.
TransferFailure classify(const CurlOutcome& outcome);

// "timeout of 100ms exceeded" etc., for the loop's own timeouts too.
TransferFailure timeout_failure(bool clarify, std::string message, RequestPhase phase,
                                bool maybe_delivered);

}  // namespace tether::detail
