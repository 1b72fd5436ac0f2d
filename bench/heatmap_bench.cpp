// `heatmap` and `export`: M clustered points in a HeatmapLayer (radius 30 px, quartic),
// alone on the map so that the numbers are the layer's.
//  - pan: the time to hand the points to the layer (set_points_ms: sanitise + sort, CPU),
//    the first frame (a still: it waits for the aggregation), then interactive frames
//    while the view pans 1 px per frame, each followed by a frame of the floor (one
//    canvas-sized textured blit on an otherwise empty map) so that blit_ratio is measured
//    in one sitting. Pans inside the grid's margin need no re-aggregation: the line reports
//    reaggregations_per_frame and the automatic maximum of every frame (display_max).
//  - reaggregate: every frame rebuilds the bins from all points (invalidate(); a still,
//    so it waits): aggregate_* is the engine's own time (bin + convolve + percentile).
//  - export: the exact density (--export-heatmap) of 1M points at 1920x1080, r = 30 px.
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "bench/bench.hpp"
#include "bench/floor_layer.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/heatmap_gpu.hpp"
#include "engine/render/map.hpp"
#include "engine/util/parallel.hpp"
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

struct HeatRig {
    std::unique_ptr<Map> map;
    HeatmapLayer* layer = nullptr;
    HeatRig(const SceneSpec& scene, int width, int height) {
        map = emptyMap(scene, width, height);
        HeatmapLayerConfig cfg;
        cfg.id = "bench-heat";
        cfg.settings.radius = 30.0;
        cfg.settings.radiusUnit = RadiusUnit::Pixels;
        auto owned = std::make_unique<HeatmapLayer>(map->context, cfg);
        layer = owned.get();
        map->addLayer(std::move(owned));
    }
};

void addLayerFacts(nlohmann::json& j, const HeatmapLayer& layer) {
    const HeatmapLayer::Timing& t = layer.timing();
    j["engine"] = layer.engine() ? layer.engine()->name() : "none";
    j["convolution"] = t.plan;
    j["cell_px"] = t.cellPx;
    j["radius_cells"] = t.radiusCells;
    j["grid_cells"] = t.cells;
    j["aggregations"] = t.aggregations;
}

void panCase(Env& env, const SceneSpec& scene, size_t n, int width, int height) {
    const MemoryProbe memory;
    HeatRig rig(scene, width, height);
    auto blitMap = emptyMap(scene, width, height);
    blitMap->addLayer(std::make_unique<BlitLayer>());
    Target target(width, height);
    FrameState frame;

    // Warm-up with a few points so that shader compilation is not in the first frame.
    const BBox box = putuoBox(scene.displayCrs);
    rig.layer->setPoints(makePoints(1000, box, 7));
    FrameState still = frame;
    still.complete = true;
    renderFrame(*rig.map, still, target);
    renderFrame(*blitMap, frame, target);
    glFinish();

    auto t0 = std::chrono::steady_clock::now();
    std::vector<HeatPoint> pts = makePoints(n, box, 42);
    const double genMs = msSince(t0);
    t0 = std::chrono::steady_clock::now();
    rig.layer->setPoints(std::move(pts));
    const double setMs = msSince(t0);

    FrameTimer first(env.timerQueries);
    first.begin();
    renderFrame(*rig.map, still, target);  // a still: waits for the whole aggregation
    first.end();
    const double firstAggMs = rig.layer->timing().aggregateMs;
    const HeatmapLayer::Timing before = rig.layer->timing();

    FrameTimer timer(env.timerQueries), blit(env.timerQueries);
    std::vector<double> maxima, colouredPx;
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; wantFrame(env, i, start); ++i) {
        rig.map->camera.panPixels((i / 64) % 2 ? -1.0 : 1.0, 0.0);  // 1 px per frame, back and forth
        ++frame.frameIndex;
        timer.begin();
        renderFrame(*rig.map, frame, target);
        timer.end();
        maxima.push_back(rig.layer->displayMax());
        colouredPx.push_back(static_cast<double>(rig.layer->timing().colouredPixels));
        blit.begin();
        renderFrame(*blitMap, frame, target);
        blit.end();
    }
    const HeatmapLayer::Timing& after = rig.layer->timing();
    const double frames = static_cast<double>(timer.wallMs().size());

    nlohmann::json j = env.record("heatmap", "pan, points=" + std::to_string(n), width, height);
    j["sizes"] = {{"points", n}, {"radius_px", 30}, {"pan_px_per_frame", 1}};
    addFrameStats(j, timer);
    addStats(j, "blit_", blit.wallMs());
    j["blit_ratio"] = percentile(timer.wallMs(), 0.5) / percentile(blit.wallMs(), 0.5);
    j["first_frame_ms"] = first.wallMs().front();
    j["first_aggregate_ms"] = firstAggMs;
    j["set_points_ms"] = setMs;
    j["generate_ms"] = genMs;
    j["reaggregations_per_frame"] = static_cast<double>(after.requests - before.requests) / frames;
    j["colour_passes_per_frame"] = static_cast<double>(after.colourPasses - before.colourPasses) / frames;
    j["coloured_pixels_median"] = percentile(colouredPx, 0.5);
    nlohmann::json mx = nlohmann::json::array();
    size_t changes = 0;
    for (size_t i = 0; i < maxima.size(); ++i) {
        mx.push_back(maxima[i]);
        changes += i > 0 && maxima[i] != maxima[i - 1];
    }
    j["display_max"] = mx;
    j["display_max_changes"] = changes;
    addLayerFacts(j, *rig.layer);
    memory.add(j);
    env.out->emit(j);
}

void reaggregateCase(Env& env, const SceneSpec& scene, size_t n, int width, int height) {
    const MemoryProbe memory;
    HeatRig rig(scene, width, height);
    Target target(width, height);
    FrameState still;
    still.complete = true;
    const BBox box = putuoBox(scene.displayCrs);
    rig.layer->setPoints(makePoints(n, box, 42));
    renderFrame(*rig.map, still, target);
    glFinish();
    FrameTimer timer(env.timerQueries);
    std::vector<double> aggMs;
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; wantFrame(env, i, start); ++i) {
        rig.layer->invalidate();
        ++still.frameIndex;
        timer.begin();
        renderFrame(*rig.map, still, target);
        timer.end();
        aggMs.push_back(rig.layer->timing().aggregateMs);
    }
    nlohmann::json j = env.record("heatmap", "full re-aggregation, points=" + std::to_string(n), width, height);
    j["sizes"] = {{"points", n}, {"radius_px", 30}};
    addFrameStats(j, timer);
    addStats(j, "aggregate_", aggMs);
    j["threads"] = cpuThreads();
    addLayerFacts(j, *rig.layer);
    memory.add(j);
    env.out->emit(j);
}

void exportCase(Env& env, const SceneSpec& scene, size_t n, int width, int height, double radiusPx) {
    const MemoryProbe memory;
    auto map = emptyMap(scene, width, height);
    HeatmapLayerConfig cfg;
    cfg.settings.radius = radiusPx;
    cfg.settings.radiusUnit = RadiusUnit::Pixels;
    HeatmapLayer layer(map->context, cfg);
    layer.setPoints(makePoints(n, putuoBox(scene.displayCrs), 42));
    FrameState frame;
    frame.camera = &map->camera;
    layer.update(frame);
    const GridSpec grid = gridForCamera(map->camera);
    std::vector<double> ms;
    double maxValue = 0.0;
    const int runs = env.options.frames > 0 ? env.options.frames : (env.options.quick ? 1 : 3);
    for (int i = 0; i < runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const DensityGrid d = layer.computeExact(grid, 1.0f, &map->shaders());
        ms.push_back(msSince(t0));
        maxValue = d.maxValue();
    }
    nlohmann::json j = env.record("export", "exact density, points=" + std::to_string(n), width, height);
    j["sizes"] = {{"points", n}, {"radius_px", radiusPx}, {"pixels", grid.pixelCount()}};
    j["runs"] = runs;
    addStats(j, "", ms);
    j["algorithm"] = softwareRenderer() ? "cpu scatter (exactKdeFast)" : "gpu gather (HeatmapGpu::exact)";
    j["threads"] = cpuThreads();
    j["max_value"] = maxValue;
    memory.add(j);
    env.out->emit(j);
}

}  // namespace

void runHeatmap(Env& env) {
    const SceneSpec scene = benchScene(env);
    if (env.options.quick) {
        for (auto [w, h] : env.resolutions({{1920, 1080}})) {
            panCase(env, scene, 100'000, w, h);
            reaggregateCase(env, scene, 100'000, w, h);
        }
        return;
    }
    // Growth with M at 1080p, then with resolution at 1M; full re-aggregation at 1M and 10M.
    for (auto [w, h] : env.resolutions({{1920, 1080}}))
        for (size_t n : {size_t{100'000}, size_t{1'000'000}, size_t{10'000'000}}) panCase(env, scene, n, w, h);
    if (env.options.width == 0)
        for (auto [w, h] : std::vector<std::pair<int, int>>{{960, 540}, {3840, 2160}})
            panCase(env, scene, 1'000'000, w, h);
    for (auto [w, h] : env.resolutions({{1920, 1080}}))
        for (size_t n : {size_t{1'000'000}, size_t{10'000'000}}) reaggregateCase(env, scene, n, w, h);
}

void runExport(Env& env) {
    const SceneSpec scene = benchScene(env);
    if (env.options.quick) {
        for (auto [w, h] : env.resolutions({{960, 540}})) exportCase(env, scene, 100'000, w, h, 30.0);
        return;
    }
    for (auto [w, h] : env.resolutions({{1920, 1080}})) exportCase(env, scene, 1'000'000, w, h, 30.0);
}

}  // namespace sandtable::bench
