#pragma once
// A test that cannot run here (no GL context, no broker) is reported to CTest as skipped:
// it prints the reason and exits with status 77, which every registered test maps to
// "Skipped" (SKIP_RETURN_CODE, cmake/sandtable_tests.cmake). Where the environment says
// the thing must exist (scripts/test.sh sets SANDTABLE_REQUIRE_GL=1 and
// SANDTABLE_REQUIRE_TOOLS=1, since its setup installs Mesa, mosquitto and the rest), the
// skip becomes a failure instead.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace sandtable::test {

constexpr int kSkipExitCode = 77;

inline bool required(const char* envVar) {
    const char* v = std::getenv(envVar);
    return v && std::string(v) == "1";
}

// Never returns when the test is skipped; FAILs (and returns) when it is required.
inline void skipOrFail(const std::string& why, const char* requireVar) {
    if (required(requireVar)) {
        FAIL(why << " (" << requireVar << "=1: required here)");
        return;
    }
    std::cout << "SKIPPED: " << why << std::endl;
    std::fflush(stdout);
    std::_Exit(kSkipExitCode);
}

}  // namespace sandtable::test
