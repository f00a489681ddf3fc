// The built binary against the project's test server, through pipes: items
// become the right request, exit codes and one-line errors per class, output
// free of escape codes, downloads.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "support/test_server.hpp"

namespace tether::test {
namespace {

class CliBinary : public ::testing::Test {
 protected:
  std::string at(const std::string& path) { return server.url(path); }
  nlohmann::json echo(std::vector<std::string> args) {
    auto r = run_cli(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (!nlohmann::json::accept(r.out)) {
      ADD_FAILURE() << "not JSON: " << r.out << r.err;
      return nlohmann::json::object();
    }
    return nlohmann::json::parse(r.out);
  }
  TestServer server;
};

TEST_F(CliBinary, ItemsBecomeQueryHeadersAndJsonBody) {
  auto port = std::to_string(server.port());
  auto e = echo({"POST", ":" + port + "/echo", "a==1", "a==2", "q==x y", "X-Hi:there", "name=Ada",
                 "age:=36", "tags:=[\"a\",\"b\"]"});
  EXPECT_EQ(e["method"], "POST");
  EXPECT_EQ(e["query"], "a=1&a=2&q=x+y");
  EXPECT_EQ(e["headers"]["x-hi"], "there");
  EXPECT_EQ(e["headers"]["content-type"], "application/json");
  EXPECT_EQ(nlohmann::json::parse(e["body"].get<std::string>()),
            (nlohmann::json{{"name", "Ada"}, {"age", 36}, {"tags", {"a", "b"}}}));
}

TEST_F(CliBinary, MethodIsGetWithoutABodyAndPostWithOne) {
  auto port = std::to_string(server.port());
  EXPECT_EQ(echo({"127.0.0.1:" + port + "/echo"})["method"], "GET");
  EXPECT_EQ(echo({at("/echo"), "a=1"})["method"], "POST");
  auto put = echo({"PUT", at("/echo"), "--raw", "plain text"});
  EXPECT_EQ(put["method"], "PUT");
  EXPECT_EQ(put["body"], "plain text");
}

TEST_F(CliBinary, RawBodiesFromFilesAndStdin) {
  TempDir dir;
  write_file(dir.file("payload.json"), R"({"from":"file"})");
  auto from_item = echo({at("/echo"), "@" + dir.file("payload.json")});
  EXPECT_EQ(from_item["body"], R"({"from":"file"})");
  EXPECT_EQ(from_item["headers"]["content-type"], "application/json");
  auto from_raw = echo({at("/echo"), "--raw", "@" + dir.file("payload.json")});
  EXPECT_EQ(from_raw["body"], R"({"from":"file"})");
  auto r = run_cli(CliRun{{at("/echo"), "--raw", "-"}, "", "from stdin"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["body"], "from stdin");
}

TEST_F(CliBinary, FormFieldsAndFiles) {
  auto urlencoded = echo({"--form", at("/echo"), "name=Ada Lovelace"});
  EXPECT_EQ(urlencoded["body"], "name=Ada+Lovelace");
  TempDir dir;
  write_file(dir.file("cv.txt"), "my curriculum");
  auto multipart = echo({"--form", at("/echo"), "title=cv", "file@" + dir.file("cv.txt")});
  EXPECT_EQ(multipart["headers"]["content-type"].get<std::string>().rfind("multipart/form-data", 0),
            0u);
  auto body = multipart["body"].get<std::string>();
  EXPECT_NE(body.find("filename=\"cv.txt\""), std::string::npos) << body;
  EXPECT_NE(body.find("my curriculum"), std::string::npos) << body;
}

TEST_F(CliBinary, AuthSendsBasicCredentials) {
  auto e = echo({"--auth", "user:pass", at("/echo")});
  EXPECT_EQ(e["headers"]["authorization"], "Basic dXNlcjpwYXNz");
}

TEST_F(CliBinary, ExitCodesTellTheErrorClass) {
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  const std::vector<Case> cases{
      {{at("/ok")}, 0, ""},
      {{at("/status/404")}, 4, "tether: ERR_BAD_REQUEST: Request failed with status code 404"},
      {{at("/status/503")}, 5, "tether: ERR_BAD_RESPONSE: Request failed with status code 503"},
      {{"--timeout", "0.2", at("/headers-never")}, 2, "tether: ECONNABORTED (timeout): "},
      {{"http://127.0.0.1:1/"}, 3, "tether: ERR_NETWORK (refused): "},
      {{"--max-redirects", "1", at("/redirect/3")}, 6, "tether: ERR_FR_TOO_MANY_REDIRECTS"},
      {{at("/malformed")}, 3, "tether: ERR_NETWORK (protocol)"},
      {{}, 64, "tether: a URL is required"},
      {{at("/ok"), "notanitem"}, 64, "is not a request item"},
      {{at("/ok"), "n:={"}, 64, "is not valid JSON"},
      {{"GET"}, 64, "tether: a URL is required after GET"},
      {{"POST"}, 64, "tether: a URL is required after POST"},
      {{"--timeout", "nan", at("/ok")}, 64, "finite"},
      {{"--connect-timeout", "nan", at("/ok")}, 64, "finite"},
      {{"--timeout", "inf", at("/ok")}, 64, ""},
      {{"--bogus", at("/ok")}, 64, ""},
      {{"ftp://127.0.0.1/x"}, 64, "ERR_INVALID_URL"},
  };
  for (const auto& c : cases) {
    auto r = run_cli(c.args);
    EXPECT_EQ(r.exit_code, c.code) << (c.args.empty() ? "" : c.args.back()) << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    if (c.code != 0 && c.code != 64) {
      // One line: the code, the transport detail, the message.
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
  }
}

TEST_F(CliBinary, StreamStillPrintsAnErrorResponsesBody) {
  auto r = run_cli({"--stream", at("/status/404?body=gone")});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(r.out, "gone");
  // Into a file, the error body is not dumped on stdout.
  TempDir dir;
  auto saved = run_cli({"-o", dir.file("x"), at("/status/404?body=gone")});
  EXPECT_EQ(saved.exit_code, 4) << saved.err;
  EXPECT_EQ(saved.out.find("gone"), std::string::npos) << saved.out;
}

TEST_F(CliBinary, StreamVerbosePrintsTheHeadBeforeTheBody) {
  auto r = run_cli({"--stream", "-v", at("/sse?events=2&interval_ms=5")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto head = r.out.find("HTTP/1.1 200");
  auto type = r.out.find("Content-Type: text/event-stream");
  auto body = r.out.find("event: tick\ndata: event 0\n\n");
  ASSERT_NE(head, std::string::npos) << r.out;
  ASSERT_NE(type, std::string::npos) << r.out;
  ASSERT_NE(body, std::string::npos) << r.out;
  EXPECT_LT(head, body) << r.out;
  EXPECT_LT(type, body) << r.out;
  // Once, not again after the body.
  EXPECT_EQ(r.out.find("HTTP/1.1 200", head + 1), std::string::npos) << r.out;
}

TEST_F(CliBinary, ErrorResponsesStillPrintTheirBody) {
  auto r = run_cli({at("/status/404?body=gone")});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "gone");
}

TEST_F(CliBinary, PipedOutputIsRawAndFreeOfEscapeCodes) {
  auto r = run_cli({"-v", at("/echo"), "a=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
  EXPECT_NE(r.out.find("POST " + at("/echo")), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("HTTP/1.1 200 OK\nContent-Type: application/json"), std::string::npos);
  // The body as the server sent it: one line of compact JSON, not re-indented.
  auto body = r.out.substr(r.out.rfind("\n\n") + 2);
  EXPECT_EQ(body.find('\n'), std::string::npos) << body;
  EXPECT_TRUE(nlohmann::json::accept(body)) << body;
}

TEST_F(CliBinary, HeadersOnlyAndNoFollow) {
  auto r = run_cli({"--no-follow", "--headers", at("/redirect/1")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("HTTP/1.1 302 Found\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("Location: /redirect/0"), std::string::npos) << r.out;
  auto followed = run_cli({at("/redirect/1")});
  EXPECT_EQ(followed.exit_code, 0) << followed.err;
  EXPECT_EQ(followed.out, "ok");
}

TEST_F(CliBinary, RetryGetsPastTransientFailures) {
  EXPECT_EQ(run_cli({at("/flaky?key=cli-a&fail=1")}).exit_code, 5);
  auto r = run_cli({"--retry", "2", at("/flaky?key=cli-b&fail=1")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["tries"], 2);
}

TEST_F(CliBinary, DownloadWritesTheFileWithoutAProgressBarOffATerminal) {
  TempDir dir;
  auto file = dir.file("out.bin");
  auto r = run_cli({"-o", file, at("/bytes/300000")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto content = slurp(file);
  ASSERT_EQ(content.size(), 300000u);
  for (std::size_t i = 0; i < content.size(); ++i) {
    ASSERT_EQ(content[i], TestServer::pattern_byte(i)) << "at " << i;
  }
  EXPECT_FALSE(std::filesystem::exists(file + ".part"));
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('%'), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CliBinary, FailedDownloadLeavesNoFile) {
  TempDir dir;
  auto file = dir.file("out.bin");
  auto r = run_cli({"-o", file, at("/reset-mid-body")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("partial download removed"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(file + ".part"));
  auto kept = run_cli({"--keep-partial", "-o", file, at("/reset-mid-body")});
  EXPECT_EQ(kept.exit_code, 3) << kept.err;
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(slurp(file + ".part").size(), 16u);
}

TEST_F(CliBinary, StreamPrintsTheBodyAsItArrives) {
  auto r = run_cli({"--stream", at("/drip?bytes=30&interval_ms=5")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string expected;
  for (std::uint64_t i = 0; i < 30; ++i) expected += TestServer::pattern_byte(i);
  EXPECT_EQ(r.out, expected);
}

TEST_F(CliBinary, VersionAndHelp) {
  auto v = run_cli({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out, std::string("tether ") + TETHER_VERSION + "\n");
  auto h = run_cli({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* needle : {"Exit codes:", "130", "Examples:", "name==value", "--keep-partial",
                             "--connect-timeout", "--insecure", "--http2", "--proxy"}) {
    EXPECT_NE(h.out.find(needle), std::string::npos) << needle;
  }
}

TEST_F(CliBinary, CredentialsInTheUrlStayOutOfMessages) {
  auto r = run_cli({"-v", "http://user:secret@127.0.0.1:1/"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out.find("secret"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tether::test

namespace tether::test {
namespace {

TEST_F(CliBinary, ProxySendsTheRequestThroughIt) {
  // The test server serves an absolute-form target (what a forward proxy gets)
  // by its path; port 1 of the target host is never dialled.
  auto r = run_cli({"--proxy", "127.0.0.1:" + std::to_string(server.port()),
                    "http://127.0.0.1:1/echo?via=proxy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto e = nlohmann::json::parse(r.out);
  EXPECT_EQ(e["target"], "http://127.0.0.1:1/echo?via=proxy");
}

}  // namespace
}  // namespace tether::test

namespace tether::test {
namespace {

TEST_F(CliBinary, StreamPrintsWholeEvents) {
  auto r = run_cli({"--stream", at("/sse?events=3&interval_ms=5")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "event: tick\ndata: event 0\n\nevent: tick\ndata: event 1\n\n"
            "event: tick\ndata: event 2\n\n");
}

}  // namespace
}  // namespace tether::test

namespace tether::test {
namespace {

#if !TETHER_CLI_HAS_DEMO
TEST(CliDemo, SaysWhenTheDemoIsNotBuilt) {
  auto r = run_cli({"demo", "--anything"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.err, "tether: the demo is not built into this binary\n");
}
#endif

}  // namespace
}  // namespace tether::test

namespace tether::test {
namespace {

TEST_F(CliBinary, AnUnwritableOutputIsAnErrorBeforeAnyRequest) {
  auto r = run_cli({"-o", "/nonexistent-dir/out.bin", at("/ok?t=unwritable")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "tether: cannot write '/nonexistent-dir/out.bin.part'\n");
  EXPECT_EQ(server.accepted_count(), 0u);
}

}  // namespace
}  // namespace tether::test
