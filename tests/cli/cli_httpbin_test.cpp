// The binary against httpbin (a server that is not ours): what the items send,
// as httpbin's /anything echo reads it, and the examples of docs/cli.md.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <regex>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "support/external_servers.hpp"

namespace tether::test {
namespace {

class CliHttpbin : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (HttpbinServer::available()) httpbin = std::make_unique<HttpbinServer>();
  }
  static void TearDownTestSuite() { httpbin.reset(); }
  void SetUp() override {
    TETHER_REQUIRE_PEER(HttpbinServer::available(), "gunicorn + python3-httpbin");
  }
  static nlohmann::json anything(std::vector<std::string> args) {
    auto r = run_cli(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::accept(r.out) ? nlohmann::json::parse(r.out) : nlohmann::json{};
  }
  static inline std::unique_ptr<HttpbinServer> httpbin;
};

TEST_F(CliHttpbin, JsonItemsReachHttpbin) {
  auto e = anything({"PATCH", httpbin->url("/anything"), "q==1", "q==2", "X-Trace:abc", "name=Ada",
                     "admin:=true", "n:=1.5"});
  EXPECT_EQ(e["method"], "PATCH");
  EXPECT_EQ(e["args"]["q"], (nlohmann::json{"1", "2"}));
  EXPECT_EQ(e["headers"]["X-Trace"], "abc");
  EXPECT_EQ(e["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(e["json"], (nlohmann::json{{"name", "Ada"}, {"admin", true}, {"n", 1.5}}));
}

TEST_F(CliHttpbin, FormAndFilesReachHttpbin) {
  TempDir dir;
  write_file(dir.file("notes.txt"), "some notes");
  auto e = anything(
      {"--form", httpbin->url("/anything"), "title=notes", "upload@" + dir.file("notes.txt")});
  EXPECT_EQ(e["method"], "POST");
  EXPECT_EQ(e["form"]["title"], "notes");
  EXPECT_EQ(e["files"]["upload"], "some notes");
  auto urlencoded = anything({"--form", httpbin->url("/anything"), "a=1", "b=x y"});
  EXPECT_EQ(urlencoded["form"], (nlohmann::json{{"a", "1"}, {"b", "x y"}}));
}

TEST_F(CliHttpbin, AuthAndStatuses) {
  EXPECT_EQ(run_cli({"--auth", "u:p", httpbin->url("/basic-auth/u/p")}).exit_code, 0);
  EXPECT_EQ(run_cli({"--auth", "u:wrong", httpbin->url("/basic-auth/u/p")}).exit_code, 4);
  EXPECT_EQ(run_cli({httpbin->url("/status/500")}).exit_code, 5);
}

// docs/cli.md: every "$ tether …" line of a ```console block, with
// 127.0.0.1:8080 pointing at httpbin and "# exit N" the expected code.
struct DocExample {
  std::string line{};
  std::vector<std::string> args{};
  int exit_code = 0;
};

std::vector<DocExample> doc_examples(const std::string& host) {
  std::ifstream in(std::string(TETHER_DOCS_DIR) + "/cli.md");
  std::vector<DocExample> examples;
  static const std::regex kExit(R"(\s+#\s*exit\s+(\d+)\s*$)");
  bool in_console = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("```")) {
      in_console = line == "```console";
      continue;
    }
    if (!in_console || !line.starts_with("$ tether ")) continue;
    DocExample ex{line};
    std::smatch m;
    std::string command = line.substr(9);
    if (std::regex_search(command, m, kExit)) {
      ex.exit_code = std::stoi(m[1]);
      command = command.substr(0, static_cast<std::size_t>(m.position(0)));
    }
    command = std::regex_replace(command, std::regex(R"(127\.0\.0\.1:8080)"), host);
    ex.args = shell_words(command);
    examples.push_back(std::move(ex));
  }
  return examples;
}

TEST_F(CliHttpbin, TheExamplesOfTheDocsRun) {
  auto examples = doc_examples("127.0.0.1:" + std::to_string(httpbin->port()));
  ASSERT_GE(examples.size(), 15u);
  TempDir dir;
  write_file(dir.file("payload.json"), R"({"from": "payload.json"})");
  write_file(dir.file("cv.txt"), "curriculum vitae");
  for (const auto& ex : examples) {
    CliRun run{ex.args};
    run.cwd = dir.path();
    auto r = run_cli(run);
    EXPECT_EQ(r.exit_code, ex.exit_code) << ex.line << "\n" << r.err;
    if (ex.exit_code == 0) {
      EXPECT_FALSE(r.out.empty() && r.err.empty()) << ex.line;
    }
  }
  EXPECT_EQ(slurp(dir.file("random.bin")).size(), 65536u);
}

}  // namespace
}  // namespace tether::test
