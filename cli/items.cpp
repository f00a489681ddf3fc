#include "items.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

namespace tether::cli {
namespace {

enum class Sep { Query, Json, File, Field, Header, EmptyHeader };

struct Item {
  Sep sep;
  std::string name;
  std::string value;
};

// The separators HTTPie knows, longer ones first so that at one position
// "==" wins over "=" and ":=" over ":".
constexpr std::array<std::pair<std::string_view, Sep>, 6> kSeparators{{
    {"==", Sep::Query},
    {":=", Sep::Json},
    {"@", Sep::File},
    {"=", Sep::Field},
    {":", Sep::Header},
    {";", Sep::EmptyHeader},
}};

// The leftmost separator decides, so a value may hold any of the others
// (`url==http://x`, `X-At:12:00`, `email=a@b`).
Item split_item(const std::string& text) {
  std::size_t best = std::string::npos;
  std::pair<std::string_view, Sep> found{};
  for (const auto& candidate : kSeparators) {
    auto at = text.find(candidate.first);
    if (at < best) {
      best = at;
      found = candidate;
    }
  }
  if (best == std::string::npos) {
    throw UsageError("'" + text +
                     "' is not a request item (name==value, Header:value, field=value, "
                     "field:=json, field@file)");
  }
  Item item{found.second, text.substr(0, best), text.substr(best + found.first.size())};
  if (item.name.empty() && item.sep != Sep::File) {
    throw UsageError("'" + text + "' has an empty name");
  }
  if (item.sep == Sep::EmptyHeader && !item.value.empty()) {
    throw UsageError("'" + text + "': 'Header;' takes no value (use 'Header:value')");
  }
  return item;
}

std::string guess_content_type(const std::string& path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kTypes{{
      {".json", "application/json"},
      {".txt", "text/plain"},
      {".html", "text/html"},
      {".csv", "text/csv"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".pdf", "application/pdf"},
  }};
  for (const auto& [ext, type] : kTypes) {
    if (path.size() > ext.size() && path.ends_with(ext)) return std::string(type);
  }
  return "application/octet-stream";
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A raw body is sent byte for byte; its Content-Type says JSON when it
// parses as JSON, else text for --raw text and octet-stream for a file.
void set_raw_body(RequestParts& parts, std::string bytes, bool from_file) {
  if (!parts.headers.has("Content-Type")) {
    if (nlohmann::json::accept(bytes)) {
      parts.headers.set("Content-Type", "application/json");
    } else if (from_file) {
      parts.headers.set("Content-Type", "application/octet-stream");
    }
  }
  parts.body = Body(std::move(bytes));
}

std::string read_raw(const std::string& raw, bool& from_file) {
  from_file = false;
  if (raw == "-") {
    from_file = true;
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  if (raw.starts_with("@")) {
    from_file = true;
    return read_file(raw.substr(1));
  }
  return raw;
}

struct Collected {
  nlohmann::json json = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> fields;  // `=` in order (for --form)
  std::vector<Item> files;
  std::optional<std::string> raw_file;  // an `@path` item
  bool has_data = false;
};

void collect(const Item& item, RequestParts& parts, Collected& c, const ItemOptions& options) {
  switch (item.sep) {
    case Sep::Query:
      parts.query.emplace_back(item.name, item.value);
      break;
    case Sep::Header:
      parts.headers.append(item.name, item.value);
      break;
    case Sep::EmptyHeader:
      parts.headers.append(item.name, "");
      break;
    case Sep::Field:
      c.json[item.name] = item.value;
      c.fields.emplace_back(item.name, item.value);
      c.has_data = true;
      break;
    case Sep::Json:
      if (options.form)
        throw UsageError("'" + item.name + ":=' (raw JSON) cannot be sent with --form");
      try {
        c.json[item.name] = nlohmann::json::parse(item.value);
      } catch (const nlohmann::json::exception&) {
        // The value may be a secret (token:=...): name the field only.
        throw UsageError("'" + item.name + ":=': the value is not valid JSON");
      }
      c.has_data = true;
      break;
    case Sep::File:
      if (item.name.empty()) {
        if (c.raw_file) throw UsageError("only one '@file' body can be sent");
        c.raw_file = item.value;
      } else {
        c.files.push_back(item);
      }
      break;
  }
}

}  // namespace

std::string expand_url(std::string_view url) {
  if (url.find("://") != std::string_view::npos) return std::string(url);
  if (url.starts_with(":")) {
    // ":8080/x" and ":/x" name localhost, as HTTPie has it.
    std::string rest(url.substr(1));
    return "http://localhost" + (rest.empty() || rest.front() == '/' ? rest : ":" + rest);
  }
  return "http://" + std::string(url);
}

bool looks_like_method(std::string_view word) {
  return !word.empty() && word.size() <= 16 &&
         std::all_of(word.begin(), word.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read '" + path + "'");
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) throw UsageError("cannot read '" + path + "'");
  return std::move(out).str();
}

RequestParts parse_items(const std::vector<std::string>& items, const ItemOptions& options) {
  RequestParts parts;
  Collected c;
  for (const auto& text : items) collect(split_item(text), parts, c, options);

  int bodies =
      (options.raw ? 1 : 0) + (c.raw_file ? 1 : 0) + (c.has_data || !c.files.empty() ? 1 : 0);
  if (bodies > 1)
    throw UsageError(
        "a raw body (--raw, @file) cannot be mixed with data fields or another raw body");
  if (!c.files.empty() && !options.form) {
    throw UsageError("file fields ('" + c.files.front().name + "@" + c.files.front().value +
                     "') need --form");
  }

  if (options.raw || c.raw_file) {
    bool from_file = true;
    std::string bytes = options.raw ? read_raw(*options.raw, from_file) : read_file(*c.raw_file);
    set_raw_body(parts, std::move(bytes), from_file);
  } else if (options.form && !c.files.empty()) {
    Form form;
    for (auto& [name, value] : c.fields) form.append(name, value);
    for (const auto& file : c.files) {
      form.append_file(file.name, base_name(file.value), read_file(file.value),
                       guess_content_type(file.value));
    }
    parts.body = Body(std::move(form));
  } else if (options.form && c.has_data) {
    UrlEncoded fields;
    for (auto& [name, value] : c.fields) fields.append(name, value);
    parts.body = Body(std::move(fields));
  } else if (c.has_data) {
    parts.body = Body(std::move(c.json));
  }
  return parts;
}

}  // namespace tether::cli
