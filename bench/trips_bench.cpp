// `trips`: the trails layer (layers/trail_layer) as a replay draws it. T officers, each
// with 1,000 fixes inside the 600 s trail (one every 0.6 s, vehicles at ~8 m/s so that
// no fix is simplified away at street zoom), fed through a FeedPipeline into its track
// store; the clock advances every frame (33 ms, the fade moves), the data does not (no
// rebuild after the first frame: the GPU fades by the time uniform). Cases:
//  - street zoom (1 m/px): every vertex drawn, T x 1,000 segments;
//  - district zoom (the whole of Putuo in the frame): the zoom step's simplification
//    (simplifyPx) bounds the vertices; the line reports how many remain.
// Each line reports segments, the build (CPU: walk the tracks, project, upload) and frame
// times. Target on llvmpipe (issue 10): 1,000 x 1,000 under 200 ms per frame.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "bench/bench.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/map.hpp"
#include "engine/util/i18n.hpp"
#include "layers/trail_layer.hpp"

namespace sandtable::bench {

namespace {

constexpr TimeMs kT0 = 1732060800000;  // 2024-11-20T08:00:00+08:00
constexpr int kFixes = 1000;
constexpr TimeMs kStepMs = 600;  // 1,000 fixes in the 600 s trail

std::shared_ptr<FeedPipeline> makeFeed(size_t officers, TimeMs& end) {
    end = kT0 + kFixes * kStepMs;
    PipelineOptions po;
    po.now = [end] { return end + 1000; };
    FeedConfig cfg;
    auto feed = std::make_shared<FeedPipeline>(cfg, po);
    Rng rng(20241120);
    const auto& squads = defaultSquadIds();
    struct Walker {
        double lon, lat, heading;
    };
    std::vector<Walker> w(officers);
    for (auto& x : w)
        x = {rng.uniform(kLonMin + 0.01, kLonMax - 0.01), rng.uniform(kLatMin + 0.01, kLatMax - 0.01),
             rng.uniform(0.0, 2.0 * kPi)};
    char line[256];
    for (int k = 0; k < kFixes; ++k) {
        const TimeMs t = kT0 + k * kStepMs;
        for (size_t i = 0; i < officers; ++i) {
            Walker& x = w[i];
            x.heading += rng.uniform(-0.15, 0.15);                                              // winding streets
            x.lon = std::clamp(x.lon + std::sin(x.heading) * 4.8 / 95000.0, kLonMin, kLonMax);  // 8 m/s * 0.6 s
            x.lat = std::clamp(x.lat + std::cos(x.heading) * 4.8 / 111000.0, kLatMin, kLatMax);
            std::snprintf(line, sizeof line,
                          R"({"type":"pos","officer":"PT-%05zu","squad":"%s","t":%lld,"lon":%.6f,"lat":%.6f,)"
                          R"("status":"patrol","speed":8.0})",
                          i, squads[i % squads.size()].c_str(), static_cast<long long>(t), x.lon, x.lat);
            feed->ingestLine(line);
        }
    }
    feed->publish();
    return feed;
}

void tripsCase(Env& env, const SceneSpec& scene, const std::shared_ptr<FeedPipeline>& feed, size_t officers, TimeMs end,
               bool district, int width, int height) {
    const MemoryProbe memory;
    auto map = emptyMap(scene, width, height);
    if (!district) map->camera.resolution = 1.0;  // street zoom, at the scene's centre
    TrailLayerOptions opts;
    opts.trailSeconds = 600;
    auto owned = std::make_unique<TrailLayer>("trails", text("layer.trails"), map->context, opts);
    TrailLayer* trails = owned.get();
    trails->setFeed(feed);
    map->addLayer(std::move(owned));
    Target target(width, height);
    FrameState frame;
    frame.time = end;
    frame.timeMode = FrameState::TimeMode::Replay;

    auto t0 = std::chrono::steady_clock::now();
    FrameTimer first(env.timerQueries);
    first.begin();
    FrameState still = frame;  // the build (every fix walked, projected, uploaded), waited for
    still.complete = true;
    renderFrame(*map, still, target);
    first.end();
    const double firstMs = msSince(t0);
    const TrailLayer::BuildStats built = trails->buildStats();

    FrameTimer timer(env.timerQueries);
    const auto start = std::chrono::steady_clock::now();
    size_t rebuilds = 0;
    const size_t cacheBefore = trails->cacheRenders();
    std::vector<double> drawnMs, blitMs;  // frames that drew the trails into the cache, and the others
    for (size_t i = 0; wantFrame(env, i, start); ++i) {
        frame.time += 33;  // the clock moves every frame; the fade follows on the GPU
        ++frame.frameIndex;
        frame.dtSeconds = 0.033;
        const size_t renders = trails->cacheRenders();
        timer.begin();
        renderFrame(*map, frame, target);
        timer.end();
        (trails->cacheRenders() != renders ? drawnMs : blitMs).push_back(timer.wallMs().back());
        if (trails->buildStats().to != built.to) ++rebuilds;
    }

    nlohmann::json j = env.record(
        "trips", "officers=" + std::to_string(officers) + (district ? " district" : " street"), width, height);
    j["sizes"] = {{"officers", officers},
                  {"fixes_per_officer", kFixes},
                  {"trail_s", opts.trailSeconds},
                  {"fixes", built.fixes},
                  {"segments", built.segments},
                  {"simplified", built.simplified},
                  {"tolerance_m", built.toleranceM},
                  {"resolution_m_per_px", map->camera.resolution}};
    addFrameStats(j, timer);
    j["build_frame_ms"] = firstMs;  // walk + project + upload + first draw (shaders included)
    j["rebuilds"] = rebuilds;
    // The trails are drawn into the layer's canvas cache once a second of frame time (the
    // fade and the cut at "now"), and blitted by the frames between.
    j["cache_renders"] = trails->cacheRenders() - cacheBefore;
    j["draw_frame_median_ms"] = drawnMs.empty() ? nlohmann::json() : nlohmann::json(percentile(drawnMs, 0.5));
    j["blit_frame_median_ms"] = blitMs.empty() ? nlohmann::json() : nlohmann::json(percentile(blitMs, 0.5));
    j["drawn_segments"] = trails->drawnSegments();  // of sizes.segments: the trails in view
    memory.add(j);
    env.out->emit(j);
}

}  // namespace

void runTrips(Env& env) {
    const SceneSpec scene = benchScene(env);
    const std::vector<size_t> counts = env.options.quick ? std::vector<size_t>{100} : std::vector<size_t>{100, 1000};
    for (const auto& [w, h] : env.resolutions({{1920, 1080}})) {
        for (size_t n : counts) {
            TimeMs end = 0;
            const auto g0 = std::chrono::steady_clock::now();
            auto feed = makeFeed(n, end);
            std::fprintf(stderr, "trips: %zu officers x %d fixes fed in %.0f ms\n", n, kFixes, msSince(g0));
            tripsCase(env, scene, feed, n, end, false, w, h);
            tripsCase(env, scene, feed, n, end, true, w, h);
        }
    }
}

}  // namespace sandtable::bench
