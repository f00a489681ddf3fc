// A transfer's outcome as the engine reports it to the client layer: the
// response (TransferResult) or why there is none (TransferFailure). Its own
// header so that TransferDone (transfer_done.hpp) sees complete types: clang
// checks a template's non-dependent expressions where it is defined.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "tether/error.hpp"
#include "tether/headers.hpp"
#include "tether/timings.hpp"

namespace tether::detail {

struct TransferResult {
  int status = 0;
  std::string status_text;
  Headers headers;
  std::string body;
  std::string url;  // after redirects
  int redirects = 0;
  std::string http_version;
  // --- observability ---
  TransferInfo transfer{};
};

struct TransferFailure {
  ErrorCode code;
  std::string message;
  RequestPhase phase = RequestPhase::None;
  bool maybe_delivered = false;
  std::optional<TransferResult> response;  // when one had arrived
  TransportError transport = TransportError::None;
  // --- observability ---
  TransferInfo transfer{};
};

using TransferOutcome = std::variant<TransferResult, TransferFailure>;

}  // namespace tether::detail
