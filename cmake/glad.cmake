# Generates the glad GL 4.5 core loader into the build tree at configure time with
# Debian's `glad` (python3-glad). Nothing third-party is copied into the repository.
find_program(GLAD_EXECUTABLE glad PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
set(GLAD_OUT ${CMAKE_BINARY_DIR}/glad)
set(GLAD_STAMP ${GLAD_OUT}/.stamp-gl45-core)
if(NOT EXISTS ${GLAD_STAMP})
  message(STATUS "Generating glad GL 4.5 core loader into ${GLAD_OUT}")
  execute_process(
    COMMAND ${GLAD_EXECUTABLE} --quiet --reproducible --api gl:core=4.5 --out-path ${GLAD_OUT} c --loader
    RESULT_VARIABLE glad_rc OUTPUT_VARIABLE glad_out ERROR_VARIABLE glad_err)
  if(NOT glad_rc EQUAL 0)
    message(FATAL_ERROR "glad generation failed (${glad_rc}): ${glad_err}")
  endif()
  file(WRITE ${GLAD_STAMP} "ok\n")
endif()
add_library(glad_gl STATIC ${GLAD_OUT}/src/gl.c)
target_include_directories(glad_gl SYSTEM PUBLIC ${GLAD_OUT}/include)
set_target_properties(glad_gl PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_link_libraries(glad_gl PUBLIC ${CMAKE_DL_LIBS})
