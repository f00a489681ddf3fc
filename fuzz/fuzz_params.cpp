// Query strings: parse, build, merge (the ApiClient's mergeParamsIntoUrl) and
// the URI component codec, on hostile input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"
#include "tether/params.hpp"

namespace {

using tether::fuzz::require;

// decode_uri_component decodes whole UTF-8 sequences only and keeps any
// other escape as written (as decodeURIComponent, which throws on them), so
// round trips hold for valid UTF-8 text.
bool valid_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

bool valid_utf8(const nlohmann::json& value) {
  return !value.is_string() || valid_utf8(value.get<std::string>());
}

std::string query_of(const std::string& url) {
  const auto hash = url.find('#');
  const auto head = url.substr(0, hash);
  const auto mark = head.find('?');
  return mark == std::string::npos ? std::string{} : head.substr(mark + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tether::fuzz::Fields fields(data, size);
  const std::string url = fields.next();
  const std::string query = fields.next();
  const std::string component = fields.next();

  if (valid_utf8(component)) {
    require(tether::decode_uri_component(tether::encode_uri_component(component)) == component,
            "decode(encode(s)) == s");
  }
  (void)tether::decode_uri_component(component);

  const tether::Params given = tether::parse_query(query);
  for (auto format : {tether::ArrayFormat::Brackets, tether::ArrayFormat::Indices,
                      tether::ArrayFormat::Repeat, tether::ArrayFormat::Comma}) {
    (void)tether::build_query(given, format);
    (void)tether::build_url(url, given, format);
  }

  const std::string merged = tether::merge_params_into_url(url, given);
  // The fragment survives the merge.
  const auto hash = url.find('#');
  if (hash != std::string::npos) {
    require(
        merged.size() >= url.size() - hash &&
            merged.compare(merged.size() - (url.size() - hash), std::string::npos, url, hash) == 0,
        "the fragment is kept");
  }
  // Every given parameter reads back with its value. A name that is not UTF-8
  // does not round-trip (its bytes come back as literal "%BC" escapes), so it
  // may read back as another given name: then no name is checked.
  const tether::Params back = tether::parse_query(query_of(merged));
  bool names_round_trip = true;
  for (const auto& entry : given) names_round_trip = names_round_trip && valid_utf8(entry.first);
  for (const auto& [name, value] : given) {
    if (!names_round_trip) break;
    if (name.empty() || !valid_utf8(name) || !valid_utf8(value)) continue;
    const auto* found = back.find(name);
    require(found != nullptr, "a given parameter is in the merged URL");
    require(*found == value, "a given parameter keeps its value");
  }
  return 0;
}
