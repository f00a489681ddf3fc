// From the axios docs, "Cancellation": both cancellation APIs on the same request,
// as during the transition period. Played twice: source.cancel(…), OR controller.abort().
#include <tether/tether.hpp>

#include <iostream>
#include <string>

namespace {

// Returns how many of the two requests ended canceled.
int transition_period(bool use_controller) {
  int canceled = 0;

  tether::AbortController controller;

  auto source = tether::CancelToken::source();

  auto get =
      tether::get("/user/12345", {.signal = controller.signal(), .cancel_token = source.token})
          .catch_error([&](const tether::Error& thrown) -> tether::Response {
            if (tether::is_cancel(thrown)) {
              std::cout << "Request canceled " << thrown.what() << "\n";
              ++canceled;
            } else {
              // handle error
            }
            return {};
          });

  auto post = tether::post("/user/12345", nlohmann::json{{"name", "new name"}},
                           {.cancel_token = source.token});

  if (!use_controller) {
    // cancel the request (the message parameter is optional)
    source.cancel("Operation canceled by the user.");
  } else {
    // OR
    controller.abort();  // the message parameter is not supported
  }

  get.result();
  auto posted = post.result();
  if (!posted && tether::is_cancel(posted.error())) ++canceled;
  return canceled;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <base-url>\n";
    return 2;
  }
  tether::default_client().update_defaults([&](tether::RequestConfig& d) { d.base_url = argv[1]; });
  // The token cancels both requests; the controller only the one it was given to
  // (the POST then completes: the server echoes it).
  bool ok = transition_period(false) == 2 && transition_period(true) == 1;
  return ok ? 0 : 1;
}
