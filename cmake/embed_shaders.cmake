# Embeds every shader in shaders/ into a generated C++ source at build time, so the
# binaries need no files at run time. Editing a shader re-runs the step.
file(GLOB SANDTABLE_SHADER_FILES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/shaders/*.vert ${CMAKE_SOURCE_DIR}/shaders/*.frag
  ${CMAKE_SOURCE_DIR}/shaders/*.comp ${CMAKE_SOURCE_DIR}/shaders/*.glsl)
set(SANDTABLE_SHADERS_CPP ${CMAKE_BINARY_DIR}/generated/shaders_embedded.cpp)
add_custom_command(
  OUTPUT ${SANDTABLE_SHADERS_CPP}
  COMMAND ${CMAKE_COMMAND} -DOUT=${SANDTABLE_SHADERS_CPP} -DSHADER_DIR=${CMAKE_SOURCE_DIR}/shaders
          -P ${CMAKE_SOURCE_DIR}/cmake/embed_shaders_run.cmake
  DEPENDS ${SANDTABLE_SHADER_FILES} ${CMAKE_SOURCE_DIR}/cmake/embed_shaders_run.cmake
  COMMENT "Embedding shaders")
