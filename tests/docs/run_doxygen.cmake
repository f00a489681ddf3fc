# Runs doxygen with docs/Doxyfile over INPUT, writing into WORK_DIR, and checks
# the outcome. EXPECT=clean: success with no warning. EXPECT=fixture (for
# fixtures/undocumented.hpp): failure whose only warning names
# tether_fixture_undocumented.
if(NOT DOXYGEN OR NOT EXISTS "${DOXYGEN}")
  message(FATAL_ERROR "doxygen not found: install it with scripts/setup (Debian package doxygen)")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
# The real Doxyfile, with only the input and the output moved.
file(WRITE "${WORK_DIR}/Doxyfile"
  "@INCLUDE = \"${SOURCE_DIR}/docs/Doxyfile\"\n"
  "INPUT = \"${INPUT}\"\n"
  "OUTPUT_DIRECTORY = \"${WORK_DIR}/out\"\n")
execute_process(COMMAND "${DOXYGEN}" "${WORK_DIR}/Doxyfile"
  WORKING_DIRECTORY "${SOURCE_DIR}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "doxygen exited with ${rc}\n${err}")

# Doxygen's messages, one per line ("file:line: text"): warnings and errors.
string(REGEX MATCHALL "[^\n]*:[0-9]+: [^\n]*" messages "${err}")
list(LENGTH messages count)

if(EXPECT STREQUAL "clean")
  if(NOT rc EQUAL 0 OR count GREATER 0)
    message(FATAL_ERROR "make docs must build the reference without warnings; "
      "document every public name (${count} messages above)")
  endif()
  if(NOT EXISTS "${WORK_DIR}/out/html/index.html")
    message(FATAL_ERROR "no html/index.html was written")
  endif()
elseif(EXPECT STREQUAL "fixture")
  if(rc EQUAL 0)
    message(FATAL_ERROR "doxygen succeeded on a header with an undocumented function")
  endif()
  if(NOT count EQUAL 1 OR NOT err MATCHES "undocumented\\.hpp:[0-9]+: [^\n]*tether_fixture_undocumented")
    message(FATAL_ERROR "expected exactly one message, naming tether_fixture_undocumented "
      "in undocumented.hpp (tether::detail is not public); got ${count}")
  endif()
else()
  message(FATAL_ERROR "EXPECT must be clean or fixture, not '${EXPECT}'")
endif()
