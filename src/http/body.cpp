#include "tether/body.hpp"

namespace tether {

namespace {

// The application/x-www-form-urlencoded byte serializer (WHATWG URL).
void form_urlencode(std::string& out, std::string_view s) {
  constexpr char hex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '*' ||
        c == '-' || c == '.' || c == '_') {
      out += char(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0x0F];
    }
  }
}

}  // namespace

Form::Form(std::initializer_list<std::pair<std::string, std::string>> fields) {
  parts_.reserve(fields.size());
  for (const auto& [name, value] : fields) append(name, value);
}

Form& Form::append(std::string name, std::string value) {
  parts_.push_back({std::move(name), std::move(value), {}, {}});
  return *this;
}

Form& Form::append_file(std::string name, std::string filename, std::string content,
                        std::string content_type) {
  parts_.push_back(
      {std::move(name), std::move(content), std::move(filename), std::move(content_type)});
  return *this;
}

UrlEncoded::UrlEncoded(std::initializer_list<std::pair<std::string, std::string>> fields)
    : fields_(fields) {}

UrlEncoded& UrlEncoded::append(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::shared_ptr<const Body::Value> Body::from_list(nlohmann::json::initializer_list_t init) {
  nlohmann::json json(init);  // an object when every element is a [string, value] pair
  if (init.size() == 1 && json.is_array() && json[0].is_string()) {
    return make(Text{json[0].get<std::string>()});
  }
  return make(std::move(json));
}

std::string UrlEncoded::encode() const {
  std::string out;
  for (const auto& [name, value] : fields_) {
    if (!out.empty()) out += '&';
    form_urlencode(out, name);
    out += '=';
    form_urlencode(out, value);
  }
  return out;
}

std::string Body::default_content_type() const {
  switch (kind()) {
    case Kind::Json:
      return "application/json";
    case Kind::Text:
      return "text/plain;charset=UTF-8";
    case Kind::Bytes:
      return "application/octet-stream";
    case Kind::UrlEncoded:
      return "application/x-www-form-urlencoded;charset=UTF-8";
    case Kind::File:
    case Kind::Stream:
      return "application/octet-stream";
    case Kind::None:
    case Kind::Form:
      return {};
  }
  return {};
}

std::string Body::serialize() const {
  switch (kind()) {
    case Kind::Json:
      // Invalid UTF-8 in a string becomes U+FFFD rather than an exception, as
      // JSON.stringify never fails on a string either.
      return json()->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    case Kind::Text:
      return *text();
    case Kind::Bytes: {
      const auto& b = *bytes();
      return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    }
    case Kind::UrlEncoded:
      return url_encoded()->encode();
    case Kind::None:
    case Kind::Form:
    case Kind::File:
    case Kind::Stream:
      return {};
  }
  return {};
}

}  // namespace tether
