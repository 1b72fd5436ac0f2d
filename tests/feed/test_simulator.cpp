// Simulator: determinism, GDAL loading, derived checkpoints, bad-line accounting through
// the real parser, the in-process transport, and a printed (not asserted) ingest rate.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/feed/pipeline.hpp"
#include "engine/sim/simulator.hpp"
#include "test_support.hpp"

using namespace sandtable;
using namespace std::chrono_literals;

namespace {
std::string simulate(const SimConfig& cfg, TimeMs durationMs, std::vector<std::string>* lines = nullptr) {
    Simulator sim(cfg, syntheticJurisdictions(), deriveCheckpoints(syntheticJurisdictions()));
    std::string all;
    sim.runUntil(cfg.start + durationMs, [&](std::string_view l, TimeMs) {
        all.append(l).push_back('\n');
        if (lines) lines->emplace_back(l);
    });
    return all;
}
}  // namespace

TEST_CASE("simulator output is deterministic for a seed", "[feed][sim]") {
    SimConfig cfg;
    cfg.officers = 60;
    cfg.seed = 42;
    cfg.badRate = 0.05;
    cfg.duplicateRate = 0.01;
    const std::string a = simulate(cfg, 1800000), b = simulate(cfg, 1800000);
    CHECK(a.size() > 10000);
    CHECK(a == b);
    cfg.seed = 43;
    CHECK(simulate(cfg, 1800000) != a);
    // Running in slices gives the same bytes as one run (the cockpit advances per frame).
    cfg.seed = 42;
    Simulator sim(cfg, syntheticJurisdictions(), deriveCheckpoints(syntheticJurisdictions()));
    std::string sliced;
    const auto append = [&](std::string_view l, TimeMs) { sliced.append(l).push_back('\n'); };
    for (TimeMs t = cfg.start; t < cfg.start + 1800000; t += 777) sim.runUntil(t, append);
    sim.runUntil(cfg.start + 1800000, append);
    CHECK(sliced == a);
}

TEST_CASE("jurisdictions load through GDAL and checkpoints derive from the southern edge", "[feed][sim]") {
    feedtest::TempDir dir;
    const std::string path = dir.file("j.geojson");
    {
        std::ofstream f(path);
        f << R"({"type":"FeatureCollection","features":[)"
          << R"({"type":"Feature","properties":{"squad":"taopu","name":"桃浦镇"},"geometry":{"type":"Polygon","coordinates":[[[121.33,31.21],[121.40,31.21],[121.40,31.25],[121.33,31.25],[121.33,31.21]]]}},)"
          << R"({"type":"Feature","properties":{"squad":"wanli","name":"万里街道"},"geometry":{"type":"MultiPolygon","coordinates":[[[[121.40,31.21],[121.47,31.21],[121.47,31.25],[121.40,31.25],[121.40,31.21]]]]}},)"
          << R"({"type":"Feature","properties":{"squad":"zhenru","name":"真如"},"geometry":{"type":"Polygon","coordinates":[[[121.33,31.25],[121.47,31.25],[121.47,31.30],[121.33,31.30],[121.33,31.25]]]}})"
          << "]}";
    }
    const auto js = loadJurisdictions(path);
    REQUIRE(js.size() == 3);
    CHECK(js[0].squad == "taopu");
    CHECK(js[0].name == "桃浦镇");
    CHECK(js[1].contains({121.43, 31.23}));
    CHECK_FALSE(js[1].contains({121.43, 31.26}));
    const auto cps = deriveCheckpoints(js, 800);
    REQUIRE(cps.size() >= 10);  // ~13 km of southern edge
    for (const auto& c : cps) {
        CHECK(c.lonLat.y == Approx(31.21).margin(0.001));
        CHECK(c.squad != "zhenru");  // the northern one has no creek frontage
        CHECK(c.level >= 1);
        CHECK(c.level <= 3);
    }
    CHECK_THROWS_WITH(loadJurisdictions(dir.file("nope.geojson")), Catch::Contains("nope.geojson"));

    // The project's sample data, when present.
    const std::filesystem::path real =
        std::filesystem::path(__FILE__).parent_path() / "../../data/putuo/jurisdictions.geojson";
    if (std::filesystem::exists(real)) {
        const auto pj = loadJurisdictions(real.string());
        CHECK(pj.size() == 10);
        CHECK_FALSE(deriveCheckpoints(pj).empty());
    }
}

TEST_CASE("a simulated feed with 1% bad lines is counted exactly", "[feed][sim]") {
    SimConfig cfg;
    cfg.officers = 300;
    cfg.seed = 7;
    cfg.badRate = 0.01;
    cfg.duplicateRate = 0.005;
    const TimeMs duration = 1800000, end = cfg.start + duration;
    Simulator sim(cfg, syntheticJurisdictions(), deriveCheckpoints(syntheticJurisdictions()));
    FeedState st;
    uint64_t lineNo = 0;
    sim.runUntil(end, [&](std::string_view l, TimeMs) { st.ingestLine(l, "sim", ++lineNo, end); });

    const SimStats& ss = sim.stats();
    REQUIRE(ss.badTotal > 100);
    REQUIRE(ss.checkins > 0);
    REQUIRE(ss.statusChanges > 0);
    const FeedCounters& c = st.counters();
    CHECK(c.lines == ss.lines);
    for (size_t r = 0; r < kRejectReasonCount; ++r) {
        INFO(rejectReasonName(static_cast<RejectReason>(r)));
        CHECK(c.rejectedBy[r] == ss.bad[r]);
    }
    CHECK(c.rejected == ss.badTotal);
    CHECK(c.duplicates == ss.duplicates);
    CHECK(c.positions == ss.positions);
    CHECK(c.checkins == ss.checkins);
    CHECK(c.late == 0);

    // Live and stale counts match what the simulator knows it sent.
    size_t reported = 0, expectedStale = 0;
    for (const auto& o : sim.officers()) {
        if (o.lastReport == 0) continue;
        ++reported;
        if (end - o.lastReport > st.config().staleAfterMs) ++expectedStale;
        const auto slot = st.slotOf(o.id);
        REQUIRE(slot);
        CHECK(st.officers()[*slot].lastSeen == o.lastReport);
    }
    CHECK(st.officers().size() == reported);
    CHECK(st.countStale(end) == expectedStale);
    CHECK(expectedStale > 0);  // some went offline
}

TEST_CASE("simulator as an in-process transport", "[feed][sim][pipeline]") {
    PipelineOptions po;
    po.now = [] { return kSimDefaultStart + 3600000; };
    FeedPipeline p({}, po);
    SimulatorTransportOptions so;
    so.sim.officers = 50;
    so.jurisdictions = syntheticJurisdictions();
    so.speedup = 0;
    so.durationS = 600;
    so.startNow = false;
    p.addTransport(std::make_unique<SimulatorTransport>(so));
    p.start();
    REQUIRE(p.waitFor(
        [](const FeedSnapshot& s) { return !s.transports.empty() && s.transports[0].state == ConnState::Finished; },
        20s));
    p.stop();
    auto s = p.snapshot();
    CHECK(s->officers.size() == 50);
    CHECK(s->counters.rejected == 0);
    CHECK(s->counters.accepted == s->transports[0].lines);
}

TEST_CASE("a simulated feed is checked against its own clock, not the wall clock", "[feed][sim][pipeline]") {
    // A simulation a day ahead of the wall clock (as fast as it goes): its lines are not
    // "from the future" for it, so none is refused; the wall clock would refuse them all.
    FeedPipeline p;
    SimulatorTransportOptions so;
    so.sim.officers = 20;
    so.sim.start = wallClockMs() + 24 * 3600000;
    so.jurisdictions = syntheticJurisdictions();
    so.speedup = 0;
    so.durationS = 300;
    so.startNow = false;
    auto sim = std::make_unique<SimulatorTransport>(so);
    const SimulatorTransport* simPtr = sim.get();
    p.addTransport(std::move(sim));
    p.start();
    REQUIRE(p.waitFor(
        [](const FeedSnapshot& s) { return !s.transports.empty() && s.transports[0].state == ConnState::Finished; },
        20s));
    p.stop();
    auto s = p.snapshot();
    CHECK(s->officers.size() == 20);
    CHECK(s->counters.rejected == 0);
    CHECK(simPtr->now() >= so.sim.start + 300000);
}

// Throughput is measured by `sandtable-bench --workload ingest`; this checks that a large
// realistic feed goes through the state with nothing lost or refused.
TEST_CASE("half an hour of 2000 simulated officers is accepted line for line", "[feed][sim]") {
    SimConfig cfg;
    cfg.officers = 2000;
    cfg.seed = 3;
    std::vector<std::string> lines;
    simulate(cfg, 1800000, &lines);
    FeedState st;
    uint64_t n = 0;
    for (const auto& l : lines) st.ingestLine(l, "bulk", ++n, cfg.start + 3600000);
    CHECK(lines.size() > 100000);
    CHECK(st.counters().accepted == lines.size());
    CHECK(st.counters().rejected == 0);
    CHECK(st.officers().size() == 2000);
}

TEST_CASE("planned check-ins are walked to and reported at their exact instant", "[feed][sim]") {
    const auto js = syntheticJurisdictions();
    const auto cps = deriveCheckpoints(js);
    REQUIRE(cps.size() >= 2);
    SimConfig cfg;
    cfg.officers = 20;
    cfg.seed = 7;
    cfg.epochMsFraction = 1.0;  // "t" as epoch ms: compared exactly below
    cfg.gcj02Fraction = 0.0;
    const TimeMs a = cfg.start + 25 * 60000 + 123, b = cfg.start + 50 * 60000 + 7;
    cfg.plannedCheckins = {{cps[1].id, "PT-0003", b},
                           {cps[0].id, "PT-0003", a},
                           {cps[0].id, "PT-0003", a},               // a repeated row: one visit
                           {cps[0].id, "PT-9999", a},               // no such officer
                           {"SZH-404", "PT-0004", a},               // no such checkpoint
                           {cps[0].id, "PT-0005", cfg.start - 1}};  // before the start
    std::vector<std::string> lines;
    Simulator sim(cfg, js, cps);
    std::vector<std::pair<std::string, TimeMs>> checkins;
    Vec2d lastFix{};
    TimeMs lastFixT = 0;
    sim.runUntil(cfg.start + 3600000, [&](std::string_view l, TimeMs t) {
        const std::string s(l);
        if (s.find("\"checkin\"") != std::string::npos) {
            checkins.emplace_back(s, t);
            // The officer's last report was on the way: within walking reach of the checkpoint.
            if (s.find(cps[0].id) != std::string::npos) {
                const double dm =
                    std::hypot((lastFix.x - cps[0].lonLat.x) * 95000.0, (lastFix.y - cps[0].lonLat.y) * 111000.0);
                CHECK(dm < 30.0 * static_cast<double>(t - lastFixT) / 1000.0 + 60.0);
            }
        } else if (s.find("\"PT-0003\"") != std::string::npos) {
            const auto lon = s.find("\"lon\":"), lat = s.find("\"lat\":");
            lastFix = {std::stod(s.substr(lon + 6)), std::stod(s.substr(lat + 6))};
            lastFixT = t;
        }
    });
    REQUIRE(checkins.size() == 2);  // the plan replaces the random creek rounds
    CHECK(checkins[0].second == a);
    CHECK(checkins[0].first == R"({"type":"checkin","checkpoint":")" + cps[0].id + R"(","officer":"PT-0003","t":)" +
                                   std::to_string(a) + "}");
    CHECK(checkins[1].second == b);
    CHECK(checkins[1].first.find(cps[1].id) != std::string::npos);
    CHECK(sim.stats().checkins == 2);
    CHECK(sim.stats().plannedSkipped == 3);
}
