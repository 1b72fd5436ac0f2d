// Fuzz target: the history import (engine/tracks/importer.*, sandtable-import): the same
// bytes read as an NDJSON file (the feed protocol) and as a CSV file (OGR's CSV driver,
// columns officer, squad, t, lon, lat, ...), validated and counted without a history
// store (checkPositions). Unreadable input is an error in ImportResult::errors, a bad
// row a counted rejection; nothing may crash or throw.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <numeric>

#include "engine/tracks/importer.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace sandtable;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::initGdal();
    const fuzz::MemFile ndjson("/vsimem/fuzz_import/in.jsonl", fuzz::asText(data, size));
    const fuzz::MemFile csv("/vsimem/fuzz_import/in.csv", fuzz::asText(data, size));
    ImportOptions o;
    o.now = 1732089600000;  // 2024-11-20T16:00:00+08:00
    o.blockRows = 8;
    o.feed.maxOfficers = 64;
    try {
        const ImportResult r = checkPositions({ndjson.path(), csv.path()}, o);
        const FeedCounters& c = r.counters;
        const uint64_t byReason = std::accumulate(c.rejectedBy.begin(), c.rejectedBy.end(), uint64_t{0});
        if (byReason != c.rejected) fuzz::bug("rejections by reason do not add up");
        if (r.positions > c.accepted) fuzz::bug("more positions than accepted rows");
        if (r.written != 0) fuzz::bug("a dry run wrote rows");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: checkPositions threw %s\n", e.what());
        fuzz::bug("the import threw");
    }
    return 0;
}
