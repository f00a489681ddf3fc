#include "support/raw_listeners.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace tether::test {

namespace {

// A socket listening on 127.0.0.1 with an ephemeral port.
int listen_on_loopback(int backlog, sockaddr_in& addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd, backlog) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  return fd;
}

}  // namespace

StalledListener::StalledListener() {
  sockaddr_in addr{};
  fd_ = listen_on_loopback(0, addr);
  port_ = ntohs(addr.sin_port);
  // Fill the accept queue (and the SYN queue behind it) with connections that
  // are never accepted.
  for (int i = 0; i < 4; ++i) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers_.push_back(c);
  }
}

StalledListener::~StalledListener() {
  for (int c : fillers_) close(c);
  close(fd_);
}

std::string StalledListener::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/";
}

SilentServer::SilentServer() {
  sockaddr_in addr{};
  fd_ = listen_on_loopback(16, addr);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] {
    int client = accept(fd_, nullptr, nullptr);
    if (client < 0) return;
    accepted_.set_value();
    char buf[4096];
    while (read(client, buf, sizeof buf) > 0) {
    }
    closed_.set_value();
    close(client);
  });
}

SilentServer::~SilentServer() {
  shutdown(fd_, SHUT_RDWR);  // wakes a thread still in accept()
  close(fd_);
  thread_.join();
}

}  // namespace tether::test
