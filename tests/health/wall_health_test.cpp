// The wall's metrics and /healthz rule over a real feed pipeline (lines ingested
// synchronously): feed counts by source and reason, officers live and stale, frames,
// history absent, the process; the loop-stall and feed-stale rules; publishing throttled.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "engine/feed/pipeline.hpp"
#include "engine/health/wall_health.hpp"

using namespace sandtable;
using namespace sandtable::health;

namespace {

constexpr TimeMs kT0 = 1732061700000;  // 2024-11-20T08:15:00+08:00

std::string pos(int officer, TimeMs t, double lon = 121.40) {
    char buf[256];
    std::snprintf(
        buf, sizeof buf,
        R"({"type":"pos","officer":"PT-%04d","squad":"wanli","t":%lld,"lon":%.6f,"lat":31.25,"status":"patrol"})",
        officer, static_cast<long long>(t), lon);
    return buf;
}

bool has(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("wall metrics: feed counts by source and reason, officers, frames, process", "[health][wall]") {
    auto feed = std::make_shared<FeedPipeline>();
    for (int i = 0; i < 5; ++i) REQUIRE(feed->ingestLine(pos(i, kT0 + i * 60000), "tcp") == IngestOutcome::Accepted);
    REQUIRE(feed->ingestLine(pos(0, kT0), "tcp") == IngestOutcome::Duplicate);
    REQUIRE(feed->ingestLine(pos(9, kT0, 0.0), "mqtt") == IngestOutcome::Rejected);  // outside the area
    REQUIRE(feed->ingestLine("{\"type\":", "mqtt") == IngestOutcome::Rejected);
    // At kT0 + 5 min with 120 s stale time: officers 3 and 4 are live, 0..2 stale.
    WallHealth health(feed, [] { return kT0 + 5 * 60000; });
    FrameStats frames;
    frames.turn(wallClockMs());
    frames.frame(0.012, wallClockMs());
    frames.frame(0.300, wallClockMs());
    health.publish(frames);

    MetricSet m;
    health.collect(m);
    CHECK(m.value("sandtable_feed_lines_received_total", {{"source", "tcp"}}) == 6);
    CHECK(m.value("sandtable_feed_lines_accepted_total", {{"source", "tcp"}}) == 5);
    CHECK(m.value("sandtable_feed_lines_duplicate_total", {{"source", "tcp"}}) == 1);
    CHECK(m.value("sandtable_feed_lines_received_total", {{"source", "mqtt"}}) == 2);
    CHECK(m.value("sandtable_feed_lines_accepted_total", {{"source", "mqtt"}}) == 0);
    CHECK(m.value("sandtable_feed_lines_rejected_total", {{"source", "mqtt"}, {"reason", "outside_area"}}) == 1);
    CHECK(m.value("sandtable_feed_lines_rejected_total", {{"source", "mqtt"}, {"reason", "malformed_json"}}) == 1);
    // Every reason is there for every source, zeros included.
    CHECK(m.value("sandtable_feed_lines_rejected_total", {{"source", "tcp"}, {"reason", "queue_overflow"}}) == 0);
    CHECK(m.find("sandtable_feed_lines_rejected_total")->samples.size() == 2 * kRejectReasonCount);
    CHECK(m.value("sandtable_feed_messages_total", {{"type", "position"}}) == 5);
    CHECK(m.value("sandtable_officers", {{"state", "live"}}) == 2);
    CHECK(m.value("sandtable_officers", {{"state", "stale"}}) == 3);
    CHECK(m.value("sandtable_officers_stale_after_seconds") == 120);
    CHECK(m.value("sandtable_feed_queue_lines") == 0);
    CHECK(m.value("sandtable_feed_last_accepted_timestamp_seconds") > 1.7e9);
    CHECK(m.value("sandtable_frames_drawn_total") == 2);
    CHECK(m.value("sandtable_frame_last_seconds") == Approx(0.300));
    CHECK(m.value("sandtable_frame_seconds_count") == 2);
    CHECK(m.value("sandtable_frame_seconds_sum") == Approx(0.312));
    CHECK(m.value("sandtable_frame_seconds_bucket", {{"le", "0.0167"}}) == 1);
    CHECK(m.value("sandtable_frame_seconds_bucket", {{"le", "0.25"}}) == 1);
    CHECK(m.value("sandtable_frame_seconds_bucket", {{"le", "0.5"}}) == 2);
    CHECK(m.value("sandtable_frame_loop_turns_total") == 1);
    CHECK(m.value("sandtable_process_resident_memory_bytes") > 1e6);
    CHECK(m.value("sandtable_process_virtual_memory_bytes") >= m.value("sandtable_process_resident_memory_bytes"));
    CHECK(m.value("sandtable_process_open_fds") >= 3);
    CHECK(m.value("sandtable_process_resident_anon_bytes") > 0);
    CHECK(m.value("sandtable_process_resident_anon_bytes") <= m.value("sandtable_process_resident_memory_bytes"));
#if defined(__SANITIZE_ADDRESS__)
    // ASan's allocator keeps no glibc books: no heap gauges rather than zeros.
    CHECK(m.find("sandtable_heap_in_use_bytes") == nullptr);
#else
    CHECK(m.value("sandtable_heap_in_use_bytes") > 0);
    CHECK(m.value("sandtable_heap_free_bytes") >= 0);
#endif
    const double start = m.value("sandtable_process_start_time_seconds");
    CHECK(start > 1.7e9);
    CHECK(start <= static_cast<double>(wallClockMs()) / 1000.0 + 1);
    CHECK(m.value("sandtable_healthy") == 1);
    CHECK(m.find("sandtable_build_info")->samples.at(0).labels.at(0).name == "version");
    CHECK(m.find("sandtable_history_rows_written_total") == nullptr);  // no history store attached
    // No officer id anywhere in the text: ids are not labels.
    const std::string text = formatPrometheus(m);
    CHECK(text.find("PT-0") == std::string::npos);
    CHECK(has(text, "sandtable_feed_lines_rejected_total{source=\"mqtt\",reason=\"outside_area\"} 1"));
}

TEST_CASE("frame stats are published at most every publishIntervalMs", "[health][wall]") {
    HealthRule rule;
    rule.publishIntervalMs = 200;
    WallHealth health(nullptr, {}, rule);
    FrameStats f;
    f.turn(wallClockMs());
    f.frame(0.01, wallClockMs());
    health.publish(f);
    f.frame(0.01, wallClockMs());
    health.publish(f);  // too soon: not copied
    MetricSet m;
    health.collect(m);
    CHECK(m.value("sandtable_frames_drawn_total") == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    health.publish(f);
    MetricSet m2;
    health.collect(m2);
    CHECK(m2.value("sandtable_frames_drawn_total") == 2);
    CHECK(m2.find("sandtable_feed_lines_received_total") == nullptr);  // no feed: none of its metrics
}

TEST_CASE("healthz: a frame loop that stops turning is reported stalled", "[health][wall]") {
    HealthRule rule;
    rule.loopStallSeconds = 0.3;
    rule.publishIntervalMs = 0;
    WallHealth health(nullptr, {}, rule);
    CHECK(health.check().ok);  // just started: within the limit
    FrameStats f;
    f.turn(wallClockMs());
    health.publish(f);
    CHECK(health.check().ok);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    const HealthStatus s = health.check();
    CHECK_FALSE(s.ok);
    CHECK(s.reason.find("frame loop stalled") == 0);
    MetricSet m;
    health.collect(m);
    CHECK(m.value("sandtable_healthy") == 0);
    f.turn(wallClockMs());
    health.publish(f);
    CHECK(health.check().ok);
}

TEST_CASE("healthz: a live source with no accepted line is stale, a replay never", "[health][wall]") {
    HealthRule rule;
    rule.feedStaleSeconds = 0.3;
    rule.loopStallSeconds = 60;
    rule.publishIntervalMs = 0;
    FrameStats f;
    auto turn = [&](WallHealth& h) {
        f.turn(wallClockMs());
        h.publish(f);
    };

    auto live = std::make_shared<FeedPipeline>();
    TcpListenOptions tcp;
    live->addTransport(std::make_unique<TcpListenTransport>(tcp, "tcp"));  // listed, never started
    WallHealth health(live, {}, rule);
    turn(health);
    CHECK(health.check().ok);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    turn(health);
    HealthStatus s = health.check();
    CHECK_FALSE(s.ok);
    CHECK(s.reason.find("feed stale") == 0);
    CHECK(s.reason.find("none since the start") != std::string::npos);
    REQUIRE(live->ingestLine(pos(1, wallClockMs()), "tcp") == IngestOutcome::Accepted);
    CHECK(health.check().ok);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    turn(health);
    s = health.check();
    CHECK_FALSE(s.ok);
    CHECK(s.reason.find("none since the start") == std::string::npos);

    // A recording played back ends; silence after it is no trouble.
    auto replay = std::make_shared<FeedPipeline>();
    ReplayOptions ro;
    ro.path = "/nonexistent.jsonl";
    replay->addTransport(std::make_unique<ReplayTransport>(ro, "replay"));
    WallHealth quiet(replay, {}, rule);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    turn(quiet);
    CHECK(quiet.check().ok);
}
