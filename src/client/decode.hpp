// From a finished transfer to a try's outcome: the body unwrapped into Data,
// transform_response and validate_status applied. All of it is user code or
// unbounded work (JSON parsing), so a large body is decoded on a worker
// thread, never on the engine loop.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>

#include "tether/executor.hpp"
#include "tether/future.hpp"
#include "tether/response.hpp"
#include "transport/engine.hpp"

namespace tether::detail {

// Bodies up to this size are decoded inline on the engine thread (cheap, and
// keeps the fast path fast); larger ones on decode_executor().
inline constexpr std::size_t kInlineDecodeLimit = 64 * 1024;

// The try's outcome. A response comes without its config (the caller attaches
// it once it owns the outcome); an Error shares `config`. Never throws: what
// user code throws becomes the Error (with cause()). `user_error`, if set, is
// what an on_data or progress callback threw, reported instead of the
// engine's copy of it.
Result<Response> decode_outcome(TransferOutcome&& outcome,
                                const std::shared_ptr<const RequestConfig>& config,
                                std::exception_ptr user_error);

// Whether decoding `outcome` belongs off the engine thread.
bool decode_off_loop(const TransferOutcome& outcome);

// Whether serialising `body` (and the transforms over it) belongs off the
// engine thread.
bool serialize_off_loop(const Body& body);

// Worker threads for decoding and serialising large bodies (not the engine's).
std::shared_ptr<Executor> decode_executor();

}  // namespace tether::detail
