#pragma once
// The health of a running wall or cockpit, for the metrics endpoint
// (docs/reliability.md#health-and-metrics): what the feed, the history, the frame loop and
// the process are doing, as Prometheus metrics, and the /healthz rule.
//
// Threads: the render thread calls publish() every loop turn; it copies the frame stats
// for the server at most every publishIntervalMs, and never waits (a try_lock: when a
// scrape is copying just then, the next turn publishes). The server's thread calls
// collect() and check(), which read that copy, the feed pipeline's latest snapshot (which
// the ingest thread publishes) and /proc; neither blocks the render or ingest thread.
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "engine/feed/pipeline.hpp"
#include "engine/health/frame_stats.hpp"
#include "engine/health/health_server.hpp"
#include "engine/health/metrics.hpp"

namespace sandtable::health {

struct HealthRule {
    // The frame loop turns at least once a second: not for this long, it is stalled.
    double loopStallSeconds = 10;
    // A live source (anything but a finished recording's replay) and no line accepted for
    // this long (or since the start): the feed is stale.
    double feedStaleSeconds = 60;
    int publishIntervalMs = 250;  // frame stats copied for the server at most this often
};

class WallHealth {
public:
    // `feed` may be null (no feed: only the frame loop and the process are reported).
    // `now`: the feed's live clock (an accelerated simulation's), against which officers
    // are live or stale; empty: the wall clock.
    explicit WallHealth(std::shared_ptr<FeedPipeline> feed, std::function<TimeMs()> now = {}, HealthRule rule = {});

    // Render thread, every loop turn (cheap when not due).
    void publish(const FrameStats& frames);

    // Any thread (the server's): every metric (docs/reliability.md lists them).
    void collect(MetricSet& out) const;
    // Any thread: ok, or 503's reason (the loop stalled, the feed stale).
    HealthStatus check() const;
    const HealthRule& rule() const { return rule_; }

private:
    FrameStats frames() const;

    std::shared_ptr<FeedPipeline> feed_;
    std::function<TimeMs()> now_;
    HealthRule rule_;
    TimeMs startedAt_;
    mutable std::mutex mutex_;
    FrameStats published_;        // guarded by mutex_
    bool havePublished_ = false;  // guarded by mutex_
    TimeMs lastPublishAt_ = 0;    // render thread only
};

// Starts the endpoint over `health` (which must outlive it) at `at`.
std::unique_ptr<HealthServer> serveWallHealth(const net::HostPort& at, const WallHealth& health);

}  // namespace sandtable::health
