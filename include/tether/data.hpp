/// \file
/// Data: a response body unwrapped by its Content-Type, as the ApiClient
/// article's unwrapResponseData: JSON for application/json (and x-json, +json),
/// text for text/*, bytes for anything else.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "tether/body.hpp"
#include "tether/error.hpp"

namespace tether {

/// A response body unwrapped by its Content-Type (the ApiClient article's
/// unwrapResponseData): JSON, text or bytes. A value type: not synchronised.
class Data {
 public:
  Data() = default;  ///< empty bytes
  /// Data of one kind, as given.
  ///@{
  static Data from_json(nlohmann::json json);
  static Data from_text(std::string text);
  static Data from_bytes(Bytes bytes);
  ///@}

  /// Chooses by Content-Type (case-insensitive, parameters ignored). A JSON body
  /// that does not parse throws tether::Error(ErrorCode::BadResponse); an empty
  /// JSON body gives JSON null.
  static Data unwrap(std::string_view content_type, std::string body);
  /// Whether unwrap() reads a body of this Content-Type as JSON.
  static bool is_json_content_type(std::string_view content_type);

  /// Which kind the data is.
  ///@{
  bool is_json() const noexcept { return value_.index() == 1; }
  bool is_text() const noexcept { return value_.index() == 2; }
  bool is_bytes() const noexcept { return value_.index() == 0; }
  ///@}

  /// Each throws tether::Error(ErrorCode::BadOptionValue) for another kind.
  ///@{
  const nlohmann::json& json() const;
  const std::string& text() const;
  const Bytes& bytes() const;
  ///@}

  /// The JSON read into T through nlohmann's from_json (a struct with
  /// from_json, a vector, a map, a number...). Text is parsed as JSON first (a
  /// server that labels JSON text/plain). Throws tether::Error(BadResponse)
  /// when the data is not JSON or does not fit T, saying which.
  template <class T>
  T as() const {
    const nlohmann::json* json = std::get_if<nlohmann::json>(&value_);
    nlohmann::json parsed;
    if (!json) {
      parsed = parse_for_as();
      json = &parsed;
    }
    try {
      return json->get<T>();
    } catch (const nlohmann::json::exception& e) {
      throw Error(ErrorCode::BadResponse,
                  std::string("response data does not fit the requested type: ") + e.what());
    }
  }

  /// The body as text, whatever the kind (JSON is dumped).
  std::string to_string() const;

  friend bool operator==(const Data&, const Data&) = default;

 private:
  /// as<T>() on text or bytes: the text parsed, or a clear Error.
  nlohmann::json parse_for_as() const;
  std::variant<Bytes, nlohmann::json, std::string> value_;
};

}  // namespace tether
