#include "exit_codes.hpp"

#include <tether/response.hpp>

namespace tether::cli {

ExitCode exit_code_for(const Error& error) {
  if (error.is_cancel() && !error.is_timeout()) return kCanceled;
  if (error.is_timeout()) return kTimeout;
  if (const auto& response = error.response(); response && response->status >= 400) {
    return response->status < 500 ? kClientError : kServerError;
  }
  switch (error.code()) {
    case ErrorCode::Network:
      return kNetwork;
    case ErrorCode::TooManyRedirects:
      return kTooManyRedirects;
    case ErrorCode::InvalidUrl:
    case ErrorCode::BadOptionValue:
      return kUsage;
    default:
      return kOther;
  }
}

std::string describe(const Error& error) {
  std::string line = "tether: " + to_string(error.code());
  if (error.transport() != TransportError::None) {
    line += " (" + to_string(error.transport()) + ")";
  }
  line += ": ";
  line += error.what();
  return line;
}

}  // namespace tether::cli
