// `tether --timing` / `-v`: the httpstat-style timings, as a unit and from the
// built binary against the test server.
#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "support/test_server.hpp"
#include "timing.hpp"

namespace tether::test {
namespace {

using std::chrono::microseconds;

TEST(CliTimingRender, PhasesAreTheDifferencesBetweenCurlsMarks) {
  TransferInfo t;
  t.available = true;
  t.name_lookup = microseconds(1000);
  t.connect = microseconds(3000);
  t.tls = microseconds(7000);
  t.pretransfer = microseconds(7500);
  t.first_byte = microseconds(17500);
  t.total = microseconds(20000);
  t.header_bytes_sent = 80;
  t.body_bytes_sent = 5;
  t.header_bytes_received = 120;
  t.body_bytes_received = 42;
  std::string text = cli::render_timings(t, false);
  for (const char* expected : {"DNS Lookup", "TCP Connection", "TLS Handshake", "Server Processing",
                               "Content Transfer", "1.0ms", "2.0ms", "4.0ms", "10.0ms", "2.5ms",
                               "Total 20.0ms", "80 B of headers and 5 B of body",
                               "120 B of headers and 42 B of body", "Connection: new"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in\n" << text;
  }
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(cli::render_timings(t, true).find('\x1b'), std::string::npos);
}

TEST(CliTimingRender, PlainHttpHasNoTlsAndAReusedConnectionSaysSo) {
  TransferInfo t;
  t.available = true;
  t.first_byte = microseconds(500);
  t.total = microseconds(600);
  t.reused = true;
  std::string text = cli::render_timings(t, false);
  EXPECT_NE(text.find(" - "), std::string::npos) << text;
  EXPECT_NE(text.find("Connection: reused"), std::string::npos) << text;
  EXPECT_NE(cli::render_timings(TransferInfo{}, false).find("did not reach the network"),
            std::string::npos);
  // An aborted request may have been sent: it does not say it was not.
  std::string aborted = cli::render_timings(TransferInfo{}, false, true);
  EXPECT_NE(aborted.find("was aborted"), std::string::npos) << aborted;
  EXPECT_EQ(aborted.find("did not reach"), std::string::npos) << aborted;
}

TEST(CliTiming, TimingFlagPrintsThemOnStderrAndLeavesStdoutAlone) {
  TestServer server;
  auto r = run_cli({"--timing", server.url("/bytes/300")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.size(), 300u);
  EXPECT_NE(r.err.find("DNS Lookup"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("300 B of body"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Connection: new"), std::string::npos) << r.err;
}

TEST(CliTiming, VerboseShowsThemTooAndAFailureKeepsItsTimings) {
  TestServer server;
  auto r = run_cli({"-v", server.url("/status/503")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Server Processing"), std::string::npos) << r.err;
  auto quiet = run_cli({server.url("/ok")});
  EXPECT_EQ(quiet.err.find("DNS Lookup"), std::string::npos) << quiet.err;
}

}  // namespace
}  // namespace tether::test
