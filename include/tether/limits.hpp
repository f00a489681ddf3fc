/// \file
/// Process-wide limits that Tether can lift for you, on request only.
#pragma once

#include <cstdint>

namespace tether {

/// Raises this process's soft limit on open files (RLIMIT_NOFILE) to its hard
/// limit, capped at 1,048,576, and returns the soft limit now in force (the
/// old one if it could not be raised). Each transfer in flight holds a socket,
/// so thousands at once need more than the usual soft limit of 1,024.
///
/// Tether never calls this itself: the limit is the whole process's, and
/// raising it can break code that still uses select() (descriptors above
/// FD_SETSIZE). Call it once at start-up, before creating clients, if you
/// need it.
std::uint64_t raise_open_file_limit();

}  // namespace tether
