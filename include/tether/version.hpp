// The version of Tether these headers belong to (semantic versioning: while the
// major version is 0, a minor release may break the API and the ABI).
// CMakeLists.txt's project(VERSION) must agree with these numbers: configuring
// fails otherwise.
#pragma once

#include <string_view>

/// Major version of the headers.
#define TETHER_VERSION_MAJOR 0
/// Minor version of the headers.
#define TETHER_VERSION_MINOR 2
/// Patch version of the headers.
#define TETHER_VERSION_PATCH 0
/// The version of the headers as "MAJOR.MINOR.PATCH".
#define TETHER_VERSION_STRING "0.2.0"

namespace tether {

/// The version of the library linked in, as "MAJOR.MINOR.PATCH" (may differ
/// from TETHER_VERSION_STRING when a shared library was swapped underneath).
std::string_view version() noexcept;

}  // namespace tether
