#pragma once
// Helpers shared by the track tests: the feed tests' temp dirs and position lines.
#include "tests/feed/test_support.hpp"

namespace tracktest {
using feedtest::kT0;
using feedtest::posLine;
using feedtest::TempDir;
}  // namespace tracktest
