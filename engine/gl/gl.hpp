#pragma once
// The one include for GL in the engine (glad's GL 4.5 core loader, generated at build time).
#include <glad/gl.h>

#include <string>

namespace sandtable::gl {

// Checks glGetError and reports every pending error with the call site. Active when
// SANDTABLE_GL_CHECKS is defined (debug builds, GL tests); otherwise compiled out.
bool checkErrors(const char* what, const char* file, int line);
// Number of GL errors seen by checkErrors since start (GL tests assert it stays 0).
size_t errorCount();

}  // namespace sandtable::gl

#ifdef SANDTABLE_GL_CHECKS
#define ST_GL_CHECK(what) ::sandtable::gl::checkErrors(what, __FILE__, __LINE__)
#else
#define ST_GL_CHECK(what) ((void)0)
#endif
