// Config merging (axios' mergeConfig) and validation into a TransferSpec.
#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

#include "client/client_core.hpp"
#include "client/coalescing.hpp"
#include "client/plain_url.hpp"
#include "core/redact.hpp"
#include "http/absolute_url.hpp"
#include "http/host.hpp"
#include "http/upload.hpp"

namespace tether::detail {

namespace {

// RFC 9110 token characters (method and header names): a table, as every
// header name of every request is checked.
constexpr std::array<bool, 256> kTokenTable = [] {
  std::array<bool, 256> table{};
  for (char c = 'a'; c <= 'z'; ++c) table[static_cast<unsigned char>(c)] = true;
  for (char c = 'A'; c <= 'Z'; ++c) table[static_cast<unsigned char>(c)] = true;
  for (char c = '0'; c <= '9'; ++c) table[static_cast<unsigned char>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return kTokenTable[c]; });
}

bool has_control_break(std::string_view s) {
  // (A plain loop: find_first_of does a search of the set per byte.)
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// axios' combineURLs.
std::string combine_urls(std::string_view base, std::string_view relative) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  if (relative.empty()) return std::string(base);
  return std::string(base) + "/" + std::string(relative);
}

// A URL as a message may show it: no userinfo, no control characters.
std::string shown(std::string_view url) {
  std::string out = redact_userinfo(std::string(url));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string invalid_url(std::string_view problem, std::string_view url) {
  return "Invalid URL: " + std::string(problem) + " in " + shown(url);
}

// What curl's URL parser says is wrong with `url`, in a message's words.
std::string url_problem(CURLUcode rc) {
  if (rc == CURLUE_BAD_PORT_NUMBER) return "port out of range (0-65535) or not a number";
  std::string text = curl_url_strerror(rc);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Checks `url` as curl will parse it when the transfer starts, so that a bad
// URL fails now, as ERR_INVALID_URL with its problem named (the port, the
// host …), not later as a generic failure.
std::optional<std::string> check_url(std::string_view url) {
  auto colon = url.find("://");
  std::string_view scheme = url.substr(0, colon == std::string_view::npos ? 0 : colon);
  if (colon == std::string_view::npos || colon == 0) {
    return invalid_url("not an absolute http or https URL", url);
  }
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) {
    return "Unsupported protocol " + shown(scheme) + ": " + shown(url);
  }
  if (colon + 3 >= url.size()) return invalid_url("no host", url);
  if (plainly_valid_url(url)) return std::nullopt;  // most URLs: no full parse
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), &curl_url_cleanup);
  if (!parsed) return std::nullopt;  // out of memory: curl will say so itself
  // The flags curl itself parses CURLOPT_URL with (the scheme is checked above).
  const CURLUcode rc =
      curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) return invalid_url(url_problem(rc), url);
  return std::nullopt;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const Headers* method_headers_for(const RequestConfig& config, const std::string& method) {
  for (const auto& [name, headers] : config.method_headers) {
    if (iequals(name, method)) return &headers;
  }
  return nullptr;
}

// The URL the request goes to, or the problem with it.
std::variant<std::string, Error> resolve_url(const RequestConfig& config) {
  std::string url = config.url;
  if (!config.base_url.empty()) {
    if (!is_absolute_url(url)) {
      url = combine_urls(config.base_url, url);
    } else if (!config.allow_absolute_urls.value_or(false)) {
      return Error(ErrorCode::InvalidUrl,
                   "Absolute URL \"" + shown(url) +
                       "\" refused: base_url is set (a URL from a response, such as a next-page "
                       "link, could send the client's defaults elsewhere); to allow it for "
                       "this request, set .allow_absolute_urls = true in its config");
    } else if (url.rfind("//", 0) == 0) {
      url = config.base_url.substr(0, config.base_url.find("//")) + url;  // base's scheme
    }
  }
  if (!config.params.empty()) {
    if (config.params_serializer) {
      std::string query = config.params_serializer(config.params);
      if (!query.empty()) {
        url = url.substr(0, url.find('#'));
        url += (url.find('?') == std::string::npos ? "?" : "&") + query;
      }
    } else {
      url =
          build_url(url, config.params, config.params_array_format.value_or(ArrayFormat::Brackets));
    }
  }
  // The usual URL: a plain one has no control byte, no space, and passes
  // check_url without a parse.
  if (plainly_valid_url(url)) return without_trailing_dot(std::move(url));
  if (has_control_break(url)) {
    // As in a method or a header: bytes that would split the request line are
    // a bad option (issue 12), not merely a URL that does not parse.
    return Error(ErrorCode::BadOptionValue, invalid_url("a control character (CR, LF, NUL)", url));
  }
  if (url.find(' ') != std::string::npos) {
    return Error(ErrorCode::InvalidUrl, invalid_url("a space (encode it as %20)", url));
  }
  if (auto problem = check_url(url)) return Error(ErrorCode::InvalidUrl, *problem);
  return without_trailing_dot(std::move(url));  // before any resolver or policy sees it
}

// Both signals apply: AbortSignal::any only when both are set and differ, so
// the usual case (one of them, or none) allocates nothing.
AbortSignal both(const AbortSignal& own, const AbortSignal& fallback) {
  if (fallback == AbortSignal{} || fallback == own) return own;
  if (own == AbortSignal{}) return fallback;
  return AbortSignal::any({own, fallback});
}

template <class T>
void fill(std::optional<T>& field, const std::optional<T>& fallback) {
  if (!field) field = fallback;
}
template <class F>
void fill_fn(F& field, const F& fallback) {
  if (!field) field = fallback;
}

}  // namespace

namespace {

// axios' mergeConfig, in place (a RequestConfig is over 1 KiB: no copies).
void merge_into(const RequestConfig& defaults, RequestConfig& config) {
  // One line per field, as axios' mergeConfig table (docs/client.md, "Merging"):
  // the request's value when it has one, else the default's. Headers and
  // params merge name by name (a header unset in the request removes the
  // default's); method_headers method by method; signals and tokens combine.
  // `url` and `data` are the request's own (axios' valueFromConfig2): a
  // default body never rides along on every request.
  if (config.method.empty()) config.method = defaults.method;
  if (config.base_url.empty()) config.base_url = defaults.base_url;
  Headers headers = defaults.headers;
  headers.merge(config.headers);
  config.headers = std::move(headers);
  Params params = defaults.params;
  for (const auto& [name, value] : config.params) params.set(name, value);
  config.params = std::move(params);
  fill(config.timeout, defaults.timeout);
  // Cancellation combines: the request's signal and token and the defaults'
  // all apply. A second token has no field of its own, so it joins `signal`.
  config.signal = both(config.signal, defaults.signal);
  if (!config.cancel_token) {
    config.cancel_token = defaults.cancel_token;
  } else if (defaults.cancel_token && !(*defaults.cancel_token == *config.cancel_token)) {
    config.signal = both(config.signal, defaults.cancel_token->signal());
  }
  fill(config.response_type, defaults.response_type);
  fill_fn(config.validate_status, defaults.validate_status);
  fill(config.max_redirects, defaults.max_redirects);
  fill(config.max_content_length, defaults.max_content_length);
  fill(config.max_body_length, defaults.max_body_length);
  fill(config.decompress, defaults.decompress);
  fill(config.auth, defaults.auth);
  fill(config.proxy, defaults.proxy);
  fill(config.proxy_from_env, defaults.proxy_from_env);
  fill_fn(config.on_upload_progress, defaults.on_upload_progress);
  fill_fn(config.on_download_progress, defaults.on_download_progress);
  fill_fn(config.params_serializer, defaults.params_serializer);
  fill(config.transitional.clarify_timeout_error, defaults.transitional.clarify_timeout_error);
  if (config.transform_request.empty()) config.transform_request = defaults.transform_request;
  if (config.transform_response.empty()) config.transform_response = defaults.transform_response;
  fill(config.allow_absolute_urls, defaults.allow_absolute_urls);
  for (const auto& [method, fallback] : defaults.method_headers) {
    Headers merged = fallback;
    if (auto it = config.method_headers.find(method); it != config.method_headers.end()) {
      merged.merge(it->second);
    }
    config.method_headers[method] = std::move(merged);
  }
  fill(config.connect_timeout, defaults.connect_timeout);
  fill(config.idle_timeout, defaults.idle_timeout);
  fill_fn(config.on_response, defaults.on_response);
  fill_fn(config.on_data, defaults.on_data);
  // (`flow` is not inherited: one FlowControl wakes one transfer.)
  fill(config.http_version, defaults.http_version);
  fill(config.tls.verify, defaults.tls.verify);
  if (config.tls.ca_file.empty()) config.tls.ca_file = defaults.tls.ca_file;
  if (config.tls.ca_path.empty()) config.tls.ca_path = defaults.tls.ca_path;
  fill(config.params_array_format, defaults.params_array_format);
  fill(config.retry, defaults.retry);
  fill(config.deadline, defaults.deadline);
  fill(config.scope_deadline, defaults.scope_deadline);
  fill(config.deadline_header, defaults.deadline_header);
  fill(config.deadline_format, defaults.deadline_format);
  fill(config.priority, defaults.priority);  // fair queues
  fill(config.hedge, defaults.hedge);
}

// True when merge_into(defaults, c) would leave every field of c but its
// headers and params as they are: each field it reads from the defaults is
// empty. (A field added to merge_into is added here too.) A plain Client()
// has such defaults, and its requests skip the merge.
bool merges_nothing(const RequestConfig& d) {
  return d.method.empty() && d.base_url.empty() && d.timeout == std::nullopt &&
         d.signal == AbortSignal{} && !d.cancel_token && !d.response_type && !d.validate_status &&
         !d.max_redirects && !d.max_content_length && !d.max_body_length && !d.decompress &&
         !d.auth && !d.proxy && !d.proxy_from_env && !d.on_upload_progress &&
         !d.on_download_progress && !d.params_serializer && !d.transitional.clarify_timeout_error &&
         d.transform_request.empty() && d.transform_response.empty() && !d.allow_absolute_urls &&
         d.method_headers.empty() && !d.connect_timeout && !d.idle_timeout && !d.on_response &&
         !d.on_data && !d.http_version && !d.tls.verify && d.tls.ca_file.empty() &&
         d.tls.ca_path.empty() && !d.params_array_format && !d.retry && !d.deadline &&
         !d.scope_deadline && !d.deadline_header && !d.deadline_format && !d.priority && !d.hedge;
}

// The defaults' headers (common, then this method's) as a request of
// `method` gets them.
Headers default_headers_for(const RequestConfig& defaults, const std::string& method) {
  Headers from_defaults = defaults.headers;
  if (const Headers* by_method = method_headers_for(defaults, method)) {
    from_defaults.merge(*by_method);
  }
  return from_defaults;
}

// The request's own headers: its method_headers for this method, then its
// headers (taken from `config`, which is left without headers).
Headers own_headers(RequestConfig& config, const std::string& method) {
  const Headers* by_method = method_headers_for(config, method);
  if (!by_method && config.headers.size() == 0 && config.headers.unset_names().empty()) {
    return {};  // the usual request: no headers of its own, nothing to merge
  }
  Headers own;
  if (by_method) own = *by_method;
  own.merge(config.headers);
  config.headers = {};
  return own;
}

}  // namespace

RequestConfig merge_config(const RequestConfig& defaults, RequestConfig&& config) {
  merge_into(defaults, config);
  return std::move(config);
}

PreparedConfig prepare_config(const RequestConfig& defaults, RequestConfig&& config) {
  PreparedConfig prepared{.config = std::move(config), .default_header_names = {}};
  RequestConfig& merged = prepared.config;
  std::string method = lower(
      merged.method.empty() ? (defaults.method.empty() ? "get" : defaults.method) : merged.method);
  // Headers flatten as axios' do: the defaults' common ones, the defaults' for
  // this method, then the request's own (its method_headers, then headers).
  Headers from_defaults = default_headers_for(defaults, method);
  Headers own = own_headers(merged, method);
  for (const auto& h : from_defaults) {
    bool listed =
        std::any_of(prepared.default_header_names.begin(), prepared.default_header_names.end(),
                    [&](const std::string& n) { return iequals(n, h.name); });
    if (!own.has(h.name) && !own.is_unset(h.name) && !listed) {
      prepared.default_header_names.push_back(h.name);
    }
  }
  prepared.own_callbacks = has_own_callbacks(merged);  // (coalescing.cpp)
  if (!merges_nothing(defaults)) {
    merge_into(defaults, merged);
  } else if (!merged.params.empty() || !defaults.params.empty()) {
    // (merge_into's params step: the request's set over the defaults'.)
    Params params = defaults.params;
    for (const auto& [name, value] : merged.params) params.set(name, value);
    merged.params = std::move(params);
  }
  if (from_defaults.size() == 0 && from_defaults.unset_names().empty()) {
    merged.headers = std::move(own);
  } else {
    from_defaults.merge(own);
    merged.headers = std::move(from_defaults);
  }
  merged.method_headers.clear();  // flattened into headers
  return prepared;
}

AbortSignal request_signal(const RequestConfig& config) {
  if (!config.cancel_token) return config.signal;
  if (config.signal == AbortSignal{}) return config.cancel_token->signal();
  return AbortSignal::any({config.signal, config.cancel_token->signal()});
}

namespace {

// A header name that is not a token, or a value with CR, LF or NUL, would
// split the request on the wire: refused, nothing sent.
std::optional<Error> check_headers(const Headers& headers) {
  for (const auto& h : headers) {
    if (!is_token(h.name) || has_control_break(h.value)) {
      return Error(ErrorCode::BadOptionValue, "Invalid header \"" + h.name + "\"");
    }
  }
  return std::nullopt;
}

// The method (upper-cased into `method`), header bytes and limits, or what is
// wrong with them.
std::optional<Error> check_request(const RequestConfig& config, std::string& method) {
  method = config.method.empty() ? "GET" : config.method;
  // (ASCII only: a token's bytes are ASCII, and the check below refuses others.)
  std::transform(method.begin(), method.end(), method.begin(), [](char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  });
  if (!is_token(method)) {
    return Error(ErrorCode::BadOptionValue, "Invalid HTTP method: \"" + config.method + "\"");
  }
  if (auto error = check_headers(config.headers)) return error;
  const std::chrono::milliseconds none{0};
  if (config.timeout.value_or(none) < none || config.connect_timeout.value_or(none) < none ||
      config.idle_timeout.value_or(none) < none || config.max_redirects.value_or(0) < 0) {
    return Error(ErrorCode::BadOptionValue, "timeouts and max_redirects must not be negative");
  }
  if (config.deadline_header && !is_token(*config.deadline_header)) {
    return Error(ErrorCode::BadOptionValue,
                 "Invalid deadline_header \"" + *config.deadline_header + "\"");
  }
  return std::nullopt;
}

// The body after transform_request, serialised here (off the engine thread).
std::optional<Error> add_body(const RequestConfig& config, TransferSpec& spec) {
  Body body = config.data;
  for (const auto& transform : config.transform_request) {
    if (transform) body = transform(std::move(body), spec.headers);
  }
  if (const Form* form = body.form()) {
    spec.form = *form;
  } else if (body.file_source() || body.stream_source()) {
    // Streaming uploads: opened now (a missing file fails here, nothing sent).
    auto opened = open_upload(body, config.max_body_length.value_or(-1));
    if (auto* error = std::get_if<Error>(&opened)) return std::move(*error);
    spec.upload = std::move(std::get<std::shared_ptr<UploadSource>>(opened));
    spec.payload_type = body.default_content_type();
    spec.has_payload = true;
  } else if (!body.empty()) {
    spec.payload = body.serialize();
    spec.payload_type = body.default_content_type();
    spec.has_payload = true;
    if (config.max_body_length &&
        spec.payload.size() > static_cast<std::size_t>(*config.max_body_length)) {
      return Error(ErrorCode::BadRequest, "Request body larger than maxBodyLength limit");
    }
  }
  return std::nullopt;
}

void add_options(const RequestConfig& config, TransferSpec& spec) {
  const std::chrono::milliseconds none{0};
  spec.timeout = config.timeout.value_or(none);
  spec.connect_timeout = config.connect_timeout.value_or(none);
  spec.idle_timeout = config.idle_timeout.value_or(none);
  spec.clarify_timeout_error = config.transitional.clarify_timeout_error.value_or(false);
  spec.max_redirects = config.max_redirects.value_or(21);
  spec.decompress = config.decompress.value_or(true);
  spec.keep_body = config.response_type != ResponseType::Stream;
  // Security: a buffered body is capped unless the config says otherwise.
  spec.max_content_length =
      config.max_content_length.value_or(spec.keep_body ? kDefaultMaxContentLength : -1);
  spec.http_version = config.http_version.value_or(HttpVersion::Auto);
  bool default_tls =
      config.tls.verify.value_or(true) && config.tls.ca_file.empty() && config.tls.ca_path.empty();
  bool streams = config.on_data || config.on_response;
  bool from_env = config.proxy_from_env.value_or(false);
  if (config.auth || config.proxy || !default_tls || config.on_upload_progress ||
      config.on_download_progress || streams || from_env) {
    spec.extras = std::make_unique<TransferSpec::Extras>(
        TransferSpec::Extras{config.auth, config.proxy, config.tls, config.on_upload_progress,
                             config.on_download_progress, config.on_data});
    auto& extras = *spec.extras;
    extras.proxy_from_env = from_env;
    if (streams) {
      extras.on_response = config.on_response;
      extras.validate_status = config.validate_status;
      if (config.on_data && config.flow) extras.flow = FlowAccess::state(*config.flow);
    }
  }
}

}  // namespace

std::variant<TransferSpec, Error> make_spec(const RequestConfig& config,
                                            const std::vector<std::string>& default_header_names) {
  TransferSpec spec;
  if (auto error = check_request(config, spec.method)) return *error;
  auto url = resolve_url(config);
  if (auto* error = std::get_if<Error>(&url)) return *error;
  spec.url = std::move(std::get<std::string>(url));

  spec.headers = config.headers;
  // The instance's default headers go only to base_url's origin.
  if (!config.base_url.empty()) {
    spec.bound_origin = origin_of(combine_urls(config.base_url, ""));
    if (origin_of(spec.url) != spec.bound_origin) {
      for (const auto& name : default_header_names) spec.headers.remove(name);
    } else {
      spec.origin_bound_headers = default_header_names;
    }
  }
  if (auto error = add_body(config, spec)) return *error;
  // transform_request may have changed the headers: checked again, as sent.
  if (auto error = check_headers(spec.headers)) return *error;
  add_options(config, spec);
  return spec;
}

}  // namespace tether::detail
