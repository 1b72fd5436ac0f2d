#pragma once
// Loads recorded positions into the history store (sandtable-import, docs/history.md):
// NDJSON in the feed protocol, or CSV (columns officer, squad, t, lon, lat and optionally
// crs, status, speed, heading, acc) read through OGR's CSV driver. Every row goes through
// the feed's own validation (FeedParser::validate and FeedState), so a bad row is skipped
// and counted under the same reason a live line would get. Files are opened through
// GDAL's virtual file layer: a path may be /vsimem/..., /vsigzip/... as well as a file.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/feed/feed_state.hpp"
#include "engine/tracks/history.hpp"

namespace sandtable {

struct ImportProgress {
    uint64_t done = 0, total = 0;  // bytes (NDJSON) or rows (CSV) over all files so far
    uint64_t rows = 0;             // lines/rows seen
    double seconds = 0;
    std::string file;
};

struct ImportOptions {
    FeedConfig feed;           // validation: area, squads, limits (the feed's defaults)
    std::string format;        // "ndjson", "csv", or empty: by extension (.csv -> csv; else ndjson)
    TimeMs now = 0;            // reference for future_time (0: the wall clock)
    size_t blockRows = 20000;  // rows handed to the history writer at a time
    std::function<void(const ImportProgress&)> progress;  // called about ten times a second
};

struct ImportResult {
    FeedCounters counters;  // lines, accepted, rejected by reason, late, duplicates...
    std::array<std::vector<RejectSample>, kRejectReasonCount> samples;  // newest few per reason (file, line)
    uint64_t positions = 0;                                             // accepted positions (handed to the history)
    uint64_t other = 0;               // valid check-ins and incidents: not positions, not imported
    uint64_t written = 0;             // rows the history committed during the import
    std::vector<std::string> errors;  // files that could not be read (name and reason)
    HistoryStats history;
    double seconds = 0;
    double rowsPerSecond = 0;  // lines/rows read per second, end to end (written and committed)
    bool ok() const { return errors.empty() && history.writeErrors == 0 && history.droppedRows == 0; }
};

// Imports the files in order into `history` (waiting for the writer: nothing is dropped
// for speed) and flushes it. Never throws for bad rows or unreadable files: see
// ImportResult::errors.
ImportResult importPositions(const std::vector<std::string>& files, HistoryStore& history,
                             const ImportOptions& options = {});

// The same reading and validation without a history store: every row is checked and
// counted, nothing is written (a dry run; the history import's fuzzer, tests/fuzz).
ImportResult checkPositions(const std::vector<std::string>& files, const ImportOptions& options = {});

// The format a file is read as: "csv" or "ndjson".
std::string importFormatOf(const std::string& path, const std::string& format);

}  // namespace sandtable
