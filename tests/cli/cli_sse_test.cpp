// `tether --stream` on a text/event-stream: one parsed event at a time, in one
// readable form whatever the server's line ends, comments or BOM.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "stream_printer.hpp"
#include "support/test_server.hpp"

namespace tether::test {
namespace {

using cli::StreamPrinter;

std::string encode(std::string_view s) {
  constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::vector<std::string> events_of(const std::vector<std::string>& chunks) {
  std::vector<std::string> units;
  StreamPrinter printer([&](std::string_view u) { units.emplace_back(u); });
  printer.start("text/event-stream");
  for (const auto& c : chunks) printer.feed(c);
  printer.finish();
  return units;
}

TEST(CliSsePrinter, EventsAreParsedAndPrintedInOneForm) {
  auto units = events_of({"\xEF\xBB\xBF: keep-alive\r\nevent: greet\r\nid: 7\r\nda", "ta: a\r",
                          "\ndata: b\r\n\r\nretry: 10\rdata: c\r\r", "data: cut off"});
  EXPECT_EQ(units, (std::vector<std::string>{"event: greet\nid: 7\ndata: a\ndata: b\n\n",
                                             "id: 7\ndata: c\n\n"}));
}

TEST(CliSsePrinter, AnEventPastTheBoundFailsTheFeed) {
  StreamPrinter printer([](std::string_view) {});
  printer.start("text/event-stream");
  std::string huge((16u << 20) + 1, 'x');
  EXPECT_THROW(printer.feed(huge), std::exception);
}

class CliSse : public ::testing::Test {
 protected:
  TestServer server;
};

TEST_F(CliSse, StreamPrintsParsedEventsFromTheWire) {
  const std::string body =
      ": hello\r\nevent: update\r\nid: 1\r\ndata: {\"n\":1}\r\n\r\n"
      "data: two\rdata: lines\r\r";
  auto r =
      run_cli({"--stream", server.url("/sse-script?chunk=5&interval_ms=1&body=" + encode(body))});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "event: update\nid: 1\ndata: {\"n\":1}\n\nid: 1\ndata: two\ndata: lines\n\n");
}

}  // namespace
}  // namespace tether::test
