#include "tether/executor.hpp"

#include "core/thread_pool.hpp"
#include "tether/future.hpp"

namespace tether {

std::shared_ptr<Executor> default_executor() {
  // Leaked on purpose: futures may settle during static destruction.
  static auto* executor = new std::shared_ptr<Executor>(std::make_shared<detail::ThreadPool>(1));
  return *executor;
}

namespace detail {
void throw_future_misuse(const char* what) {
  throw Error(ErrorCode::BadOptionValue, std::string("tether::Future: ") + what);
}
}  // namespace detail

}  // namespace tether
