// From the axios docs, "Cancellation" → "CancelToken deprecated" (CancelToken.source).
#include <tether/tether.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <base-url>\n";
    return 2;
  }
  tether::default_client().update_defaults([&](tether::RequestConfig& d) { d.base_url = argv[1]; });
  int canceled = 0;

  auto source = tether::CancelToken::source();

  auto get = tether::get("/user/12345", {.cancel_token = source.token})
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

  // cancel the request (the message parameter is optional)
  source.cancel("Operation canceled by the user.");

  get.result();
  auto posted = post.result();
  // One token cancels both requests, with the message of the first cancel().
  bool ok = canceled == 1 && !posted && tether::is_cancel(posted.error()) &&
            std::string(posted.error().what()) == "Operation canceled by the user.";
  return ok ? 0 : 1;
}
