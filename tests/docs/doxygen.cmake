# `make docs` runs Doxygen with docs/Doxyfile, which turns every warning (an
# undocumented public name above all) into a failure. Two tests keep that true:
# docs.reference.fails_on_undocumented runs docs/Doxyfile over a fixture with
# one undocumented function and expects a failure naming it (and nothing else:
# tether::detail is not public); docs.reference.builds runs it over the real
# headers and expects no warning. Both need doxygen (scripts/setup installs it);
# without it they fail saying so.
find_program(TETHER_DOXYGEN doxygen)

function(tether_doxygen_test name input expect)
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND}
      -DDOXYGEN=${TETHER_DOXYGEN}
      -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
      -DINPUT=${input}
      -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/reference/${name}
      -DEXPECT=${expect}
      -P ${CMAKE_CURRENT_SOURCE_DIR}/run_doxygen.cmake)
  set_tests_properties(${name} PROPERTIES LABELS docs TIMEOUT 120)
endfunction()

tether_doxygen_test(docs.reference.fails_on_undocumented
  ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/undocumented.hpp fixture)
tether_doxygen_test(docs.reference.builds ${PROJECT_SOURCE_DIR}/include/tether clean)
