// From "Canceling API Requests Using fetch() And AbortController" (Ben Nadel):
// showCommentPreview(), which aborts the preview request still in flight.
#include <tether/api_client.hpp>
#include <tether/tether.hpp>

#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace {

std::optional<tether::ApiClient> apiClient;
// The browser runs every callback on one thread; here the callbacks run on the
// client's engine thread, so the controller is shared under a lock.
std::mutex previewMutex;
std::shared_ptr<tether::AbortController> previewAbortController;  // null: none in flight
std::vector<tether::Future<void>> inFlight;  // so main() can wait for the outcome
int shown = 0;
std::string lastPreview;

void showPreviewContent(const std::string& preview) {
  std::cout << "preview: " << preview;
  ++shown;
  lastPreview = preview;
}

void showPreviewError(const std::string& message) {
  std::cout << "error: " << message << "\n";
}

void showCommentPreview(const std::string& commentMarkdown) {
  std::lock_guard lock(previewMutex);

  // If we have a non-null instance of the AbortController, it means that the
  // previous AJAX request is still in-flight. By calling .abort() on it,
  // the signal that we passed into the ApiClient (and fetch() within) will
  // tell the fetch() API to abort the underlying HTTP request.
  if (previewAbortController) {
    previewAbortController->abort();
    previewAbortController = nullptr;
  }

  // Track a NEW instance of the AbortController for our next AJAX call to
  // get the comment preview.
  previewAbortController = std::make_shared<tether::AbortController>();

  inFlight.push_back(
      apiClient
          ->make_request({.url = "/index.cfm",
                          .form = tether::Form{{"event", "api.blog.previewComment"},
                                               {"content", commentMarkdown}},
                          .signal = previewAbortController->signal()})  // <---- AbortSignal here.
          .then(
              [](tether::Data response) {
                std::lock_guard lock(previewMutex);
                previewAbortController = nullptr;
                showPreviewContent(response.json()["preview"].get<std::string>());
              },
              [](const tether::Error& e) {
                auto error = tether::ApiError::from(e);
                // If we aborted the underlying HTTP request, ApiClient will
                // set the isAbort flag to true. In this case, we can ignore
                // these errors as they are not related to the rendering of the
                // comment preview.
                if (error.status.is_abort) {
                  std::cout << "aborted (ignored)\n";
                  return;
                }
                std::lock_guard lock(previewMutex);
                previewAbortController = nullptr;
                showPreviewError(error.data["message"].get<std::string>());
              }));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <base-url>\n";
    return 2;
  }
  apiClient.emplace(tether::Client({.base_url = argv[1]}));

  // Typing faster than the (slow 3G) server answers: each call aborts the one before.
  for (std::string typed : {"*H", "*He", "*Hel", "*Hell", "*Hello*"}) showCommentPreview(typed);

  std::vector<tether::Future<void>> outcomes;
  {
    std::lock_guard lock(previewMutex);
    outcomes.swap(inFlight);
  }
  for (auto& outcome : outcomes) outcome.result();
  apiClient.reset();
  return shown == 1 && lastPreview == "<p><em>Hello</em></p>\n" ? 0 : 1;
}
