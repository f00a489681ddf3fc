#include "tether/data.hpp"

#include <algorithm>

#include "tether/error.hpp"
#include "tether/headers.hpp"

namespace tether {

namespace {

// The media type of a Content-Type value: before any ';', trimmed; its case
// as sent (compared without case below: no lower-cased copy per response).
std::string_view media_type(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  constexpr std::string_view ws = " \t\r\n";
  const auto begin = content_type.find_first_not_of(ws);
  if (begin == std::string_view::npos) return {};
  return content_type.substr(begin, content_type.find_last_not_of(ws) - begin + 1);
}

// The ApiClient article's /^application\/(x-)?json/i, but exact (not
// application/jsonp, json-seq or jsonl), plus structured +json types
// (application/problem+json).
bool is_json_type(std::string_view type) {
  return iequals(type, "application/json") || iequals(type, "application/x-json") ||
         (type.size() >= 5 && iequals(type.substr(type.size() - 5), "+json") &&
          type.find('/') < type.size() - 6);
}

bool is_text_type(std::string_view type) {
  return type.size() >= 5 && iequals(type.substr(0, 5), "text/");
}

const char* kind_name(std::size_t index) {
  switch (index) {
    case 1:
      return "json";
    case 2:
      return "text";
    default:
      return "bytes";
  }
}

[[noreturn]] void wrong_kind(std::size_t held, const char* asked) {
  throw Error(ErrorCode::BadOptionValue,
              std::string("tether::Data holds ") + kind_name(held) + ", not " + asked);
}

}  // namespace

Data Data::from_json(nlohmann::json json) {
  Data d;
  d.value_ = std::move(json);
  return d;
}

Data Data::from_text(std::string text) {
  Data d;
  d.value_ = std::move(text);
  return d;
}

Data Data::from_bytes(Bytes bytes) {
  Data d;
  d.value_ = std::move(bytes);
  return d;
}

bool Data::is_json_content_type(std::string_view content_type) {
  return is_json_type(media_type(content_type));
}

Data Data::unwrap(std::string_view content_type, std::string body) {
  const std::string_view type = media_type(content_type);
  if (is_json_type(type)) {
    if (body.empty()) return from_json(nullptr);
    try {
      return from_json(nlohmann::json::parse(body));
    } catch (const nlohmann::json::exception& e) {
      // parse_error, and out_of_range for a number too large ("4e616"; found by fuzzing)
      throw Error(ErrorCode::BadResponse,
                  std::string("Failed to parse JSON response body: ") + e.what());
    }
  }
  if (is_text_type(type)) return from_text(std::move(body));
  const auto* first = reinterpret_cast<const std::byte*>(body.data());
  return from_bytes(Bytes(first, first + body.size()));
}

const nlohmann::json& Data::json() const {
  if (!is_json()) wrong_kind(value_.index(), "json");
  return std::get<nlohmann::json>(value_);
}

const std::string& Data::text() const {
  if (!is_text()) wrong_kind(value_.index(), "text");
  return std::get<std::string>(value_);
}

const Bytes& Data::bytes() const {
  if (!is_bytes()) wrong_kind(value_.index(), "bytes");
  return std::get<Bytes>(value_);
}

nlohmann::json Data::parse_for_as() const {
  auto json = nlohmann::json::parse(to_string(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    throw Error(ErrorCode::BadResponse, std::string("response data is not JSON (it is ") +
                                            (is_text() ? "text" : "bytes") +
                                            "), so as<T>() cannot read it");
  }
  return json;
}

std::string Data::to_string() const {
  if (const auto* text = std::get_if<std::string>(&value_)) return *text;
  if (const auto* json = std::get_if<nlohmann::json>(&value_)) {
    return json->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  const auto& bytes = std::get<Bytes>(value_);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace tether
