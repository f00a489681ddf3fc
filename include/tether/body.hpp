/// \file
/// Body: what a request sends. Converts implicitly from JSON, text, bytes, Form
/// (multipart/form-data) and UrlEncoded (application/x-www-form-urlencoded).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace tether {

/// Raw bytes: a body or a response's data kept as they are.
using Bytes = std::vector<std::byte>;

/// multipart/form-data fields and files, in order.
class Form {
 public:
  /// One field or file of the form.
  struct Part {
    std::string name{};          ///< the field's name
    std::string value{};         ///< the field's value, or the file's content
    std::string filename{};      ///< non-empty for a file part
    std::string content_type{};  ///< for a file part; empty means application/octet-stream
    friend bool operator==(const Part&, const Part&) = default;
  };

  /// An empty form.
  Form() = default;
  /// Form{{"name", "value"}, ...}: text fields.
  Form(std::initializer_list<std::pair<std::string, std::string>> fields);

  /// Adds a text field; returns this form.
  Form& append(std::string name, std::string value);
  /// Adds a file part with its content in memory; returns this form.
  Form& append_file(std::string name, std::string filename, std::string content,
                    std::string content_type = "application/octet-stream");

  /// The parts, in the order they were added.
  const std::vector<Part>& parts() const noexcept { return parts_; }
  /// True when the form has no part.
  bool empty() const noexcept { return parts_.empty(); }
  friend bool operator==(const Form&, const Form&) = default;

 private:
  std::vector<Part> parts_{};
};

/// application/x-www-form-urlencoded fields, in order.
class UrlEncoded {
 public:
  /// No field.
  UrlEncoded() = default;
  /// UrlEncoded{{"name", "value"}, ...}: the fields, in order.
  UrlEncoded(std::initializer_list<std::pair<std::string, std::string>> fields);
  /// Adds a field; returns this object.
  UrlEncoded& append(std::string name, std::string value);
  /// The fields (name, value), in order.
  const std::vector<std::pair<std::string, std::string>>& fields() const noexcept {
    return fields_;
  }
  /// "a=1&b=x+y" as URLSearchParams writes it.
  std::string encode() const;
  friend bool operator==(const UrlEncoded&, const UrlEncoded&) = default;

 private:
  std::vector<std::pair<std::string, std::string>> fields_{};
};

/// Streaming uploads: a body read as curl asks for it, never whole in memory.
/// A file, by path: opened when each try starts (a missing or unreadable file
/// fails the request with BadOptionValue, naming the path, and sends nothing),
/// its size sent as Content-Length; a retry or a 307/308 redirect reads it again.
struct BodyFile {
  std::string path{};  ///< the file to send
};
/// A producer: `read` fills `buffer` with the next bytes and returns how many
/// (0 ends the body); it runs on the engine thread, so it must not wait long.
/// `size`, when known, is sent as Content-Length (the producer must give exactly
/// that many bytes); unknown, the body goes chunked (HTTP/1.1). `restart`, when
/// given, starts the body again from its first byte (a retry, a 307/308
/// redirect) and returns false if it cannot; without it such a body is sent at
/// most once, and a retry or redirect that needs it again fails saying so. What
/// read or restart throws becomes the request's error.
struct BodyStream {
  std::function<std::size_t(std::span<char> buffer)> read{};  ///< fills buffer; 0 ends
  std::optional<std::uint64_t> size{};                        ///< the exact byte count, when known
  std::function<bool()> restart{};                            ///< starts again from the first byte
};

class Body;

namespace detail {
// A value Body sends as JSON through nlohmann's to_json: not one of the kinds
// Body takes as they are (text, bytes, forms), so a std::string stays text.
template <class T>
concept JsonBody =
    !std::is_same_v<std::remove_cvref_t<T>, Body> &&
    !std::is_same_v<std::remove_cvref_t<T>, nlohmann::json> &&
    !std::is_convertible_v<const T&, std::string_view> &&
    !std::is_convertible_v<const T&, std::string> &&
    !std::is_convertible_v<const T&, std::vector<std::byte>> &&
    !std::is_convertible_v<const T&, Form> && !std::is_convertible_v<const T&, UrlEncoded> &&
    !std::is_convertible_v<const T&, BodyFile> && !std::is_convertible_v<const T&, BodyStream> &&
    std::is_constructible_v<nlohmann::json, const T&>;
}  // namespace detail

/// What a request sends: JSON, text, bytes, a Form (multipart/form-data), UrlEncoded
/// fields, a file or a producer; converts implicitly from each. A Body is
/// immutable and its copies share one payload, so a config (and a Response or
/// Error that carries one) copies in O(1) whatever its size.
class Body {
 public:
  /// What the body holds (the order of the payload's alternatives).
  enum class Kind { None, Json, Text, Bytes, Form, UrlEncoded, File, Stream };

  /// No body (Kind::None).
  Body() noexcept = default;
  /// JSON, sent as application/json.
  Body(nlohmann::json json) : value_(make(std::move(json))) {}
  /// Text, sent as text/plain;charset=UTF-8.
  ///@{
  Body(std::string text) : value_(make(Text{std::move(text)})) {}
  Body(const char* text) : value_(make(Text{text})) {}
  Body(std::string_view text) : value_(make(Text{std::string(text)})) {}
  ///@}
  /// Bytes, sent as application/octet-stream.
  Body(tether::Bytes bytes) : value_(make(std::move(bytes))) {}
  /// A multipart/form-data form.
  Body(tether::Form form) : value_(make(std::move(form))) {}
  /// application/x-www-form-urlencoded fields.
  Body(tether::UrlEncoded fields) : value_(make(std::move(fields))) {}
  /// axios' object literal: {{"name", "x"}, {"n", 1}} is the JSON object
  /// {"name":"x","n":1} (nlohmann's rules: a list of [string, value] pairs is
  /// an object, any other list an array). One string alone, {"text"}, stays
  /// text, as Body("text").
  Body(nlohmann::json::initializer_list_t init) : value_(from_list(init)) {}
  /// Any value nlohmann can convert (a struct with to_json, a number, a map, a
  /// vector) is sent as JSON.
  template <detail::JsonBody T>
  Body(const T& value) : value_(make(nlohmann::json(value))) {}
  /// Streaming uploads (see BodyFile, BodyStream).
  ///@{
  Body(BodyFile file) : value_(make(std::move(file))) {}
  Body(BodyStream stream) : value_(make(std::move(stream))) {}
  ///@}
  /// A file sent by path (see BodyFile).
  static Body file(std::string path) { return Body(BodyFile{std::move(path)}); }
  /// A body from a producer (see BodyStream for read, size and restart).
  static Body stream(std::function<std::size_t(std::span<char> buffer)> read,
                     std::optional<std::uint64_t> size = std::nullopt,
                     std::function<bool()> restart = {}) {
    return Body(BodyStream{std::move(read), size, std::move(restart)});
  }

  /// What the body holds.
  Kind kind() const noexcept { return value_ ? static_cast<Kind>(value_->index()) : Kind::None; }
  /// True for Kind::None.
  bool empty() const noexcept { return kind() == Kind::None; }

  /// The payload's accessors; each returns nullptr for another kind.
  ///@{
  const nlohmann::json* json() const noexcept { return get<nlohmann::json>(); }
  const std::string* text() const noexcept {
    auto* t = get<Text>();
    return t ? &t->value : nullptr;
  }
  const tether::Bytes* bytes() const noexcept { return get<tether::Bytes>(); }
  const tether::Form* form() const noexcept { return get<tether::Form>(); }
  const tether::UrlEncoded* url_encoded() const noexcept { return get<tether::UrlEncoded>(); }
  const BodyFile* file_source() const noexcept { return get<BodyFile>(); }
  const BodyStream* stream_source() const noexcept { return get<BodyStream>(); }
  ///@}
  /// Whether the body can be sent again (a retry, a 307/308 redirect): all
  /// kinds but a BodyStream without restart.
  bool replayable() const noexcept {
    auto* s = stream_source();
    return !s || static_cast<bool>(s->restart);
  }

  /// The Content-Type sent when the request sets none: application/json,
  /// text/plain;charset=UTF-8, application/octet-stream,
  /// application/x-www-form-urlencoded;charset=UTF-8; empty for None and Form
  /// (the multipart boundary is the transport's); application/octet-stream for
  /// File and Stream.
  std::string default_content_type() const;
  /// The bytes sent, for every kind but Form, File and Stream (empty for None;
  /// those are read as they are sent).
  std::string serialize() const;

 private:
  struct Text {
    std::string value{};
    friend bool operator==(const Text&, const Text&) = default;
  };
  /// Order matches Kind.
  using Value = std::variant<std::monostate, nlohmann::json, Text, tether::Bytes, tether::Form,
                             tether::UrlEncoded, BodyFile, BodyStream>;
  static std::shared_ptr<const Value> from_list(nlohmann::json::initializer_list_t init);
  template <class T>
  static std::shared_ptr<const Value> make(T&& payload) {
    return std::make_shared<const Value>(std::forward<T>(payload));
  }
  template <class T>
  const T* get() const noexcept {
    return value_ ? std::get_if<T>(value_.get()) : nullptr;
  }
  std::shared_ptr<const Value> value_{};  ///< null: Kind::None
};

}  // namespace tether
