// Data: a response body unwrapped by its Content-Type, as the ApiClient
// article's unwrapResponseData: JSON for application/json (and x-json, +json),
// text for text/*, bytes for anything else.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "tether/body.hpp"

namespace tether {

class Data {
 public:
  Data() = default;  // empty bytes
  static Data from_json(nlohmann::json json);
  static Data from_text(std::string text);
  static Data from_bytes(Bytes bytes);

  // Chooses by Content-Type (case-insensitive, parameters ignored). A JSON body
  // that does not parse throws tether::Error(ErrorCode::BadResponse); an empty
  // JSON body gives JSON null.
  static Data unwrap(std::string_view content_type, std::string body);
  // Whether unwrap() reads a body of this Content-Type as JSON.
  static bool is_json_content_type(std::string_view content_type);

  bool is_json() const noexcept { return value_.index() == 1; }
  bool is_text() const noexcept { return value_.index() == 2; }
  bool is_bytes() const noexcept { return value_.index() == 0; }

  // Each throws tether::Error(ErrorCode::BadOptionValue) for another kind.
  const nlohmann::json& json() const;
  const std::string& text() const;
  const Bytes& bytes() const;

  // The body as text, whatever the kind (JSON is dumped).
  std::string to_string() const;

  friend bool operator==(const Data&, const Data&) = default;

 private:
  std::variant<Bytes, nlohmann::json, std::string> value_;
};

}  // namespace tether
