// The cancellation primitives at work, before any HTTP: a "live preview" that
// renders text slowly, where each keystroke aborts the preview still in flight
// (the latest-wins pattern of the ApiClient article), then axios' CancelToken
// and a timeout on the same kind of work.
#include <tether/tether.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Stand-in for a request: settles with the rendered text after `work`, or as
// Canceled the moment `signal` aborts, whichever comes first.
tether::Future<std::string> render_preview(std::string text, tether::AbortSignal signal,
                                           std::chrono::milliseconds work = 150ms) {
  auto promise = std::make_shared<tether::Promise<std::string>>();
  auto future = promise->get_future();
  auto finished = tether::AbortSignal::timeout(work);  // the "server" answering
  auto registrations = std::make_shared<std::vector<tether::AbortRegistration>>();
  registrations->push_back(signal.on_abort([promise](const tether::AbortReason& reason) {
    promise->set_error(tether::Error::canceled(reason));  // the first to settle wins
  }));
  registrations->push_back(finished.on_abort(
      [promise, text](const tether::AbortReason&) { promise->set_value("<p>" + text + "</p>"); }));
  // Once settled, either way, the registrations are released with this chain.
  return future.then([registrations](std::string html) { return html; },
                     [registrations](const tether::Error& e) -> std::string { throw e; });
}

}  // namespace

int main() {
  std::cout << "1. Live preview: each keystroke aborts the preview before it.\n";
  std::vector<tether::Future<std::string>> previews;
  tether::AbortController current;
  for (std::string typed : {"h", "he", "hel", "hell", "hello"}) {
    current.abort();  // a no-op the first time, and for a preview already done
    current = tether::AbortController{};
    previews.push_back(render_preview(typed, current.signal()));
    std::this_thread::sleep_for(30ms);  // typing faster than the server renders
  }
  for (auto& preview : previews) {
    auto result = preview.result();
    if (result) {
      std::cout << "   shown:   " << result.value() << "\n";
    } else if (tether::is_cancel(result.error())) {
      std::cout << "   aborted: " << result.error().what() << " (ignored, as status.is_abort)\n";
    }
  }

  std::cout << "2. One CancelToken cancels several operations, with a message.\n";
  auto source = tether::CancelToken::source();
  auto a = render_preview("first", source.token.signal(), 10s);
  auto b = render_preview("second", source.token.signal(), 10s);
  source.cancel("Operation canceled by the user.");
  for (auto* f : {&a, &b}) {
    try {
      f->get();
    } catch (const tether::Error& e) {
      std::cout << "   Request canceled: " << e.what() << " [" << tether::to_string(e.code())
                << "]\n";
    }
  }

  std::cout << "3. A user abort or a timeout, whichever comes first (AbortSignal::any).\n";
  tether::AbortController user;
  auto slow = render_preview(
      "slow", tether::AbortSignal::any({user.signal(), tether::AbortSignal::timeout(50ms)}), 10s);
  auto outcome = slow.result();
  std::cout << "   " << (outcome ? "finished" : outcome.error().reason()->name) << "\n";
  return 0;
}
