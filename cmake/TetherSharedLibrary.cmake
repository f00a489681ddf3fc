# A shared libtether (BUILD_SHARED_LIBS=ON): a SONAME, and only tether::
# exported (cmake/TetherExports.cmake says which detail names stay).
get_target_property(_tether_type tether TYPE)
if(NOT _tether_type STREQUAL "SHARED_LIBRARY")
  return()
endif()

# Semantic versioning: 0.x releases may break the ABI at each minor version,
# so the SONAME carries major.minor (libtether.so.0.2) until 1.0.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_tether_soversion ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
else()
  set(_tether_soversion ${PROJECT_VERSION_MAJOR})
endif()
set_target_properties(tether PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${_tether_soversion})

# The tests and benchmarks reach into the internals (src/), so a build
# with them exports everything by default.
if(TETHER_BUILD_TESTS OR TETHER_BUILD_BENCH)
  set(_tether_hide_default OFF)
else()
  set(_tether_hide_default ON)
endif()
option(TETHER_HIDE_INTERNALS "A shared libtether exports only the public API" ${_tether_hide_default})
if(TETHER_HIDE_INTERNALS)
  include(${CMAKE_CURRENT_LIST_DIR}/TetherExports.cmake)
  file(GLOB _tether_public_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/tether/*.hpp)
  set(_tether_map ${PROJECT_BINARY_DIR}/tether.map)
  tether_write_version_script(${_tether_map} ${_tether_public_headers})
  target_link_options(tether PRIVATE "LINKER:--version-script=${_tether_map}")
  set_property(TARGET tether APPEND PROPERTY LINK_DEPENDS ${_tether_map})
endif()
