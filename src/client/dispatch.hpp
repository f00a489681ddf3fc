// One try of a request on the engine.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "client/request_state.hpp"

namespace tether::detail {

// Starts a try of `state`'s request with its config now; the try's outcome
// reaches state->on_try_done (on the engine thread, or a decode thread for a
// large body), unless the request settled first. `timeout` overrides the
// config's (what is left of a whole-request timeout). Never throws: a bad
// config, or what transform_request or params_serializer throws, is the try's
// Error. Call it off the engine loop when the body is large (serialize_off_loop).
// `streamed`, when given (a member of `state`), turns true before the try first
// calls on_response or on_data: such a try is not retried.
void start_transfer(const std::shared_ptr<RequestState>& state,
                    std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                    std::atomic<bool>* streamed = nullptr);

// The try `try_number` (begun) goes to the engine now. `asked`, when set, is
// the timeout the user gave (spec.timeout being what is left of it): a
// timeout error names it.
// `queued`: the time the try waited in the fair queue (TransferInfo::queued
// counts it).
void submit_transfer(const std::shared_ptr<RequestState>& state, std::uint64_t try_number,
                     TransferSpec&& spec, std::chrono::milliseconds asked = {},
                     std::chrono::microseconds queued = {});

// Fair queues (queued_dispatch.cpp): the try waits its turn in the state's
// queue, then goes to the engine with what is left of its timeout; the
// timeout counts the time queued, and ends a try still queued at once
// (phase Queued).
void queue_transfer(const std::shared_ptr<RequestState>& state, std::uint64_t try_number,
                    TransferSpec&& spec);
// Adds the time a try waited in the fair queue to its outcome's TransferInfo.
void add_queue_time(TransferOutcome& outcome, std::chrono::microseconds queued);

}  // namespace tether::detail
