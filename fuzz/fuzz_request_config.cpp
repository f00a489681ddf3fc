// A request's config turned into a transfer: URL joining with base_url, the
// absolute-URL refusal, method and header validation, params. Whatever the
// input, either a clear Error or a transfer that is safe to hand to curl.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "client/client_core.hpp"
#include "fuzz_input.hpp"

namespace {

using tether::fuzz::require;

bool has_break(const std::string& s) {
  return s.find_first_of(std::string("\r\n\0", 3)) != std::string::npos;
}

// Schemes are case-insensitive (RFC 3986 §3.1): "HTTP://" is http.
bool starts_with_http(std::string url) {
  for (auto& c : url) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tether::fuzz::Fields fields(data, size);
  tether::RequestConfig config;
  config.method = fields.next();
  config.base_url = fields.next();
  config.url = fields.next();
  const std::string header_name = fields.next();
  const std::string header_value = fields.next();
  const std::string param_name = fields.next();
  const std::string param_value = fields.next();
  config.allow_absolute_urls = fields.next() == "1";
  if (!header_name.empty()) config.headers.set(header_name, header_value);
  if (!param_name.empty()) config.params.set(param_name, param_value);

  const bool pinned = !config.base_url.empty() && !*config.allow_absolute_urls;
  const std::string base_origin = tether::detail::origin_of(config.base_url);

  auto prepared = tether::detail::prepare_config({}, std::move(config));
  auto spec = tether::detail::make_spec(prepared.config, prepared.default_header_names);
  if (auto* error = std::get_if<tether::Error>(&spec)) {
    require(!std::string(error->what()).empty(), "an error says what is wrong");
    return 0;
  }
  const auto& transfer = std::get<tether::detail::TransferSpec>(spec);
  require(starts_with_http(transfer.url), "only http and https reach curl");
  require(!has_break(transfer.url), "no CR, LF or NUL in the URL");
  require(!has_break(transfer.method) && !transfer.method.empty(), "a clean method");
  for (const auto& [name, value] : transfer.headers) {
    require(!has_break(name) && !has_break(value), "no CR, LF or NUL in a header");
  }
  // With base_url set and absolute URLs not allowed, the request stays on
  // base_url's origin (the SSRF class of axios' CVE-2025-27152).
  if (pinned && !base_origin.empty()) {
    require(tether::detail::origin_of(transfer.url) == base_origin,
            "a request stays on base_url's origin");
  }
  return 0;
}
