// A request's outcome in a test: the response or the error it was expected
// to end with, recording a failure (not aborting the test) otherwise.
#pragma once

#include <gtest/gtest.h>

#include "tether/client.hpp"

namespace tether::test {

inline Response ok(Future<Response> f) {
  auto r = f.result();
  if (!r) ADD_FAILURE() << "request failed: " << r.error().what();
  return r ? std::move(r).value() : Response{};
}

inline Error fails(Future<Response> f) {
  auto r = f.result();
  if (r) {
    ADD_FAILURE() << "request succeeded with status " << r.value().status;
    return Error(ErrorCode::Unknown, "no error");
  }
  return r.error();
}

}  // namespace tether::test
