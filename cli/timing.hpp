// `tether -v` / `--timing`: where the time of a request went, httpstat-style.
#pragma once

#include <string>

#include <tether/timings.hpp>

namespace tether::cli {

// Five phases (DNS lookup, TCP connection, TLS handshake, server processing,
// content transfer) as a row of boxes with their durations, then the total,
// the bytes each way and whether the connection was reused. One line saying
// so when the request has no timings: `aborted` says it was canceled (an
// aborted request carries none, whether or not it was sent), otherwise it was
// refused before the network.
std::string render_timings(const TransferInfo& info, bool color, bool aborted = false);

}  // namespace tether::cli
