// Catch2 runner with one extra option: --case NAME runs one golden case folder
// (tests/render/CMakeLists.txt registers one CTest entry per folder that way).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <string>

std::string gGoldenCase;  // empty: every case

int main(int argc, char** argv) {
    Catch::Session session;
    using Catch::clara::Opt;
    session.cli(session.cli() | Opt(gGoldenCase, "name")["--case"]("run only this golden case folder"));
    if (const int rc = session.applyCommandLine(argc, argv)) return rc;
    return session.run();
}
