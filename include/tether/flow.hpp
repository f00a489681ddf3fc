/// \file
/// FlowControl: back-pressure for a streamed download, as an AbortController
/// is for cancellation. Give it to a request (`.flow = flow`), then pause() and
/// resume() from any thread, on_data included: while paused the transfer reads
/// nothing more from the socket (the server's sending blocks on TCP or HTTP/2
/// flow control), and on_data is not called. One FlowControl may drive several
/// requests at once (copies share it): pause() holds them all, resume() wakes
/// them all; it can be reused once its requests ended.
#pragma once

#include <memory>

namespace tether {

namespace detail {
struct FlowState;
struct FlowAccess;
}  // namespace detail

/// Back-pressure for a streamed download, as an AbortController is for
/// cancellation: pause() and resume() from any thread. Copies share one state
/// and may drive several requests at once.
class FlowControl {
 public:
  /// A flow control that is not paused.
  FlowControl();

  /// Any thread, never blocks. The chunk on_data is handling is kept; the next
  /// one waits until resume().
  void pause() noexcept;
  /// Any thread, never blocks: wakes each transfer through its engine's mailbox.
  void resume();
  /// True between pause() and resume().
  bool paused() const noexcept;

 private:
  friend struct detail::FlowAccess;
  std::shared_ptr<detail::FlowState> state_;
};

}  // namespace tether
