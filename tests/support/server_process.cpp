#include "support/server_process.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <thread>

namespace tether::test {

TestServerProcess::TestServerProcess() {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("TestServerProcess: pipe failed");
  }
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("TestServerProcess: fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    execl(TETHER_TEST_SERVER_EXE, TETHER_TEST_SERVER_EXE, static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  stdin_fd_ = in[1];
  FILE* from_child = fdopen(out[0], "r");
  unsigned port = 0;
  bool ok = from_child && std::fscanf(from_child, "%u", &port) == 1;
  if (from_child) std::fclose(from_child);
  if (!ok || port == 0) {
    close(stdin_fd_);
    waitpid(pid_, nullptr, 0);
    throw std::runtime_error("TestServerProcess: " TETHER_TEST_SERVER_EXE " did not start");
  }
  port_ = static_cast<std::uint16_t>(port);
}

TestServerProcess::~TestServerProcess() {
  close(stdin_fd_);  // the server exits when its input closes
  for (int i = 0; i < 500; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

std::string TestServerProcess::url(std::string_view path_and_query) const {
  std::string url = "http://127.0.0.1:" + std::to_string(port_);
  if (path_and_query.empty() || path_and_query.front() != '/') url += '/';
  return url.append(path_and_query);
}

nlohmann::json TestServerProcess::stats() const {
  CURL* easy = curl_easy_init();
  std::string body;
  std::string target = url("/stats");
  curl_easy_setopt(easy, CURLOPT_URL, target.c_str());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 10'000L);
  curl_easy_setopt(
      easy, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* userp) -> size_t {
        static_cast<std::string*>(userp)->append(data, size * n);
        return size * n;
      });
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
  CURLcode code = curl_easy_perform(easy);
  curl_easy_cleanup(easy);
  if (code != CURLE_OK) throw std::runtime_error("TestServerProcess: /stats failed");
  return nlohmann::json::parse(body);
}

bool TestServerProcess::wait_for(std::string_view field, std::size_t n,
                                 std::chrono::milliseconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    // The /stats connection itself counts once it is accepted or closed.
    if (stats()[std::string(field)].get<std::size_t>() >= n) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace tether::test
