#include "tether/client.hpp"

#include "client/client_core.hpp"

namespace tether {

namespace {
// The verbs' path: the config is built once in the caller's frame and passed
// by reference down to prepare_config (a RequestConfig is over 1 KiB; each
// by-value hop was a move and a destruction per request).
Future<Response> send(const detail::ClientCore& core, RequestConfig&& config) {
  return detail::send_request(core, detail::prepare_config(*core.defaults(), std::move(config)));
}
Future<Response> with(const detail::ClientCore& core, RequestConfig&& config, const char* method,
                      std::string&& url) {
  config.method = method;
  config.url = std::move(url);
  return send(core, std::move(config));
}
Future<Response> with(const detail::ClientCore& core, RequestConfig&& config, const char* method,
                      std::string&& url, Body&& data) {
  config.data = std::move(data);
  return with(core, std::move(config), method, std::move(url));
}
}  // namespace

Client::Client() : Client(RequestConfig{}) {}

Client::Client(RequestConfig defaults) : Client(std::move(defaults), ClientOptions{}) {}

Client::Client(RequestConfig defaults, ClientOptions options)
    : core_(std::make_shared<detail::ClientCore>(
          std::make_shared<detail::EngineOwner>(std::move(options)), std::move(defaults))) {}

Client Client::create(RequestConfig overrides) const {
  return Client(std::make_shared<detail::ClientCore>(
      core_->owner, detail::merge_config(*core_->defaults(), std::move(overrides))));
}

Future<Response> Client::request(RequestConfig config) {
  return send(*core_, std::move(config));
}

Future<Response> Client::get(std::string url) {
  RequestConfig config;
  return with(*core_, std::move(config), "GET", std::move(url));
}
Future<Response> Client::get(std::string url, RequestConfig config) {
  return with(*core_, std::move(config), "GET", std::move(url));
}
Future<Response> Client::del(std::string url) {
  RequestConfig config;
  return with(*core_, std::move(config), "DELETE", std::move(url));
}
Future<Response> Client::del(std::string url, RequestConfig config) {
  return with(*core_, std::move(config), "DELETE", std::move(url));
}
Future<Response> Client::head(std::string url) {
  RequestConfig config;
  return with(*core_, std::move(config), "HEAD", std::move(url));
}
Future<Response> Client::head(std::string url, RequestConfig config) {
  return with(*core_, std::move(config), "HEAD", std::move(url));
}
Future<Response> Client::options(std::string url) {
  RequestConfig config;
  return with(*core_, std::move(config), "OPTIONS", std::move(url));
}
Future<Response> Client::options(std::string url, RequestConfig config) {
  return with(*core_, std::move(config), "OPTIONS", std::move(url));
}
Future<Response> Client::post(std::string url) {
  RequestConfig config;
  return with(*core_, std::move(config), "POST", std::move(url));
}
Future<Response> Client::post(std::string url, Body data) {
  RequestConfig config;
  return with(*core_, std::move(config), "POST", std::move(url), std::move(data));
}
Future<Response> Client::post(std::string url, Body data, RequestConfig config) {
  return with(*core_, std::move(config), "POST", std::move(url), std::move(data));
}
Future<Response> Client::put(std::string url) {
  RequestConfig config;
  return with(*core_, std::move(config), "PUT", std::move(url));
}
Future<Response> Client::put(std::string url, Body data) {
  RequestConfig config;
  return with(*core_, std::move(config), "PUT", std::move(url), std::move(data));
}
Future<Response> Client::put(std::string url, Body data, RequestConfig config) {
  return with(*core_, std::move(config), "PUT", std::move(url), std::move(data));
}
Future<Response> Client::patch(std::string url) {
  RequestConfig config;
  return with(*core_, std::move(config), "PATCH", std::move(url));
}
Future<Response> Client::patch(std::string url, Body data) {
  RequestConfig config;
  return with(*core_, std::move(config), "PATCH", std::move(url), std::move(data));
}
Future<Response> Client::patch(std::string url, Body data, RequestConfig config) {
  return with(*core_, std::move(config), "PATCH", std::move(url), std::move(data));
}

Interceptors& Client::interceptors() {
  return *core_->interceptors;
}

std::shared_ptr<Executor> Client::executor() const {
  return core_->owner->engine;
}

Client& default_client() {
  // Leaked on purpose: requests may still be settling during static destruction.
  static Client* client = new Client();
  return *client;
}

Future<Response> request(RequestConfig config) {
  return default_client().request(std::move(config));
}
Future<Response> get(std::string url) {
  return default_client().get(std::move(url));
}
Future<Response> get(std::string url, RequestConfig config) {
  return default_client().get(std::move(url), std::move(config));
}
Future<Response> del(std::string url) {
  return default_client().del(std::move(url));
}
Future<Response> del(std::string url, RequestConfig config) {
  return default_client().del(std::move(url), std::move(config));
}
Future<Response> head(std::string url) {
  return default_client().head(std::move(url));
}
Future<Response> head(std::string url, RequestConfig config) {
  return default_client().head(std::move(url), std::move(config));
}
Future<Response> options(std::string url) {
  return default_client().options(std::move(url));
}
Future<Response> options(std::string url, RequestConfig config) {
  return default_client().options(std::move(url), std::move(config));
}
Future<Response> post(std::string url) {
  return default_client().post(std::move(url));
}
Future<Response> post(std::string url, Body data) {
  return default_client().post(std::move(url), std::move(data));
}
Future<Response> post(std::string url, Body data, RequestConfig config) {
  return default_client().post(std::move(url), std::move(data), std::move(config));
}
Future<Response> put(std::string url) {
  return default_client().put(std::move(url));
}
Future<Response> put(std::string url, Body data) {
  return default_client().put(std::move(url), std::move(data));
}
Future<Response> put(std::string url, Body data, RequestConfig config) {
  return default_client().put(std::move(url), std::move(data), std::move(config));
}
Future<Response> patch(std::string url) {
  return default_client().patch(std::move(url));
}
Future<Response> patch(std::string url, Body data) {
  return default_client().patch(std::move(url), std::move(data));
}
Future<Response> patch(std::string url, Body data, RequestConfig config) {
  return default_client().patch(std::move(url), std::move(data), std::move(config));
}

}  // namespace tether
