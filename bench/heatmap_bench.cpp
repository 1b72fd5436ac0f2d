// `heatmap`: M clustered points in a HeatmapLayer (radius 30 px, quartic), alone on the
// map so that the numbers are the layer's. Per case: the time to hand the points to the
// layer (set_ms: sanitise + sort by time, CPU), the first frame after that (upload +
// aggregate + draw), then steady frames while the view pans 1 px per frame, which forces
// a full re-aggregation (bin all points + convolve + percentile read-back) every frame.
#include <chrono>
#include <string>
#include <vector>

#include "bench/bench.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/map.hpp"
#include "layers/heatmap_layer.hpp"

namespace sandtable::bench {

namespace {

std::vector<HeatPoint> makePoints(size_t n, const BBox& box, uint64_t seed) {
    Rng rng(seed);
    Hotspots spots(box, rng, 60);
    std::vector<HeatPoint> pts(n);
    for (HeatPoint& p : pts) {
        p.pos = spots.sample(rng);
        p.weight = 1.0 + static_cast<double>(rng.below(3));  // severities 1..3
        p.time = 0;
    }
    return pts;
}

void runCase(Env& env, const SceneSpec& scene, size_t n, int width, int height) {
    const MemoryProbe memory;
    auto map = emptyMap(scene, width, height);
    HeatmapLayerConfig cfg;
    cfg.id = "bench-heat";
    cfg.settings.radius = 30.0;
    cfg.settings.radiusUnit = RadiusUnit::Pixels;
    auto owned = std::make_unique<HeatmapLayer>(map->context, cfg);
    HeatmapLayer* layer = owned.get();
    map->addLayer(std::move(owned));
    Target target(width, height);
    FrameState frame;

    // Warm-up with a few points so that shader compilation is not in the first frame.
    const BBox box = putuoBox(scene.displayCrs);
    layer->setPoints(makePoints(1000, box, 7));
    renderFrame(*map, frame, target);
    glFinish();

    auto t0 = std::chrono::steady_clock::now();
    std::vector<HeatPoint> pts = makePoints(n, box, 42);
    const double genMs = msSince(t0);
    t0 = std::chrono::steady_clock::now();
    layer->setPoints(std::move(pts));
    const double setMs = msSince(t0);

    FrameTimer first(env.timerQueries);
    first.begin();
    renderFrame(*map, frame, target);
    first.end();
    const double firstAggMs = layer->timing().aggregateMs;

    FrameTimer timer(env.timerQueries);
    std::vector<double> aggMs;
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; wantFrame(env, i, start); ++i) {
        map->camera.panPixels((i / 64) % 2 ? -1.0 : 1.0, 0.0);  // 1 px per frame, back and forth
        ++frame.frameIndex;
        timer.begin();
        renderFrame(*map, frame, target);
        timer.end();
        aggMs.push_back(layer->timing().aggregateMs);
    }

    nlohmann::json j = env.record("heatmap", "points=" + std::to_string(n), width, height);
    j["sizes"] = {{"points", n}, {"radius_px", 30}};
    addFrameStats(j, timer);
    j["first_frame_ms"] = first.wallMs().front();
    j["first_frame_gpu_ms"] = first.gpuMs().empty() ? nlohmann::json(nullptr) : nlohmann::json(first.gpuMs().front());
    j["first_aggregate_ms"] = firstAggMs;
    j["set_points_ms"] = setMs;
    j["generate_ms"] = genMs;
    addStats(j, "aggregate_", aggMs);
    j["aggregations"] = layer->timing().aggregations;
    j["cell_px"] = layer->timing().cellPx;
    j["radius_cells"] = layer->timing().radiusCells;
    j["points_binned_per_frame"] = layer->timing().pointsBinned;
    memory.add(j);
    env.out->emit(j);
}

}  // namespace

void runHeatmap(Env& env) {
    const SceneSpec scene = benchScene(env);
    if (env.options.quick) {
        for (auto [w, h] : env.resolutions({{1920, 1080}})) runCase(env, scene, 100'000, w, h);
        return;
    }
    // Growth with M at 1080p, then with resolution at 1M.
    for (auto [w, h] : env.resolutions({{1920, 1080}}))
        for (size_t n : {size_t{100'000}, size_t{1'000'000}, size_t{10'000'000}}) runCase(env, scene, n, w, h);
    if (env.options.width == 0)
        for (auto [w, h] : std::vector<std::pair<int, int>>{{960, 540}, {3840, 2160}})
            runCase(env, scene, 1'000'000, w, h);
}

}  // namespace sandtable::bench
