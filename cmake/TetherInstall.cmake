# cmake --install: headers, the library, the CMake package (tetherConfig.cmake
# and its version file), tether.pc; and the CPack settings (cpack -G DEB).
# The CLI installs itself (cli/CMakeLists.txt).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_target_property(_tether_type tether TYPE)
if(_tether_type STREQUAL "STATIC_LIBRARY")
  set(TETHER_STATIC ON)  # tetherConfig.cmake.in and tether.pc.in read it
else()
  set(TETHER_STATIC OFF)
endif()

install(TARGETS tether EXPORT tetherTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/tether DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(TETHER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tether)
install(EXPORT tetherTargets NAMESPACE tether:: DESTINATION ${TETHER_CMAKE_DIR})
configure_package_config_file(cmake/tetherConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tetherConfig.cmake INSTALL_DESTINATION ${TETHER_CMAKE_DIR})
# 0.x: a minor release may break the API, so 0.2 accepts 0.2.* only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tetherConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tetherConfig.cmake ${PROJECT_BINARY_DIR}/tetherConfigVersion.cmake
  DESTINATION ${TETHER_CMAKE_DIR})

# tether.pc finds its prefix from its own place (${pcfiledir}), so the same
# file serves /usr, a --prefix and a .deb unpacked into a scratch root.
set(_tether_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH TETHER_PC_TO_PREFIX /${_tether_pc_dir} /)
string(REGEX REPLACE "/$" "" TETHER_PC_TO_PREFIX "${TETHER_PC_TO_PREFIX}")
# A static libtether needs curl at link time: listed in Requires (not
# Requires.private), so a plain `pkg-config --libs tether` links it.
if(TETHER_STATIC)
  set(TETHER_PC_REQUIRES_CURL ", libcurl >= 7.87")
else()
  set(TETHER_PC_REQUIRES_CURL "")
endif()
configure_file(cmake/tether.pc.in ${PROJECT_BINARY_DIR}/tether.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tether.pc DESTINATION ${_tether_pc_dir})

include(${CMAKE_CURRENT_LIST_DIR}/TetherPackaging.cmake)
