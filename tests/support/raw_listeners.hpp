// Raw TCP listeners for phases the test server cannot hold a client in.
#pragma once

#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace tether::test {

// A listener whose accept queue is full: a client's connect to it hangs in
// SYN_SENT, so a request stays in its connect phase.
class StalledListener {
 public:
  StalledListener();
  ~StalledListener();
  StalledListener(const StalledListener&) = delete;
  StalledListener& operator=(const StalledListener&) = delete;
  std::string url() const;  // "http://127.0.0.1:<port>/"

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> fillers_;
};

// Accepts one TCP connection and never writes a byte (a TLS handshake against
// it waits for the ServerHello forever); reports when the peer closed.
class SilentServer {
 public:
  SilentServer();
  ~SilentServer();
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  std::uint16_t port() const { return port_; }
  std::future<void> accepted() { return accepted_.get_future(); }
  std::future<void> closed() { return closed_.get_future(); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::promise<void> accepted_, closed_;
  std::thread thread_;
};

}  // namespace tether::test
