// Splits a fuzzer's input into fields: 0xFF separates them (a byte no text
// field needs), so seed files stay readable and every other byte — CR, LF,
// NUL — can still reach the code under test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace tether::fuzz {

class Fields {
 public:
  Fields(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next field; empty once the input is used up.
  std::string next() {
    const auto end = rest_.find('\xff');
    std::string field(rest_.substr(0, end));
    rest_ = end == std::string_view::npos ? std::string_view{} : rest_.substr(end + 1);
    return field;
  }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// A broken invariant: report it and crash, so the fuzzer keeps the input.
[[noreturn]] inline void broken(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

inline void require(bool ok, const char* what) {
  if (!ok) broken(what);
}

}  // namespace tether::fuzz
