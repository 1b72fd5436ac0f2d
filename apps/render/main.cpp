// sandtable-render: draws a scene with no display at all (EGL), for servers, briefings
// and tests. See docs/cli.md.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/analysis/heat_io.hpp"
#include "engine/data/scene.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/tracks/coverage.hpp"
#include "engine/util/cli.hpp"
#include "engine/util/log.hpp"
#include "layers/heatmap_layer.hpp"
#include "layers/layer_factory.hpp"

using namespace sandtable;

namespace {

const char* kUsage =
    "usage: sandtable-render --scene FILE --out FILE.png [--width W] [--height H]\n"
    "                        [--view LON,LAT,ZOOM[,ROT]] [--stats FILE.json] [--lang zh|en]\n"
    "                        [--feed FILE.jsonl --at TIME] [--stale-seconds S]\n"
    "                        [--jurisdictions FILE] [--coverage-from TIME]\n"
    "                        [--export-heatmap FILE.tif [--heatmap-layer ID] [--heatmap-grid-like RASTER]]\n"
    "TIME is ISO 8601 with an offset (2024-11-20T08:30:00+08:00) or epoch milliseconds.\n";

struct Options {
    std::string scene, out, stats, view, lang = "zh", exportHeatmap, heatmapLayer, feed, at, gridLike;
    std::string jurisdictions, coverageFrom;
    double staleSeconds = 120;
    int width = 1920, height = 1080;
};

}  // namespace

int main(int argc, char** argv) {
    Options o;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto next = [&]() -> const char* {
                if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
                return argv[++i];
            };
            if (a == "--scene")
                o.scene = next();
            else if (a == "--out")
                o.out = next();
            else if (a == "--width")
                o.width = cli::parseInt(a, next(), 16, 16384);
            else if (a == "--height")
                o.height = cli::parseInt(a, next(), 16, 16384);
            else if (a == "--view")
                o.view = next();
            else if (a == "--stats")
                o.stats = next();
            else if (a == "--lang")
                o.lang = next();
            else if (a == "--time" || a == "--at")
                o.at = next();
            else if (a == "--feed")
                o.feed = next();
            else if (a == "--stale-seconds")
                o.staleSeconds = cli::parseDouble(a, next(), 1.0, 86400.0);
            else if (a == "--jurisdictions")
                o.jurisdictions = next();
            else if (a == "--coverage-from")
                o.coverageFrom = next();
            else if (a == "--export-heatmap")
                o.exportHeatmap = next();
            else if (a == "--heatmap-layer")
                o.heatmapLayer = next();
            else if (a == "--heatmap-grid-like")
                o.gridLike = next();
            else if (a == "--help" || a == "-h") {
                std::fputs(kUsage, stdout);
                return 0;
            } else
                throw std::runtime_error("unknown option '" + a + "'");
        }
        if (o.scene.empty() || o.out.empty()) throw std::runtime_error("--scene and --out are required");
        if (o.lang != "zh" && o.lang != "en") throw std::runtime_error("--lang: expected zh or en");
        if (!o.feed.empty() && o.at.empty()) throw std::runtime_error("--feed needs --at TIME (the moment to draw)");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable-render: %s\n%s", e.what(), kUsage);
        return 2;
    }

    try {
        const auto t0 = std::chrono::steady_clock::now();
        const SceneSpec scene = loadScene(o.scene);
        auto ctx = HeadlessContext::create();
        std::vector<std::string> errors;
        auto map = buildMap(scene, errors);
        const double loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        map->language = o.lang == "en" ? Language::English : Language::Chinese;
        applySceneView(scene, *map, o.width, o.height);
        if (!o.view.empty()) applyViewString(o.view, *map);

        FrameState frame;
        frame.time = 0;
        if (!o.at.empty()) {
            char* end = nullptr;
            frame.time = std::strtoll(o.at.c_str(), &end, 10);
            if ((!end || *end) && !parseIsoTime(o.at, frame.time))
                throw std::runtime_error("--at '" + o.at + "': expected ISO 8601 with an offset or epoch milliseconds");
        }
        std::shared_ptr<FeedPipeline> feed;
        const auto cfgStaleMs = static_cast<TimeMs>(o.staleSeconds * 1000.0);
        if (!o.feed.empty()) {
            // The feed as of TIME: every line with t <= TIME applied in file order;
            // future-time checks use TIME as "now".
            FeedConfig cfg;
            cfg.staleAfterMs = static_cast<TimeMs>(o.staleSeconds * 1000.0);
            PipelineOptions po;
            const TimeMs at = frame.time;
            po.now = [at] { return at; };
            feed = std::make_shared<FeedPipeline>(cfg, po);
            std::string err;
            if (!feed->ingestFile(o.feed, frame.time, &err)) throw std::runtime_error("--feed: " + err);
            feed->publish();
            attachFeed(*map, feed, cfg.staleAfterMs);
        }
        const auto t1 = std::chrono::steady_clock::now();
        Image img = renderOffscreen(*map, frame, o.width, o.height);
        const double renderMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
        writePng(o.out, img);
        if (!o.exportHeatmap.empty()) {
            HeatmapLayer* heat = nullptr;
            for (const auto& l : map->layers())
                if (auto* h = dynamic_cast<HeatmapLayer*>(l.get());
                    h && (o.heatmapLayer.empty() || h->id() == o.heatmapLayer)) {
                    heat = h;
                    break;
                }
            if (!heat)
                throw std::runtime_error("--export-heatmap: the scene has no heatmap layer" +
                                         (o.heatmapLayer.empty() ? std::string() : " '" + o.heatmapLayer + "'"));
            // The exact KDE at the pixel centres of the rendered view (or of another raster's
            // grid, e.g. QGIS's output for a comparison), in the display CRS.
            GridSpec grid = gridForCamera(map->camera);
            if (!o.gridLike.empty()) {
                const RasterReadBack like = readDensityRaster(o.gridLike);
                grid = like.grid.spec;
            }
            heat->exportGeoTiff(o.exportHeatmap, grid, pixelRatioFor(o.width, o.height), &map->shaders());
            std::printf("sandtable-render: wrote density grid %s (float32 GeoTIFF, %s)\n", o.exportHeatmap.c_str(),
                        scene.displayCrs.c_str());
        }
        std::printf("sandtable-render: wrote %s (%dx%d, %zu layers, %zu labels placed) on %s\n", o.out.c_str(), o.width,
                    o.height, map->layers().size(), map->labels().placed(), ctx->renderer().c_str());

        if (!o.stats.empty()) {
            nlohmann::json j;
            j["scene"] = o.scene;
            j["output"] = o.out;
            j["width"] = o.width;
            j["height"] = o.height;
            j["renderer"] = ctx->renderer();
            j["egl_platform"] = ctx->platform();
            j["load_ms"] = loadMs;
            j["render_ms"] = renderMs;
            j["labels"] = {{"placed", map->labels().placed()}, {"dropped", map->labels().dropped()}};
            j["errors"] = errors;
            if (feed) {
                const auto snap = feed->snapshot();
                const FeedCounters& c = snap->counters;
                nlohmann::json rej = nlohmann::json::object();
                for (size_t r = 0; r < kRejectReasonCount; ++r)
                    if (c.rejectedBy[r]) rej[rejectReasonName(static_cast<RejectReason>(r))] = c.rejectedBy[r];
                const size_t stale = snap->countStale(frame.time);
                j["feed"] = {{"file", o.feed},
                             {"at", frame.time},
                             {"lines", c.lines},
                             {"accepted", c.accepted},
                             {"positions", c.positions},
                             {"checkins", c.checkins},
                             {"incidents", c.incidents},
                             {"late", c.late},
                             {"duplicates", c.duplicates},
                             {"after_at", c.skipped},
                             {"rejected", c.rejected},
                             {"rejected_by_reason", rej},
                             {"officers", snap->officers.size()},
                             {"live", snap->officers.size() - stale},
                             {"stale", stale}};
                const TrackStats& ts = snap->tracks->stats();
                j["tracks"] = {{"points", ts.points},
                               {"bytes_per_point", ts.bytesPerPoint},
                               {"dropped", ts.dropped},
                               {"bytes", ts.bytes},
                               {"chunks", ts.chunks},
                               {"duplicates", ts.duplicates},
                               {"point_bytes", sizeof(TrackPoint)}};
                // Coverage per squad over [--coverage-from (default: the first fix), --at]
                // (docs/history.md), with the scene's display CRS as the metric CRS.
                std::string jpath = o.jurisdictions;
                if (jpath.empty()) {
                    const auto near = std::filesystem::path(o.scene).parent_path() / "jurisdictions.geojson";
                    if (std::filesystem::exists(near)) jpath = near.string();
                }
                if (!jpath.empty() && snap->tracks->stats().points > 0) {
                    TimeMs from = snap->tracks->oldestTime();
                    if (!o.coverageFrom.empty()) {
                        char* end = nullptr;
                        from = std::strtoll(o.coverageFrom.c_str(), &end, 10);
                        if ((!end || *end) && !parseIsoTime(o.coverageFrom, from))
                            throw std::runtime_error("--coverage-from '" + o.coverageFrom +
                                                     "': expected ISO 8601 with an offset or epoch milliseconds");
                    }
                    CoverageOptions co;
                    co.metricCrs = scene.displayCrs;
                    co.maxGapMs = cfgStaleMs;
                    nlohmann::json cov = nlohmann::json::array();
                    for (const CoverageResult& r :
                         coverageBySquad(*snap->tracks, loadJurisdictions(jpath), from, frame.time + 1, co))
                        cov.push_back({{"squad", r.squad},
                                       {"km", r.km},
                                       {"share", r.share},
                                       {"cells_visited", r.cellsVisited},
                                       {"cells_total", r.cellsTotal},
                                       {"officers", r.officers},
                                       {"fixes", r.fixes},
                                       {"segments", r.segments},
                                       {"gaps_skipped", r.gapsSkipped},
                                       {"fast_skipped", r.fastSkipped}});
                    j["coverage"] = {{"from", from},
                                     {"to", frame.time},
                                     {"jurisdictions", jpath},
                                     {"cell_m", co.cellM},
                                     {"squads", cov}};
                }
            }
            j["layers"] = nlohmann::json::array();
            for (const auto& s : map->stats())
                j["layers"].push_back({{"id", s.id},
                                       {"features", s.features},
                                       {"vertices", s.vertices},
                                       {"load_ms", s.loadMs},
                                       {"draw_ms", s.drawMs},
                                       {"warnings", s.warnings}});
            std::ofstream f(o.stats);
            if (!f) throw std::runtime_error("cannot write --stats file '" + o.stats + "'");
            f << j.dump(2) << "\n";
        }
        return errors.empty() ? 0 : 3;  // 3: rendered, but some layer failed to load
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable-render: error: %s\n", e.what());
        return 1;
    }
}
