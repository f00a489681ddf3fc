#include "tether/version.hpp"

#ifndef TETHER_VERSION
#define TETHER_VERSION "0"
#endif

namespace tether {

// The version CMake built the library as (project(VERSION)), not the headers'
// macro: a user's program compiled against other headers can tell.
std::string_view version() noexcept {
  return TETHER_VERSION;
}

}  // namespace tether
