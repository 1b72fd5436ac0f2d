#pragma once
// The one ingest pipeline: transports (each on its own I/O thread) queue lines; one ingest
// thread applies them to the FeedState and publishes immutable snapshots at a bounded
// rate. The render thread only ever takes the latest snapshot (a shared_ptr copy under a
// mutex held for nanoseconds): it never waits on I/O or on ingest.
//
// Render loop:
//     auto snap = pipeline.snapshot();
//     if (snap->version != lastVersion) {
//         for (uint32_t slot : snap->changedSince(lastVersion)) update(slot, snap->officers[slot]);
//         lastVersion = snap->version;
//     }
//     // staleness is a function of scene time: officer.stale(frame.time, snap->staleAfterMs)
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/feed/feed_state.hpp"
#include "engine/feed/transport.hpp"
#include "engine/health/process_stats.hpp"
#include "engine/tracks/history.hpp"

namespace sandtable {

struct FeedSnapshot {
    uint64_t version = 0;  // FeedState::version() when published
    TimeMs staleAfterMs = 0;
    std::vector<std::string> squads;
    // Indexed by OfficerState::slot; slots are stable and never reused, so a GPU buffer
    // can mirror this array and update only changedSince(...) entries.
    std::vector<OfficerState> officers;
    std::shared_ptr<const std::vector<CheckIn>> checkins;  // time order, bounded
    std::shared_ptr<const std::vector<Incident>> incidents;
    // Fixes per minute of data time (FeedState::activity), re-copied at most once a second.
    std::shared_ptr<const std::vector<std::pair<int64_t, uint32_t>>> activity;
    FeedCounters counters;
    std::vector<SourceCounters> sources;                                // the same counts per source
    std::array<std::vector<RejectSample>, kRejectReasonCount> samples;  // newest last
    double messagesPerSecond = 0;                                       // lines over the last 10 s (wall clock)
    size_t queuedLines = 0;                                             // waiting for ingest when published
    std::vector<TransportStatus> transports;
    // Every officer's track (slot = OfficerState::slot), immutable: positionAt(slot, T),
    // range(slot, T0, T1). Shares all but the officers' newest chunks with the previous one.
    std::shared_ptr<const TrackView> tracks;
    bool hasHistory = false;  // a history store is attached: `history` holds its counters
    HistoryStats history;

    // Slots whose marker changed after `version` (new officers included).
    std::vector<uint32_t> changedSince(uint64_t version) const;
    size_t countStale(TimeMs now) const;
    size_t countLive(TimeMs now) const { return officers.size() - countStale(now); }
    const OfficerState* find(std::string_view officerId) const;  // linear; UI use only
};

struct PipelineOptions {
    size_t maxQueuedBytes = size_t{64} << 20;  // inbox cap; beyond it network lines are dropped (counted)
    int publishIntervalMs = 50;                // snapshots at most this often while busy
    // "Now" of the synchronous path (ingestLine/ingestFile: a recording drawn as of a
    // time, benchmarks); default the wall clock. Lines from transports are checked against
    // their own source's now (Transport::now), never against the host's frame time.
    std::function<TimeMs()> now;
    // Where accepted positions are written behind the track store (none: memory only).
    std::shared_ptr<HistoryStore> history;
    // A wall runs for months: every this many lines ingested (0: never) the ingest thread,
    // outside its locks, hands the heap pages freed since back to the OS (trimHeap). Without
    // it glibc kept them in its arenas and resident memory climbed with the busiest moment
    // so far while the heap in use stayed level (docs/reliability.md#soak). At 2,000
    // officers every 5 s, 50,000 lines is a trim every two minutes; one costs ~1.5 ms here.
    uint64_t trimHeapEveryLines = 50000;
    std::function<void()> trimHeap = health::releaseFreeHeap;  // tests count the calls
};

class FeedPipeline {
public:
    explicit FeedPipeline(FeedConfig config = {}, PipelineOptions options = {});
    ~FeedPipeline();  // stop()
    FeedPipeline(const FeedPipeline&) = delete;
    FeedPipeline& operator=(const FeedPipeline&) = delete;

    // Adds a source; its status appears in snapshots under its name. Transports added
    // while running start at once. Returns its index in FeedSnapshot::transports.
    size_t addTransport(std::unique_ptr<Transport> transport);
    // Starts the ingest thread and every transport's thread.
    void start();
    // Stops transports, ingests what is already queued, publishes a final snapshot.
    void stop();
    bool running() const { return running_.load(); }

    // The latest published snapshot; never null, never blocks on ingest. When the
    // pipeline is not running, lines ingested synchronously are published first.
    std::shared_ptr<const FeedSnapshot> snapshot();

    // Synchronous path (headless rendering, benchmarks, embedded simulators): applies one
    // line now on the caller's thread. `cutoff` skips messages later than it (--at).
    IngestOutcome ingestLine(std::string_view line, std::string_view source = "direct", uint64_t lineNo = 0,
                             TimeMs cutoff = kNoCutoff);
    // Applies a whole file synchronously; false (with a reason) if it cannot be read.
    bool ingestFile(const std::string& path, TimeMs cutoff = kNoCutoff, std::string* error = nullptr);
    // Publishes a snapshot now.
    void publish();

    // Fills the tracks (and brings back the officers) from the history store with the
    // fixes in [t0, t1), e.g. the last hours before a restart; call before start().
    // Returns what was read; `error` is set (and nothing changes) when it cannot be read.
    HistoryLoad restoreHistory(TimeMs t0, TimeMs t1, std::string* error = nullptr);
    const FeedConfig& config() const { return config_; }
    TimeMs now() const;

    // Polls snapshots until pred holds or the timeout passes (tests, tools).
    bool waitFor(const std::function<bool(const FeedSnapshot&)>& pred, std::chrono::milliseconds timeout);

private:
    class Context;
    struct Pending {
        size_t offset, length;
        uint32_t source;
        uint64_t lineNo;
        TimeMs shift, receivedAt;
        TimeMs sourceNow;                           // the source's now when the line arrived (future-time check)
        RejectReason reject = RejectReason::Count;  // Count: a line to ingest; else refused with this reason
        const char* detail = "";                    // static: the reason's detail for the sample
    };
    bool enqueue(uint32_t source, std::string_view line, uint64_t lineNo, TimeMs shift, bool wait, TimeMs sourceNow,
                 RejectReason reject = RejectReason::Count, const char* detail = "");
    void ingestLoop();
    void startTransport(size_t i);
    void publishLocked();          // stateMutex_ held
    void sendHistoryLocked();      // stateMutex_ held
    void countRate(size_t lines);  // stateMutex_ held

    const FeedConfig config_;
    PipelineOptions options_;
    uint64_t linesSinceTrim_ = 0;  // the ingest thread's

    mutable std::mutex stateMutex_;
    FeedState state_;
    bool dirty_ = true;

    std::mutex queueMutex_;
    std::condition_variable queueCv_, spaceCv_;
    std::string queueBytes_;
    std::vector<Pending> queue_;
    std::atomic<uint64_t> overflow_{0};
    bool stopIngest_ = false;

    std::mutex stopMutex_;
    std::condition_variable stopCv_;
    std::atomic<bool> stopTransports_{false};

    mutable std::mutex statusMutex_;
    std::vector<TransportStatus> statuses_;
    std::atomic<bool> statusChanged_{false};
    std::vector<std::unique_ptr<Transport>> transports_;
    std::vector<std::unique_ptr<Context>> contexts_;
    std::vector<std::thread> transportThreads_;
    std::thread ingestThread_;
    std::atomic<bool> running_{false};

    mutable std::mutex snapMutex_;
    std::shared_ptr<const FeedSnapshot> snapshot_;
    std::shared_ptr<const std::vector<CheckIn>> checkinsCopy_;
    uint64_t checkinsCopyVersion_ = ~uint64_t{0};
    std::shared_ptr<const std::vector<Incident>> incidentsCopy_;
    uint64_t incidentsCopyVersion_ = ~uint64_t{0};
    std::shared_ptr<const std::vector<std::pair<int64_t, uint32_t>>> activityCopy_;
    uint64_t activityCopyVersion_ = ~uint64_t{0};
    std::chrono::steady_clock::time_point activityCopiedAt_;

    // Lines per wall-clock second over the last 10 s, for messagesPerSecond.
    std::array<uint64_t, 10> rateBuckets_{};
    int64_t rateSecond_ = 0;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point lastPublish_;
};

}  // namespace sandtable
