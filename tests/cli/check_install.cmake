# cmake --install puts the tool in <prefix>/bin as `tether`, and it runs.
# -DBUILD_DIR=… -DWORK_DIR=… -DVERSION=…
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
set(exe ${WORK_DIR}/bin/tether)
if(NOT EXISTS ${exe})
  message(FATAL_ERROR "cmake --install did not install ${exe}")
endif()
execute_process(COMMAND ${exe} --version RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "tether ${VERSION}\n")
  message(FATAL_ERROR "installed tether --version: rc ${rc}, output '${out}'")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
