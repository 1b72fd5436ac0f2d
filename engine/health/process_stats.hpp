#pragma once
// This process as the kernel sees it (Linux /proc/self), read when a scrape asks: resident
// and virtual memory and where the resident part is, what malloc and SQLite hold, open
// file descriptors, the start time.
#include <cstdint>

namespace sandtable::health {

struct ProcessStats {
    double residentBytes = 0;  // /proc/self/statm: resident pages x page size
    double virtualBytes = 0;   // /proc/self/statm: total program size
    // The resident part by kind (/proc/self/status): anonymous (the heap, stacks), mapped
    // files, shared memory (SQLite's WAL index).
    double residentAnonBytes = 0, residentFileBytes = 0, residentShmemBytes = 0;
    // malloc's books (glibc mallinfo2, every arena): bytes handed out, and bytes freed but
    // kept in its arenas (counted even where a trim gave their pages back). A leak grows
    // the first; the second is what a busy moment leaves behind. -1 where malloc is not
    // glibc's (a sanitizer's or another allocator: mallinfo2 then says nothing).
    double heapInUseBytes = -1, heapFreeBytes = -1;
    // SQLite's own heap (sqlite3_memory_used of the libsqlite3 GDAL loaded; its page
    // caches, the history's bounded by PRAGMA cache_size); -1 where SQLite is not loaded.
    double sqliteHeapBytes = -1;
    double openFds = 0;           // entries of /proc/self/fd
    double startTimeSeconds = 0;  // Unix time the process started (/proc/self/stat + boot time)
};

// Fields that cannot be read are left 0 (the heap's and SQLite's: -1).
ProcessStats readProcessStats();

// Gives the heap's free pages back to the OS (glibc's malloc_trim(0), every arena); does
// nothing where the C library has no such call.
void releaseFreeHeap();

}  // namespace sandtable::health
