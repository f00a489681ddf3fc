// The mock transport's shared state (its rules and its record) and the
// handler each engine gets from it. Private to src/testing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "abort/timer_service.hpp"
#include "tether/testing.hpp"
#include "transport/engine.hpp"

namespace tether::testing {

struct Rule {
  Match match;
  std::function<Reply(const RecordedRequest&)> responder;
  Times times = Times::Always;
  std::atomic<bool> used{false};  // answered at least once (claims a Once rule)
};

struct MockTransport::State {
  // Records the request (waking wait_for_requests).
  void record(const RecordedRequest& request);
  // The first rule that matches answers; nullopt when none does. Runs the
  // user's predicates and responder outside the lock; what they throw
  // propagates.
  std::optional<Reply> answer(const RecordedRequest& request);
  void add_pending(std::ptrdiff_t n);

  mutable std::mutex mu;
  mutable std::condition_variable changed;
  std::vector<std::shared_ptr<Rule>> rules;  // guarded by mu
  std::vector<RecordedRequest> record_;      // guarded by mu
  std::size_t pending = 0;                   // guarded by mu
};

bool matches(const Match& match, const RecordedRequest& request);

}  // namespace tether::testing

namespace tether::detail {

// One engine's view of a MockTransport: the transfers it holds. Every step
// of a transfer runs on the engine's thread; cancel() may come from any.
class MockPort final : public TransferHandler, public std::enable_shared_from_this<MockPort> {
 public:
  explicit MockPort(std::shared_ptr<testing::MockTransport::State> state)
      : state_(std::move(state)) {}
  void submit(TransferId id, TransferSpec spec, TransferDone done,
              std::weak_ptr<Executor> loop) override;
  void cancel(TransferId id) override;
  void shutdown() override;

 private:
  enum class Due { Answer, Timeout, IdleTimeout };
  using Clock = std::chrono::steady_clock;
  // A transfer held: shared, so that the engine's thread works on it outside
  // the lock (user code runs there: the event hook, a body's producer) while
  // cancel() may drop it from the map.
  struct Pending {
    TransferSpec spec;
    TransferDone done;
    std::weak_ptr<Executor> loop;
    Clock::time_point started;
    std::string method;  // the request now (a redirect changes them)
    std::string url;
    int redirects = 0;
    TimerService::Id timer = 0;  // guarded by mu_
    Due due = Due::Answer;
    testing::Reply reply{};
    // --- observability: what the TransferInfo reports ---
    std::optional<Clock::time_point> begun;     // the first hop began
    Clock::time_point hop_started;              // this hop began (begin())
    std::optional<Clock::time_point> answered;  // its answer came (deliver())
    std::chrono::microseconds redirect_time{};  // the hops before this one
    std::int64_t header_bytes_sent = 0;
    std::int64_t body_bytes_received = 0;
  };
  using Slot = std::shared_ptr<Pending>;

  void post(const std::weak_ptr<Executor>& loop, std::function<void()> task);
  Slot find(TransferId id);
  void begin(TransferId id);
  // The request's body bytes: a streamed body (Body::file / Body::stream) is
  // read here, on the engine's thread, as curl would read it. False when its
  // producer threw (the transfer is then finished with that error).
  bool read_upload(TransferId id, Pending& p);
  void schedule(TransferId id, testing::Reply reply);
  void deliver(TransferId id);
  // Follows a redirect the reply asks for (true), or refuses it (false,
  // `refused` then holds the failure), or leaves a plain response (false).
  bool redirect(TransferId id, Pending& p, const testing::Reply& reply,
                std::optional<TransferFailure>& refused);
  // Removes the transfer; null if it was canceled meanwhile.
  Slot take(TransferId id);
  static void finish(Pending& p, TransferOutcome&& outcome);
  // What the mock says the network did for the transfer, in the engine's
  // terms (mock_observe.cpp).
  static TransferInfo info_of(const Pending& p, const TransferOutcome& outcome);

  std::shared_ptr<testing::MockTransport::State> state_;
  std::mutex mu_;
  std::unordered_map<TransferId, Slot> pending_;  // guarded by mu_
};

// The transfer's phase, told to its event hook as the engine tells it (a
// change only). Engine thread, no lock held.
void set_phase(TransferSpec& spec, RequestPhase phase);

// The size of the request's head as it would go on the wire (request line,
// headers, blank line).
std::int64_t request_head_size(const std::string& method, const std::string& url,
                               const Headers& headers);

// The outcome a reply makes for the transfer (its body given to on_data and
// its head to on_response and validate_status, as the engine does).
TransferOutcome reply_outcome(TransferSpec& spec, const std::string& url, int redirects,
                              testing::Reply&& reply);

}  // namespace tether::detail
