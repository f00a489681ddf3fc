// From "Canceling API Requests Using fetch() And AbortController": the same
// comment preview, "debounced at 300ms", with Tether's Latest doing what the
// article's previewAbortController bookkeeping does.
#include <tether/api_client.hpp>
#include <tether/latest.hpp>
#include <tether/tether.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <base-url>\n";
    return 2;
  }
  tether::ApiClient apiClient(tether::Client({.base_url = argv[1]}));
  tether::Latest preview;
  tether::Debouncer debounce(300ms);

  std::mutex mu;
  std::condition_variable done;
  std::string shown;
  std::string last_sent;
  int aborted = 0, settled = 0, sent = 0;

  auto showCommentPreview = [&](std::string commentMarkdown) {
    {
      std::lock_guard lock(mu);
      last_sent = commentMarkdown;
      ++sent;
    }
    done.notify_all();
    apiClient
        .make_request({.url = "/index.cfm",
                       .form = tether::Form{{"content", std::move(commentMarkdown)}},
                       .signal = preview.next()})  // aborts the one before
        .then(
            [&](tether::Data response) {
              std::lock_guard lock(mu);
              shown = response.json()["preview"].get<std::string>();
              ++settled;
              done.notify_all();
            },
            [&](const tether::Error& e) {
              std::lock_guard lock(mu);
              if (tether::ApiError::from(e).status.is_abort) ++aborted;  // superseded: ignore
              ++settled;
              done.notify_all();
            });
  };

  // A burst of typing, a pause (the debounced request leaves), and more typing
  // while it is in flight: the next request aborts it.
  std::string text;
  for (char c : std::string("Hello")) {
    text += c;
    debounce.call([&, snapshot = text] { showCommentPreview(snapshot); });
    std::this_thread::sleep_for(30ms);
  }
  {
    // The quiet period passes: "Hello" is sent (waiting for that, not for a
    // time, holds on a loaded machine).
    std::unique_lock lock(mu);
    done.wait_for(lock, 30s, [&] { return last_sent == text; });
  }
  text += ", **world**";
  debounce.call([&, snapshot = text] { showCommentPreview(snapshot); });

  std::unique_lock lock(mu);
  // Every request sent settled, the last one for the final text ("Hello"
  // shown, or aborted if still in flight).
  bool both = done.wait_for(lock, 30s, [&] { return last_sent == text && settled == sent; });
  std::cout << "preview: " << shown << "aborted: " << aborted << "\n";
  return both && shown == "<p>Hello, <strong>world</strong></p>\n" ? 0 : 1;
}
