#include "engine/util/cli.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace sandtable::cli {

int parseInt(const std::string& flag, const std::string& value, int lo, int hi) {
    char* end = nullptr;
    const long n = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || !end || *end || n < lo || n > hi)
        throw std::runtime_error(flag + " '" + value + "': expected an integer in " + std::to_string(lo) + ".." +
                                 std::to_string(hi));
    return static_cast<int>(n);
}

double parseDouble(const std::string& flag, const std::string& value, double lo, double hi) {
    char* end = nullptr;
    const double d = std::strtod(value.c_str(), &end);
    if (value.empty() || !end || *end || !std::isfinite(d) || d < lo || d > hi) {
        std::ostringstream os;
        os << flag << " '" << value << "': expected a number in " << lo << ".." << hi;
        throw std::runtime_error(os.str());
    }
    return d;
}

}  // namespace sandtable::cli
