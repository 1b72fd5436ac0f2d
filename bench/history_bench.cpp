// `history` workload: the position history on a GeoPackage (docs/history.md).
//  - import-ndjson / import-csv: sandtable-import's path (feed validation, writer thread,
//    one transaction per batch) over a generated day of 200 officers reporting every 10 s
//    (1.728 M positions; --quick: one hour, 72 000), rows per second end to end;
//  - load: start to memory, i.e. opening the GeoPackage and reading those 24 h into a
//    track store (what the cockpit does at start), median of three;
//  - load-to-screen: what a restarted cockpit does before its first frame: open the
//    GeoPackage, restore those 24 h into a feed pipeline (FeedPipeline::restoreHistory),
//    publish, and draw the officers and their 15-minute trails once at 1080p (glFinish);
//  - coverage: coverage of every squad over the day from the loaded tracks.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench/bench.hpp"
#include "bench/officers.hpp"
#include "engine/data/jurisdictions.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/map.hpp"
#include "engine/tracks/coverage.hpp"
#include "engine/tracks/importer.hpp"
#include "engine/util/i18n.hpp"
#include "engine/util/log.hpp"
#include "layers/officer_layer.hpp"
#include "layers/trail_layer.hpp"

namespace sandtable::bench {

namespace {

constexpr TimeMs kDayStart = 1732032000000;  // 2024-11-20T00:00:00+08:00

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/sandtable-bench-history-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

// Officers walking at ~1.3 m/s in random directions inside Putuo, one fix each 10 s, in
// time order; the same positions as NDJSON feed lines and as CSV rows.
void generate(const std::string& ndjson, const std::string& csv, int officers, int steps) {
    Rng rng(20241120);
    std::vector<Vec2d> pos(static_cast<size_t>(officers));
    for (auto& p : pos) p = {rng.uniform(kLonMin, kLonMax), rng.uniform(kLatMin, kLatMax)};
    const auto& squads = defaultSquadIds();
    std::FILE* j = std::fopen(ndjson.c_str(), "w");
    std::FILE* c = std::fopen(csv.c_str(), "w");
    if (!j || !c) throw std::runtime_error("history bench: cannot write the input files");
    std::fputs("officer,squad,t,lon,lat,status,speed,heading,acc\n", c);
    for (int k = 0; k < steps; ++k) {
        const TimeMs t = kDayStart + static_cast<TimeMs>(k) * 10000;
        for (int i = 0; i < officers; ++i) {
            Vec2d& p = pos[static_cast<size_t>(i)];
            const double a = rng.uniform(0.0, 2.0 * kPi);
            p.x = std::clamp(p.x + std::cos(a) * 1.3e-4, kLonMin, kLonMax);
            p.y = std::clamp(p.y + std::sin(a) * 1.1e-4, kLatMin, kLatMax);
            const int heading = static_cast<int>(radToDeg(a));
            const std::string& sq = squads[static_cast<size_t>(i) % squads.size()];
            std::fprintf(j,
                         "{\"type\":\"pos\",\"officer\":\"PT-%04d\",\"squad\":\"%s\",\"t\":%lld,\"lon\":%.6f,"
                         "\"lat\":%.6f,\"status\":\"patrol\",\"speed\":1.3,\"heading\":%d,\"acc\":8}\n",
                         i, sq.c_str(), static_cast<long long>(t), p.x, p.y, heading);
            std::fprintf(c, "PT-%04d,%s,%lld,%.6f,%.6f,patrol,1.3,%d,8\n", i, sq.c_str(), static_cast<long long>(t),
                         p.x, p.y, heading);
        }
    }
    std::fclose(j);
    std::fclose(c);
}

nlohmann::json importCase(Env& env, const std::string& name, const std::string& input, const std::string& target,
                          uint64_t positions) {
    const MemoryProbe memory;
    HistoryOptions ho;
    ho.target = target;
    ho.retentionDays = 0;
    ho.batchRows = 50000;
    ImportOptions io;
    io.now = kDayStart + 2 * 86400000LL;
    ImportResult r;
    {
        HistoryStore store(ho);
        r = importPositions({input}, store, io);
    }
    nlohmann::json j = env.record("history", name, 0, 0);
    j["sizes"] = {{"positions", positions}, {"officers", 200}, {"bytes", std::filesystem::file_size(input)}};
    j["rows"] = r.counters.lines;
    j["written"] = r.written;
    j["rejected"] = r.counters.rejected;
    j["seconds"] = r.seconds;
    j["rows_per_s"] = r.rowsPerSecond;
    j["write_errors"] = r.history.writeErrors;
    j["batches"] = r.history.batches;
    std::error_code ec;
    j["gpkg_mb"] = static_cast<double>(std::filesystem::file_size(HistoryStore::datasetName(target), ec)) / 1e6;
    memory.add(j);
    if (r.written != positions) throw std::runtime_error(name + ": wrote " + std::to_string(r.written) + " rows");
    return j;
}

}  // namespace

void runHistory(Env& env) {
    const int officers = 200;
    const int steps = env.options.quick ? 360 : 8640;  // 1 h or 24 h at 10 s
    const uint64_t positions = static_cast<uint64_t>(officers) * static_cast<uint64_t>(steps);
    TempDir dir;
    const std::string ndjson = (dir.path / "day.jsonl").string(), csv = (dir.path / "day.csv").string();
    const auto g0 = std::chrono::steady_clock::now();
    generate(ndjson, csv, officers, steps);
    const double genMs = msSince(g0);

    nlohmann::json imp = importCase(env, "import-ndjson", ndjson, (dir.path / "a").string(), positions);
    imp["generate_ms"] = genMs;
    env.out->emit(imp);
    env.out->emit(importCase(env, "import-csv", csv, (dir.path / "b").string(), positions));

    // Start to memory: open the GeoPackage, read the day into a fresh track store; with one
    // reader thread (the GeoPackage default) and with one per core (at most 4).
    std::shared_ptr<const TrackView> view;
    for (unsigned threads : {1u, std::clamp(std::thread::hardware_concurrency(), 2u, 4u)}) {
        const MemoryProbe memory;
        std::vector<double> ms;
        HistoryLoad last;
        TrackStats stats;
        for (int rep = 0; rep < 3; ++rep) {
            const auto t0 = std::chrono::steady_clock::now();
            HistoryOptions ro;
            ro.target = (dir.path / "a").string();
            ro.readOnly = true;
            ro.readThreads = threads;
            HistoryStore store(ro);
            TrackStore tracks;
            last = store.load(kDayStart, kDayStart + 86400000LL, tracks);
            ms.push_back(msSince(t0));
            if (!last.error.empty()) throw std::runtime_error(last.error);
            stats = tracks.stats();
            view = tracks.view();
        }
        const unsigned used = threads;
        nlohmann::json j = env.record("history", "load@" + std::to_string(used) + "threads", 0, 0);
        j["sizes"] = {{"positions", positions}, {"officers", officers}, {"hours", steps / 360}};
        j["rows"] = last.rows;
        j["stored"] = last.stored;
        j["columnar_slices"] = last.columnar;  // time slices read through the Arrow stream
        addStats(j, "start_to_memory_", ms);
        j["rows_per_s"] = static_cast<double>(last.rows) / (percentile(ms, 0.5) / 1000.0);
        j["read_threads"] = used;
        j["tracks"] = {{"points", stats.points}, {"bytes_per_point", stats.bytesPerPoint}, {"bytes", stats.bytes}};
        memory.add(j);
        env.out->emit(j);
        if (last.stored != positions) throw std::runtime_error("load: stored " + std::to_string(last.stored));
    }

    // Start to screen: a restarted cockpit's path to its first frame of the day.
    {
        const SceneSpec scene = benchScene(env);
        const int width = 1920, height = 1080;
        std::vector<double> ms;
        size_t segments = 0, drawn = 0;
        for (int rep = 0; rep < 3; ++rep) {
            const auto t0 = std::chrono::steady_clock::now();
            HistoryOptions ro;
            ro.target = (dir.path / "a").string();
            ro.readOnly = true;
            PipelineOptions po;
            const TimeMs end = kDayStart + static_cast<TimeMs>(steps) * 10000;
            po.now = [end] { return end; };
            po.history = std::make_shared<HistoryStore>(ro);
            auto feed = std::make_shared<FeedPipeline>(FeedConfig{}, po);
            std::string err;
            feed->restoreHistory(kDayStart, end + 1, &err);
            if (!err.empty()) throw std::runtime_error("load-to-screen: " + err);
            feed->publish();
            auto map = emptyMap(scene, width, height);
            auto trails =
                std::make_unique<TrailLayer>("trails", text("layer.trails"), map->context, TrailLayerOptions{});
            TrailLayer* t = trails.get();
            t->setFeed(feed);
            map->addLayer(std::move(trails));
            OfficerLayer* officersLayer = addOfficerLayer(*map);
            officersLayer->setFeed(feed);
            Target target(width, height);
            FrameState frame;
            frame.time = end;
            frame.complete = true;
            renderFrame(*map, frame, target);
            glFinish();
            ms.push_back(msSince(t0));
            segments = t->buildStats().segments;
            drawn = feed->snapshot()->officers.size();
        }
        nlohmann::json j = env.record("history", "load-to-screen", width, height);
        j["sizes"] = {{"positions", positions}, {"officers", officers}, {"hours", steps / 360}};
        addStats(j, "start_to_screen_", ms);
        j["officers_drawn"] = drawn;
        j["trail_segments"] = segments;
        env.out->emit(j);
    }

    // Coverage of every squad over the period, from the loaded view.
    const std::string jpath = env.options.dataDir + "/jurisdictions.geojson";
    if (std::filesystem::exists(jpath)) {
        const auto jur = loadJurisdictions(jpath);
        const auto t0 = std::chrono::steady_clock::now();
        const auto cov = coverageBySquad(*view, jur, kDayStart, kDayStart + 86400000LL);
        nlohmann::json c = env.record("history", "coverage", 0, 0);
        c["sizes"] = {{"positions", positions}, {"squads", cov.size()}};
        c["ms"] = msSince(t0);
        double km = 0;
        for (const auto& r : cov) km += r.km;
        c["km_total"] = km;
        c["share_mean"] = cov.empty() ? 0.0 : [&] {
            double s = 0;
            for (const auto& r : cov) s += r.share;
            return s / static_cast<double>(cov.size());
        }();
        env.out->emit(c);
    }
}

}  // namespace sandtable::bench
