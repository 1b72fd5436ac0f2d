#pragma once
// Shared by GL tests: one headless context per test binary. Where none can be made the
// test is skipped visibly (a WARN naming the reason), never silently passed.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "engine/gl/context.hpp"
#include "engine/gl/gl.hpp"

namespace sandtable::test {

inline HeadlessContext* glContext() {
    static std::string why;
    static std::unique_ptr<HeadlessContext> ctx = tryCreateHeadless(&why);
    if (!ctx) WARN("SKIPPED: no OpenGL 4.5 context can be made here: " << why);
    return ctx.get();
}

}  // namespace sandtable::test

#define ST_REQUIRE_GL() \
    if (!::sandtable::test::glContext()) return
