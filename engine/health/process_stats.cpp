#include "engine/health/process_stats.hpp"

#include <dlfcn.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// The "Key:  N kB" lines of /proc/self/status asked for, in bytes, in one read.
void readStatus(ProcessStats& s) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const struct {
        const char* key;
        double ProcessStats::*field;
    } wanted[] = {{"RssAnon:", &ProcessStats::residentAnonBytes},
                  {"RssFile:", &ProcessStats::residentFileBytes},
                  {"RssShmem:", &ProcessStats::residentShmemBytes}};
    while (std::getline(in, line))
        for (const auto& w : wanted)
            if (line.rfind(w.key, 0) == 0)
                s.*w.field = std::strtod(line.c_str() + std::strlen(w.key), nullptr) * 1024.0;
}

}  // namespace

void releaseFreeHeap() {
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
}

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
    readStatus(s);
#if defined(__GLIBC__)
    const struct mallinfo2 mi = ::mallinfo2();
    if (mi.arena + mi.hblkhd > 0) {  // glibc's malloc: it has at least its main arena
        s.heapInUseBytes = static_cast<double>(mi.uordblks + mi.hblkhd);
        s.heapFreeBytes = static_cast<double>(mi.fordblks);
    }
#endif
    using MemoryUsed = long long (*)();
    static const auto sqliteUsed = reinterpret_cast<MemoryUsed>(::dlsym(RTLD_DEFAULT, "sqlite3_memory_used"));
    if (sqliteUsed) s.sqliteHeapBytes = static_cast<double>(sqliteUsed());
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
