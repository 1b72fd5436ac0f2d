// The one Catch2 runner every suite links (sandtable_catch_main, tests/CMakeLists.txt):
// Catch2 v2's single header (Debian 12's catch2 package) takes ~40 s to compile with its
// runner, so it is compiled once, not once per test binary. tests/render has its own
// runner (its --case option).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
