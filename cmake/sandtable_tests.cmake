# Test registration shared by every test folder.
include(Catch)

# Registers every Catch2 case of TARGET as one CTest test named PREFIX + case name.
#  - Each runs with "--warn NoTests": a CTest entry whose filter matches no case fails
#    (a case name holding ';' is split by CMake into entries that match nothing).
#  - Exit status 77 is "skipped" (tests/support/skip.hpp: no GL context, no broker), so
#    the CTest summary counts skips instead of reporting them as passed.
#  - PROCESSORS N (default 1): the cores one case keeps busy. scripts/test.sh runs
#    `ctest -j4` on two cores because most app tests wait (on windows, processes, a tour's
#    dwell); a suite whose cases compute on every core says 2 and takes two slots.
function(sandtable_catch_tests target)
  cmake_parse_arguments(A "" "PREFIX;LABEL;PROCESSORS" "" ${ARGN})
  if(NOT A_PROCESSORS)
    set(A_PROCESSORS 1)
  endif()
  catch_discover_tests(${target}
    TEST_PREFIX "${A_PREFIX}"
    EXTRA_ARGS --warn NoTests
    PROPERTIES SKIP_RETURN_CODE 77 LABELS "${A_LABEL}" PROCESSORS ${A_PROCESSORS})
endfunction()

# An end-to-end script test: exit 0 passes, 77 is skipped, anything else fails.
function(sandtable_script_test name)
  cmake_parse_arguments(A "" "LABEL;TIMEOUT" "COMMAND" ${ARGN})
  add_test(NAME "${name}" COMMAND ${A_COMMAND})
  set(props SKIP_RETURN_CODE 77 LABELS "${A_LABEL}")
  if(A_TIMEOUT)
    list(APPEND props TIMEOUT ${A_TIMEOUT})
  endif()
  set_tests_properties("${name}" PROPERTIES ${props})
endfunction()
