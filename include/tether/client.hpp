/// \file
/// Client: axios' request API in C++.
///
/// Threads: a Client owns one engine thread (shared with the clients create()
/// makes from it). request() and the verbs may be called from any thread and
/// never block; they never run a callback inline, and never throw for what user
/// code throws (that becomes the request's Error, with cause()). Continuations of
/// the returned futures, interceptors, progress callbacks and on_data run on the
/// engine thread; transform_response and validate_status run there for a body up
/// to 64 KiB and on a decode worker for a larger one. Destroying the last Client
/// of an engine aborts its requests, whatever their stage (Canceled, reason
/// "client destroyed"), and joins the thread.
///
/// A Client is a handle: its copies share one engine, one set of defaults and
/// one set of interceptors (a change through any copy is seen by all). create()
/// makes a client with defaults and interceptors of its own. Defaults and
/// interceptors may be changed from any thread while others send: each request
/// takes a snapshot of both when it starts, and a change affects the requests
/// started after it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tether/body.hpp"
#include "tether/client_options.hpp"
#include "tether/cookies.hpp"
#include "tether/future.hpp"
#include "tether/interceptors.hpp"
#include "tether/request.hpp"
#include "tether/response.hpp"

namespace tether {

namespace detail {
struct ClientCore;
struct ClientAccess;
}  // namespace detail

/// axios' request API in C++. A handle: copies share one engine thread, one set
/// of defaults and one set of interceptors. Every member may be called from any
/// thread; destroying an engine's last Client aborts its requests and joins it.
class Client {
 public:
  Client();  ///< its own engine
  /// A client whose requests start from `defaults` (axios.create(config)).
  explicit Client(RequestConfig defaults);
  /// A client with settings fixed for its lifetime (queues, hooks, cookies…).
  Client(RequestConfig defaults, ClientOptions options);

  /// axios.create: a client with these defaults merged over this one's, on the
  /// same engine.
  Client create(RequestConfig overrides) const;

  /// Starts the request. The future settles with the Response, or with an
  /// Error: Canceled when config.signal or config.cancel_token fires first
  /// (at once, on the aborting thread; the connection is closed right after);
  /// and an invalid config fails the future too, opening no connection.
  ///
  /// Overloads, not default arguments: a defaulted `RequestConfig config = {}`
  /// is a braced temporary built in the caller, and g++ 12 destroys such
  /// temporaries twice when the call is the operand of co_await (see
  /// docs/async.md). Built here instead, `co_await client.get(url)` is safe.
  Future<Response> request(RequestConfig config);
  /// The verbs: request() with the method, url (and data) set (axios.get & co.).
  ///@{
  Future<Response> get(std::string url);
  Future<Response> get(std::string url, RequestConfig config);
  Future<Response> del(std::string url);
  Future<Response> del(std::string url, RequestConfig config);
  Future<Response> head(std::string url);
  Future<Response> head(std::string url, RequestConfig config);
  Future<Response> options(std::string url);
  Future<Response> options(std::string url, RequestConfig config);
  Future<Response> post(std::string url);
  Future<Response> post(std::string url, Body data);
  Future<Response> post(std::string url, Body data, RequestConfig config);
  Future<Response> put(std::string url);
  Future<Response> put(std::string url, Body data);
  Future<Response> put(std::string url, Body data, RequestConfig config);
  Future<Response> patch(std::string url);
  Future<Response> patch(std::string url, Body data);
  Future<Response> patch(std::string url, Body data, RequestConfig config);
  ///@}

  /// axios' interceptors.request / interceptors.response, shared by the copies
  /// of this client; a client made by create() has its own. use/eject/clear are
  /// thread-safe and affect the requests started afterwards.
  Interceptors& interceptors();

  /// The defaults every request starts from (axios' instance.defaults), as a
  /// copy of the current snapshot.
  /// (const, so that `client.defaults().headers.set(…)`, which would change a
  /// copy, does not compile: use update_defaults.)
  const RequestConfig defaults() const;
  /// Replaces the defaults, for the requests started afterwards.
  void set_defaults(RequestConfig defaults);
  /// Changes the defaults in place, e.g.
  ///   client.update_defaults([](tether::RequestConfig& d) { d.headers.set("X-Key", "v"); });
  /// `change` edits a copy that then replaces the snapshot atomically; it may
  /// run more than once when another thread changes the defaults at the same
  /// time, so it should only edit the config it is given.
  void update_defaults(const std::function<void(RequestConfig&)>& change);

  /// The engine thread as an Executor (for posting work next to the requests).
  std::shared_ptr<Executor> executor() const;

  /// Cookies (ClientOptions::cookies; docs/cookies.md). The jar is shared with
  /// the clients create() made from this one. Each call is answered by the
  /// engine thread (and waits for it; from that thread, inline).
  /// A snapshot of the jar (empty when cookies are off).
  std::vector<Cookie> cookies() const;
  /// Empties the jar (answered by the engine thread, as cookies()).
  void clear_cookies();
  /// Writes the jar to ClientOptions::cookie_file; throws Error
  /// (BadOptionValue) when there is no file or it cannot be written.
  void save_cookies() const;

 private:
  friend struct detail::ClientAccess;
  explicit Client(std::shared_ptr<detail::ClientCore> core) : core_(std::move(core)) {}
  std::shared_ptr<detail::ClientCore> core_;
};

/// axios.get & co.: the process-wide default client.
Client& default_client();
/// The default client's request() and verbs (overloads for the reason given at
/// Client::request).
///@{
Future<Response> request(RequestConfig config);
Future<Response> get(std::string url);
Future<Response> get(std::string url, RequestConfig config);
Future<Response> del(std::string url);
Future<Response> del(std::string url, RequestConfig config);
Future<Response> head(std::string url);
Future<Response> head(std::string url, RequestConfig config);
Future<Response> options(std::string url);
Future<Response> options(std::string url, RequestConfig config);
Future<Response> post(std::string url);
Future<Response> post(std::string url, Body data);
Future<Response> post(std::string url, Body data, RequestConfig config);
Future<Response> put(std::string url);
Future<Response> put(std::string url, Body data);
Future<Response> put(std::string url, Body data, RequestConfig config);
Future<Response> patch(std::string url);
Future<Response> patch(std::string url, Body data);
Future<Response> patch(std::string url, Body data, RequestConfig config);
///@}

}  // namespace tether
