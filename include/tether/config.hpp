/// \file
/// ConfigBuilder: a RequestConfig built by name, in any order.
///
///   client.get(url, tether::config().timeout(5s).header("X-Key", "v").signal(s));
///
/// Designated initializers ({.timeout = 5s}) stay the other way; they must
/// follow the fields' order, which this does not.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "tether/request.hpp"

namespace tether {

/// A RequestConfig built by name, in any order (designated initializers must
/// follow the fields' order): `client.get(url, tether::config().timeout(5s))`.
class ConfigBuilder {
 public:
  /// Starts from an empty RequestConfig.
  ConfigBuilder() = default;
  /// Starts from `base` (e.g. client.defaults()).
  explicit ConfigBuilder(RequestConfig base) : config_(std::move(base)) {}

  /// The config built: passes wherever a RequestConfig is taken.
  ///@{
  operator RequestConfig() const& { return config_; }
  operator RequestConfig() && { return std::move(config_); }
  const RequestConfig& get() const noexcept { return config_; }
  ///@}

  /// Each sets the RequestConfig field of the same name (see there) and
  /// returns this builder.
  ///@{
  ConfigBuilder& method(std::string m) { return set(config_.method, std::move(m)); }
  ConfigBuilder& url(std::string u) { return set(config_.url, std::move(u)); }
  ConfigBuilder& base_url(std::string u) { return set(config_.base_url, std::move(u)); }
  /// One header, replacing one of the same name (case-insensitive).
  ConfigBuilder& header(std::string name, std::string value) {
    config_.headers.set(std::move(name), std::move(value));
    return *this;
  }
  ConfigBuilder& headers(Headers h) { return set(config_.headers, std::move(h)); }
  /// One query parameter (a JSON value: text, a number, an array...).
  ConfigBuilder& param(std::string name, nlohmann::json value) {
    config_.params.set(std::move(name), std::move(value));
    return *this;
  }
  ConfigBuilder& params(Params p) { return set(config_.params, std::move(p)); }
  ConfigBuilder& data(Body body) { return set(config_.data, std::move(body)); }
  ConfigBuilder& timeout(std::chrono::milliseconds t) { return set(config_.timeout, t); }
  ConfigBuilder& signal(AbortSignal s) { return set(config_.signal, std::move(s)); }
  ConfigBuilder& cancel_token(CancelToken t) { return set(config_.cancel_token, std::move(t)); }

  ConfigBuilder& response_type(ResponseType t) { return set(config_.response_type, t); }
  ConfigBuilder& validate_status(std::function<bool(int)> fn) {
    return set(config_.validate_status, std::move(fn));
  }
  ConfigBuilder& max_redirects(int n) { return set(config_.max_redirects, n); }
  ConfigBuilder& max_content_length(std::int64_t n) { return set(config_.max_content_length, n); }
  ConfigBuilder& max_body_length(std::int64_t n) { return set(config_.max_body_length, n); }
  ConfigBuilder& decompress(bool on) { return set(config_.decompress, on); }
  ConfigBuilder& auth(std::string username, std::string password) {
    return set(config_.auth, Auth{std::move(username), std::move(password)});
  }
  ConfigBuilder& proxy(Proxy p) { return set(config_.proxy, std::move(p)); }
  ConfigBuilder& proxy(std::string url) { return set(config_.proxy, Proxy{std::move(url), {}}); }
  ConfigBuilder& proxy_from_env(bool on = true) { return set(config_.proxy_from_env, on); }
  ConfigBuilder& on_upload_progress(std::function<void(const ProgressEvent&)> fn) {
    return set(config_.on_upload_progress, std::move(fn));
  }
  ConfigBuilder& on_download_progress(std::function<void(const ProgressEvent&)> fn) {
    return set(config_.on_download_progress, std::move(fn));
  }
  ConfigBuilder& params_serializer(std::function<std::string(const Params&)> fn) {
    return set(config_.params_serializer, std::move(fn));
  }
  ConfigBuilder& clarify_timeout_error(bool on = true) {
    return set(config_.transitional.clarify_timeout_error, on);
  }
  /// Appends one transform (they run in the order given).
  ConfigBuilder& transform_request(std::function<Body(Body, Headers&)> fn) {
    config_.transform_request.push_back(std::move(fn));
    return *this;
  }
  ConfigBuilder& transform_response(std::function<Data(Data, const Headers&)> fn) {
    config_.transform_response.push_back(std::move(fn));
    return *this;
  }
  ConfigBuilder& allow_absolute_urls(bool on = true) {
    return set(config_.allow_absolute_urls, on);
  }
  /// A default header for one method ("post", "get"...), as axios' headers.post.
  ConfigBuilder& method_header(std::string method, std::string name, std::string value) {
    config_.method_headers[std::move(method)].set(std::move(name), std::move(value));
    return *this;
  }

  ConfigBuilder& connect_timeout(std::chrono::milliseconds t) {
    return set(config_.connect_timeout, t);
  }
  ConfigBuilder& idle_timeout(std::chrono::milliseconds t) { return set(config_.idle_timeout, t); }
  ConfigBuilder& on_response(std::function<void(const ResponseHead&)> fn) {
    return set(config_.on_response, std::move(fn));
  }
  ConfigBuilder& on_data(std::function<void(std::string_view)> fn) {
    return set(config_.on_data, std::move(fn));
  }
  ConfigBuilder& http_version(HttpVersion v) { return set(config_.http_version, v); }
  ConfigBuilder& tls(TlsOptions t) { return set(config_.tls, std::move(t)); }
  ConfigBuilder& params_array_format(ArrayFormat f) { return set(config_.params_array_format, f); }
  ConfigBuilder& retry(RetryPolicy p) { return set(config_.retry, std::move(p)); }
  /// Retries with the default policy but this many tries after the first.
  ConfigBuilder& retries(int n) {
    RetryPolicy p = config_.retry.value_or(RetryPolicy{});
    p.retries = n;
    return set(config_.retry, std::move(p));
  }
  ///@}

 private:
  template <class Field, class Value>
  ConfigBuilder& set(Field& field, Value&& value) {
    field = std::forward<Value>(value);
    return *this;
  }
  RequestConfig config_{};
};

/// Starts a ConfigBuilder: tether::config().timeout(5s).header("A", "b").
inline ConfigBuilder config() {
  return ConfigBuilder();
}

}  // namespace tether
