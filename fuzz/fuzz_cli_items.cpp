// The CLI's HTTPie-style request items (name==value, Header:value, field=value,
// field:=json, field@path) and URL shorthands: bad items are a UsageError,
// nothing else escapes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "items.hpp"

namespace {

// Items that name files read them: keep the fuzzer in an empty directory and
// away from paths outside it (/dev/zero never ends, stdin would wait).
bool reads_outside(const std::string& item) {
  return item.find('@') != std::string::npos &&
         (item.find('/') != std::string::npos || item.find('-') != std::string::npos);
}

struct InEmptyDirectory {
  InEmptyDirectory() {
    if (::mkdtemp(dir) == nullptr || ::chdir(dir) != 0) std::abort();
    std::atexit([] { ::rmdir(dir); });
  }
  static inline char dir[] = "/tmp/tether-fuzz-items-XXXXXX";
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static InEmptyDirectory sandbox;
  tether::fuzz::Fields fields(data, size);
  const std::string url = fields.next();
  const bool form = fields.next() == "form";
  std::vector<std::string> items;
  while (!fields.empty()) {
    items.push_back(fields.next());
    if (reads_outside(items.back())) return 0;
  }
  (void)tether::cli::expand_url(url);
  (void)tether::cli::looks_like_method(url);
  try {
    (void)tether::cli::parse_items(items, {.form = form});
  } catch (const tether::cli::UsageError& e) {
    tether::fuzz::require(*e.what() != '\0', "a usage error says what is wrong");
  }
  return 0;
}
