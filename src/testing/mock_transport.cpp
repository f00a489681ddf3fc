// MockTransport's public face: its rules, the replies they give, and the
// record of what was sent.
#include "testing/mock_state.hpp"

namespace tether::testing {

namespace {

bool method_matches(const std::string& want, const std::string& got) {
  return want.empty() || iequals(want, got);
}

bool url_matches(const Match& m, const std::string& url) {
  if (!m.url.empty() && m.url != url) return false;
  if (!m.url_prefix.empty() && url.rfind(m.url_prefix, 0) != 0) return false;
  return !m.url_regex || std::regex_search(url, *m.url_regex);
}

bool headers_match(const Headers& want, const Headers& got) {
  for (const auto& entry : want) {
    auto value = got.get(entry.name);
    if (!value || *value != entry.value) return false;
  }
  return true;
}

bool body_matches(const Match& m, const std::string& body) {
  if (m.body && *m.body != body) return false;
  if (!m.json) return true;
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  return !parsed.is_discarded() && parsed == *m.json;
}

}  // namespace

bool matches(const Match& m, const RecordedRequest& r) {
  return method_matches(m.method, r.method) && url_matches(m, r.url) &&
         headers_match(m.headers, r.headers) && body_matches(m, r.body) &&
         (!m.predicate || m.predicate(r));
}

void MockTransport::State::record(const RecordedRequest& request) {
  std::lock_guard lock(mu);
  record_.push_back(request);
  changed.notify_all();
}

std::optional<Reply> MockTransport::State::answer(const RecordedRequest& request) {
  std::vector<std::shared_ptr<Rule>> snapshot;
  {
    std::lock_guard lock(mu);
    snapshot = rules;
  }
  for (const auto& rule : snapshot) {
    if (rule->times == Times::Once && rule->used.load()) continue;
    if (!matches(rule->match, request)) continue;
    bool was_used = rule->used.exchange(true);
    if (rule->times == Times::Once && was_used) continue;  // another request claimed it
    return rule->responder(request);
  }
  return std::nullopt;
}

void MockTransport::State::add_pending(std::ptrdiff_t n) {
  std::lock_guard lock(mu);
  pending += n;
  changed.notify_all();
}

Reply Reply::json(int status, const nlohmann::json& body) {
  Reply r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

Reply Reply::text(int status, std::string body) {
  Reply r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Reply Reply::network_error(TransportError transport, std::string message) {
  Reply r;
  NetworkFailure failure;
  failure.transport = transport;
  if (!message.empty()) failure.message = std::move(message);
  r.failure = std::move(failure);
  return r;
}

Reply Reply::hang() {
  Reply r;
  r.never = true;
  return r;
}

MockTransport::MockTransport() : state_(std::make_shared<State>()) {}
MockTransport::~MockTransport() = default;

std::shared_ptr<MockTransport> MockTransport::create() {
  return std::shared_ptr<MockTransport>(new MockTransport());
}

MockTransport& MockTransport::on(Match match, Reply reply, Times times) {
  return on(
      std::move(match), [reply = std::move(reply)](const RecordedRequest&) { return reply; },
      times);
}

MockTransport& MockTransport::on(Match match,
                                 std::function<Reply(const RecordedRequest&)> responder,
                                 Times times) {
  auto rule = std::make_shared<Rule>();
  rule->match = std::move(match);
  rule->responder = std::move(responder);
  rule->times = times;
  std::lock_guard lock(state_->mu);
  state_->rules.push_back(std::move(rule));
  return *this;
}

void MockTransport::reset() {
  std::vector<std::shared_ptr<Rule>> rules;  // destroyed outside the lock (user callables)
  std::vector<RecordedRequest> record;
  std::lock_guard lock(state_->mu);
  rules.swap(state_->rules);
  record.swap(state_->record_);
}

std::vector<RecordedRequest> MockTransport::requests() const {
  std::lock_guard lock(state_->mu);
  return state_->record_;
}

bool MockTransport::wait_for_requests(std::size_t n, std::chrono::milliseconds limit) const {
  std::unique_lock lock(state_->mu);
  return state_->changed.wait_for(lock, limit, [&] { return state_->record_.size() >= n; });
}

std::size_t MockTransport::pending() const {
  std::lock_guard lock(state_->mu);
  return state_->pending;
}

std::size_t MockTransport::unused_rules() const {
  std::lock_guard lock(state_->mu);
  std::size_t n = 0;
  for (const auto& rule : state_->rules) n += rule->used.load() ? 0 : 1;
  return n;
}

std::shared_ptr<detail::TransferHandler> MockTransport::attach() {
  return std::make_shared<detail::MockPort>(state_);
}

}  // namespace tether::testing
