// The demo's embedded server: in-process, on 127.0.0.1 and an ephemeral port,
// answering the routes of routes.hpp after a latency drawn per request like a
// slow 3G link (seeded, so a run can be replayed). While it waits it watches
// the socket, so it sees a client close the connection before the reply: the
// demo shows that as "the server saw the close".
//
// Hand-written on poll() rather than cpp-httplib: Debian 12's cpp-httplib
// (0.11) gives a handler no way to learn that the client has gone, which is
// the one thing this server exists to show.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tether::demo {

struct ServerEvent {
  enum class Kind {
    Received,      // a whole request arrived
    Replied,       // its response was written
    ClientClosed,  // the client closed the connection before the response
  };
  Kind kind = Kind::Received;
  std::string request_id;  // the X-Demo-Request header, else "s<n>"
  std::string method;
  std::string path{};
  std::chrono::milliseconds latency{0};  // the latency drawn for it
  std::chrono::milliseconds elapsed{0};  // since Received (Replied, ClientClosed)
};

struct ServerOptions {
  // Each request waits a latency drawn uniformly from [min_latency,
  // max_latency]; a "delay" query parameter (ms, at most 10 s) overrides it.
  std::chrono::milliseconds min_latency{150};
  std::chrono::milliseconds max_latency{900};
  std::uint64_t seed = 3;
  // Called on the connection's thread, with no server lock held. It must not
  // throw (what it throws is swallowed: it cannot take the server down).
  std::function<void(const ServerEvent&)> on_event{};
};

class PreviewServer {
 public:
  // Listens at once; throws std::system_error when it cannot.
  explicit PreviewServer(ServerOptions options = {});
  ~PreviewServer();  // stop()
  PreviewServer(const PreviewServer&) = delete;
  PreviewServer& operator=(const PreviewServer&) = delete;

  std::string url() const;  // "http://127.0.0.1:<port>"
  std::uint16_t port() const;

  std::uint64_t requests_received() const;
  std::uint64_t closes_seen() const;  // connections closed by the client mid-request
  // Requests received and not yet answered nor seen closed.
  std::uint64_t in_progress() const;

  // Closes the listener and every connection, and joins their threads.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace tether::demo
