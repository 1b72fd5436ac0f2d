#pragma once
// Position history on disk (docs/history.md), through OGR: a GeoPackage in a state folder
// (the embedded default; opens in QGIS) or a PostGIS database ("PG:..." connection
// string; partitioned by day), one code path. Fixes are written in batches, one
// transaction each, by a background thread fed from a bounded queue; write errors are
// counted and reported, never thrown at the feed. A batch is stored as runs: one row per
// officer's run of fixes (a multipoint with M = time, at most 1024 fixes, under an hour).
// Readers open their own connection.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/tracks/track_store.hpp"

namespace sandtable {

struct HistoryOptions {
    // A folder (the GeoPackage is FOLDER/history.gpkg; created if missing), a path ending
    // in .gpkg, or "PG:<libpq connection string>".
    std::string target;
    std::vector<std::string> squads = defaultSquadIds();  // HistoryRecord::squad indexes this
    bool readOnly = false;                                // readers only (a wall node beside the writing cockpit)
    int retentionDays = 90;            // rows older than this many days are removed; 0 keeps everything
    size_t batchRows = 20000;          // a batch (one transaction) is at most this many rows
    int batchIntervalMs = 1000;        // and is written at least this often while rows wait
    size_t maxQueuedRows = 2'000'000;  // beyond it the oldest waiting rows are dropped (counted)
    int dayOffsetMinutes = 8 * 60;     // days (partitions, retention) are Shanghai days
    int retryMs = 2000;                // a failed batch is retried after this long
    // load(): time slices read in parallel; 0 = one for a GeoPackage (its Arrow stream of
    // runs reads faster than the track store files the fixes, so more only add copies:
    // docs/history.md#performance), one per core (at most 4) for PostGIS.
    unsigned readThreads = 0;
    // Where "now" comes from for retention (tests); default the wall clock.
    std::function<TimeMs()> now;
};

struct HistoryStats {
    std::string target;  // the GeoPackage path or the PG: string (without password)
    bool postgres = false;
    uint64_t queued = 0;       // rows accepted by append()
    uint64_t written = 0;      // rows committed
    uint64_t batches = 0;      // transactions committed
    uint64_t writeErrors = 0;  // failed batches (each retried), reopen failures, lost files
    uint64_t droppedRows = 0;  // rows given up: queue full, or written to a file that was deleted
    uint64_t expiredRows = 0;  // removed by retention (GeoPackage rows; PostGIS: rows of dropped partitions)
    uint64_t partitionsCreated = 0, partitionsDropped = 0;
    // Short runs of closed hours (the live feed's, about a fix each) merged, and the runs
    // they became (docs/history.md#schema).
    uint64_t runsMerged = 0, runsMergedInto = 0;
    size_t pending = 0;  // waiting in the queue
    std::string lastError;
    TimeMs lastErrorAt = 0;  // wall clock
    // A GeoPackage found unreadable (truncated, not SQLite, malformed) is moved aside to
    // FILE.corrupt-YYYYMMDDTHHMMSS and a new one started: what happened, for the panel.
    uint64_t quarantined = 0;
    std::string notice;
    TimeMs noticeAt = 0;     // wall clock
    double lastBatchMs = 0;  // time the newest batch took to write and commit
    TimeMs lastWriteAt = 0;  // wall clock when the newest batch was committed (0: none yet)
};

struct HistoryLoad {
    uint64_t rows = 0;        // fixes read from the store within the period
    uint64_t stored = 0;      // added to the track store
    uint64_t duplicates = 0;  // same officer and t as a fix already there
    uint64_t dropped = 0;     // refused by the track store's budget
    uint64_t bad = 0;         // fixes of runs without officer or with an unknown squad, fixes without finite
                              // position and time, and runs whose geometry cannot be read (one each)
    uint64_t columnar = 0;    // time slices load() read through GDAL's Arrow stream (GeoPackage)
    double ms = 0;            // open + read + store
    std::string error;        // set when the store could not be read (then rows may be partial)
};

class HistoryStore {
public:
    // Opens (creating the file, folder, tables and indexes when needed, unless read-only)
    // and starts the writer thread. Throws std::runtime_error naming the target and the
    // reason when it cannot be opened.
    explicit HistoryStore(HistoryOptions options);
    ~HistoryStore();  // writes what is queued (or gives up after failures), then stops
    HistoryStore(const HistoryStore&) = delete;
    HistoryStore& operator=(const HistoryStore&) = delete;

    // The default state folder: $SANDTABLE_STATE_DIR, else $XDG_STATE_HOME/sandtable, else
    // ~/.local/state/sandtable; the history is its "history" subfolder. Never inside the
    // source tree's sample data.
    static std::string defaultDir();
    // FOLDER/history.gpkg for a folder, the target itself for a .gpkg or PG: target.
    static std::string datasetName(const std::string& target);

    // Queues rows for the writer. wait=false (live feed): never blocks; when the queue is
    // full the oldest waiting rows are dropped and counted. wait=true (import): blocks
    // until there is room. Returns false when rows were dropped (or the store is read-only).
    bool append(std::vector<HistoryRecord>&& rows, bool wait = false);
    // Blocks until everything queued before the call is committed or a batch has failed
    // since; true when all of it was written.
    bool flush();
    // Applies retention now (it also runs at open and every hour) and merges the short
    // runs of every closed hour since the last merge (otherwise one hour a round); waits.
    void expire();
    HistoryStats stats() const;
    const HistoryOptions& options() const { return options_; }
    bool postgres() const { return postgres_; }

    // Every fix with t0 <= t < t1 in time order, into a track store (officer slots by id,
    // squads by name). Opens its own read connection, so it runs beside the writer.
    HistoryLoad load(TimeMs t0, TimeMs t1, TrackStore& into) const;
    // The same rows, one call per row (time order); returns false with `error` set when
    // the store cannot be read.
    bool read(TimeMs t0, TimeMs t1, const std::function<void(const HistoryRecord&)>& row, HistoryLoad* load = nullptr,
              std::string* error = nullptr) const;
    // Day partitions of a PostGIS history ("tracks_pYYYYMMDD"), oldest first; empty
    // for a GeoPackage.
    std::vector<std::string> partitions() const;

private:
    class Writer;
    void writerLoop();
    void takeWriterNotice();  // the writer moved an unreadable file aside: into stats_

    HistoryOptions options_;
    bool postgres_ = false;
    std::string dataset_;
    std::unique_ptr<Writer> writer_;

    mutable std::mutex mutex_;
    std::condition_variable wake_, space_, progress_;
    std::deque<HistoryRecord> queue_;
    bool stop_ = false;
    uint64_t enqueued_ = 0, done_ = 0;  // rows appended / rows committed or dropped
    uint64_t failures_ = 0;             // failed batches (flush() stops waiting on one)
    uint64_t expireRequested_ = 0, expireDone_ = 0;
    uint64_t flushWanted_ = 0;  // flush() waits for rows up to this count: write them now
    HistoryStats stats_;
    std::thread thread_;
};

}  // namespace sandtable
