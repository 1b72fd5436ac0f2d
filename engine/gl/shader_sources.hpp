#pragma once
// Shader sources embedded at build time from shaders/ (cmake/embed_shaders.cmake).
#include <vector>

namespace sandtable::gl {
struct EmbeddedShader {
    const char* name;    // file name in shaders/, e.g. "polygon.vert"
    const char* source;  // full text
};
const std::vector<EmbeddedShader>& embeddedShaders();
}  // namespace sandtable::gl
