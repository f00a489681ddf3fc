// Runs the test server (tests/tools/test_server_main.cpp) as a child process,
// so 10,000 server sockets do not count against the client's descriptors.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tether::test {

class TestServerProcess {
 public:
  TestServerProcess();  // starts it; throws std::runtime_error if it does not come up
  ~TestServerProcess();
  TestServerProcess(const TestServerProcess&) = delete;
  TestServerProcess& operator=(const TestServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path_and_query = "/") const;
  // The server's /stats, fetched on a connection of its own.
  nlohmann::json stats() const;
  // Polls /stats until `field` reaches `n`; false on timeout.
  bool wait_for(std::string_view field, std::size_t n, std::chrono::milliseconds limit) const;

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace tether::test
