// Officer state rules: stale, out-of-order, duplicates, tracks, check-ins, cutoff.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "engine/feed/feed_state.hpp"

using namespace sandtable;

namespace {
const TimeMs kT0 = 1732061700000;  // 2024-11-20T08:15:00+08:00

std::string pos(const char* officer, TimeMs t, double lon, double lat, const char* status = "patrol") {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  R"({"type":"pos","officer":"%s","squad":"zhenru","t":%lld,"lon":%.6f,"lat":%.6f,"status":"%s"})",
                  officer, static_cast<long long>(t), lon, lat, status);
    return buf;
}
}  // namespace

TEST_CASE("stale officers are reported, never dropped", "[feed][state]") {
    FeedState st;  // 120 s default
    REQUIRE(st.ingestLine(pos("A", kT0, 121.40, 31.25), "t", 1, kT0) == IngestOutcome::Accepted);
    REQUIRE(st.ingestLine(pos("B", kT0 + 60000, 121.41, 31.25), "t", 2, kT0 + 60000) == IngestOutcome::Accepted);
    const auto& a = st.officers()[0];
    CHECK_FALSE(a.stale(kT0 + 120000, st.config().staleAfterMs));  // exactly 120 s: not yet
    CHECK(a.stale(kT0 + 120001, st.config().staleAfterMs));
    CHECK(st.countStale(kT0 + 150000) == 1);
    CHECK(st.countStale(kT0 + 200000) == 2);
    CHECK(st.officers().size() == 2);
    // A fresh fix brings it back.
    REQUIRE(st.ingestLine(pos("A", kT0 + 200000, 121.40, 31.25), "t", 3, kT0 + 200000) == IngestOutcome::Accepted);
    CHECK(st.countStale(kT0 + 200000) == 1);

    FeedConfig cfg;
    cfg.staleAfterMs = 10000;
    FeedState st2(cfg);
    st2.ingestLine(pos("A", kT0, 121.40, 31.25), "t", 1, kT0);
    CHECK(st2.countStale(kT0 + 10001) == 1);
}

TEST_CASE("out-of-order fixes go to the track without moving the marker", "[feed][state]") {
    FeedState st;
    const TimeMs now = kT0 + 600000;
    REQUIRE(st.ingestLine(pos("A", kT0 + 20000, 121.4002, 31.25), "t", 1, now) == IngestOutcome::Accepted);
    const uint64_t v = st.officers()[0].version;
    REQUIRE(st.ingestLine(pos("A", kT0 + 10000, 121.4001, 31.25, "dispatched"), "t", 2, now) == IngestOutcome::Late);
    REQUIRE(st.ingestLine(pos("A", kT0, 121.4000, 31.25), "t", 3, now) == IngestOutcome::Late);
    const OfficerState& a = st.officers()[0];
    CHECK(a.lastSeen == kT0 + 20000);
    CHECK(a.lon == 121.4002);
    CHECK(a.status == OfficerStatus::Patrol);
    CHECK(a.version == v);  // marker unchanged: no GPU update needed
    const auto h = st.tracks().fixes(0);
    REQUIRE(h.size() == 3);
    CHECK(h[0].t == kT0);
    CHECK(h[1].t == kT0 + 10000);
    CHECK(h[2].t == kT0 + 20000);
    CHECK(st.counters().late == 2);
    CHECK(st.counters().accepted == 3);

    // Newer fix moves it and bumps the version.
    REQUIRE(st.ingestLine(pos("A", kT0 + 30000, 121.4003, 31.25), "t", 4, now) == IngestOutcome::Accepted);
    CHECK(st.officers()[0].version > v);
    CHECK(st.version() == st.officers()[0].version);
}

TEST_CASE("exact duplicates are ignored and counted", "[feed][state]") {
    FeedState st;
    const TimeMs now = kT0 + 600000;
    const std::string a1 = pos("A", kT0, 121.40, 31.25), a2 = pos("A", kT0 + 10000, 121.4001, 31.25);
    REQUIRE(st.ingestLine(a1, "t", 1, now) == IngestOutcome::Accepted);
    REQUIRE(st.ingestLine(a2, "t", 2, now) == IngestOutcome::Accepted);
    CHECK(st.ingestLine(a2, "t", 3, now) == IngestOutcome::Duplicate);  // repeat of the newest
    CHECK(st.ingestLine(a1, "t", 4, now) == IngestOutcome::Duplicate);  // repeat of an older one
    CHECK(st.counters().duplicates == 2);
    CHECK(st.tracks().size(0) == 2);
    // Same time, different place: not a duplicate; a late fix.
    CHECK(st.ingestLine(pos("A", kT0 + 10000, 121.4002, 31.25), "t", 5, now) == IngestOutcome::Late);

    const std::string c = R"({"type":"checkin","checkpoint":"SZH-01","officer":"A","t":1732061700000})";
    CHECK(st.ingestLine(c, "t", 6, now) == IngestOutcome::Accepted);
    CHECK(st.ingestLine(c, "t", 7, now) == IngestOutcome::Duplicate);
    CHECK(st.checkins().size() == 1);
}

TEST_CASE("tracks are bounded by a byte budget (oldest chunks first), check-ins are bounded and time-ordered",
          "[feed][state]") {
    FeedConfig cfg;
    // Chunks of 4 points and room for about two of them: the oldest chunk goes first.
    cfg.trackChunkPoints = 4;
    cfg.trackBudgetBytes = 290;
    cfg.maxCheckins = 3;
    FeedState st(cfg);
    const TimeMs now = kT0 + 3600000;
    for (int i = 0; i < 10; ++i)
        REQUIRE(st.ingestLine(pos("A", kT0 + i * 10000, 121.40 + i * 1e-5, 31.25), "t", 1, now) ==
                IngestOutcome::Accepted);
    const auto h = st.tracks().fixes(0);
    const TrackStats ts = st.tracks().stats();
    REQUIRE(h.size() < 10);
    CHECK(ts.bytes <= cfg.trackBudgetBytes);
    CHECK(ts.dropped > 0);
    CHECK(ts.dropped % 4 == 0);  // whole chunks
    CHECK(h.size() + ts.dropped == 10);
    CHECK(h.front().t == kT0 + static_cast<TimeMs>(ts.dropped) * 10000);
    CHECK(h.back().t == kT0 + 90000);
    CHECK(st.officers()[0].fixes == 10);
    // A late fix older than everything the track holds is counted but not stored.
    CHECK(st.ingestLine(pos("A", kT0 + 5000, 121.40, 31.25), "t", 2, now) == IngestOutcome::Late);
    CHECK(st.tracks().size(0) == h.size());

    for (int i = 5; i >= 0; --i) {
        char buf[200];
        std::snprintf(buf, sizeof buf, R"({"type":"checkin","checkpoint":"SZH-%02d","officer":"A","t":%lld})", i,
                      static_cast<long long>(kT0 + i * 1000));
        REQUIRE(st.ingestLine(buf, "t", 3, now) == IngestOutcome::Accepted);
    }
    REQUIRE(st.checkins().size() == 3);
    CHECK(st.checkins()[0].t <= st.checkins()[1].t);
    CHECK(st.checkins()[1].t <= st.checkins()[2].t);
}

TEST_CASE("ingest cutoff skips later messages (headless --at)", "[feed][state]") {
    FeedState st;
    const TimeMs now = kT0 + 3600000;
    CHECK(st.ingestLine(pos("A", kT0, 121.40, 31.25), "t", 1, now, kT0) == IngestOutcome::Accepted);
    CHECK(st.ingestLine(pos("A", kT0 + 1, 121.40, 31.25), "t", 2, now, kT0) == IngestOutcome::Skipped);
    CHECK(st.counters().skipped == 1);
    CHECK(st.officers()[0].lastSeen == kT0);
}

TEST_CASE("implied speed allows GPS noise but not teleports", "[feed][state]") {
    FeedState st;
    const TimeMs now = kT0 + 3600000;
    REQUIRE(st.ingestLine(pos("A", kT0, 121.40, 31.25), "t", 1, now) == IngestOutcome::Accepted);
    // 25 m jitter in 1 s: within the noise slack.
    CHECK(st.ingestLine(pos("A", kT0 + 1000, 121.40026, 31.25), "t", 2, now) == IngestOutcome::Accepted);
    // 400 m in 10 s = 40 m/s: a car, allowed.
    CHECK(st.ingestLine(pos("A", kT0 + 11000, 121.40026, 31.2536), "t", 3, now) == IngestOutcome::Accepted);
    // 2 km in 10 s: rejected, marker stays.
    CHECK(st.ingestLine(pos("A", kT0 + 21000, 121.40026, 31.2716), "t", 4, now) == IngestOutcome::Rejected);
    CHECK(st.counters().rejectedBy[static_cast<size_t>(RejectReason::ImpliedSpeed)] == 1);
    CHECK(st.officers()[0].lastSeen == kT0 + 11000);
}

TEST_CASE("an accepted outlier does not lock out the officer's true fixes: two that agree re-anchor", "[feed][state]") {
    const TimeMs now = kT0 + 3600000;
    const auto implied = [](const FeedState& st) {
        return st.counters().rejectedBy[static_cast<size_t>(RejectReason::ImpliedSpeed)];
    };
    SECTION("a first fix kilometres off") {
        FeedState st;
        REQUIRE(st.ingestLine(pos("A", kT0, 121.50, 31.25), "t", 1, now) == IngestOutcome::Accepted);  // 9.5 km east
        // The true fixes, 10 s apart, walking: the first is refused (it cannot tell yet)...
        CHECK(st.ingestLine(pos("A", kT0 + 10000, 121.4000, 31.25), "t", 2, now) == IngestOutcome::Rejected);
        // ... the second agrees with it: the outlier was the accepted one, the officer moves here.
        CHECK(st.ingestLine(pos("A", kT0 + 20000, 121.4001, 31.25), "t", 3, now) == IngestOutcome::Accepted);
        CHECK(st.counters().reanchored == 1);
        CHECK(st.officers()[0].lon == Approx(121.4001));
        CHECK(st.ingestLine(pos("A", kT0 + 30000, 121.4002, 31.25), "t", 4, now) == IngestOutcome::Accepted);
        CHECK(implied(st) == 1);
        CHECK(st.counters().reanchored == 1);
    }
    SECTION("one GPS jump is refused and the next true fix goes on from the last good one") {
        FeedState st;
        REQUIRE(st.ingestLine(pos("A", kT0, 121.40, 31.25), "t", 1, now) == IngestOutcome::Accepted);
        CHECK(st.ingestLine(pos("A", kT0 + 10000, 121.45, 31.25), "t", 2, now) == IngestOutcome::Rejected);
        CHECK(st.ingestLine(pos("A", kT0 + 20000, 121.4001, 31.25), "t", 3, now) == IngestOutcome::Accepted);
        CHECK(st.counters().reanchored == 0);
        // Two jumps to different places do not agree with each other: both refused.
        CHECK(st.ingestLine(pos("A", kT0 + 30000, 121.45, 31.25), "t", 4, now) == IngestOutcome::Rejected);
        CHECK(st.ingestLine(pos("A", kT0 + 40000, 121.35, 31.25), "t", 5, now) == IngestOutcome::Rejected);
        CHECK(implied(st) == 3);
        CHECK(st.counters().reanchored == 0);
        CHECK(st.officers()[0].lon == Approx(121.4001));
    }
}

TEST_CASE("counts are kept per source, and bounded in number", "[feed][state]") {
    FeedState st;
    const TimeMs now = kT0 + 600000;
    REQUIRE(st.ingestLine(pos("A", kT0 + 20000, 121.40, 31.25), "tcp", 1, now) == IngestOutcome::Accepted);
    REQUIRE(st.ingestLine(pos("A", kT0 + 10000, 121.40, 31.25), "tcp", 2, now) == IngestOutcome::Late);
    REQUIRE(st.ingestLine(pos("A", kT0 + 20000, 121.40, 31.25), "mqtt", 1, now) == IngestOutcome::Duplicate);
    REQUIRE(st.ingestLine("{not json", "mqtt", 2, now) == IngestOutcome::Rejected);
    REQUIRE(st.ingestLine(pos("B", kT0, 0.0, 0.0), "mqtt", 3, now) == IngestOutcome::Rejected);  // outside the area
    st.reject(RejectReason::QueueOverflow, "pipeline", 0, "inbox full", {});
    const auto& s = st.sources();
    REQUIRE(s.size() == 3);
    CHECK(s[0].source == "tcp");
    CHECK(s[0].lines == 2);
    CHECK(s[0].accepted == 2);
    CHECK(s[0].late == 1);
    CHECK(s[0].rejected == 0);
    CHECK(s[1].source == "mqtt");
    CHECK(s[1].lines == 3);
    CHECK(s[1].accepted == 0);
    CHECK(s[1].duplicates == 1);
    CHECK(s[1].rejected == 2);
    CHECK(s[1].rejectedBy[static_cast<size_t>(RejectReason::MalformedJson)] == 1);
    CHECK(s[1].rejectedBy[static_cast<size_t>(RejectReason::OutsideArea)] == 1);
    CHECK(s[2].source == "pipeline");
    CHECK(s[2].lines == 0);
    CHECK(s[2].rejectedBy[static_cast<size_t>(RejectReason::QueueOverflow)] == 1);
    // The totals are the sums over the sources.
    uint64_t lines = 0, rejected = 0;
    for (const auto& c : s) lines += c.lines, rejected += c.rejected;
    CHECK(lines == st.counters().lines);
    CHECK(rejected == st.counters().rejected);

    // Sources past kMaxFeedSources - 1 share one "other" entry.
    FeedState many;
    for (int i = 0; i < 100; ++i) many.ingestLine("{bad", "file-" + std::to_string(i), 1, now);
    REQUIRE(many.sources().size() == kMaxFeedSources);
    CHECK(many.sources().back().source == "other");
    CHECK(many.sources().back().lines == 100 - (kMaxFeedSources - 1));
    CHECK(many.sources()[kMaxFeedSources - 2].source == "file-" + std::to_string(kMaxFeedSources - 2));
}
