# The module walls, enforced by the build (issue: engine <- layers <- apps; the bench
# beside the apps; GL kept out of the feed and the analysis).
#
# 1. Includes (script mode, run by the sandtable_module_walls target on every build whose
#    sources changed): a file may not include what its folder must not depend on.
# 2. Links (configure time, sandtable_check_links below): no app links the bench.
if(CMAKE_SCRIPT_MODE_FILE)
  # folder (relative to the source root) -> include patterns it must not use
  set(rules
    "engine|\"layers/|\"bench/|\"apps/|\"tests/"
    "layers|\"bench/|\"apps/|\"tests/"
    "bench|\"apps/|\"tests/"
    "apps|\"bench/|\"tests/")
  # GL-free parts of the engine: no GL, window or UI headers, no GL-side engine modules.
  set(gl_free engine/util engine/geo engine/data engine/feed engine/sim engine/analysis engine/tracks engine/indicators
      engine/time engine/report engine/health)
  set(gl_patterns "\"engine/gl/" "\"engine/render/" "\"engine/ui/" "<glad/" "<GLFW/" "<imgui" "<EGL/" "<GL/")
  set(violations "")
  foreach(rule ${rules})
    string(REPLACE "|" ";" parts "${rule}")
    list(POP_FRONT parts folder)
    file(GLOB_RECURSE files ${SOURCE_DIR}/${folder}/*.cpp ${SOURCE_DIR}/${folder}/*.hpp)
    foreach(f ${files})
      file(STRINGS ${f} includes REGEX "^[ \t]*#[ \t]*include")
      foreach(inc ${includes})
        foreach(p ${parts})
          string(FIND "${inc}" "${p}" at)
          if(NOT at EQUAL -1)
            file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
            list(APPEND violations "${rel}: ${inc}  (${folder}/ must not depend on ${p})")
          endif()
        endforeach()
      endforeach()
    endforeach()
  endforeach()
  foreach(folder ${gl_free})
    file(GLOB_RECURSE files ${SOURCE_DIR}/${folder}/*.cpp ${SOURCE_DIR}/${folder}/*.hpp)
    foreach(f ${files})
      file(STRINGS ${f} includes REGEX "^[ \t]*#[ \t]*include")
      foreach(inc ${includes})
        foreach(p ${gl_patterns})
          string(FIND "${inc}" "${p}" at)
          if(NOT at EQUAL -1)
            file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
            list(APPEND violations "${rel}: ${inc}  (${folder}/ is GL-free)")
          endif()
        endforeach()
      endforeach()
    endforeach()
  endforeach()
  if(violations)
    list(JOIN violations "\n  " text)
    message(FATAL_ERROR "module walls broken:\n  ${text}")
  endif()
  file(WRITE ${STAMP} "ok\n")
  return()
endif()

# Configure time: fails when TARGET reaches FORBIDDEN through its link libraries.
function(sandtable_check_links target forbidden)
  set(seen "")
  set(todo ${target})
  while(todo)
    list(POP_FRONT todo t)
    if(t IN_LIST seen OR NOT TARGET ${t})
      continue()
    endif()
    list(APPEND seen ${t})
    if(t STREQUAL forbidden)
      message(FATAL_ERROR "module walls: ${target} links ${forbidden} (apps must not link the bench)")
    endif()
    get_target_property(libs ${t} LINK_LIBRARIES)
    get_target_property(ilibs ${t} INTERFACE_LINK_LIBRARIES)
    foreach(l ${libs} ${ilibs})
      if(l AND NOT l MATCHES "NOTFOUND$" AND NOT l MATCHES "^\\$<")
        list(APPEND todo ${l})
      endif()
    endforeach()
  endwhile()
endfunction()

file(GLOB_RECURSE SANDTABLE_WALL_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/engine/*.cpp ${CMAKE_SOURCE_DIR}/engine/*.hpp ${CMAKE_SOURCE_DIR}/layers/*.cpp ${CMAKE_SOURCE_DIR}/layers/*.hpp
  ${CMAKE_SOURCE_DIR}/bench/*.cpp ${CMAKE_SOURCE_DIR}/bench/*.hpp ${CMAKE_SOURCE_DIR}/apps/*.cpp ${CMAKE_SOURCE_DIR}/apps/*.hpp)
set(SANDTABLE_WALL_STAMP ${CMAKE_BINARY_DIR}/generated/module_walls.ok)
add_custom_command(OUTPUT ${SANDTABLE_WALL_STAMP}
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DSTAMP=${SANDTABLE_WALL_STAMP}
          -P ${CMAKE_SOURCE_DIR}/cmake/module_walls.cmake
  DEPENDS ${SANDTABLE_WALL_SOURCES} ${CMAKE_SOURCE_DIR}/cmake/module_walls.cmake
  COMMENT "Checking module walls" VERBATIM)
add_custom_target(sandtable_module_walls ALL DEPENDS ${SANDTABLE_WALL_STAMP})
