// Roads for the simulator: the OGR reader, the per-jurisdiction road graph (junctions,
// classes not walked, joins across small gaps, shortest paths) and patrols that follow
// the network: most fixes of patrolling officers lie on a road where their beat has one,
// check-in rounds still check in, and the output stays the same for a seed.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/data/roads.hpp"
#include "engine/sim/simulator.hpp"
#include "test_support.hpp"
#include "tests/support/temp_path.hpp"

using namespace sandtable;

namespace {

const double kKy = kMetresPerDeg, kKx = std::cos(degToRad(31.255)) * kMetresPerDeg;

// A street grid over the synthetic jurisdictions' extent west of 121.438 (the eastern
// column of tiles, taopu and changzheng, has no roads): lines every 0.004 degrees,
// each a polyline through every crossing, so crossing streets share their vertices.
std::vector<RoadLine> streetGrid() {
    std::vector<RoadLine> out;
    const int cols = 28, rows = 22;
    auto lon = [](int i) { return 121.33 + 0.004 * i; };
    auto lat = [](int k) { return 31.21 + 0.004 * k; };
    for (int i = 0; i <= cols - 1; ++i) {
        RoadLine r{"secondary", {}};
        for (int k = 0; k <= rows; ++k) r.points.push_back({lon(i), lat(k)});
        out.push_back(r);
    }
    for (int k = 0; k <= rows; ++k) {
        RoadLine r{k % 4 == 0 ? "primary" : "secondary", {}};
        for (int i = 0; i <= cols - 1; ++i) r.points.push_back({lon(i), lat(k)});
        out.push_back(r);
    }
    return out;
}

// Metres from a point to the nearest road line (brute force; the tests' own measure,
// independent of the graph).
double metresToRoads(Vec2d p, const std::vector<RoadLine>& roads) {
    double best = 1e18;
    for (const auto& r : roads)
        for (size_t i = 0; i + 1 < r.points.size(); ++i) {
            const double ax = (r.points[i].x - p.x) * kKx, ay = (r.points[i].y - p.y) * kKy;
            const double bx = (r.points[i + 1].x - p.x) * kKx, by = (r.points[i + 1].y - p.y) * kKy;
            const double dx = bx - ax, dy = by - ay;
            const double t = std::clamp(-(ax * dx + ay * dy) / std::max(dx * dx + dy * dy, 1e-12), 0.0, 1.0);
            best = std::min(best, std::hypot(ax + t * dx, ay + t * dy));
        }
    return best;
}

struct Fix {
    std::string officer, squad, status;
    Vec2d lonLat;
};

std::vector<Fix> patrolFixes(const std::string& feed, std::set<std::string>* checkedIn = nullptr) {
    std::vector<Fix> out;
    size_t start = 0;
    while (start < feed.size()) {
        const size_t end = feed.find('\n', start);
        const auto j = nlohmann::json::parse(feed.substr(start, end - start));
        start = end + 1;
        if (j["type"] == "checkin" && checkedIn) checkedIn->insert(j["officer"].get<std::string>());
        if (j["type"] != "pos") continue;
        out.push_back({j["officer"], j["squad"], j["status"], {j["lon"].get<double>(), j["lat"].get<double>()}});
    }
    return out;
}

std::string simulate(const SimConfig& cfg, TimeMs durationMs, const std::vector<Jurisdiction>& js,
                     const std::vector<Checkpoint>& cps, const std::vector<RoadLine>& roads) {
    Simulator sim(cfg, js, cps, roads);
    std::string all;
    sim.runUntil(cfg.start + durationMs, [&](std::string_view l, TimeMs) { all.append(l).push_back('\n'); });
    return all;
}

const std::filesystem::path kData = std::filesystem::path(__FILE__).parent_path() / "../../data/putuo";

}  // namespace

TEST_CASE("roads load through OGR with their class, and errors name the file", "[feed][sim][roads]") {
    feedtest::TempDir dir;
    const std::string path = dir.file("r.geojson");
    {
        std::ofstream f(path);
        f << R"({"type":"FeatureCollection","features":[)"
          << R"({"type":"Feature","properties":{"class":"primary"},"geometry":{"type":"LineString","coordinates":[[121.40,31.25],[121.41,31.25]]}},)"
          << R"({"type":"Feature","properties":{"highway":"motorway_link"},"geometry":{"type":"MultiLineString","coordinates":[[[121.40,31.26],[121.41,31.26]],[[121.42,31.26],[121.43,31.26]]]}},)"
          << R"({"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[121.40,31.25]}})"
          << "]}";
    }
    const auto roads = loadRoads(path);
    REQUIRE(roads.size() == 3);
    CHECK(roads[0].roadClass == "primary");
    CHECK(roads[1].roadClass == "motorway");  // OSM's highway, the link folded into its road
    CHECK(roads[2].points.front().x == Approx(121.42));
    CHECK_THROWS_WITH(loadRoads(dir.file("nope.geojson")), Catch::Contains("nope.geojson"));
    const std::string points = dir.file("p.geojson");
    std::ofstream(points) << R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},)"
                          << R"("geometry":{"type":"Point","coordinates":[121.40,31.25]}}]})";
    CHECK_THROWS_WITH(loadRoads(points), Catch::Contains("p.geojson") && Catch::Contains("no line features"));
    if (std::filesystem::exists(kData / "roads.geojson")) {
        const auto sample = loadRoads((kData / "roads.geojson").string());
        std::set<std::string> classes;
        for (const auto& r : sample) classes.insert(r.roadClass);
        CHECK(classes == std::set<std::string>{"motorway", "trunk", "primary", "secondary"});
    }
}

TEST_CASE("the road graph joins lines at shared vertices, skips what patrols do not walk, bridges small gaps",
          "[feed][sim][roads]") {
    Jurisdiction j;
    j.squad = "wanli";
    j.rings.push_back({{121.40, 31.24}, {121.44, 31.24}, {121.44, 31.27}, {121.40, 31.27}, {121.40, 31.24}});
    for (const Vec2d& p : j.rings.front()) j.bbox.extend(p);
    // A cross of two streets meeting at (121.42, 31.25), a motorway, a street starting
    // ~90 m east of the cross's end (joined) and a stub 600 m away from everything (too
    // short to patrol: dropped).
    std::vector<RoadLine> roads = {
        {"primary", {{121.41, 31.25}, {121.42, 31.25}, {121.43, 31.25}}},
        {"secondary", {{121.42, 31.245}, {121.42, 31.25}}},
        {"secondary", {{121.42, 31.25}, {121.42, 31.26}}},
        {"motorway", {{121.405, 31.265}, {121.435, 31.265}}},
        {"trunk", {{121.405, 31.268}, {121.435, 31.268}}},
        {"secondary", {{121.431, 31.25}, {121.436, 31.25}}},
        {"primary", {{121.401, 31.241}, {121.4012, 31.241}}},
        {"primary", {{121.43, 31.28}, {121.43, 31.23}}},  // leaves the jurisdiction: only its inside edge... none
    };
    const RoadGraph g(j, roads, kKx, kKy);
    REQUIRE_FALSE(g.empty());
    // 3 + 1 + 1 (the cross: the centre is shared) + 2 (the eastern street); no motorway,
    // trunk, stub or crossing-out nodes.
    CHECK(g.size() == 7);
    CHECK(g.joins() == 1);
    const auto [centre, d0] = g.nearest({121.42, 31.25});
    CHECK(d0 < 0.01);
    CHECK(g.neighbours(static_cast<uint32_t>(centre)).size() == 4);
    const auto [east, d1] = g.nearest({121.436, 31.25});
    CHECK(d1 < 0.01);
    CHECK(g.nearest({121.42, 31.265}).second > 400);  // the motorway is not in the graph
    const auto path = g.path(g.nearest({121.42, 31.245}).first, east);
    REQUIRE(path.size() == 4);  // centre, 121.43 (the cross's end), the join, 121.436
    CHECK(path.front() == static_cast<uint32_t>(centre));
    CHECK(path.back() == static_cast<uint32_t>(east));
    CHECK(g.lengthM() == Approx(2 * 954.0 + 556 + 1112 + 85.6 + 476.6).epsilon(0.02));
    CHECK(RoadGraph(j, {}, kKx, kKy).empty());
}

TEST_CASE("patrols follow the road network where their beat has one", "[feed][sim][roads]") {
    const auto js = syntheticJurisdictions();
    const auto cps = deriveCheckpoints(js);
    const auto roads = streetGrid();
    SimConfig cfg;
    cfg.officers = 120;
    cfg.seed = 11;
    cfg.checkinFraction = 0;  // rounds walk the creek: checked below
    cfg.gcj02Fraction = 0;    // reported positions compared as WGS84
    const std::string feed = simulate(cfg, 2 * 3600000, js, cps, roads);
    CHECK(feed == simulate(cfg, 2 * 3600000, js, cps, roads));  // deterministic with roads too

    std::set<std::string> withRoads;  // squads whose tile the grid covers
    {
        Simulator probe(cfg, js, cps, roads);
        for (size_t i = 0; i < js.size(); ++i)
            if (!probe.roadGraph(i).empty()) withRoads.insert(js[i].squad);
    }
    CHECK(withRoads.size() == 8);
    size_t near = 0, total = 0, nearOpen = 0, totalOpen = 0;
    std::map<std::string, std::set<std::pair<long, long>>> cells;  // where each officer went
    for (const Fix& f : patrolFixes(feed)) {
        if (f.status != "patrol") continue;
        const bool onRoad = metresToRoads(f.lonLat, roads) <= 30;
        if (withRoads.count(f.squad)) {
            ++total;
            near += onRoad;
            cells[f.officer].insert({std::lround(f.lonLat.x * 1000), std::lround(f.lonLat.y * 1000)});
        } else {
            ++totalOpen;
            nearOpen += onRoad;
        }
    }
    REQUIRE(total > 10000);
    INFO(near << " of " << total << " patrol fixes within 30 m of a road");
    CHECK(static_cast<double>(near) >= 0.8 * static_cast<double>(total));
    // They walk the network, not stand at a node: each covers ground.
    for (const auto& [officer, c] : cells) {
        INFO(officer);
        CHECK(c.size() >= 5);
    }
    // Where there is no road, the beat is walked in the open (the grid is > 150 m away).
    REQUIRE(totalOpen > 1000);
    CHECK(static_cast<double>(nearOpen) < 0.2 * static_cast<double>(totalOpen));
    // Without roads, the same officers walk straight legs: far fewer fixes on the grid.
    size_t nearPlain = 0, totalPlain = 0;
    for (const Fix& f : patrolFixes(simulate(cfg, 2 * 3600000, js, cps, {}))) {
        if (f.status != "patrol" || !withRoads.count(f.squad)) continue;
        ++totalPlain;
        nearPlain += metresToRoads(f.lonLat, roads) <= 30;
    }
    CHECK(static_cast<double>(nearPlain) < 0.5 * static_cast<double>(totalPlain));
}

TEST_CASE("with roads, check-in rounds still visit their checkpoints", "[feed][sim][roads]") {
    const auto js = syntheticJurisdictions();
    const auto cps = deriveCheckpoints(js);
    SimConfig cfg;
    cfg.officers = 200;
    cfg.seed = 5;
    Simulator sim(cfg, js, cps, streetGrid());
    std::set<std::string> visited;
    sim.runUntil(cfg.start + 3600000, [&](std::string_view l, TimeMs) {
        const auto j = nlohmann::json::parse(l);
        if (j["type"] == "checkin") visited.insert(j["checkpoint"].get<std::string>());
    });
    CHECK(sim.stats().checkins > 20);
    CHECK(visited.size() >= cps.size() / 2);
}

TEST_CASE("on the sample's OSM roads, patrols stay on the streets", "[feed][sim][roads]") {
    REQUIRE(std::filesystem::exists(kData / "roads.geojson"));  // committed sample data
    const auto js = loadJurisdictions((kData / "jurisdictions.geojson").string());
    const auto cps = loadCheckpoints((kData / "records/checkpoints.csv").string());
    const auto roads = loadRoads((kData / "roads.geojson").string());
    SimConfig cfg;
    cfg.officers = 150;
    cfg.seed = 20241120;
    cfg.gcj02Fraction = 0;
    Simulator probe(cfg, js, cps, roads);
    std::set<std::string> withRoads;
    for (size_t i = 0; i < js.size(); ++i)
        if (!probe.roadGraph(i).empty()) withRoads.insert(js[i].squad);
    CHECK(withRoads.size() == js.size());  // every Putuo street has major roads
    std::set<std::string> onRounds;
    const auto fixes = patrolFixes(simulate(cfg, 3600000, js, cps, roads), &onRounds);
    CHECK_FALSE(onRounds.empty());  // the creek rounds still check in
    size_t near = 0, total = 0;
    for (const Fix& f : fixes) {
        if (f.status != "patrol" || onRounds.count(f.officer) || !withRoads.count(f.squad)) continue;
        ++total;
        near += metresToRoads(f.lonLat, roads) <= 30;
    }
    REQUIRE(total > 5000);
    INFO(near << " of " << total << " patrol fixes within 30 m of a road");
    CHECK(static_cast<double>(near) >= 0.8 * static_cast<double>(total));
}

TEST_CASE("checkpoint rows that are not checkpoints are skipped and counted, the rest load", "[feed][sim][records]") {
    const auto path = test::processTempPath("sandtable_checkpoints_bad.csv");
    {
        std::ofstream f(path);
        f << "id,squad,level,lon,lat,crs\n"
          << "A-1,changfeng,1,121.40,31.23,\n"       // good
          << "A-2,changfeng,2,121.41,31.23,gcj02\n"  // good (GCJ-02)
          << "A-3,changfeng,1,east,31.23,\n"         // lon not a number
          << "A-4,changfeng,1,121.41,,\n"            // no lat
          << "A-5,changfeng,7,121.41,31.23,\n"       // level out of range
          << ",changfeng,1,121.41,31.23,\n"          // no id
          << "A-7,changfeng,1,1214.1,31.23,\n"       // not a longitude
          << "A-8,,1,121.41,31.23,\n"                // no squad
          << "A-9,changfeng,3,121.42abc,31.23,\n";   // trailing garbage
    }
    size_t skipped = 99;
    const auto cps = loadCheckpoints(path.string(), &skipped);
    REQUIRE(cps.size() == 2);
    CHECK(cps[0].id == "A-1");
    CHECK(cps[1].level == 2);
    CHECK(cps[1].lonLat.x != Approx(121.41).margin(1e-6));  // moved from GCJ-02 to WGS84
    CHECK(skipped == 7);
    std::filesystem::remove(path);
}
