#include "api/request_builder.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

namespace tether::detail {

namespace {

std::string ascii_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string ascii_upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// The article's buildHeaders(), keeping what Headers adds: repeated values and
// unset names (which remove a Client default).
Headers lower_case_names(const Headers& headers) {
  Headers out;
  for (const auto& entry : headers) out.append(ascii_lower(entry.name), entry.value);
  for (const auto& name : headers.unset_names()) out.unset(ascii_lower(name));
  return out;
}

std::string method_or(std::string method, const char* fallback) {
  return method.empty() ? std::string(fallback) : ascii_upper(std::move(method));
}

}  // namespace

RequestConfig to_request_config(ApiRequest request) {
  RequestConfig config;
  config.headers = lower_case_names(request.headers);
  config.url = merge_params_into_url(request.url, request.params);
  // The request's params win over the Client's defaults of the same name: a
  // null drops the default from the Client's merge (build_url skips nulls).
  for (const auto& entry : request.params) config.params.set(entry.first, nullptr);
  config.signal = std::move(request.signal);
  // The ApiClient's contract is unwrapping by Content-Type, whatever the
  // Client's defaults say.
  config.response_type = ResponseType::Auto;

  if (request.form) {
    // The transport writes multipart/form-data with its boundary.
    config.headers.unset("content-type");  // a Client default too
    config.method = "POST";
    config.data = std::move(*request.form);
  } else if (request.json) {
    config.headers.set("content-type",
                       request.content_type.empty() ? "application/json" : request.content_type);
    config.method = method_or(std::move(request.method), "POST");
    config.data = std::move(*request.json);
  } else if (request.body) {
    config.headers.set("content-type", request.content_type.empty() ? "application/octet-stream"
                                                                    : request.content_type);
    config.method = method_or(std::move(request.method), "POST");
    const std::string& text = *request.body;
    Bytes bytes(text.size());
    std::transform(text.begin(), text.end(), bytes.begin(),
                   [](char c) { return static_cast<std::byte>(c); });
    config.data = std::move(bytes);
  } else {
    config.method = method_or(std::move(request.method), "GET");
  }
  return config;
}

}  // namespace tether::detail
