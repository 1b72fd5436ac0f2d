// `soak`: what a wall does all day, compressed. The real ingest path as the cockpit builds
// it (makeFeedPipeline: the simulator transport, the feed pipeline, the history store on
// a GeoPackage of its own) and the Putuo scene drawn offscreen at a fixed rate, the time
// controller following the simulation's clock. Every simulated minute one `sample` line:
// resident memory, the engine's GPU buffer and texture bytes, the frame times since the
// previous sample, the ingest and history queue depths, the track store's points and
// bytes, officers live, lines accepted and rejected, rows written. A final `summary` line
// holds the totals. scripts/soak.sh runs it, checks that memory stays flat after the
// warm-up and plots the samples (docs/reliability.md#soak).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "bench/bench.hpp"
#include "engine/data/scene.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/gl/resources.hpp"
#include "engine/health/process_stats.hpp"
#include "engine/render/map.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/render/wall_frame.hpp"
#include "engine/sim/feed_sources.hpp"
#include "engine/time/time_controller.hpp"
#include "engine/time/wall_sync.hpp"
#include "layers/layer_factory.hpp"
#include "layers/wall_status_layer.hpp"

namespace sandtable::bench {

namespace {

namespace fs = std::filesystem;

struct SoakDir {
    fs::path path;
    bool keep = false;
    explicit SoakDir(const std::string& asked) : keep(!asked.empty()) {
        if (keep) {
            path = asked;
            fs::create_directories(path);
        } else {
            char tmpl[] = "/tmp/sandtable-soak-XXXXXX";
            if (!::mkdtemp(tmpl)) throw std::runtime_error("soak: cannot make a temporary folder in /tmp");
            path = tmpl;
        }
    }
    ~SoakDir() {
        std::error_code ec;
        if (!keep) fs::remove_all(path, ec);
    }
};

double medianOf(std::vector<double> v) { return v.empty() ? NAN : percentile(std::move(v), 0.5); }
double maxOf(const std::vector<double>& v) { return v.empty() ? NAN : *std::max_element(v.begin(), v.end()); }

}  // namespace

void runSoak(Env& env) {
    const Options& o = env.options;
    const double hours = o.soakHours > 0 ? o.soakHours : o.quick ? 0.1 : 2.0;
    const int width = o.width > 0 ? o.width : 1280, height = o.height > 0 ? o.height : 720;
    const SceneSpec scene = benchScene(env);
    const SoakDir dir(o.soakDir);

    FeedSources s;
    s.sim = true;
    s.simOfficers = static_cast<size_t>(o.soakOfficers);
    s.simSpeedup = o.soakSpeedup;
    s.simIntervalS = o.soakIntervalS;
    s.historyAsked = true;
    s.history = dir.path.string();
    s.retentionDays = 0;  // a day of data: nothing is old enough; the file is the soak's own
    s.historyHours = 0;
    if (o.soakTrackMb > 0) s.trackBudgetBytes = static_cast<size_t>(o.soakTrackMb) << 20;
    FeedSetup setup = makeFeedPipeline(s, scene);
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    for (const std::string& e : errors) std::fprintf(stderr, "sandtable-bench: soak: %s\n", e.c_str());
    attachFeed(*map, setup.feed, static_cast<TimeMs>(s.staleSeconds * 1000.0));
    applySceneView(scene, *map, width, height);
    // A wall leader's soak: the cockpit's wall (status strip, big type) on a canvas of
    // monitors; each frame's state published and received on loopback, the leader's tile
    // (the top-left monitor) drawn from the frame prepared for the whole canvas.
    const auto [wallCols, wallRows] = o.soakWall;
    const bool wall = wallCols * wallRows > 1;
    std::vector<PixelRect> tiles;
    for (int r = 0; r < wallRows; ++r)
        for (int c = 0; c < wallCols; ++c) {
            WallTile t;
            if (!wallTileRect(width, height, wallCols, wallRows, c, r, wall ? o.soakBezel : 0, t))
                throw std::runtime_error("soak: --soak-wall does not fit the canvas");
            tiles.push_back({t.x, t.y, t.width, t.height});
        }
    std::unique_ptr<WallPublisher> pub;
    std::unique_ptr<WallSubscriber> sub;
    uint64_t statesReceived = 0, statesWrong = 0;
    float ratio = pixelRatioFor(width, height);
    if (wall) {
        addWallStatus(*map, setup.feed, static_cast<TimeMs>(s.staleSeconds * 1000.0));
        pub = std::make_unique<WallPublisher>("tcp://127.0.0.1:*");
        sub = std::make_unique<WallSubscriber>(pub->endpoint());
        ratio = wallPixelRatio(tiles[0].width, tiles[0].height);
    }
    Target target(tiles[0].width, tiles[0].height);
    TimeController time;
    if (setup.liveClock) time.setLiveSource(setup.liveClock);

    nlohmann::json base = env.record("soak", "summary", width, height);
    base["sizes"] = {{"officers", s.simOfficers},
                     {"interval_s", s.simIntervalS},
                     {"speedup", s.simSpeedup},
                     {"fps", o.soakFps},
                     {"hours", hours},
                     {"history", dir.path.string()},
                     {"track_budget_mb", o.soakTrackMb > 0 ? o.soakTrackMb : 256},
                     {"wall", {wallCols, wallRows}},
                     {"bezel", wall ? o.soakBezel : 0}};
    std::fprintf(stderr, "sandtable-bench: soak: %.2f simulated h of %zu officers every %d s at %gx, %dx%d at %g fps\n",
                 hours, s.simOfficers, s.simIntervalS, s.simSpeedup, width, height, o.soakFps);

    setup.feed->start();
    const auto wallStart = std::chrono::steady_clock::now();
    const auto period = std::chrono::duration<double>(1.0 / o.soakFps);
    auto next = wallStart;
    auto last = wallStart;
    TimeMs simStart = 0, nextSample = 0;
    std::vector<double> frameMs, allFrameMs;
    std::map<std::string, std::vector<double>> layerMs;  // each layer's draw time per frame (Map::stats)
    uint64_t frames = 0, late = 0, samples = 0;
    RenderCpu cpuAtSample = renderCpu();
    const TimeMs spanMs = static_cast<TimeMs>(hours * 3600000.0);
    // A stalled simulation (it cannot keep the pace) must not run forever: give up at 3x.
    const double maxWallS = hours * 3600.0 / s.simSpeedup * 3.0 + 60.0;
    for (;;) {
        const auto now = std::chrono::steady_clock::now();
        time.tick(std::chrono::duration<double>(now - last).count());
        FrameState frame;
        frame.time = time.now();
        frame.timeMode = FrameState::TimeMode::Live;
        frame.dtSeconds = std::chrono::duration<double>(now - last).count();
        frame.frameIndex = frames;
        last = now;
        const auto t0 = std::chrono::steady_clock::now();
        if (!wall) {
            renderFrame(*map, frame, target);
        } else {
            frame.wall = true;
            frame.insetBottom = static_cast<float>(tiles[0].height) * kWallStripFraction;
            glBindFramebuffer(GL_FRAMEBUFFER, target.rt.framebuffer());
            map->prepare(frame, width, height, ratio);
            const WallFrameState sent = wallStateOf(*map);
            pub->publish(sent);
            // What a follower gets: the newest state (conflated), as sent.
            if (const auto got = sub->next(frames == 0 ? 1000 : 0)) {
                ++statesReceived;
                statesWrong += got->centerX != sent.centerX || got->resolution != sent.resolution ||
                               got->canvasWidth != sent.canvasWidth || got->time > sent.time;
            }
            map->draw(tiles[0]);  // the leader's own monitor (each follower draws its own, on its machine)
        }
        glFinish();
        const double ms = msSince(t0);
        frameMs.push_back(ms);
        allFrameMs.push_back(ms);
        for (const LayerStats& ls : map->stats()) layerMs[ls.id].push_back(ls.drawMs);
        ++frames;

        const auto snap = setup.feed->snapshot();
        const TimeMs simNow = frame.time;
        if (!simStart && snap->counters.lastMessageTime > 0) {  // the simulation has begun
            simStart = simNow;
            nextSample = simStart + 60000;
        }
        if (simStart && simNow >= nextSample) {
            nextSample += 60000;
            const gl::MemoryStats gm = gl::memoryStats();
            const TrackStats ts = snap->tracks ? snap->tracks->stats() : TrackStats{};
            nlohmann::json j;
            j["workload"] = "soak";
            j["case"] = "sample";
            j["sim_minute"] = (simNow - simStart) / 60000;
            j["wall_s"] = std::chrono::duration<double>(now - wallStart).count();
            j["rss_mb"] = rssMb();
            // Where it is and what malloc and SQLite hold (the same figures as the metrics).
            const health::ProcessStats ps = health::readProcessStats();
            constexpr double kMb = 1024.0 * 1024.0;
            j["rss_anon_mb"] = ps.residentAnonBytes / kMb;
            j["rss_file_mb"] = ps.residentFileBytes / kMb;
            j["rss_shmem_mb"] = ps.residentShmemBytes / kMb;
            if (ps.heapInUseBytes >= 0) {
                j["heap_used_mb"] = ps.heapInUseBytes / kMb;
                j["heap_free_mb"] = ps.heapFreeBytes / kMb;
            }
            if (ps.sqliteHeapBytes >= 0) j["sqlite_mb"] = ps.sqliteHeapBytes / kMb;
            j["gpu_buffer_bytes"] = gm.bufferBytes;
            j["gpu_texture_bytes"] = gm.textureBytes;
            j["gpu_objects"] = gm.buffers + gm.textures;
            j["frames"] = frameMs.size();
            j["frame_median_ms"] = medianOf(frameMs);
            j["frame_max_ms"] = maxOf(frameMs);
            // The drawing's CPU time per frame (this thread and llvmpipe's) and its wait for a
            // CPU: the judge tells a slower frame from a busier machine by them.
            const RenderCpu cpu = renderCpu();
            const double n = static_cast<double>(frameMs.size());
            if (!std::isnan(cpu.runMs) && n > 0) {
                j["frame_cpu_ms"] = (cpu.runMs - cpuAtSample.runMs) / n;
                j["frame_cpu_wait_ms"] = (cpu.waitMs - cpuAtSample.waitMs) / n;
            }
            cpuAtSample = cpu;
            j["queued_lines"] = snap->queuedLines;
            j["history_pending"] = snap->history.pending;
            j["history_written"] = snap->history.written;
            j["history_write_errors"] = snap->history.writeErrors;
            j["history_dropped"] = snap->history.droppedRows;
            j["history_last_batch_ms"] = snap->history.lastBatchMs;
            j["track_points"] = ts.points;
            j["track_mb"] = static_cast<double>(ts.bytes) / (1024.0 * 1024.0);
            j["track_dropped"] = ts.dropped;
            j["officers"] = snap->officers.size();
            j["officers_live"] = snap->countLive(simNow);
            j["lines"] = snap->counters.lines;
            j["accepted"] = snap->counters.accepted;
            j["rejected"] = snap->counters.rejected;
            j["lines_per_s"] = snap->messagesPerSecond;
            if (wall) {
                j["wall_states_sent"] = pub->sent();
                j["wall_states_received"] = statesReceived;
                j["wall_states_bad"] = sub->bad() + statesWrong;
            }
            env.out->emit(j);
            frameMs.clear();
            ++samples;
        }
        if (simStart && simNow - simStart >= spanMs) break;
        if (std::chrono::duration<double>(now - wallStart).count() > maxWallS)
            throw std::runtime_error("soak: the simulation fell behind (more than 3x the planned wall time)");

        next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(period);
        const auto after = std::chrono::steady_clock::now();
        if (after > next) {  // a frame over its period: draw the next at once, keep the pace from here
            ++late;
            next = after;
        } else {
            std::this_thread::sleep_until(next);
        }
    }
    setup.feed->stop();
    const auto snap = setup.feed->snapshot();
    nlohmann::json& j = base;
    j["samples"] = samples;
    j["wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    j["frames"] = frames;
    j["frames_over_period"] = late;
    addStats(j, "frame_", allFrameMs);
    nlohmann::json layers = nlohmann::json::object();
    for (const auto& [id, v] : layerMs) layers[id] = medianOf(v);
    j["layer_draw_median_ms"] = layers;
    j["lines"] = snap->counters.lines;
    j["accepted"] = snap->counters.accepted;
    j["rejected"] = snap->counters.rejected;
    j["history_written"] = snap->history.written;
    j["history_queued"] = snap->history.queued;
    j["history_write_errors"] = snap->history.writeErrors;
    j["history_dropped"] = snap->history.droppedRows;
    j["rss_mb"] = rssMb();
    j["peak_rss_mb"] = peakRssMb();
    if (wall) {
        j["wall_states_sent"] = pub->sent();
        j["wall_states_received"] = statesReceived;
        j["wall_states_bad"] = sub->bad() + statesWrong;
    }
    std::error_code ec;
    j["history_file_mb"] = static_cast<double>(fs::file_size(dir.path / "history.gpkg", ec)) / (1024.0 * 1024.0);
    env.out->emit(j);
}

}  // namespace sandtable::bench
