// ApiError: the article's normaliseError() and normaliseTransportError().
#include <string>
#include <utility>

#include "core/redact.hpp"
#include "tether/api_client.hpp"

namespace tether {

namespace {

using nlohmann::json;

bool is_domain_error(const Data& body) {
  if (!body.is_json()) return false;
  const json& j = body.json();
  return j.is_object() && j.contains("type") && j["type"].is_string() && j.contains("message") &&
         j["message"].is_string();
}

bool is_success(int status) {
  return status >= 200 && status <= 299;
}

std::string describe_request(const std::optional<RequestConfig>& request) {
  if (!request || request->url.empty()) return {};
  const std::string method = request->method.empty() ? "GET" : request->method;
  return " for " + method + " " + detail::redact_userinfo(request->url);
}

json root_cause_json(const RootCause& cause) {
  if (const auto* body = std::get_if<Data>(&cause)) {
    if (body->is_json()) return body->json();
    if (body->is_text()) return body->text();
    return std::to_string(body->bytes().size()) + " bytes";
  }
  if (const auto* error = std::get_if<Error>(&cause)) return error->to_json();
  return nullptr;
}

}  // namespace

ApiError::ApiError() {
  describe();
}

ApiError ApiError::server_error(Response response) {
  ApiError error;
  error.data["type"] = "ServerError";
  error.status = {response.status, response.status_text, false};
  if (is_domain_error(response.data)) {
    error.data.update(response.data.json());  // Object.assign: the server's keys win
  } else {
    error.root_cause = response.data;
  }
  error.request = response.config;
  error.response = std::move(response);
  error.describe();
  return error;
}

ApiError ApiError::transport_error(Error cause) {
  ApiError error;
  // A fetch() timeout is a "TimeoutError", not an "AbortError": only real
  // aborts (signal, CancelToken, Latest) set is_abort.
  error.status.is_abort = cause.is_cancel() && !cause.is_timeout();
  if (!cause.config().url.empty() || !cause.config().method.empty()) {
    error.request = cause.config();
  }
  error.root_cause = std::move(cause);
  error.describe();
  return error;
}

ApiError ApiError::from(const Error& error) {
  if (error.cause()) {
    try {
      std::rethrow_exception(error.cause());
    } catch (const ApiError& carried) {
      return carried;
    } catch (...) {
      // Any other cause: the Error itself is what to normalise.
    }
  }
  const auto& response = error.response();
  // Only a status rejected by validate_status is a ServerError; a 302 that
  // ended ERR_FR_TOO_MANY_REDIRECTS, or a body over max_content_length, is not.
  const bool rejected_status =
      error.code() == ErrorCode::BadRequest || error.code() == ErrorCode::BadResponse;
  if (response && !is_success(response->status) && rejected_status &&
      error.transport() == TransportError::None) {
    return server_error(*response);
  }
  return transport_error(error);
}

ApiError ApiError::from(std::exception_ptr error) {
  if (!error) return ApiError();
  try {
    std::rethrow_exception(error);
  } catch (const ApiError& api_error) {
    return api_error;
  } catch (const Error& tether_error) {
    return from(tether_error);
  } catch (...) {
    return transport_error(Error::from_exception(std::current_exception()));
  }
}

const char* ApiError::what() const noexcept {
  return what_.c_str();
}

void ApiError::describe() {
  const json& type = data["type"];
  const json& message = data["message"];
  std::string text = type.is_string() ? type.get<std::string>() : "ApiError";
  if (status.code != 0) {
    text +=
        " (" + std::to_string(status.code) + (status.text.empty() ? "" : " " + status.text) + ")";
  } else if (status.is_abort) {
    text += " (aborted)";
  }
  text += describe_request(request);
  // The underlying error says more than the fixed message.
  if (const auto* error = std::get_if<Error>(&root_cause)) {
    text += ": ";
    text += error->what();
  } else if (message.is_string()) {
    text += ": " + message.get<std::string>();
  }
  what_ = detail::redact_userinfo(std::move(text));
}

json ApiError::to_json() const {
  json j = {
      {"data", data},
      {"status", {{"code", status.code}, {"text", status.text}, {"is_abort", status.is_abort}}},
  };
  if (!std::holds_alternative<std::monostate>(root_cause))
    j["root_cause"] = root_cause_json(root_cause);
  if (request) {
    j["request"] = {{"method", request->method.empty() ? "GET" : request->method},
                    {"url", detail::redact_userinfo(request->url)}};
  }
  if (response) {
    j["response"] = {{"status", response->status}, {"url", detail::redact_userinfo(response->url)}};
  }
  return detail::printable(j);
}

}  // namespace tether
