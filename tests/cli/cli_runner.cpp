#include "cli_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace tether::test {
namespace {

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    r = fds[0];
    w = fds[1];
  }
};

// Reads both pipes (and feeds stdin) until both close or the deadline passes.
bool drain(int out_fd, int err_fd, int in_fd, const std::string& input, CliResult& result,
           std::chrono::steady_clock::time_point deadline) {
  std::size_t fed = 0;
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  std::array<char, 65536> buf{};
  while (out_fd >= 0 || err_fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      for (int fd : {out_fd, err_fd, in_fd}) {
        if (fd >= 0) close(fd);
      }
      return false;
    }
    std::array<pollfd, 3> fds{{{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}}};
    if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (!fds[i].revents) continue;
      int& fd = i == 0 ? out_fd : err_fd;
      auto n = read(fd, buf.data(), buf.size());
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf.data(), static_cast<std::size_t>(n));
      } else {
        close(fd);
        fd = -1;
      }
    }
    if (in_fd >= 0 && fds[2].revents) {
      auto n = write(in_fd, input.data() + fed, input.size() - fed);
      if (n > 0) fed += static_cast<std::size_t>(n);
      if (n <= 0 || fed == input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  return true;
}

}  // namespace

std::string cli_path() {
  return TETHER_CLI_EXE;
}

CliResult run_cli(const CliRun& run) {
  std::vector<std::string> words{cli_path()};
  words.insert(words.end(), run.args.begin(), run.args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  Pipe in, out, err;
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    dup2(in.r, 0);
    dup2(out.w, 1);
    dup2(err.w, 2);
    if (!run.cwd.empty() && chdir(run.cwd.c_str()) != 0) _exit(127);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in.r);
  close(out.w);
  close(err.w);
  CliResult result;
  bool finished = drain(out.r, err.r, in.w, run.stdin_data, result,
                        std::chrono::steady_clock::now() + run.limit);
  if (!finished) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = finished && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::vector<std::string> shell_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char ch : line) {
    if (quote) {
      if (ch == quote) {
        quote = 0;
      } else {
        word += ch;
      }
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      in_word = true;
    } else if (ch == ' ' || ch == '\t') {
      if (in_word) words.push_back(std::exchange(word, {}));
      in_word = false;
    } else {
      word += ch;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "tether-cli-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

}  // namespace tether::test
