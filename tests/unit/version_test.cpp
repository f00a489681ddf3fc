#include "tether/version.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(Version, StringIsMadeOfTheNumbers) {
  const std::string expected = std::to_string(TETHER_VERSION_MAJOR) + "." +
                               std::to_string(TETHER_VERSION_MINOR) + "." +
                               std::to_string(TETHER_VERSION_PATCH);
  EXPECT_EQ(expected, TETHER_VERSION_STRING);
}

// The library reports the version CMake built it as (project(VERSION)).
TEST(Version, LibraryMatchesHeaders) {
  EXPECT_EQ(tether::version(), TETHER_VERSION_STRING);
}

}  // namespace
