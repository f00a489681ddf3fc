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
  struct Pending {
    TransferSpec spec;
    TransferDone done;
    std::weak_ptr<Executor> loop;
    std::chrono::steady_clock::time_point started;
    std::string method;  // the request now (a redirect changes them)
    std::string url;
    int redirects = 0;
    TimerService::Id timer = 0;
    Due due = Due::Answer;
    testing::Reply reply{};
  };

  void post(const std::weak_ptr<Executor>& loop, std::function<void()> task);
  void begin(TransferId id);
  void schedule(TransferId id, testing::Reply reply);
  void deliver(TransferId id);
  // Follows a redirect the reply asks for (true), or refuses it (false,
  // `refused` then holds the failure), or leaves a plain response (false).
  bool redirect(TransferId id, const testing::Reply& reply,
                std::optional<TransferFailure>& refused);
  // Removes the transfer; null if it was canceled meanwhile.
  std::optional<Pending> take(TransferId id);
  static void finish(Pending&& p, TransferOutcome&& outcome);

  std::shared_ptr<testing::MockTransport::State> state_;
  std::mutex mu_;
  std::unordered_map<TransferId, Pending> pending_;  // guarded by mu_
};

// The outcome a reply makes for the transfer (its body given to on_data and
// its head to on_response and validate_status, as the engine does).
TransferOutcome reply_outcome(TransferSpec& spec, const std::string& url, int redirects,
                              testing::Reply&& reply);

}  // namespace tether::detail
