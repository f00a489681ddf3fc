# cpack -G DEB: one package, tether_<version>_<arch>.deb, with the library,
# the headers, the CMake package, tether.pc and the CLI, installed under /usr.
# Its Depends are written out (not computed by dpkg-shlibdeps) so that they
# also name what the headers and a static libtether need at build time.
set(CPACK_PACKAGE_NAME tether)
set(CPACK_PACKAGE_VENDOR "Tether contributors")
set(CPACK_PACKAGE_CONTACT "Tether contributors <tether@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "HTTP client for C++20 built around cancellation")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "Tether is an HTTP client library for C++20 on libcurl whose core is\n cancellation (AbortController, timeouts, scopes), with the tether command-line\n tool.")
# libcurl4-openssl-dev pulls libcurl4 of its own version (7.87 or later:
# CURLOPT_QUICK_EXIT), nlohmann-json3-dev is what the public headers include.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libc6 (>= 2.34), libstdc++6 (>= 12), libgcc-s1, libcurl4 (>= 7.87), libcurl4-openssl-dev (>= 7.87), nlohmann-json3-dev (>= 3.10)")
include(CPack)
