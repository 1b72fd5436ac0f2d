// Catch2 v2 (Debian 12's catch2 package) needs one translation unit with the runner.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
