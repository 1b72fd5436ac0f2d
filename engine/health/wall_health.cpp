#include "engine/health/wall_health.hpp"

#include <cstdio>

#include "engine/health/process_stats.hpp"

#ifndef SANDTABLE_VERSION
#define SANDTABLE_VERSION "unknown"
#endif

namespace sandtable::health {

namespace {

double seconds(TimeMs ms) { return static_cast<double>(ms) / 1000.0; }
double num(uint64_t v) { return static_cast<double>(v); }

std::string secondsText(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", s);
    return buf;
}

// A source that keeps sending while it runs: anything but a recording played back.
bool liveSource(const TransportStatus& t) { return t.kind != "replay"; }

void feedMetrics(const FeedSnapshot& snap, TimeMs now, MetricSet& m) {
    // Every source the feed has counted, with every reason (zeros included: rate() and
    // increase() need the series before the first reject).
    m.family("sandtable_feed_lines_received_total", "Non-empty feed lines ingested, by source.", MetricType::Counter);
    m.family("sandtable_feed_lines_accepted_total",
             "Feed lines accepted (positions, check-ins, incidents; late ones included), by source.",
             MetricType::Counter);
    m.family("sandtable_feed_lines_rejected_total", "Feed lines refused, by source and reason (docs/feed.md).",
             MetricType::Counter);
    m.family("sandtable_feed_lines_duplicate_total", "Exact repeats of a line already applied (ignored), by source.",
             MetricType::Counter);
    m.family("sandtable_feed_lines_late_total",
             "Accepted lines older than the officer's newest fix (track only), by source.", MetricType::Counter);
    for (const SourceCounters& s : snap.sources) {
        const std::vector<Label> src{{"source", s.source}};
        m.counter("sandtable_feed_lines_received_total", "", num(s.lines), src);
        m.counter("sandtable_feed_lines_accepted_total", "", num(s.accepted), src);
        for (size_t r = 0; r < kRejectReasonCount; ++r)
            m.counter("sandtable_feed_lines_rejected_total", "", num(s.rejectedBy[r]),
                      {{"source", s.source}, {"reason", rejectReasonName(static_cast<RejectReason>(r))}});
        m.counter("sandtable_feed_lines_duplicate_total", "", num(s.duplicates), src);
        m.counter("sandtable_feed_lines_late_total", "", num(s.late), src);
    }
    const FeedCounters& c = snap.counters;
    m.counter("sandtable_feed_messages_total", "Accepted messages by type.", num(c.positions), {{"type", "position"}});
    m.counter("sandtable_feed_messages_total", "", num(c.checkins), {{"type", "checkin"}});
    m.counter("sandtable_feed_messages_total", "", num(c.incidents), {{"type", "incident"}});
    m.gauge("sandtable_feed_queue_lines", "Lines waiting for the ingest thread.", num(snap.queuedLines));
    m.gauge("sandtable_feed_lines_per_second", "Lines ingested per second over the last 10 s.", snap.messagesPerSecond);
    m.gauge("sandtable_feed_last_accepted_timestamp_seconds",
            "Unix time the newest accepted line arrived (0: none yet).", seconds(c.lastReceivedAt));
    m.family("sandtable_feed_source_connected", "1 while a source is connected, listening or replaying.",
             MetricType::Gauge);
    m.family("sandtable_feed_source_disconnects_total", "Times a source lost its peer or broker.", MetricType::Counter);
    for (const TransportStatus& t : snap.transports) {
        const std::vector<Label> l{{"source", t.name}, {"kind", t.kind}};
        m.gauge("sandtable_feed_source_connected", "", t.state == ConnState::Connected ? 1.0 : 0.0, l);
        m.counter("sandtable_feed_source_disconnects_total", "", num(t.disconnects), l);
    }
    const size_t stale = snap.countStale(now);
    m.gauge("sandtable_officers", "Officers known, by state: live (heard within the stale time) or stale.",
            num(snap.officers.size() - stale), {{"state", "live"}});
    m.gauge("sandtable_officers", "", num(stale), {{"state", "stale"}});
    m.gauge("sandtable_officers_stale_after_seconds", "An officer silent this long is stale.",
            seconds(snap.staleAfterMs));

    if (!snap.hasHistory) return;
    const HistoryStats& h = snap.history;
    m.counter("sandtable_history_rows_written_total", "Positions committed to the history store.", num(h.written));
    m.counter("sandtable_history_write_errors_total",
              "Failed history batches (each retried), reopen failures, files lost.", num(h.writeErrors));
    m.counter("sandtable_history_rows_dropped_total", "Positions given up: queue full, or their file deleted.",
              num(h.droppedRows));
    m.gauge("sandtable_history_last_write_timestamp_seconds",
            "Unix time of the newest committed history batch (0: none yet).", seconds(h.lastWriteAt));
    m.gauge("sandtable_history_queue_rows", "Positions waiting for the history writer.", num(h.pending));
    m.gauge("sandtable_history_last_batch_seconds", "Time the newest history batch took to write and commit.",
            h.lastBatchMs / 1000.0);
}

void frameMetrics(const FrameStats& f, MetricSet& m) {
    m.counter("sandtable_frames_drawn_total", "Frames drawn.", num(f.frames));
    m.gauge("sandtable_frame_last_seconds", "The newest frame's time, from the end of the wait to the buffer swap.",
            f.lastSeconds);
    m.histogram("sandtable_frame_seconds", "Frame times since the start.", FrameStats::kBounds, f.counts, f.overflow,
                f.sumSeconds);
    m.counter("sandtable_frame_loop_turns_total", "Turns of the frame loop (drawn or idle; at least one a second).",
              num(f.turns));
    m.gauge("sandtable_frame_loop_last_turn_timestamp_seconds", "Unix time of the frame loop's newest turn.",
            seconds(f.lastTurnAt));
    if (f.gpuBufferBytes >= 0) {
        m.gauge("sandtable_gpu_memory_bytes", "GPU memory the engine's buffers and textures hold.",
                static_cast<double>(f.gpuBufferBytes), {{"kind", "buffer"}});
        m.gauge("sandtable_gpu_memory_bytes", "GPU memory the engine's buffers and textures hold.",
                static_cast<double>(f.gpuTextureBytes), {{"kind", "texture"}});
    }
}

}  // namespace

WallHealth::WallHealth(std::shared_ptr<FeedPipeline> feed, std::function<TimeMs()> now, HealthRule rule)
    : feed_(std::move(feed)), now_(std::move(now)), rule_(rule), startedAt_(wallClockMs()) {}

void WallHealth::publish(const FrameStats& frames) {
    const TimeMs now = wallClockMs();
    if (now - lastPublishAt_ < rule_.publishIntervalMs) return;
    std::unique_lock lk(mutex_, std::try_to_lock);  // a scrape copying now: the next turn publishes
    if (!lk.owns_lock()) return;
    published_ = frames;
    havePublished_ = true;
    lastPublishAt_ = now;
}

FrameStats WallHealth::frames() const {
    std::lock_guard lk(mutex_);
    return published_;
}

void WallHealth::collect(MetricSet& m) const {
    m.gauge("sandtable_build_info", "The build: its version in a label, value 1.", 1.0,
            {{"version", SANDTABLE_VERSION}});
    const ProcessStats p = readProcessStats();
    m.gauge("sandtable_process_start_time_seconds", "Unix time the process started.",
            p.startTimeSeconds > 0 ? p.startTimeSeconds : seconds(startedAt_));
    m.gauge("sandtable_process_resident_memory_bytes", "Resident memory (/proc/self/statm).", p.residentBytes);
    m.gauge("sandtable_process_virtual_memory_bytes", "Virtual memory size (/proc/self/statm).", p.virtualBytes);
    m.gauge("sandtable_process_resident_anon_bytes", "Resident anonymous memory: heap and stacks (/proc/self/status).",
            p.residentAnonBytes);
    m.gauge("sandtable_process_resident_file_bytes", "Resident pages of mapped files (/proc/self/status).",
            p.residentFileBytes);
    m.gauge("sandtable_process_resident_shmem_bytes", "Resident shared memory (/proc/self/status).",
            p.residentShmemBytes);
    if (p.heapInUseBytes >= 0) {
        m.gauge("sandtable_heap_in_use_bytes", "Heap handed out by malloc (mallinfo2, every arena).", p.heapInUseBytes);
        m.gauge("sandtable_heap_free_bytes", "Heap freed but kept in malloc's arenas (mallinfo2).", p.heapFreeBytes);
    }
    if (p.sqliteHeapBytes >= 0)
        m.gauge("sandtable_sqlite_heap_bytes", "SQLite's heap: its page caches (sqlite3_memory_used).",
                p.sqliteHeapBytes);
    m.gauge("sandtable_process_open_fds", "Open file descriptors.", p.openFds);
    frameMetrics(frames(), m);
    if (feed_) feedMetrics(*feed_->snapshot(), now_ ? now_() : wallClockMs(), m);
    const HealthStatus s = check();
    m.gauge("sandtable_healthy", "1 when /healthz answers 200, 0 when 503.", s.ok ? 1.0 : 0.0);
}

HealthStatus WallHealth::check() const {
    const TimeMs now = wallClockMs();
    FrameStats f;
    bool published;
    {
        std::lock_guard lk(mutex_);
        f = published_;
        published = havePublished_;
    }
    // Until the first turn, the time since the start counts (a loop that never starts).
    const double sinceTurn = seconds(now - (published ? f.lastTurnAt : startedAt_));
    if (sinceTurn > rule_.loopStallSeconds)
        return {false, "frame loop stalled: no turn for " + secondsText(sinceTurn) + " s (limit " +
                           secondsText(rule_.loopStallSeconds) + " s)"};
    if (!feed_) return {};
    const auto snap = feed_->snapshot();
    bool live = false;
    for (const TransportStatus& t : snap->transports) live |= liveSource(t);
    if (!live) return {};
    const TimeMs last = snap->counters.lastReceivedAt > 0 ? snap->counters.lastReceivedAt : startedAt_;
    const double sinceLine = seconds(now - last);
    if (sinceLine > rule_.feedStaleSeconds)
        return {false, std::string("feed stale: no line accepted for ") + secondsText(sinceLine) + " s" +
                           (snap->counters.lastReceivedAt > 0 ? "" : " (none since the start)") + " (limit " +
                           secondsText(rule_.feedStaleSeconds) + " s)"};
    return {};
}

std::unique_ptr<HealthServer> serveWallHealth(const net::HostPort& at, const WallHealth& health) {
    return std::make_unique<HealthServer>(
        at, [&health](MetricSet& m) { health.collect(m); }, [&health] { return health.check(); });
}

}  // namespace sandtable::health
