#include "tether/params.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace tether {

using nlohmann::json;

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

void percent_encode(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0x0F];
}

bool is_alnum(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// encodeURIComponent's unreserved set.
bool is_uri_component_safe(unsigned char c) {
  return is_alnum(c) || std::string_view("-_.!~*'()").find(char(c)) != std::string_view::npos;
}

// axios' buildURL encode(): encodeURIComponent, then %3A, %24, %2C, %5B, %5D
// back to their characters and %20 to '+'.
std::string axios_encode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (is_uri_component_safe(c) ||
        std::string_view(":$,[]").find(char(c)) != std::string_view::npos) {
      out += char(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      percent_encode(out, c);
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Reads "%XX" at s[i]; false when there is no well-formed escape there.
bool read_escape(std::string_view s, std::size_t i, unsigned char& byte) {
  if (i + 2 >= s.size() || s[i] != '%') return false;
  int hi = hex_value(s[i + 1]);
  int lo = hex_value(s[i + 2]);
  if (hi < 0 || lo < 0) return false;
  byte = static_cast<unsigned char>(hi * 16 + lo);
  return true;
}

// The length of the UTF-8 sequence `lead` starts, 0 if it cannot start one.
int utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// The second byte's range excludes overlong forms, surrogates and code points
// past U+10FFFF, as decodeURIComponent rejects them.
bool second_byte_ok(unsigned char lead, unsigned char b) {
  if ((b & 0xC0) != 0x80) return false;
  switch (lead) {
    case 0xE0:
      return b >= 0xA0;
    case 0xED:
      return b <= 0x9F;
    case 0xF0:
      return b >= 0x90;
    case 0xF4:
      return b <= 0x8F;
    default:
      return true;
  }
}

// ECMAScript Number::toString: the shortest round-trip digits, laid out as
// JavaScript does (2.0 is "2", 1e-5 is "0.00001", 1e-7 is "1e-7").
std::string js_number(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x < 0 ? "-Infinity" : "Infinity";
  if (x == 0) return "0";
  std::array<char, 64> buf;
  const auto end =
      std::to_chars(buf.data(), buf.data() + buf.size(), std::abs(x), std::chars_format::scientific)
          .ptr;
  const std::string_view sci(buf.data(), static_cast<std::size_t>(end - buf.data()));
  const auto e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  const int k = static_cast<int>(digits.size());
  const int n = std::atoi(std::string(sci.substr(e + 1)).c_str()) + 1;  // x = 0.digits * 10^n

  std::string out = x < 0 ? "-" : "";
  if (k <= n && n <= 21) {
    out += digits + std::string(std::size_t(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, std::size_t(n)) + '.' + digits.substr(std::size_t(n));
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(std::size_t(-n), '0') + digits;
  } else {
    out += digits[0];
    if (k > 1) out += '.' + digits.substr(1);
    out += n - 1 < 0 ? "e-" : "e+";
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

// JavaScript's String(value) for what a query string holds.
std::string js_string(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return value.get_ref<const std::string&>();
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::null:
    case json::value_t::discarded:
      return "";
    case json::value_t::array: {
      std::string joined;
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i) joined += ',';
        joined += js_string(value[i]);
      }
      return joined;
    }
    case json::value_t::object:
      return "[object Object]";
    case json::value_t::number_float:
      return js_number(value.get<double>());
    default:
      return value.dump();  // integers
  }
}

std::string dump_json(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string_view remove_brackets(std::string_view key) {
  return key.ends_with("[]") ? key.substr(0, key.size() - 2) : key;
}

std::string_view trim_ascii(std::string_view s) {
  constexpr std::string_view ws = " \t\n\v\f\r";
  auto begin = s.find_first_not_of(ws);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(ws) - begin + 1);
}

bool is_visitable(const json& value) {
  return value.is_object() || value.is_array();
}

bool is_flat_array(const json& value) {
  return value.is_array() && std::none_of(value.begin(), value.end(), is_visitable);
}

// AxiosURLSearchParams filled by toFormData's default visitor (metaTokens on,
// dots off), with `arrays` standing for its `indexes` option.
class QueryBuilder {
 public:
  explicit QueryBuilder(ArrayFormat arrays) : arrays_(arrays) {}

  void visit_top(std::string_view raw_key, const json& value) {
    if (value.is_null()) return;
    const std::string key(trim_ascii(raw_key));
    if (value.is_object() || value.is_array()) {
      if (key.ends_with("{}")) {
        append(key, dump_json(value));
        return;
      }
      if (value.is_array() && (is_flat_array(value) || key.ends_with("[]"))) {
        append_array(remove_brackets(key), value);
        return;
      }
      visit_children(value, {key});
      return;
    }
    append(key, js_string(value));
  }

  std::string str() const {
    std::string out;
    for (std::size_t i = 0; i < pairs_.size(); ++i) {
      if (i) out += '&';
      out += pairs_[i];
    }
    return out;
  }

 private:
  void append(std::string_view name, std::string_view value) {
    pairs_.push_back(axios_encode(name) + '=' + axios_encode(value));
  }

  void append_array(std::string_view key, const json& array) {
    if (arrays_ == ArrayFormat::Comma) {
      std::string joined;
      bool any = false;
      for (const auto& element : array) {
        if (element.is_null()) continue;
        if (any) joined += ',';
        joined += js_string(element);
        any = true;
      }
      if (any) append(key, joined);
      return;
    }
    std::size_t index = 0;
    for (const auto& element : array) {
      if (!element.is_null()) {
        std::string name(key);
        if (arrays_ == ArrayFormat::Indices) {
          name += '[' + std::to_string(index) + ']';
        } else if (arrays_ == ArrayFormat::Brackets) {
          name += "[]";
        }
        append(name, js_string(element));
      }
      ++index;
    }
  }

  // toFormData's build(): nested values are always written with their full
  // path (a[b][0]=1), whatever the array format.
  void visit_children(const json& value, const std::vector<std::string>& path) {
    auto visit = [&](std::string key, const json& child) {
      if (child.is_null()) return;
      if (is_visitable(child)) {
        auto child_path = path;
        child_path.push_back(std::move(key));
        visit_children(child, child_path);
      } else {
        append(render_key(path, key), js_string(child));
      }
    };
    if (value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) visit(std::to_string(i), value[i]);
    } else {
      for (const auto& [key, child] : value.items()) visit(std::string(trim_ascii(key)), child);
    }
  }

  static std::string render_key(const std::vector<std::string>& path, std::string_view key) {
    std::string name(remove_brackets(path.front()));
    for (std::size_t i = 1; i < path.size(); ++i) {
      name.append("[").append(remove_brackets(path[i])).append("]");
    }
    name.append("[").append(remove_brackets(key)).append("]");
    return name;
  }

  ArrayFormat arrays_;
  std::vector<std::string> pairs_;
};

// The ApiClient article's buildQueryString, extended to the value kinds it
// did not handle.
void write_merged(std::string& out, std::string_view key, const json& value) {
  auto separate = [&] {
    if (!out.empty()) out += '&';
  };
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return;
    case json::value_t::boolean:
      separate();
      out += encode_uri_component(key);
      if (!value.get<bool>()) out += "=false";
      return;
    case json::value_t::array:
      for (const auto& element : value) write_merged(out, key, element);
      return;
    case json::value_t::object:
      separate();
      out.append(encode_uri_component(key))
          .append("=")
          .append(encode_uri_component(dump_json(value)));
      return;
    default:
      separate();
      out.append(encode_uri_component(key))
          .append("=")
          .append(encode_uri_component(js_string(value)));
      return;
  }
}

// One side of a URL's own `key=value` pair, re-encoded as written: escapes
// are kept whatever bytes they stand for (`%AB%CD`, Latin-1 `%E9`), a lone
// `%` stays, `+` (a form-encoded space) becomes %20, and what
// encodeURIComponent would escape is escaped.
void write_as_written(std::string& out, std::string_view raw) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    unsigned char byte = 0;
    if (c == '%' && read_escape(raw, i, byte)) {
      // An escaped unreserved character (%7E) is written plain, as
      // encodeURIComponent would; any other escape as written.
      if (is_uri_component_safe(byte)) {
        out += char(byte);
      } else {
        out.append(raw.substr(i, 3));
      }
      i += 2;
    } else if (c == '%' || is_uri_component_safe(c)) {
      out += char(c);
    } else if (c == '+') {
      out += "%20";
    } else {
      percent_encode(out, c);
    }
  }
}

// The pairs of a URL's query grouped by decoded key in first-seen order: a
// key the URL repeats keeps all its values (written back as repeated keys)
// where the article's parseQueryString kept only the last.
struct UrlPairs {
  std::vector<std::string> keys;
  std::vector<std::vector<std::string_view>> pairs;  // raw, per key
};

UrlPairs group_url_pairs(std::string_view query) {
  UrlPairs grouped;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::string key(pair.substr(0, pair.find('=')));
    std::replace(key.begin(), key.end(), '+', ' ');
    key = decode_uri_component(key);
    const auto at = std::find(grouped.keys.begin(), grouped.keys.end(), key);
    if (at == grouped.keys.end()) {
      grouped.keys.push_back(std::move(key));
      grouped.pairs.push_back({pair});
    } else {
      grouped.pairs[std::size_t(at - grouped.keys.begin())].push_back(pair);
    }
  }
  return grouped;
}

void write_pair_as_written(std::string& out, std::string_view pair) {
  if (!out.empty()) out += '&';
  const auto eq = pair.find('=');
  write_as_written(out, pair.substr(0, eq));
  if (eq == std::string_view::npos) return;
  out += '=';
  write_as_written(out, pair.substr(eq + 1));
}

}  // namespace

Params::Params(std::initializer_list<Entry> entries) {
  for (const auto& [name, value] : entries) set(name, value);
}

Params& Params::set(std::string name, json value) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.first == name; });
  if (it != entries_.end()) {
    it->second = std::move(value);
  } else {
    entries_.emplace_back(std::move(name), std::move(value));
  }
  return *this;
}

bool Params::remove(std::string_view name) {
  return std::erase_if(entries_, [&](const Entry& e) { return e.first == name; }) > 0;
}

bool Params::has(std::string_view name) const {
  return find(name) != nullptr;
}

const json* Params::find(std::string_view name) const {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.first == name; });
  return it == entries_.end() ? nullptr : &it->second;
}

std::string build_query(const Params& params, ArrayFormat arrays) {
  QueryBuilder builder(arrays);
  for (const auto& [key, value] : params) builder.visit_top(key, value);
  return builder.str();
}

std::string build_url(std::string_view url, const Params& params, ArrayFormat arrays) {
  std::string result(url.substr(0, url.find('#')));
  const std::string query = build_query(params, arrays);
  if (!query.empty()) {
    result += result.find('?') == std::string::npos ? '?' : '&';
    result += query;
  }
  return result;
}

Params parse_query(std::string_view query) {
  Params params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;

    auto decode = [](std::string_view s) {
      std::string plus_as_space(s);
      std::replace(plus_as_space.begin(), plus_as_space.end(), '+', ' ');
      return decode_uri_component(plus_as_space);
    };
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      // A bare key stays `true` so merge_params_into_url writes it back bare.
      params.set(decode(pair), true);
    } else {
      params.set(decode(pair.substr(0, eq)), decode(pair.substr(eq + 1)));
    }
  }
  return params;
}

// The URL's own pairs that no param names are written as written (see
// write_as_written); a param takes the place of the pairs it names.
std::string merge_params_into_url(std::string_view url, const Params& params) {
  const auto hash = url.find('#');
  const std::string_view pre_hash = url.substr(0, hash);
  const auto question = pre_hash.find('?');
  const std::string_view path = pre_hash.substr(0, question);
  const UrlPairs own = group_url_pairs(
      question == std::string_view::npos ? std::string_view{} : pre_hash.substr(question + 1));

  std::string query;
  for (std::size_t k = 0; k < own.keys.size(); ++k) {
    if (const json* value = params.find(own.keys[k])) {
      write_merged(query, own.keys[k], *value);
    } else {
      for (const auto pair : own.pairs[k]) write_pair_as_written(query, pair);
    }
  }
  for (const auto& [key, value] : params) {
    if (std::find(own.keys.begin(), own.keys.end(), key) == own.keys.end()) {
      write_merged(query, key, value);
    }
  }

  std::string result(path);
  if (!query.empty()) result.append("?").append(query);
  if (hash != std::string_view::npos) result.append(url.substr(hash));  // even an empty one
  return result;
}

std::string encode_uri_component(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (is_uri_component_safe(c)) {
      out += char(c);
    } else {
      percent_encode(out, c);
    }
  }
  return out;
}

std::string decode_uri_component(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char lead = 0;
    if (!read_escape(s, i, lead)) {
      out += s[i++];
      continue;
    }
    // Decode one whole UTF-8 sequence, or keep its first escape as written.
    const int length = utf8_length(lead);
    std::array<unsigned char, 4> bytes{lead};
    bool ok = length > 0;
    for (int k = 1; ok && k < length; ++k) {
      ok = read_escape(s, i + 3 * std::size_t(k), bytes[std::size_t(k)]) &&
           (k == 1 ? second_byte_ok(lead, bytes[1]) : (bytes[std::size_t(k)] & 0xC0) == 0x80);
    }
    if (ok) {
      out.append(reinterpret_cast<const char*>(bytes.data()), std::size_t(length));
      i += 3 * std::size_t(length);
    } else {
      out.append(s.substr(i, 3));
      i += 3;
    }
  }
  return out;
}

}  // namespace tether
