#pragma once
// Shared by GL tests: one headless context per test binary. Where none can be made the
// test is skipped (CTest shows it as skipped, naming the reason), or fails where
// SANDTABLE_REQUIRE_GL=1 says a context must be possible (CI).
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "engine/gl/context.hpp"
#include "engine/gl/gl.hpp"
#include "tests/support/skip.hpp"

namespace sandtable::test {

inline HeadlessContext* glContext() {
    static std::string why;
    static std::unique_ptr<HeadlessContext> ctx = tryCreateHeadless(&why);
    if (!ctx) skipOrFail("no OpenGL 4.5 context can be made here: " + why, "SANDTABLE_REQUIRE_GL");
    return ctx.get();
}

}  // namespace sandtable::test

#define ST_REQUIRE_GL() \
    if (!::sandtable::test::glContext()) return
