// The binary in a real terminal (tmux): the progress bar appears and moves,
// Ctrl-C aborts a download down to the socket, colours appear only there.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <thread>

#include "cli_runner.hpp"
#include "support/external_servers.hpp"
#include "support/test_server.hpp"
#include "tmux_session.hpp"

namespace tether::test {
namespace {

using namespace std::chrono_literals;

class CliTerminal : public ::testing::Test {
 protected:
  void SetUp() override { TETHER_REQUIRE_PEER(TmuxSession::available(), "tmux"); }
  // A download slow enough to be watched and interrupted: one byte every 2 ms.
  std::string slow(const std::string& tag, int bytes = 1000000) {
    return server.url("/drip?bytes=" + std::to_string(bytes) + "&interval_ms=2&t=" + tag);
  }
  TestServer server;
  TempDir dir;
};

// The progress line on the screen ("NN% [===>  ]  1.2 KiB / ..."), if any.
std::string progress_line(const std::string& screen) {
  static const std::regex kLine(R"(\d+% \[[=> ]*\][^\n]*/s[^\n]*)");
  std::smatch m;
  return std::regex_search(screen, m, kLine) ? m.str() : "";
}

TEST_F(CliTerminal, ProgressBarAppearsAndMoves) {
  auto file = dir.file("out.bin");
  TmuxSession term({cli_path(), "-o", file, slow("progress", 3000)});
  auto first = term.wait_for([](const std::string& s) { return !progress_line(s).empty(); });
  ASSERT_TRUE(first) << term.screen();
  const auto line = progress_line(*first);
  EXPECT_NE(line.find("ETA"), std::string::npos) << line;
  EXPECT_NE(line.find("/ 2.9 KiB"), std::string::npos) << line;
  auto moved = term.wait_for([&](const std::string& s) {
    auto now = progress_line(s);
    return !now.empty() && now != line;
  });
  EXPECT_TRUE(moved) << term.screen();
  EXPECT_EQ(term.wait_for_exit(), 0) << term.screen();
  EXPECT_EQ(slurp(file).size(), 3000u);
  EXPECT_NE(term.screen().find("Saved 2.9 KiB to"), std::string::npos) << term.screen();
}

TEST_F(CliTerminal, CtrlCAbortsTheDownloadClosesTheConnectionAndRemovesThePartialFile) {
  auto file = dir.file("big.bin");
  TmuxSession term({cli_path(), "-o", file, slow("ctrlc")});
  ASSERT_TRUE(server.wait_for_request("t=ctrlc", 60s));
  ASSERT_TRUE(term.wait_for([](const std::string& s) { return !progress_line(s).empty(); }))
      << term.screen();
  ASSERT_TRUE(std::filesystem::exists(file + ".part"));
  term.send_keys("C-c");
  EXPECT_EQ(term.wait_for_exit(), 130) << term.screen();
  EXPECT_TRUE(server.wait_for_client_close("t=ctrlc", 60s));
  auto screen = term.screen();
  EXPECT_NE(screen.find("ERR_CANCELED: aborted GET " + slow("ctrlc")), std::string::npos) << screen;
  EXPECT_NE(screen.find("partial download removed"), std::string::npos) << screen;
  EXPECT_FALSE(std::filesystem::exists(file + ".part"));
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST_F(CliTerminal, CtrlCWithKeepPartialKeepsTheBytesSoFar) {
  auto file = dir.file("big.bin");
  TmuxSession term({cli_path(), "--keep-partial", "-o", file, slow("keep")});
  ASSERT_TRUE(term.wait_for([](const std::string& s) { return !progress_line(s).empty(); }))
      << term.screen();
  term.send_keys("C-c");
  EXPECT_EQ(term.wait_for_exit(), 130) << term.screen();
  EXPECT_TRUE(server.wait_for_client_close("t=keep", 60s));
  EXPECT_NE(term.screen().find("partial download kept as " + file + ".part"), std::string::npos)
      << term.screen();
  auto partial = slurp(file + ".part");
  ASSERT_FALSE(partial.empty());
  for (std::size_t i = 0; i < partial.size(); ++i) {
    ASSERT_EQ(partial[i], TestServer::pattern_byte(i)) << "at " << i;
  }
  EXPECT_FALSE(std::filesystem::exists(file));
}

// Whether a process whose command line holds `tag` has SIGINT blocked in its
// main thread (its Ctrl-C watcher is up), from /proc/PID/status's SigBlk.
bool watcher_is_up(const std::string& tag) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    auto cmdline = slurp(entry.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(tag) == std::string::npos || cmdline.find("tmux") != std::string::npos)
      continue;
    static const std::regex kBlocked(R"(SigBlk:\s*([0-9a-f]+))");
    std::smatch m;
    auto status = slurp(entry.path().string() + "/status");
    if (std::regex_search(status, m, kBlocked) && (std::stoull(m[1], nullptr, 16) & 2u) != 0)
      return true;
  }
  return false;
}

TEST_F(CliTerminal, CtrlCWhileReadingStdinExits) {
  TmuxSession term({cli_path(), server.url("/echo?t=stdin"), "--raw", "-"});
  bool up = false;
  for (auto limit = std::chrono::steady_clock::now() + 60s;
       !up && std::chrono::steady_clock::now() < limit;) {
    up = watcher_is_up("t=stdin");
    if (!up) std::this_thread::sleep_for(10ms);  // polling the process's state
  }
  ASSERT_TRUE(up) << term.screen();
  term.send_keys("C-c");
  EXPECT_EQ(term.wait_for_exit(), 130) << term.screen();
  EXPECT_NE(term.screen().find("tether: interrupted"), std::string::npos) << term.screen();
  EXPECT_FALSE(server.wait_for_request("t=stdin", 1s));
}

TEST_F(CliTerminal, ASecondCtrlCStillRemovesThePartialFile) {
  auto file = dir.file("big.bin");
  TmuxSession term({cli_path(), "-o", file, slow("twice")});
  ASSERT_TRUE(term.wait_for([](const std::string& s) { return !progress_line(s).empty(); }))
      << term.screen();
  term.send_keys("C-c");
  term.send_keys("C-c");
  EXPECT_EQ(term.wait_for_exit(), 130) << term.screen();
  EXPECT_FALSE(std::filesystem::exists(file + ".part")) << term.screen();
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST_F(CliTerminal, CtrlCAbortsARequestWaitingForItsResponse) {
  TmuxSession term({cli_path(), server.url("/headers-never?t=waiting")});
  ASSERT_TRUE(server.wait_for_request("t=waiting", 60s));
  term.send_keys("C-c");
  EXPECT_EQ(term.wait_for_exit(), 130) << term.screen();
  EXPECT_TRUE(server.wait_for_client_close("t=waiting", 60s));
}

TEST_F(CliTerminal, JsonIsPrettyAndColouredOnATerminalOnly) {
  TmuxSession term({cli_path(), server.url("/echo?t=colour")});
  ASSERT_EQ(term.wait_for_exit(), 0) << term.screen();
  auto coloured = term.screen(true);
  EXPECT_NE(coloured.find("\x1b["), std::string::npos) << coloured;
  EXPECT_NE(term.screen().find("    \"method\": \"GET\","), std::string::npos) << term.screen();

  auto piped = run_cli({server.url("/echo?t=colour")});
  EXPECT_EQ(piped.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(piped.out.find("    \"method\""), std::string::npos);

  // NO_COLOR turns colours off on a terminal too; the JSON stays indented.
  TmuxSession plain({"env", "NO_COLOR=1", cli_path(), server.url("/echo?t=nocolour")});
  ASSERT_EQ(plain.wait_for_exit(), 0) << plain.screen();
  auto screen = plain.screen(true);
  EXPECT_NE(screen.find("    \"method\": \"GET\","), std::string::npos) << screen;
  EXPECT_EQ(screen.find("\x1b[32m"), std::string::npos) << screen;
}

}  // namespace
}  // namespace tether::test

namespace tether::test {
namespace {

TEST_F(CliTerminal, StreamShowsEachEventAsItArrives) {
  TmuxSession term({cli_path(), "--stream", server.url("/sse?events=100000&interval_ms=20&t=sse")});
  // The first events are on the screen while the response is still going.
  auto screen = term.wait_for_text("data: event 2");
  ASSERT_TRUE(screen) << term.screen();
  EXPECT_NE(screen->find("event: tick\ndata: event 0\n\nevent: tick\ndata: event 1\n"),
            std::string::npos)
      << *screen;
  EXPECT_EQ(screen->find("[exit"), std::string::npos) << *screen;
  term.send_keys("C-c");
  EXPECT_EQ(term.wait_for_exit(), 130) << term.screen();
  EXPECT_TRUE(server.wait_for_client_close("t=sse", 60s));
}

}  // namespace
}  // namespace tether::test
