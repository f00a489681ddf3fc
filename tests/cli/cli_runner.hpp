// Runs the built `tether` binary as a child process (pipes, not a terminal)
// and collects its exit code, stdout and stderr.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace tether::test {

struct CliResult {
  int exit_code = -1;  // -1: killed (it overran the limit, or died by a signal)
  std::string out;
  std::string err;
};

struct CliRun {
  std::vector<std::string> args{};  // after argv[0]
  std::string cwd{};                // empty: the test's own
  std::string stdin_data{};
  std::chrono::seconds limit{120};  // generous: machines are shared
};

CliResult run_cli(const CliRun& run);
inline CliResult run_cli(std::vector<std::string> args) {
  return run_cli(CliRun{std::move(args)});
}

// The binary under test.
std::string cli_path();

// Splits a command line as sh does for plain words and '…' / "…" quotes (what
// docs/cli.md's examples use).
std::vector<std::string> shell_words(const std::string& line);

// A fresh temporary directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string slurp(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace tether::test
