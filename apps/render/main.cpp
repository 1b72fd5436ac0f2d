// sandtable-render: draws a scene with no display at all (EGL), for servers, briefings
// and tests. See docs/cli.md.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/render/wall_node.hpp"
#include "engine/analysis/heat_io.hpp"
#include "engine/data/georef_image.hpp"
#include "engine/data/scene.hpp"
#include "engine/feed/feed_file.hpp"
#include "engine/gl/context.hpp"
#include "engine/gl/gl.hpp"
#include "engine/indicators/json.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/report/video.hpp"
#include "engine/tracks/coverage.hpp"
#include "engine/tracks/history.hpp"
#include "engine/util/cli.hpp"
#include "engine/util/i18n.hpp"
#include "engine/util/log.hpp"
#include "layers/checkpoint_layer.hpp"
#include "layers/heatmap_layer.hpp"
#include "layers/layer_factory.hpp"
#include "layers/trail_layer.hpp"

using namespace sandtable;

namespace {

// An NDJSON feed file rather than a GeoPackage or a PostGIS connection: by its name, else
// by its first character ('{' starts a feed line; a GeoPackage starts "SQLite format 3").
bool isFeedFile(const std::string& target) {
    if (target.empty() || target.rfind("PG:", 0) == 0) return false;
    std::string ext = std::filesystem::path(target).extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == ".ndjson" || ext == ".jsonl" || ext == ".json") return true;
    if (ext == ".gpkg") return false;
    std::ifstream f(target);
    for (char c; f.get(c);)
        if (!std::isspace(static_cast<unsigned char>(c))) return c == '{';
    return false;
}

struct Options {
    std::string scene, out, stats, view, lang = "zh", exportHeatmap, heatmapLayer, feed, at, gridLike;
    std::string jurisdictions, coverageFrom, history;
    double historyHours = 24, trail = 0;
    double staleSeconds = 120;
    int width = 1920, height = 1080;
    int tile = 4096;
    bool worldFile = false;
    std::string video, from, to;
    int fps = 30;
    double speed = 600;
    std::string wallLead, wallFollow, metrics;
    cli::WallGeometry wallAt;
    int frames = 60;
    double hold = 5, wait = 30;
};

bool isGeoTiff(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext == ".tif" || ext == ".tiff";
}

// A bar on stderr for long renders (redrawn on a terminal, a line per step otherwise);
// stdout keeps the result lines.
void progressBar(const char* what, int done, int total) {
    const bool tty = ::isatty(2);
    const int width = 30, filled = total ? done * width / total : width;
    std::fprintf(stderr, "%ssandtable-render: [%s%s] %d/%d %s%s", tty ? "\r" : "",
                 std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(width - filled), ' ').c_str(), done, total, what,
                 tty && done < total ? "" : "\n");
    std::fflush(stderr);
}
void tileProgress(int done, int total) { progressBar("tiles", done, total); }

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app("Renders a scene to a PNG with no display at all (EGL).", "sandtable-render");
    cli::setup(app);
    app.add_option("--scene", o.scene, "scene file (docs/scene.md)")->required()->check(CLI::ExistingFile);
    app.add_option("--out", o.out, "PNG to write (.tif/.tiff: an RGBA GeoTIFF with the CRS)");
    app.add_option("--width", o.width, "width, px")->check(CLI::Range(16, 32768))->capture_default_str();
    app.add_option("--height", o.height, "height, px")->check(CLI::Range(16, 32768))->capture_default_str();
    app.add_option("--tile", o.tile,
                   "a canvas wider or taller than this is prepared once and drawn tile by tile (labels "
                   "placed on the whole canvas), with a progress bar")
        ->check(CLI::Range(256, 16384))
        ->capture_default_str();
    app.add_flag("--world-file", o.worldFile, "also write a world file and .prj beside the PNG (FILE.pgw, FILE.prj)");
    app.add_option("--view", o.view, "LON,LAT,ZOOM[,ROTATION_DEG] instead of the scene's view");
    app.add_option("--lang", o.lang, "language")->check(CLI::IsMember({"zh", "en"}))->capture_default_str();
    app.add_option("--stats", o.stats, "write counts and timings as JSON");
    app.add_option("--at,--time", o.at, "frame time: ISO 8601 with an offset or epoch ms")->check(cli::timeValidator());
    app.add_option("--feed", o.feed, "draw the officers of this feed file as of --at")->check(CLI::ExistingFile);
    app.add_option("--stale-seconds", o.staleSeconds, "silent after this long")
        ->check(CLI::Range(1.0, 86400.0))
        ->capture_default_str();
    app.add_option("--history", o.history,
                   "draw the officers and trails of this history (GPKG, PG:... or an NDJSON feed file) as of --at")
        ->excludes("--feed");
    app.add_option("--trail", o.trail, "trails of this many seconds (adds a trails layer if the scene has none)")
        ->check(CLI::Range(10.0, 86400.0));
    app.add_option("--history-hours", o.historyHours, "hours of history before --at that are read")
        ->check(CLI::Range(0.01, 24.0 * 31))
        ->capture_default_str();
    app.add_option("--jurisdictions", o.jurisdictions,
                   "squad polygons for --stats coverage (default: the scene's jurisdictions)")
        ->check(CLI::ExistingFile);
    app.add_option("--coverage-from", o.coverageFrom, "coverage counted from TIME (default: the first fix)")
        ->check(cli::timeValidator());
    app.add_option("--export-heatmap", o.exportHeatmap, "write the exact density of a heatmap as GeoTIFF");
    app.add_option("--heatmap-layer", o.heatmapLayer, "which heatmap layer to export (default: the first)");
    app.add_option("--heatmap-grid-like", o.gridLike, "export on this raster's grid instead of the view's")
        ->check(CLI::ExistingFile);
    auto* video = app.add_option_group("Video", "a replay of --feed or --history to H.264 (docs/cli.md#replay-videos)");
    video->add_option("--video", o.video, "MP4 to write: frames from --from to --to");
    video->add_option("--from", o.from, "the replay's first instant")->check(cli::timeValidator());
    video->add_option("--to", o.to, "the replay's end (not drawn)")->check(cli::timeValidator());
    video->add_option("--fps", o.fps, "frames per second of video")->check(CLI::Range(1, 120))->capture_default_str();
    video->add_option("--speed", o.speed, "data seconds per video second")
        ->check(CLI::Range(0.01, 86400.0))
        ->capture_default_str();
    auto* wall = app.add_option_group(
        "Wall", "a headless node of a wall of several machines (docs/cli.md#a-wall-of-several-machines)");
    auto* lead = wall->add_option("--wall-lead", o.wallLead,
                                  "lead: publish --frames frame states of a replay from --from (at --speed, --fps "
                                  "a second) on this endpoint (PORT or :PORT: loopback; HOST:PORT; tcp://...)")
                     ->check(cli::wallEndpointValidator());
    auto* follow =
        wall->add_option("--wall-follow", o.wallFollow, "follow: render this node's tile of the leader's frames")
            ->check(cli::wallEndpointValidator())
            ->excludes(lead);
    cli::addWallGeometry(*wall, o.wallAt, "this node's monitor");
    wall->add_option("--frames", o.frames, "the leader's frame states before the final one")
        ->check(CLI::Range(1, 10000000))
        ->capture_default_str();
    wall->add_option("--hold", o.hold, "seconds the leader repeats the final state")
        ->check(CLI::Range(0.0, 3600.0))
        ->capture_default_str();
    wall->add_option("--wait", o.wait, "seconds a follower waits for a state before giving up")
        ->check(CLI::Range(1.0, 86400.0))
        ->capture_default_str();
    wall->add_option("--metrics", o.metrics,
                     "a follower's Prometheus metrics and /healthz on [HOST:]PORT (loopback by default; 0: any free)")
        ->check(cli::endpointValidator())
        ->needs(follow);
    if (const int rc = cli::parse(app, argc, argv); rc >= 0) return rc;
    const bool wallNode = !o.wallLead.empty() || !o.wallFollow.empty();
    const auto [gridCols, gridRows] = o.wallAt.grid;
    const auto [cellCol, cellRow] = o.wallAt.cell;
    if (wallNode) {
        if (!cli::checkWallCell(o.wallAt, "sandtable-render")) return 2;
        if (!o.wallLead.empty() && o.from.empty()) {
            std::fprintf(stderr, "sandtable-render: --wall-lead needs --from (the replay's first instant)\n");
            return 2;
        }
    }
    TimeMs videoFrom = 0, videoTo = 0;
    if (!o.video.empty()) {
        if (o.from.empty() || o.to.empty() || (o.feed.empty() && o.history.empty())) {
            std::fprintf(stderr, "sandtable-render: --video needs --from, --to and --feed or --history\n");
            return 2;
        }
        cli::parseTime(o.from, videoFrom);
        cli::parseTime(o.to, videoTo);
        if (videoTo <= videoFrom) {
            std::fprintf(stderr, "sandtable-render: --to must be after --from\n");
            return 2;
        }
        if (o.width % 2 || o.height % 2) {
            std::fprintf(stderr, "sandtable-render: a video's --width and --height must be even (H.264 4:2:0)\n");
            return 2;
        }
        if (o.at.empty()) o.at = std::to_string(videoTo);  // the data is read up to the end
    } else if (o.out.empty() && !wallNode) {
        std::fprintf(stderr, "sandtable-render: --out is required (or --video, --wall-lead, --wall-follow)\n");
        return 2;
    }
    if ((!o.feed.empty() || !o.history.empty()) && o.at.empty()) {
        std::fprintf(stderr, "sandtable-render: --feed and --history need --at TIME (the moment to draw)\n");
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
        if (!o.at.empty()) cli::parseTime(o.at, frame.time);
        std::shared_ptr<FeedPipeline> feed;
        const auto cfgStaleMs = static_cast<TimeMs>(o.staleSeconds * 1000.0);
        // A history given as an NDJSON feed file (the feed protocol) is read like --feed.
        const std::string feedFile = !o.feed.empty() ? o.feed : (isFeedFile(o.history) ? o.history : std::string());
        if (!feedFile.empty()) {
            FeedConfig cfg;
            cfg.staleAfterMs = static_cast<TimeMs>(o.staleSeconds * 1000.0);
            cfg.squads = map->context.squads.ids();  // the scene's catalogue
            feed = loadFeedFileAsOf(feedFile, frame.time, cfg);
            attachFeed(*map, feed, cfg.staleAfterMs);
        } else if (!o.history.empty()) {
            // The history as of TIME: the last --history-hours of fixes up to TIME, read only.
            FeedConfig cfg;
            cfg.staleAfterMs = static_cast<TimeMs>(o.staleSeconds * 1000.0);
            cfg.squads = map->context.squads.ids();  // the scene's catalogue
            HistoryOptions ho;
            ho.target = o.history;
            ho.readOnly = true;
            ho.squads = cfg.squads;
            PipelineOptions po;
            const TimeMs at = frame.time;
            po.now = [at] { return at; };
            po.history = std::make_shared<HistoryStore>(ho);  // throws naming the target and the reason
            feed = std::make_shared<FeedPipeline>(cfg, po);
            std::string err;
            feed->restoreHistory(at - static_cast<TimeMs>(o.historyHours * 3600000.0), at + 1, &err);  // logs the count
            if (!err.empty()) throw std::runtime_error("--history " + o.history + ": " + err);
            feed->publish();
            attachFeed(*map, feed, cfg.staleAfterMs);
        }
        if (o.trail > 0) {
            bool have = false;
            for (const auto& l : map->layers())
                if (auto* t = dynamic_cast<TrailLayer*>(l.get())) {
                    t->options().trailSeconds = o.trail;
                    t->visible = have = true;
                }
            if (!have && feed) {
                TrailLayerOptions to;
                to.trailSeconds = o.trail;
                auto layer = std::make_unique<TrailLayer>("trails", text("layer.trails"), map->context, to);
                layer->setFeed(feed);
                map->insertLayer(map->layers().empty() ? 0 : map->layers().size() - 1, std::move(layer));
            }
        }
        if (!o.wallLead.empty()) {
            WallLeadOptions w;
            w.endpoint = o.wallLead;
            cli::parseTime(o.from, w.from);
            w.speed = o.speed;
            w.fps = o.fps;
            w.frames = o.frames;
            w.holdSeconds = o.hold;
            w.width = o.width;
            w.height = o.height;
            w.out = o.out;
            return runWallLeader(*map, w);
        }
        if (!o.wallFollow.empty()) {
            WallFollowOptions w;
            w.endpoint = o.wallFollow;
            w.cols = gridCols;
            w.rows = gridRows;
            w.col = cellCol;
            w.row = cellRow;
            w.bezel = o.wallAt.bezel;
            w.waitSeconds = o.wait;
            w.out = o.out;
            w.metrics = o.metrics;
            return runWallFollower(*map, w);
        }
        if (!o.video.empty()) {
            // Frame i shows the data at from + i * speed / fps (exact milliseconds): the
            // same inputs give the same frames; a replay, so officers and trails are as of
            // each frame's time and the banner shows it.
            const auto frames =
                static_cast<int64_t>(std::floor(static_cast<double>(videoTo - videoFrom) / 1000.0 / o.speed * o.fps));
            if (frames < 1) throw std::runtime_error("--video: the span at this --speed and --fps is no frame long");
            VideoOptions vo;
            vo.width = o.width;
            vo.height = o.height;
            vo.fps = o.fps;
            VideoWriter writer(o.video, vo);
            const auto tv = std::chrono::steady_clock::now();
            FrameState vf;
            vf.timeMode = FrameState::TimeMode::Replay;
            vf.speed = o.speed;
            vf.dtSeconds = 1.0 / o.fps;
            for (int64_t i = 0; i < frames; ++i) {
                vf.time =
                    videoFrom + static_cast<TimeMs>(std::llround(static_cast<double>(i) * o.speed * 1000.0 / o.fps));
                vf.frameIndex = static_cast<uint64_t>(i);
                vf.complete = true;
                writer.add(renderOffscreen(*map, vf, o.width, o.height));
                if (i + 1 == frames || (i + 1) % std::max<int64_t>(1, frames / 20) == 0)
                    progressBar("frames", static_cast<int>(i + 1), static_cast<int>(frames));
            }
            writer.finish();
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - tv).count();
            std::printf("sandtable-render: wrote %s (%dx%d, %lld frames at %d fps, %.0fx, %s to %s) in %.1f s on %s\n",
                        o.video.c_str(), o.width, o.height, static_cast<long long>(frames), o.fps, o.speed,
                        formatIsoTime(videoFrom).c_str(), formatIsoTime(videoTo).c_str(), s, ctx->renderer().c_str());
            if (o.out.empty()) return errors.empty() ? 0 : 3;
            cli::parseTime(o.at, frame.time);
        }
        const auto t1 = std::chrono::steady_clock::now();
        // Past the tile size (or the GPU's largest framebuffer) one prepared frame is drawn
        // tile by tile: the same pixels as one render (a test), any size memory allows.
        GLint maxRb = 0, maxViewport[2] = {0, 0};
        glGetIntegerv(GL_MAX_RENDERBUFFER_SIZE, &maxRb);
        glGetIntegerv(GL_MAX_VIEWPORT_DIMS, maxViewport);
        const int tile = std::min({o.tile, static_cast<int>(maxRb), maxViewport[0], maxViewport[1]});
        const bool tiled = o.width > tile || o.height > tile;
        Image img = tiled ? renderTiled(*map, frame, o.width, o.height, tile, tile, tileProgress)
                          : renderOffscreen(*map, frame, o.width, o.height);
        const double renderMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
        const GeoTransform gt = cameraGeoTransform(map->camera);
        if (isGeoTiff(o.out)) {
            writeGeoTiff(o.out, img, gt, scene.displayCrs);
        } else {
            writePng(o.out, img);
            if (o.worldFile) writeWorldFile(o.out, gt, scene.displayCrs);
        }
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
            // Progress on stderr for long exports (a CPU scatter of millions of points): a
            // line per tenth once it has run two seconds, stdout stays the result lines.
            const auto tExport = std::chrono::steady_clock::now();
            int shownTenth = 0;
            auto progress = [&](size_t done, size_t total) {
                const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - tExport).count();
                const int tenth = total ? static_cast<int>(10 * done / total) : 10;
                if (s < 2.0 || tenth <= shownTenth || tenth >= 10) return;
                shownTenth = tenth;
                std::fprintf(stderr, "sandtable-render: exporting the density: %d%% (%.0f s)\n", 10 * tenth, s);
            };
            heat->exportGeoTiff(o.exportHeatmap, grid, pixelRatioFor(o.width, o.height), &map->shaders(), progress);
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
            j["tiled"] = tiled;
            j["tile"] = tiled ? tile : 0;
            j["geotransform"] = gt;
            j["crs"] = scene.displayCrs;
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
                j["feed"] = {{"file", feedFile},
                             {"at", frame.time},
                             {"lines", c.lines},
                             {"accepted", c.accepted},
                             {"positions", c.positions},
                             {"checkins", c.checkins},
                             {"incidents", c.incidents},
                             {"late", c.late},
                             {"duplicates", c.duplicates},
                             {"reanchored", c.reanchored},
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
                const std::string jpath = o.jurisdictions.empty() ? scene.jurisdictionsPath : o.jurisdictions;
                if (!jpath.empty() && snap->tracks->stats().points > 0) {
                    TimeMs from = snap->tracks->oldestTime();
                    if (!o.coverageFrom.empty()) cli::parseTime(o.coverageFrom, from);
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
            // Checkpoint status at the frame time, as drawn (records plus the feed's
            // check-ins; a live copy of a recorded visit counts once: docs/kpi.md).
            for (const auto& l : map->layers())
                if (auto* c = dynamic_cast<CheckpointLayer*>(l.get())) {
                    const indicators::IndicatorModel& m = *c->model();
                    const indicators::Evaluator& ev = m.evaluator();
                    const auto snap = feed ? feed->snapshot() : nullptr;
                    const size_t feedCheckins = snap && snap->checkins ? snap->checkins->size() : 0;
                    j["checkpoints"] = {{"at", frame.time},
                                        {"feed_checkins", feedCheckins},    // as of --at
                                        {"new_visits", ev.liveAccepted()},  // not in the records
                                        {"unknown_checkpoint", ev.liveUnknown()},
                                        {"status", nlohmann::json::parse(toJson(m.checkpoints(), m.squads()).dump())}};
                    break;
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
