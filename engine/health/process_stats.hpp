#pragma once
// This process as the kernel sees it (Linux /proc/self), read when a scrape asks: resident
// and virtual memory, open file descriptors, the start time.
#include <cstdint>

namespace sandtable::health {

struct ProcessStats {
    double residentBytes = 0;     // /proc/self/statm: resident pages x page size
    double virtualBytes = 0;      // /proc/self/statm: total program size
    double openFds = 0;           // entries of /proc/self/fd
    double startTimeSeconds = 0;  // Unix time the process started (/proc/self/stat + boot time)
};

// Fields that cannot be read are left 0.
ProcessStats readProcessStats();

}  // namespace sandtable::health
