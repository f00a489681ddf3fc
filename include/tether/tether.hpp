/// \file
/// Tether: an HTTP client for C++20 whose core is cancellation.
/// The umbrella header: everything public.
#pragma once

#include "tether/abort.hpp"           // IWYU pragma: export
#include "tether/api_client.hpp"      // IWYU pragma: export
#include "tether/body.hpp"            // IWYU pragma: export
#include "tether/cancel_token.hpp"    // IWYU pragma: export
#include "tether/client.hpp"          // IWYU pragma: export
#include "tether/client_options.hpp"  // IWYU pragma: export
#include "tether/config.hpp"          // IWYU pragma: export
#include "tether/data.hpp"            // IWYU pragma: export
#include "tether/error.hpp"           // IWYU pragma: export
#include "tether/events.hpp"          // IWYU pragma: export
#include "tether/executor.hpp"        // IWYU pragma: export
#include "tether/flow.hpp"            // IWYU pragma: export
#include "tether/future.hpp"          // IWYU pragma: export
#include "tether/headers.hpp"         // IWYU pragma: export
#include "tether/interceptors.hpp"    // IWYU pragma: export
#include "tether/latest.hpp"          // IWYU pragma: export
#include "tether/limits.hpp"          // IWYU pragma: export
#include "tether/params.hpp"          // IWYU pragma: export
#include "tether/request.hpp"         // IWYU pragma: export
#include "tether/response.hpp"        // IWYU pragma: export
#include "tether/scope.hpp"           // IWYU pragma: export
#include "tether/sse.hpp"             // IWYU pragma: export
#include "tether/sse_parser.hpp"      // IWYU pragma: export
#include "tether/timings.hpp"         // IWYU pragma: export
#include "tether/version.hpp"         // IWYU pragma: export

/// \mainpage Tether API reference
/// An HTTP client for C++20 whose core is cancellation (axios and fetch with
/// AbortController, for C++). Start at tether::Client, tether::RequestConfig,
/// tether::AbortController and tether::Future; the guide is in docs/.

/// \namespace tether
/// Tether's public API: an HTTP client for C++20 whose core is cancellation.
/// Names under tether::detail are internal and may change at any time.
