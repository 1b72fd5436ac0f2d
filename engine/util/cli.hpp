#pragma once
// Command-line value parsing shared by the apps: a bad value names its flag and the
// accepted range ("--width 'abc': expected an integer in 16..16384").
#include <string>

namespace sandtable::cli {

int parseInt(const std::string& flag, const std::string& value, int lo, int hi);
double parseDouble(const std::string& flag, const std::string& value, double lo, double hi);

}  // namespace sandtable::cli
