// The project's own fault-injection HTTP/1.1 test server: in-process, on a real
// socket (127.0.0.1, ephemeral port), one thread running an epoll loop over
// non-blocking sockets. It records when each connection was accepted and when
// the client closed it, so tests can assert that an abort reached the socket.
//
// Endpoints (query parameters optional; every response carries Content-Length
// unless stated; the response to HEAD has no body; keep-alive by default,
// `Connection: close` honoured):
//   /ok                       200 text/plain "ok"
//   /echo                     200 application/json {"method","target","path","query",
//                             "headers":{lower-cased name: value},"body"}
//   /status/<code>?body=&ctype=  that status; default body {"status":<code>} as
//                             application/json; a body without ctype is text/plain.
//                             1xx/204/304 have no body and no Content-Length.
//   /delay/<ms>               like /ok after <ms> (timer; the loop is never blocked)
//   /headers-never            reads the request, never answers
//   /stall?bytes=n&length=m   headers with Content-Length m (default 1000000), n body
//                             bytes (default 16), then nothing more
//   /drip?bytes=n&interval_ms=ms  Content-Length n (default 10), one byte every ms
//                             (default 100), the first one ms after the headers
//   /bytes/<n>                n bytes application/octet-stream, streamed
//   /sse?events=n&interval_ms=ms  text/event-stream with Content-Length: n events
//                             (default 3) "event: tick\ndata: event <i>\n\n", one every ms
//                             (default 100), the first one ms after the headers
//   /sse-script?body=&chunk=&interval_ms=&end=close|stall&status=&ctype=
//                             `body` (any bytes, percent-encoded) in parts of `chunk`
//                             bytes, one every interval_ms (default 10), no
//                             Content-Length; then close, or stay open and silent
//                             (end=stall). status (204: no body), ctype (default
//                             text/event-stream)
//   /sse-resume?events=&per_conn=&retry=&interval_ms=&end=close|stall
//                             "id: i\ndata: event i\n\n" for i from Last-Event-ID + 1
//                             (0 without one), per_conn (default 2) per connection,
//                             then a drop (close, or silence with end=stall); "retry:"
//                             first when given; 204 once all `events` (default 5) went
//   /reset                    after reading the request, close with RST (SO_LINGER {1,0})
//   /close                    after reading the request, close without answering
//   /reset-mid-body           headers with Content-Length 1000, 16 body bytes, then RST
//   /close-second             the first request of a connection gets 200 "ok"; a later
//                             one is read in full, then the connection closes unanswered
//   /framing/<kind>           raw 200 with body "hello!" and Connection: close, framed by
//                             kind: two-lengths (5 and 6), same-lengths (5 twice),
//                             bad-length ("5x"), length-list ("5, 6"), else a plain 5
//   /big-header?bytes=n       200 "ok" with one header X-Big of n bytes (default 1 MiB)
//   /malformed                "HTTP/1.1 abc\r\nthis is not http\r\n\r\n", then close
//   /redirect/<n>             302 to /redirect/<n-1>; /redirect/0 -> 302 to /ok
//   /redirect-to?url=&status= that Location with that status (default 302)
//   /sink-stall               reads the request headers, then never reads again and
//                             never answers
//   /gzip                     200, Content-Encoding: gzip of {"gzipped":true}
//   /gzip-bomb?mib=n          200, Content-Encoding: gzip, about n KiB on the wire that
//                             decode to n MiB of zeros (default 1024, at most 4096)
//   /set-cookie               200 "ok" with two Set-Cookie headers (a=1, b=2)
//   /flaky?key=&fail=n&status=&mode=hang&retry_after=  the first n requests for key fail
//                             (status, default 503, or never answer with mode=hang;
//                             retry_after adds that header), then 200 {"tries":k};
//                             mode=half: 200 with Content-Length 1000, a failing
//                             request gets 500 pattern bytes then a close, later
//                             ones all 1000
//   /stats                    {"accepted","requests","open","client_closed",
//                             "last_client_close_ns"}
//                             (steady_clock, comparable across processes on Linux);
//                             connections that asked for /stats are left out of the
//                             counts and of last_client_close_ns
//   /hedge, /counted, /count, /tail  hedging and coalescing routes: a first copy slow,
//                             counts per key, a slow tail (see test_server.cpp)
//   anything else             404 {"type":"NotFound","message":"no such endpoint"}
// Generated bodies (/bytes, /stall, /drip): byte i is pattern_byte(i).
// An unparsable request gets 400 and the connection is closed. An absolute-form
// target (http://host/path, as sent to a forward proxy) is served by its path.
//
// Limits worth knowing: a client half-close (shutdown(SHUT_WR)) counts as the
// client closing the connection; after /sink-stall a plain close() by a client
// with unsent data queued is invisible (its FIN waits behind the data the server
// never reads), only an abortive close (RST) is seen.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::test {

class TestServer {
 public:
  using Clock = std::chrono::steady_clock;

  TestServer();   // binds 127.0.0.1 port 0 (ephemeral), starts its own thread
  ~TestServer();  // stops the thread, closes every socket
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:<port>" + path_and_query ('/' is prepended if missing).
  std::string url(std::string_view path_and_query = "/") const;

  struct Connection {
    std::uint64_t id;  // 1, 2, 3... in accept order
    Clock::time_point accepted;
    std::optional<Clock::time_point>
        client_closed;           // when read() saw EOF or ECONNRESET from the client
    bool server_closed = false;  // the server closed it (e.g. /close, /reset, Connection: close)
    std::vector<std::string> targets;  // request targets received on it, in order
    std::size_t body_bytes_received = 0;
    // When each request's headers had been fully received (parallel to targets).
    std::vector<Clock::time_point> request_times;
  };
  std::vector<Connection> connections() const;  // snapshot
  std::size_t accepted_count() const;
  std::size_t open_count() const;
  std::size_t client_closed_count() const;  // connections closed by the client so far

  // The connection that received a request whose target contains `tag` (e.g. a
  // unique "?t=abc123"): wait until its headers have been fully received (returns
  // that time) / until the client closed it (returns the close time). nullopt on
  // timeout.
  std::optional<Clock::time_point> wait_for_request(std::string_view tag,
                                                    std::chrono::milliseconds limit) const;
  std::optional<Clock::time_point> wait_for_client_close(std::string_view tag,
                                                         std::chrono::milliseconds limit) const;
  // Waits until `n` connections have been closed by the client in total.
  bool wait_for_client_closes(std::size_t n, std::chrono::milliseconds limit) const;

  // Byte `offset` of every generated body (/bytes, /stall, /drip).
  static char pattern_byte(std::uint64_t offset) {
    return static_cast<char>('a' + static_cast<int>(offset % 26));
  }
  // What /gzip decompresses to, and the compressed bytes it sends.
  static constexpr std::string_view kGzipPlain = R"({"gzipped":true})";
  static std::string_view gzip_body();

 private:
  template <class When>
  std::optional<Clock::time_point> wait_for_tagged(std::string_view tag,
                                                   std::chrono::milliseconds limit,
                                                   When when) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tether::test
