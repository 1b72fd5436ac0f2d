#include "engine/health/process_stats.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sandtable::health {

namespace {

// Unix time the machine booted: "btime" of /proc/stat.
double bootTimeSeconds() {
    std::ifstream in("/proc/stat");
    std::string key;
    while (in >> key) {
        if (key == "btime") {
            double t = 0;
            in >> t;
            return t;
        }
        std::getline(in, key);
    }
    return 0;
}

// Field 22 of /proc/self/stat: the start time in clock ticks after boot. The command
// name (field 2) is in parentheses and may hold spaces: count from the last ')'.
double startTicks() {
    std::ifstream in("/proc/self/stat");
    std::string line;
    if (!std::getline(in, line)) return 0;
    const auto close = line.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(line.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22; ++i)
        if (!(rest >> field)) return 0;
    return std::strtod(field.c_str(), nullptr);
}

}  // namespace

ProcessStats readProcessStats() {
    ProcessStats s;
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        unsigned long long size = 0, resident = 0;
        if (std::fscanf(f, "%llu %llu", &size, &resident) == 2) {
            s.virtualBytes = static_cast<double>(size) * page;
            s.residentBytes = static_cast<double>(resident) * page;
        }
        std::fclose(f);
    }
    std::error_code ec;
    size_t fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ++fds;
    if (fds > 0) s.openFds = static_cast<double>(fds - 1);  // less the one reading the folder
    // The start time does not change: read once.
    static const double start = [] {
        const double ticks = startTicks(), boot = bootTimeSeconds(), hz = static_cast<double>(sysconf(_SC_CLK_TCK));
        return ticks > 0 && boot > 0 && hz > 0 ? boot + ticks / hz : 0.0;
    }();
    s.startTimeSeconds = start;
    return s;
}

}  // namespace sandtable::health
