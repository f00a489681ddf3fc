#include "tether/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

#include "client/client_core.hpp"

namespace tether {
namespace detail {

namespace {

using std::chrono::milliseconds;

// RFC 9110 token characters (method and header names).
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool has_control_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// axios' isAbsoluteURL: a scheme followed by "//", or a protocol-relative "//".
bool is_absolute_url(std::string_view url) {
  std::size_t i = 0;
  if (!url.empty() && std::isalpha(static_cast<unsigned char>(url[0]))) {
    while (i < url.size() && (std::isalnum(static_cast<unsigned char>(url[i])) || url[i] == '+' ||
                              url[i] == '-' || url[i] == '.')) {
      ++i;
    }
    if (i < url.size() && url[i] == ':') {
      ++i;
    } else {
      i = 0;
    }
  }
  return url.substr(i, 2) == "//";
}

// axios' combineURLs.
std::string combine_urls(std::string_view base, std::string_view relative) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  if (relative.empty()) return std::string(base);
  return std::string(base) + "/" + std::string(relative);
}

// Checks that `url` is an absolute http(s) URL; returns the error message.
std::optional<std::string> check_url(const std::string& url) {
  CURLU* u = curl_url();
  std::optional<std::string> problem;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    problem = "Invalid URL: " + url;
  } else {
    char* scheme = nullptr;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    std::string s = scheme ? scheme : "";
    curl_free(scheme);
    if (s != "http" && s != "https") problem = "Unsupported protocol " + s + ": " + url;
  }
  curl_url_cleanup(u);
  return problem;
}

Response make_response(TransferResult&& r, const RequestConfig& config) {
  Response response;
  response.status = r.status;
  response.status_text = std::move(r.status_text);
  std::string content_type = r.headers.get("Content-Type").value_or("");
  response.headers = std::move(r.headers);
  response.url = std::move(r.url);
  response.redirects = r.redirects;
  response.http_version = std::move(r.http_version);
  switch (config.response_type) {
    case ResponseType::Auto:
      if (r.body.empty()) {  // HEAD, 204, 304: axios' data is ""
        response.data = Data::from_text({});
      } else if (Data::is_json_content_type(content_type)) {
        // As axios' silentJSONParsing: a body that claims JSON but does not
        // parse stays text.
        auto json = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
        response.data = json.is_discarded() ? Data::from_text(std::move(r.body))
                                            : Data::from_json(std::move(json));
      } else {
        response.data = Data::unwrap(content_type, std::move(r.body));
      }
      break;
    case ResponseType::Json:
      response.data = Data::unwrap("application/json", std::move(r.body));
      break;
    case ResponseType::Text:
      response.data = Data::from_text(std::move(r.body));
      break;
    case ResponseType::Bytes:
    case ResponseType::Stream: {
      Bytes bytes(r.body.size());
      std::transform(r.body.begin(), r.body.end(), bytes.begin(),
                     [](char c) { return static_cast<std::byte>(c); });
      response.data = Data::from_bytes(std::move(bytes));
      break;
    }
  }
  response.config = config;
  return response;
}

// One request in flight: what the abort callback and the engine's completion
// both reach. Whoever settles the promise first wins.
struct RequestState {
  Promise<Response> promise;
  RequestConfig config;
  std::shared_ptr<TransferStatus> status;
  std::shared_ptr<Engine> engine;
  TransferId id = 0;
  AbortRegistration registration;  // released with the state

  RequestState(std::shared_ptr<Engine> e, RequestConfig c)
      : promise(e), config(std::move(c)), engine(std::move(e)) {}

  Error with_context(const Error& e) const {
    return e.with_request(config, status->phase.load(), status->maybe_delivered.load());
  }

  void abort(const AbortReason& reason) {
    if (promise.set_error(with_context(Error::canceled(reason))) && id != 0) engine->cancel(id);
  }

  void complete(TransferOutcome&& outcome) {
    if (auto* failure = std::get_if<TransferFailure>(&outcome)) {
      Error error = failure->code == ErrorCode::Canceled
                        ? Error::canceled({"AbortError", "client destroyed"})
                        : Error(failure->code, failure->message);
      error = error.with_request(config, failure->phase, failure->maybe_delivered);
      if (failure->response) {
        try {
          error = error.with_response(make_response(std::move(*failure->response), config));
        } catch (const Error&) {
          // A partial body that does not decode adds nothing to this error.
        }
      }
      promise.set_error(std::move(error));
      return;
    }
    auto& result = std::get<TransferResult>(outcome);
    Response response;
    try {
      response = make_response(std::move(result), config);
    } catch (const Error& e) {
      promise.set_error(e.with_request(config, RequestPhase::Body, true));
      return;
    }
    bool ok = config.validate_status ? config.validate_status(response.status)
                                     : response.status >= 200 && response.status < 300;
    if (ok) {
      promise.set_value(std::move(response));
      return;
    }
    ErrorCode code = response.status >= 400 && response.status < 500 ? ErrorCode::BadRequest
                                                                     : ErrorCode::BadResponse;
    Error error(code, "Request failed with status code " + std::to_string(response.status));
    promise.set_error(
        error.with_request(config, RequestPhase::Body, true).with_response(std::move(response)));
  }
};

// Validates the config and turns it into what the engine needs; an Error
// describes what is wrong.
std::variant<TransferSpec, Error> make_spec(const RequestConfig& config) {
  TransferSpec spec;
  spec.method = config.method.empty() ? "GET" : config.method;
  std::transform(spec.method.begin(), spec.method.end(), spec.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!is_token(spec.method)) {
    return Error(ErrorCode::BadOptionValue, "Invalid HTTP method: \"" + config.method + "\"");
  }
  for (const auto& h : config.headers) {
    if (!is_token(h.name) || has_control_break(h.value)) {
      return Error(ErrorCode::BadOptionValue, "Invalid header \"" + h.name + "\"");
    }
  }
  std::string url = config.url;
  if (!config.base_url.empty() && !is_absolute_url(url)) url = combine_urls(config.base_url, url);
  if (!config.params.empty()) {
    if (config.params_serializer) {
      std::string query = config.params_serializer(config.params);
      if (!query.empty()) {
        url = url.substr(0, url.find('#'));
        url += (url.find('?') == std::string::npos ? "?" : "&") + query;
      }
    } else {
      url = build_url(url, config.params, config.params_array_format);
    }
  }
  if (has_control_break(url) || url.find(' ') != std::string::npos) {
    return Error(ErrorCode::InvalidUrl, "Invalid URL: " + url);
  }
  if (auto problem = check_url(url)) return Error(ErrorCode::InvalidUrl, *problem);
  spec.url = std::move(url);
  if (config.timeout.count() < 0 || config.connect_timeout.count() < 0 ||
      config.idle_timeout.count() < 0 || config.max_redirects < 0) {
    return Error(ErrorCode::BadOptionValue, "timeouts and max_redirects must not be negative");
  }
  spec.headers = config.headers;
  spec.body = config.data;
  if (config.max_body_length >= 0 && !config.data.empty() && !config.data.form() &&
      config.data.serialize().size() > static_cast<std::size_t>(config.max_body_length)) {
    return Error(ErrorCode::BadRequest, "Request body larger than maxBodyLength limit");
  }
  spec.timeout = config.timeout;
  spec.connect_timeout = config.connect_timeout;
  spec.idle_timeout = config.idle_timeout;
  spec.clarify_timeout_error = config.transitional.clarify_timeout_error;
  spec.max_redirects = config.max_redirects;
  spec.max_content_length = config.max_content_length;
  spec.decompress = config.decompress;
  spec.keep_body = config.response_type != ResponseType::Stream;
  spec.auth = config.auth;
  spec.proxy = config.proxy;
  spec.tls = config.tls;
  spec.http_version = config.http_version;
  spec.on_upload_progress = config.on_upload_progress;
  spec.on_download_progress = config.on_download_progress;
  spec.on_data = config.on_data;
  return spec;
}

Future<Response> start_request(const std::shared_ptr<Engine>& engine, RequestConfig config) {
  // One signal for the request: its signal and its cancel token, whichever
  // fires first (AbortSignal::any also keeps the token's message).
  AbortSignal signal = config.signal;
  if (config.cancel_token) {
    signal = signal == AbortSignal{} ? config.cancel_token->signal()
                                     : AbortSignal::any({signal, config.cancel_token->signal()});
  }
  auto state = std::make_shared<RequestState>(engine, std::move(config));
  Future<Response> future = state->promise.get_future();

  // Already aborted: fail now, open nothing.
  if (auto reason = signal.reason()) {
    state->status = std::make_shared<TransferStatus>();
    state->abort(*reason);
    return future;
  }
  auto spec = make_spec(state->config);
  if (auto* error = std::get_if<Error>(&spec)) {
    state->promise.set_error(error->with_request(state->config, RequestPhase::Queued, false));
    return future;
  }
  TransferSpec& ready = std::get<TransferSpec>(spec);
  state->status = ready.status;
  state->id = engine->submit(std::move(ready), [state](TransferOutcome&& outcome) {
    state->complete(std::move(outcome));
  });
  // Registered after submit, so the id is known; an abort that came in
  // between runs right here and cancels the queued transfer.
  std::weak_ptr<RequestState> weak = state;
  state->registration = signal.on_abort([weak](const AbortReason& reason) {
    if (auto s = weak.lock()) s->abort(reason);
  });
  return future;
}

template <class T>
bool is_unset(const T& value) {
  return value == T{};
}

}  // namespace

RequestConfig merge_config(const RequestConfig& defaults, RequestConfig config) {
  auto fill = [](auto& field, const auto& fallback) {
    if (is_unset(field)) field = fallback;
  };
  auto fill_fn = [](auto& field, const auto& fallback) {
    if (!field) field = fallback;
  };
  fill(config.method, defaults.method);
  fill(config.url, defaults.url);
  fill(config.base_url, defaults.base_url);
  Headers headers = defaults.headers;
  headers.merge(config.headers);
  config.headers = std::move(headers);
  Params params = defaults.params;
  for (const auto& [name, value] : config.params) params.set(name, value);
  config.params = std::move(params);
  if (config.data.empty()) config.data = defaults.data;
  fill(config.timeout, defaults.timeout);
  fill(config.signal, defaults.signal);
  if (!config.cancel_token) config.cancel_token = defaults.cancel_token;
  fill(config.response_type, defaults.response_type);
  fill_fn(config.validate_status, defaults.validate_status);
  if (config.max_redirects == 21) config.max_redirects = defaults.max_redirects;
  if (config.max_content_length == -1) config.max_content_length = defaults.max_content_length;
  if (config.max_body_length == -1) config.max_body_length = defaults.max_body_length;
  if (config.decompress) config.decompress = defaults.decompress;
  if (!config.auth) config.auth = defaults.auth;
  if (!config.proxy) config.proxy = defaults.proxy;
  fill_fn(config.on_upload_progress, defaults.on_upload_progress);
  fill_fn(config.on_download_progress, defaults.on_download_progress);
  fill_fn(config.params_serializer, defaults.params_serializer);
  if (!config.transitional.clarify_timeout_error) config.transitional = defaults.transitional;
  fill(config.connect_timeout, defaults.connect_timeout);
  fill(config.idle_timeout, defaults.idle_timeout);
  fill_fn(config.on_data, defaults.on_data);
  fill(config.http_version, defaults.http_version);
  if (config.tls.verify && config.tls.ca_file.empty() && config.tls.ca_path.empty()) {
    config.tls = defaults.tls;
  }
  fill(config.params_array_format, defaults.params_array_format);
  return config;
}

}  // namespace detail

Client::Client() : Client(RequestConfig{}) {}

Client::Client(RequestConfig defaults)
    : core_(std::make_shared<detail::ClientCore>(
          detail::ClientCore{std::make_shared<detail::EngineOwner>(), std::move(defaults)})) {}

Client Client::create(RequestConfig overrides) const {
  return Client(std::make_shared<detail::ClientCore>(detail::ClientCore{
      core_->owner, detail::merge_config(core_->defaults, std::move(overrides))}));
}

Future<Response> Client::request(RequestConfig config) {
  return detail::start_request(core_->owner->engine,
                               detail::merge_config(core_->defaults, std::move(config)));
}

namespace {
RequestConfig with(RequestConfig config, std::string method, std::string url) {
  config.method = std::move(method);
  config.url = std::move(url);
  return config;
}
RequestConfig with(RequestConfig config, std::string method, std::string url, Body data) {
  config.data = std::move(data);
  return with(std::move(config), std::move(method), std::move(url));
}
}  // namespace

Future<Response> Client::get(std::string url, RequestConfig config) {
  return request(with(std::move(config), "GET", std::move(url)));
}
Future<Response> Client::del(std::string url, RequestConfig config) {
  return request(with(std::move(config), "DELETE", std::move(url)));
}
Future<Response> Client::head(std::string url, RequestConfig config) {
  return request(with(std::move(config), "HEAD", std::move(url)));
}
Future<Response> Client::options(std::string url, RequestConfig config) {
  return request(with(std::move(config), "OPTIONS", std::move(url)));
}
Future<Response> Client::post(std::string url, Body data, RequestConfig config) {
  return request(with(std::move(config), "POST", std::move(url), std::move(data)));
}
Future<Response> Client::put(std::string url, Body data, RequestConfig config) {
  return request(with(std::move(config), "PUT", std::move(url), std::move(data)));
}
Future<Response> Client::patch(std::string url, Body data, RequestConfig config) {
  return request(with(std::move(config), "PATCH", std::move(url), std::move(data)));
}

RequestConfig& Client::defaults() {
  return core_->defaults;
}

std::shared_ptr<Executor> Client::executor() const {
  return core_->owner->engine;
}

Client& default_client() {
  // Leaked on purpose: requests may still be settling during static destruction.
  static Client* client = new Client();
  return *client;
}

Future<Response> request(RequestConfig config) {
  return default_client().request(std::move(config));
}
Future<Response> get(std::string url, RequestConfig config) {
  return default_client().get(std::move(url), std::move(config));
}
Future<Response> del(std::string url, RequestConfig config) {
  return default_client().del(std::move(url), std::move(config));
}
Future<Response> head(std::string url, RequestConfig config) {
  return default_client().head(std::move(url), std::move(config));
}
Future<Response> options(std::string url, RequestConfig config) {
  return default_client().options(std::move(url), std::move(config));
}
Future<Response> post(std::string url, Body data, RequestConfig config) {
  return default_client().post(std::move(url), std::move(data), std::move(config));
}
Future<Response> put(std::string url, Body data, RequestConfig config) {
  return default_client().put(std::move(url), std::move(data), std::move(config));
}
Future<Response> patch(std::string url, Body data, RequestConfig config) {
  return default_client().patch(std::move(url), std::move(data), std::move(config));
}

}  // namespace tether
