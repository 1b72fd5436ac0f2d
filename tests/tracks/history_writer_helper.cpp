// Test helper for the history store's crash-safety and write-error tests: writes batches
// of positions into a history (a folder or PG:...) through HistoryStore, one transaction
// each, and prints "committed N" (rows so far) after each flush. history_test.cpp
// kills it with SIGKILL mid-write and reopens the file.
//
//   history_writer_helper TARGET BATCH_ROWS [--batches N] [--fsize BYTES]
//   history_writer_helper --read TARGET   (loads everything into a track store, prints counts and ms)
//   --batches N   stop after N batches (default: forever) and print a JSON summary
//   --fsize BYTES limit the size of files this process may write (RLIMIT_FSIZE), so the
//                 disk looks full: writes fail with EFBIG, which SQLite reports as full
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/tracks/history.hpp"

using namespace sandtable;

int main(int argc, char** argv) {
    if (argc == 3 && !std::strcmp(argv[1], "--read")) {
        HistoryOptions o;
        o.target = argv[2];
        o.readOnly = true;
        HistoryStore store(o);
        TrackStore tracks;
        const HistoryLoad ld = store.load(kTimeMin, kTimeMax, tracks);
        std::printf(
            "{\"rows\": %llu, \"stored\": %llu, \"bad\": %llu, \"officers\": %zu, \"ms\": %.1f, \"error\": \"%s\"}\n",
            static_cast<unsigned long long>(ld.rows), static_cast<unsigned long long>(ld.stored),
            static_cast<unsigned long long>(ld.bad), tracks.slots(), ld.ms, ld.error.c_str());
        return ld.error.empty() ? 0 : 1;
    }
    if (argc < 3) {
        std::fprintf(stderr, "usage: history_writer_helper TARGET BATCH_ROWS [--batches N] [--fsize BYTES]\n");
        return 2;
    }
    const std::string target = argv[1];
    const size_t batch = std::strtoull(argv[2], nullptr, 10);
    long long batches = -1;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--batches")) batches = std::atoll(argv[i + 1]);
        if (!std::strcmp(argv[i], "--fsize")) {
            std::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead of killing us
            rlimit rl{};
            rl.rlim_cur = rl.rlim_max = static_cast<rlim_t>(std::atoll(argv[i + 1]));
            setrlimit(RLIMIT_FSIZE, &rl);
        }
    }
    HistoryOptions o;
    o.target = target;
    o.batchRows = batch;
    o.retentionDays = 0;
    o.retryMs = 20;
    HistoryStore store(o);
    const TimeMs t0 = 1732060800000;  // 2024-11-20T08:00:00+08:00
    uint64_t n = 0, committed = 0;
    for (long long b = 0; batches < 0 || b < batches; ++b) {
        std::vector<HistoryRecord> rows(batch);
        for (auto& r : rows) {
            r.officer = "PT-" + std::to_string(n % 200);
            r.squad = static_cast<uint8_t>(n % 10);
            r.fix.t = t0 + static_cast<TimeMs>(n / 200) * 10000;
            r.fix.lon = 121.35 + static_cast<double>(n % 200) * 5e-4;
            r.fix.lat = 31.22 + static_cast<double>(n % 97) * 5e-4;
            r.fix.speed = 1.25f;
            ++n;
        }
        store.append(std::move(rows), true);
        if (store.flush()) committed = store.stats().written;
        std::printf("committed %llu\n", static_cast<unsigned long long>(committed));
        std::fflush(stdout);
    }
    store.flush();
    const HistoryStats s = store.stats();
    std::printf("{\"written\": %llu, \"write_errors\": %llu, \"dropped\": %llu, \"pending\": %zu}\n",
                static_cast<unsigned long long>(s.written), static_cast<unsigned long long>(s.writeErrors),
                static_cast<unsigned long long>(s.droppedRows), s.pending);
    return 0;
}
