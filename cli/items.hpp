// HTTPie-style request items and URL shorthands, turned into the parts of a
// tether::RequestConfig.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <tether/body.hpp>
#include <tether/headers.hpp>

namespace tether::cli {

// Bad command-line input: the tool prints it and exits with the usage code.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the items of one command line ask for.
struct RequestParts {
  std::vector<std::pair<std::string, std::string>> query;  // name==value, in order
  Headers headers;                                         // Header:value
  Body body;                                               // JSON, form, multipart or raw
};

// "localhost:8080/x" -> "http://localhost:8080/x", ":8080/x" ->
// "http://localhost:8080/x", ":/x" -> "http://localhost/x"; a URL with a
// scheme is kept as it is.
std::string expand_url(std::string_view url);

// Whether `word` reads as an HTTP method (letters only, all upper case), so
// `tether DELETE url` and `tether url` both work.
bool looks_like_method(std::string_view word);

struct ItemOptions {
  bool form = false;                 // --form: `=` fields are form fields
  std::optional<std::string> raw{};  // --raw BODY ("@path" reads a file, "-" stdin)
};

// Parses the items (name==value, Header:value, Header; , field=value,
// field:=json, field@path, @path) into the request's parts. Throws UsageError.
RequestParts parse_items(const std::vector<std::string>& items, const ItemOptions& options);

// The file's bytes; throws UsageError naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace tether::cli
