// The engine's thread-safe facade: submit, cancel and post from any thread
// become commands for the loop (see mailbox.cpp).
#include "transport/engine.hpp"

#include <future>

#include "transport/cookies.hpp"
#include "transport/loop.hpp"

namespace tether::detail {

namespace {

void init_curl_once() {
  // The process's limit on open files is left alone: see raise_open_file_limit.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::shared_ptr<Engine> Engine::start(EngineSettings settings) {
  init_curl_once();
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (!(info->features & CURL_VERSION_ASYNCHDNS)) {
    throw Error(ErrorCode::BadOptionValue,
                "tether: this libcurl resolves names synchronously, which would stall the "
                "engine's loop; build it with the threaded resolver or c-ares");
  }
  auto loop = std::make_shared<Loop>();
  loop->egress = std::move(settings.egress);
  loop->resolve = std::move(settings.resolve);
  if (settings.cookie_file) {
    loop->cookie_jar = std::make_unique<CookieJar>(std::move(*settings.cookie_file));
  }
  loop->thread = std::thread([loop] { loop->run(); });
  loop->thread_id.store(loop->thread.get_id());
  return std::make_shared<Engine>(std::move(loop), std::move(settings.handler));
}

Engine::~Engine() {
  shutdown();
}

TransferId Engine::submit(TransferSpec spec, TransferDone done) {
  if (handler_) {
    TransferId id = loop_->next_id();
    handler_->submit(id, std::move(spec), std::move(done), weak_from_this());
    return id;
  }
  auto t = std::make_unique<Transfer>(std::move(spec), std::move(done));
  t->id = loop_->next_id();
  t->submitted = Clock::now();
  TransferId id = t->id;
  if (t->spec.extras && t->spec.extras->flow) {
    // resume() wakes this transfer through the mailbox (set before the start
    // is queued, so no pause can come before its wake-up is known).
    auto wake = [weak = std::weak_ptr<Loop>(loop_), id] {
      auto loop = weak.lock();
      if (!loop) return;
      Command c{Command::Kind::Task, id, nullptr, [raw = loop.get(), id] { raw->unpause(id); }};
      loop->push(c);
    };
    t->flow_token = t->spec.extras->flow->bind(std::move(wake));
  }
  loop_->active.fetch_add(1);
  Command c{Command::Kind::Start, id, std::move(t), {}};
  if (!loop_->push(c)) {
    loop_->active.fetch_sub(1);
    auto& transfer = *c.transfer;
    transfer.unbind_flow();
    transfer.done(transfer.make_failure(ErrorCode::Canceled, "canceled"));
  }
  return id;
}

void Engine::cancel(TransferId id) {
  if (handler_) return handler_->cancel(id);
  if (hold_cancel(loop_, id)) return;  // one abort() of many: pushed as one batch
  Command c{Command::Kind::Cancel, id, nullptr, {}};
  loop_->push(c);
}

void Engine::post(std::function<void()> task) {
  Command c{Command::Kind::Task, 0, nullptr, std::move(task)};
  if (!loop_->push(c)) default_executor()->post(std::move(c.task));
}

bool Engine::running_in_this_thread() const noexcept {
  return loop_->thread_id.load() == std::this_thread::get_id();
}

std::size_t Engine::active_transfers() const noexcept {
  return loop_->active.load();
}

std::size_t Engine::idle_timers() {
  auto count = std::make_shared<std::promise<std::size_t>>();
  auto loop = loop_;
  post([loop, count] { count->set_value(loop->idle_timer_count()); });
  return count->get_future().get();
}

std::vector<RequestPhase> Engine::transfer_phases() {
  auto phases = std::make_shared<std::promise<std::vector<RequestPhase>>>();
  auto loop = loop_;
  post([loop, phases] { phases->set_value(loop->phases()); });
  return phases->get_future().get();
}

std::vector<RequestPhase> Engine::Loop::phases() const {
  std::vector<RequestPhase> out;
  for (const auto& [id, transfer] : transfers_) out.push_back(transfer->phase());
  return out;
}

void Engine::shutdown() {
  {
    std::lock_guard lock(loop_->mu);
    if (loop_->shutdown_requested) return;
    loop_->shutdown_requested = true;
  }
  if (handler_) handler_->shutdown();  // its failures queue before the loop stops
  Command c{Command::Kind::Shutdown, 0, nullptr, {}};
  loop_->push(c);
  if (running_in_this_thread()) {
    loop_->thread.detach();  // the loop exits once the current task returns
  } else if (loop_->thread.joinable()) {
    loop_->thread.join();
  }
}

}  // namespace tether::detail
