# The package test (label package). ONE fast build serves every variant: the
# consumer project pulls tether in with FetchContent (same target name as
# find_package gives), as a shared library with its CLI and install rules; that
# build is then installed (find_package, pkg-config) and packed by cpack -G DEB
# (the .deb unpacked into a scratch root). Fast flags (-O0, no debug info):
# this tests packaging, not code.
# -DKEEP_WORK=ON reuses the build of a previous run (to iterate on this file).
if(NOT KEEP_WORK)
  file(REMOVE_RECURSE ${WORK_DIR})
endif()
set(prefix ${WORK_DIR}/prefix)
set(consumer_src ${SOURCE_DIR}/tests/package/consumer)
set(fast -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS=-O0)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

function(expect text what)
  string(FIND "${text}" "${what}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected '${what}' in:\n${text}")
  endif()
endfunction()

function(expect_not text what)
  string(FIND "${text}" "${what}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "did not expect '${what}' in:\n${text}")
  endif()
endfunction()

# Builds the consumer project against a CMake prefix and runs it.
function(consume_cmake name prefix_path)
  run(${CMAKE_COMMAND} -S ${consumer_src} -B ${WORK_DIR}/${name} ${fast}
      -DCMAKE_PREFIX_PATH=${prefix_path} ${ARGN})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/${name} -j2)
  run(${WORK_DIR}/${name}/consumer)
  expect("${run_output}" "tether 0.2")
endfunction()

# 1. FetchContent: the library (shared), the CLI and the consumer in one
#    build; the consumer runs; then tether's install rules install it.
set(lib ${WORK_DIR}/fetched)
run(${CMAKE_COMMAND} -S ${consumer_src} -B ${lib} ${fast} -DTETHER_SOURCE_DIR=${SOURCE_DIR}
    -DBUILD_SHARED_LIBS=ON -DTETHER_BUILD_CLI=ON -DTETHER_INSTALL=ON -DCMAKE_INSTALL_PREFIX=/usr)
run(${CMAKE_COMMAND} --build ${lib} -j2)
run(${lib}/consumer)
expect("${run_output}" "tether 0.2")
run(${CMAKE_COMMAND} --install ${lib} --prefix ${prefix})
file(GLOB_RECURSE so ${prefix}/*/libtether.so)
list(LENGTH so n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one installed libtether.so, found: ${so}")
endif()
get_filename_component(libdir ${so} DIRECTORY)
foreach(file pkgconfig/tether.pc cmake/tether/tetherConfig.cmake cmake/tether/tetherConfigVersion.cmake)
  if(NOT EXISTS ${libdir}/${file})
    message(FATAL_ERROR "not installed: ${libdir}/${file}")
  endif()
endforeach()
if(NOT EXISTS ${prefix}/include/tether/version.hpp OR NOT EXISTS ${prefix}/bin/tether)
  message(FATAL_ERROR "headers or the CLI not installed under ${prefix}")
endif()

# 2. SONAME 0.x: major.minor. Exports: the public API, not the internals.
run(objdump -p ${so})
expect("${run_output}" "SONAME               libtether.so.0.2")
run(nm -DC --defined-only ${so})
set(exports "${run_output}")
expect("${exports}" "tether::Client::get(")
expect("${exports}" "tether::version()")
expect("${exports}" "typeinfo for tether::Error")
expect("${exports}" "tether::detail::throw_future_misuse(")  # called by future.hpp
expect_not("${exports}" " tether::detail::ThreadPool::")
expect_not("${exports}" " tether::detail::TimerService::")
expect_not("${exports}" " tether::detail::RequestQueue::")
string(REGEX MATCHALL "\n[0-9a-f]+ [A-Za-z] [^\n]*" lines "\n${exports}")
foreach(line IN LISTS lines)
  if(NOT line MATCHES " [A-Za-z] (tether::|typeinfo for tether::|typeinfo name for tether::|vtable for tether::|guard variable for tether::|non-virtual thunk to tether::|virtual thunk to tether::|VTT for tether::|TETHER|_init|_fini)")
    message(FATAL_ERROR "exported outside tether::${line}")
  endif()
endforeach()

# 3. find_package(tether 0.2 CONFIG REQUIRED); 0.3 is refused (0.x: minors break).
consume_cmake(found ${prefix})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${consumer_src} -B ${WORK_DIR}/found03
    -DCMAKE_PREFIX_PATH=${prefix} -DTETHER_REQUIRED_VERSION=0.3
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
  message(FATAL_ERROR "find_package(tether 0.3) accepted version 0.2")
endif()

# 4. pkg-config, by hand as a Makefile would.
set(ENV{PKG_CONFIG_PATH} ${libdir}/pkgconfig)
run(pkg-config --modversion tether)
expect("${run_output}" "0.2.0")
run(pkg-config --cflags --libs tether)
separate_arguments(pc_flags UNIX_COMMAND "${run_output}")
find_program(CXX NAMES c++ g++ REQUIRED)
run(${CXX} -std=c++20 -O0 -Wall -Wextra -Werror ${consumer_src}/main.cpp ${pc_flags}
    -Wl,-rpath,${libdir} -o ${WORK_DIR}/pc_consumer)
run(${WORK_DIR}/pc_consumer)
expect("${run_output}" "tether 0.2")

# 5. The .deb from the same build: its fields, then unpacked into a scratch root.
run(${CMAKE_COMMAND} -E chdir ${lib} cpack -G DEB)
file(GLOB deb ${lib}/tether_0.2.0_*.deb)
list(LENGTH deb n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one tether_0.2.0_<arch>.deb in ${lib}, found: ${deb}")
endif()
run(dpkg-deb -f ${deb} Package Version Depends)
foreach(field "Package: tether" "Version: 0.2.0" "libcurl4 (>= 7.87)" "libcurl4-openssl-dev"
    "nlohmann-json3-dev")
  expect("${run_output}" "${field}")
endforeach()
set(root ${WORK_DIR}/root)
run(dpkg-deb -x ${deb} ${root})
run(dpkg-deb -c ${deb})
expect("${run_output}" "./usr/bin/tether")
expect("${run_output}" "./usr/include/tether/tether.hpp")
consume_cmake(from_deb ${root}/usr)
file(GLOB_RECURSE deb_so ${root}/*/libtether.so)
get_filename_component(deb_libdir "${deb_so}" DIRECTORY)
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${deb_libdir} ${root}/usr/bin/tether --version)
expect("${run_output}" "0.2.0")

message(STATUS "FetchContent, installed (find_package, pkg-config) and .deb consumers built and ran")
