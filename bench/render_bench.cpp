// `scatter` and `scene`: frames drawn through Map::render into an offscreen target.
//  - scatter: N officers alone on the map (OfficerLayer direct path), every position
//    moved every frame: CPU move (prep, not in the frame time), updateInstances over all
//    of them, upload, draw.
//  - scene: data/putuo/scene.json with 2,000 walking officers and the complaints heatmap
//    (added when the scene does not have one), at 1080p and 4K; the full run adds the GPU
//    target case: 100k officers and a 10M-point heatmap at 4K, static and panning.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "bench/bench.hpp"
#include "bench/floor_layer.hpp"
#include "bench/officers.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/map.hpp"
#include "engine/render/text.hpp"
#include "layers/heatmap_layer.hpp"
#include "layers/layer_factory.hpp"

namespace sandtable::bench {

namespace {

constexpr TimeMs kBenchTime = 1732068000000;  // 2024-11-20T10:00+08:00, any fixed instant

// Per-layer CPU time (update + upload + draw submission) medians over the frames.
class LayerTimes {
public:
    void add(const Map& map) {
        for (const LayerStats& s : map.stats()) ms_[s.id].push_back(s.drawMs);
    }
    nlohmann::json json() const {
        nlohmann::json j = nlohmann::json::object();
        for (const auto& [id, v] : ms_) j[id] = percentile(v, 0.5);
        return j;
    }

private:
    std::map<std::string, std::vector<double>> ms_;
};

void scatterCase(Env& env, const SceneSpec& scene, size_t n, int width, int height) {
    const MemoryProbe memory;
    auto map = emptyMap(scene, width, height);
    OfficerLayer* layer = addOfficerLayer(*map);
    layer->setEpoch(kBenchTime);
    // The floor: the same discs through a minimal GL_POINTS shader, on a map of its own,
    // measured in the same run, frame for frame alternating with the officers' frames (so
    // that a change of load on the machine hits both alike).
    auto floorMap = emptyMap(scene, width, height);
    auto floorOwned = std::make_unique<FloorLayer>(layer->options());
    FloorLayer* floor = floorOwned.get();
    floorMap->addLayer(std::move(floorOwned));
    OfficerCrowd crowd(n, putuoBox(scene.displayCrs), map->context.origin, 1234);
    Target target(width, height);
    FrameState frame;
    frame.time = kBenchTime;

    auto t0 = std::chrono::steady_clock::now();
    layer->setInstances(crowd.instances());
    FrameTimer first(env.timerQueries);
    first.begin();
    renderFrame(*map, frame, target);
    first.end();
    const double firstMs = msSince(t0);
    floor->setPositions(crowd.instances());
    renderFrame(*floorMap, frame, target);  // shader compilation, buffer allocation
    glFinish();

    FrameTimer timer(env.timerQueries), floorTimer(env.timerQueries);
    std::vector<double> prep;
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; wantFrame(env, i, start); ++i) {
        t0 = std::chrono::steady_clock::now();
        crowd.step();  // the "feed": not part of the frame
        prep.push_back(msSince(t0));
        frame.time += 33;
        ++frame.frameIndex;
        timer.begin();
        layer->updateInstances(0, crowd.instances());
        renderFrame(*map, frame, target);
        timer.end();
        floorTimer.begin();
        floor->setPositions(crowd.instances());
        renderFrame(*floorMap, frame, target);
        floorTimer.end();
    }

    nlohmann::json j = env.record("scatter", "officers=" + std::to_string(n), width, height);
    j["sizes"] = {{"officers", n}, {"moved_per_frame", n}, {"bytes_per_frame", n * sizeof(OfficerInstance)}};
    addFrameStats(j, timer);
    j["first_frame_ms"] = firstMs;  // setInstances + first upload + draw (shaders included)
    addStats(j, "prep_", prep);
    const double floorMed = percentile(floorTimer.wallMs(), 0.5);
    addStats(j, "floor_", floorTimer.wallMs());
    j["floor_ratio"] = floorMed > 0 ? percentile(timer.wallMs(), 0.5) / floorMed : NAN;
    memory.add(j);
    env.out->emit(j);
}

struct SceneCase {
    std::string name;
    size_t officers = 2000;
    size_t heatPoints = 0;  // > 0: an extra pushed heatmap of this many points (radius 30 px)
    bool pan = false;       // after the static frames, also pan 1 px per frame (re-aggregates every heatmap)
    bool ablate = false;    // also measure with each layer hidden in turn (what each costs)
};

void sceneCase(Env& env, const SceneSpec& scene, const SceneCase& c, int width, int height) {
    const MemoryProbe memory;
    const auto tLoad = std::chrono::steady_clock::now();
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    applySceneView(scene, *map, width, height);
    const bool sceneHasHeatmap =
        std::any_of(scene.layers.begin(), scene.layers.end(), [](const LayerSpec& l) { return l.type == "heatmap"; });
    if (!sceneHasHeatmap) {
        // The complaints heatmap as the scene will carry it (docs/heatmap.md).
        HeatmapLayerConfig cfg;
        cfg.id = "complaints";
        cfg.source.path = scene.resolve("records/complaints.csv");
        cfg.source.xField = "lon";
        cfg.source.yField = "lat";
        cfg.source.sourceCrs = "wgs84";
        cfg.settings.radius = 450.0;
        cfg.settings.radiusUnit = RadiusUnit::Metres;
        cfg.opacity = 0.85f;
        map->addLayer(std::make_unique<HeatmapLayer>(map->context, cfg));
    }
    const BBox box = putuoBox(scene.displayCrs);
    if (c.heatPoints > 0) {
        HeatmapLayerConfig cfg;
        cfg.id = "bench-heat";
        cfg.settings.radius = 30.0;
        cfg.settings.radiusUnit = RadiusUnit::Pixels;
        auto heat = std::make_unique<HeatmapLayer>(map->context, cfg);
        Rng rng(99);
        Hotspots spots(box, rng, 60);
        std::vector<HeatPoint> pts(c.heatPoints);
        for (HeatPoint& p : pts) p.pos = spots.sample(rng);
        heat->setPoints(std::move(pts));
        map->addLayer(std::move(heat));
    }
    OfficerLayer* officers = addOfficerLayer(*map);
    officers->setEpoch(kBenchTime);
    OfficerCrowd crowd(c.officers, box, map->context.origin, 5678);
    officers->setInstances(crowd.instances());
    const double loadMs = msSince(tLoad);

    Target target(width, height);
    FrameState frame;
    frame.time = kBenchTime;
    FrameTimer first(env.timerQueries);
    first.begin();
    renderFrame(*map, frame, target);
    first.end();

    // Static view first (the heatmaps stay cached), then, for `pan`, 1 px per frame.
    for (const bool panning : {false, true}) {
        if (panning && !c.pan) break;
        FrameTimer timer(env.timerQueries);
        LayerTimes layerMs;
        const auto start = std::chrono::steady_clock::now();
        for (size_t i = 0; wantFrame(env, i, start); ++i) {
            crowd.step();
            frame.time += 33;
            ++frame.frameIndex;
            if (panning) map->camera.panPixels((i / 64) % 2 ? -1.0 : 1.0, 0.0);
            timer.begin();
            officers->updateInstances(0, crowd.instances());
            renderFrame(*map, frame, target);
            timer.end();
            layerMs.add(*map);
        }
        nlohmann::json j = env.record("scene",
                                      c.name + (panning ? ", panning"
                                                : c.pan ? ", static"
                                                        : ""),
                                      width, height);
        j["sizes"] = {{"officers", c.officers},
                      {"extra_heat_points", c.heatPoints},
                      {"layers", map->layers().size()},
                      {"pan", panning}};
        addFrameStats(j, timer);
        j["first_frame_ms"] = first.wallMs().front();
        j["load_ms"] = loadMs;
        j["layer_cpu_median_ms"] = layerMs.json();
        j["labels_placed"] = map->labels().placed();
        j["scene_errors"] = errors;
        j["complaints_added_by_bench"] = !sceneHasHeatmap;
        memory.add(j);
        env.out->emit(j);
    }
    if (!c.ablate) return;

    // Ablation: the frame with one layer hidden at a time. Software GL renders after the
    // CPU has submitted, so per-layer CPU times miss fill cost; full minus "without X"
    // is X's whole cost (CPU + rasterisation) at this resolution.
    auto medianFrame = [&]() {
        FrameTimer timer(env.timerQueries);
        const auto start = std::chrono::steady_clock::now();
        for (size_t i = 0; i < 40 && (i < 5 || msSince(start) < 3000.0); ++i) {
            crowd.step();
            frame.time += 33;
            ++frame.frameIndex;
            timer.begin();
            officers->updateInstances(0, crowd.instances());
            renderFrame(*map, frame, target);
            timer.end();
        }
        return percentile(timer.wallMs(), 0.5);
    };
    nlohmann::json j = env.record("scene", c.name + ": per-layer ablation", width, height);
    j["sizes"] = {{"officers", c.officers}, {"layers", map->layers().size()}};
    const double full = medianFrame();
    j["median_ms"] = full;
    nlohmann::json without = nlohmann::json::object(), cost = nlohmann::json::object();
    for (const LayerPtr& l : map->layers()) {
        if (!l->visible) continue;
        l->visible = false;
        const double m = medianFrame();
        l->visible = true;
        without[l->id()] = m;
        cost[l->id()] = full - m;
    }
    for (const LayerPtr& l : map->layers()) l->visible = false;
    const double empty = medianFrame();  // clear + labels + painter with no layer
    for (const LayerPtr& l : map->layers()) l->visible = true;
    j["without_layer_median_ms"] = without;
    j["layer_cost_ms"] = cost;
    j["no_layers_median_ms"] = empty;
    memory.add(j);
    env.out->emit(j);
}

// The operator's hand over the Putuo scene: drags (whole pixels per frame, as a mouse
// gives them) and wheel notches (x1.2 about the cursor), one input per frame.
struct Gesture {
    int frames;
    double dx, dy;  // drag per frame, px at 1080p
    int zoom;       // wheel notches over those frames (+ in, - out), one every frames/|zoom|
};
const std::vector<Gesture>& interactionScript() {
    static const std::vector<Gesture> script = {
        {60, 6, 3, 0},  {24, 0, 0, 6}, {60, -8, 0, 0}, {18, 0, 0, -6},
        {45, 4, -5, 0}, {12, 0, 0, 3}, {40, -3, 6, 0}, {12, 0, 0, -3},
    };
    return script;
}

void interactCase(Env& env, const SceneSpec& scene, int width, int height) {
    const MemoryProbe memory;
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    map->cacheCanvas = env.options.canvasCache;  // as the cockpit draws (on unless --no-canvas-cache)
    if (!env.options.zoomPreview) map->zoomPreview = Map::ZoomPreview::Off;
    applySceneView(scene, *map, width, height);
    OfficerLayer* officers = addOfficerLayer(*map);
    officers->setEpoch(kBenchTime);
    OfficerCrowd crowd(2000, putuoBox(scene.displayCrs), map->context.origin, 5678);
    officers->setInstances(crowd.instances());
    HeatmapLayer* heat = nullptr;
    for (const LayerPtr& l : map->layers())
        if (auto* h = dynamic_cast<HeatmapLayer*>(l.get()); h && h->visible && !heat) heat = h;
    Target target(width, height);
    FrameState frame;
    frame.time = kBenchTime;
    FrameState still = frame;
    still.complete = true;
    renderFrame(*map, still, target);  // the opening still (shaders, first aggregation)
    glFinish();
    const HeatmapLayer::Timing before = heat ? heat->timing() : HeatmapLayer::Timing{};
    const FontAtlas::Stats glyphsBefore = map->font().stats();
    const Map::CanvasCacheStats cacheBefore = map->canvasCacheStats();

    FrameTimer timer(env.timerQueries);
    const double ratio = target.pixelRatio;
    const Vec2d cursor{width * 0.6, height * 0.45};
    size_t gestures = 0;
    // Frame times by kind: a drag frame, the frame a wheel notch lands on, the other frames
    // of a zoom gesture.
    std::vector<double> drag, notch, zoomRest;
    for (const Gesture& g : interactionScript()) {
        const int every = g.zoom ? std::max(1, g.frames / std::abs(g.zoom)) : 0;
        for (int f = 0; f < g.frames; ++f) {
            if (g.dx != 0 || g.dy != 0) map->camera.panPixels(std::round(g.dx * ratio), std::round(g.dy * ratio));
            const bool isNotch = every && f % every == 0;
            if (isNotch) map->camera.zoomAbout(cursor, g.zoom > 0 ? 1.2 : 1.0 / 1.2);
            crowd.step();
            frame.time += 33;
            ++frame.frameIndex;
            timer.begin();
            officers->updateInstances(0, crowd.instances());
            renderFrame(*map, frame, target);
            timer.end();
            frame.dtSeconds = timer.wallMs().back() / 1000.0;  // as a host's clock would say
            (g.zoom ? (isNotch ? notch : zoomRest) : drag).push_back(timer.wallMs().back());
        }
        ++gestures;
    }
    nlohmann::json j = env.record("interact", "putuo+2k officers, scripted drag and zoom", width, height);
    j["sizes"] = {{"officers", 2000}, {"layers", map->layers().size()}, {"gestures", gestures}};
    addFrameStats(j, timer);
    for (const auto& [name, v] : {std::pair{"drag", &drag}, {"notch", &notch}, {"zoom_rest", &zoomRest}}) {
        j[std::string(name) + "_frames"] = v->size();
        j[std::string(name) + "_median_ms"] = percentile(*v, 0.5);
        j[std::string(name) + "_p95_ms"] = percentile(*v, 0.95);
    }
    if (heat) {
        const HeatmapLayer::Timing& t = heat->timing();
        j["heatmap"] = heat->id();
        j["heat_requests"] = t.requests - before.requests;
        j["heat_aggregations"] = t.aggregations - before.aggregations;
        j["heat_colour_passes"] = t.colourPasses - before.colourPasses;
        j["heat_colour_strips"] = t.colourStrips - before.colourStrips;
        j["heat_interim_passes"] = t.interimPasses - before.interimPasses;
        j["heat_engine"] = heat->engine() ? heat->engine()->name() : "none";
    }
    // Glyphs rasterised for the opening still and during the gestures (new names in view).
    const FontAtlas::Stats& glyphs = map->font().stats();
    j["glyphs_opening"] = glyphsBefore.rasterised;
    j["glyph_ms_opening"] = glyphsBefore.ms;
    j["glyphs_during"] = glyphs.rasterised - glyphsBefore.rasterised;
    j["glyph_ms_during"] = glyphs.ms - glyphsBefore.ms;
    const Map::CanvasCacheStats& cache = map->canvasCacheStats();
    j["canvas_cache"] = map->cacheCanvas;
    j["zoom_preview"] = map->cacheCanvas && map->zoomPreview != Map::ZoomPreview::Off;
    j["canvas_cache_whole_draws"] = cache.wholeDraws - cacheBefore.wholeDraws;
    j["canvas_cache_shifts"] = cache.shifts - cacheBefore.shifts;
    j["canvas_cache_reuses"] = cache.reuses - cacheBefore.reuses;
    j["canvas_cache_direct"] = cache.direct - cacheBefore.direct;
    j["canvas_cache_previews"] = cache.previews - cacheBefore.previews;
    j["canvas_cache_strip_pixels"] = cache.stripPixels - cacheBefore.stripPixels;
    j["canvas_cached_layers"] = cache.cachedLayers;
    j["scene_errors"] = errors;
    memory.add(j);
    env.out->emit(j);
}

}  // namespace

void runInteract(Env& env) {
    const SceneSpec scene = benchScene(env);
    for (auto [w, h] :
         env.resolutions(env.options.quick ? std::vector<std::pair<int, int>>{{1920, 1080}}
                                           : std::vector<std::pair<int, int>>{{1920, 1080}, {3840, 2160}}))
        interactCase(env, scene, w, h);
}

void runScatter(Env& env) {
    const SceneSpec scene = benchScene(env);
    if (env.options.quick) {
        for (auto [w, h] : env.resolutions({{1920, 1080}})) scatterCase(env, scene, 10'000, w, h);
        return;
    }
    for (auto [w, h] : env.resolutions({{1920, 1080}}))
        for (size_t n : {size_t{10'000}, size_t{100'000}, size_t{1'000'000}}) scatterCase(env, scene, n, w, h);
    if (env.options.width == 0)  // resolution sweep at fixed N: fill vs vertex
        for (auto [w, h] : std::vector<std::pair<int, int>>{{960, 540}, {3840, 2160}})
            scatterCase(env, scene, 100'000, w, h);
}

void runScene(Env& env) {
    const SceneSpec scene = benchScene(env);
    const SceneCase putuo{"putuo+2k officers", 2000, 0, false, false};
    if (env.options.quick) {
        for (auto [w, h] : env.resolutions({{1920, 1080}})) sceneCase(env, scene, putuo, w, h);
        return;
    }
    SceneCase ablated = putuo;
    ablated.ablate = true;
    for (auto [w, h] : env.resolutions({{1920, 1080}, {3840, 2160}})) sceneCase(env, scene, ablated, w, h);
    // The GPU target (docs/benchmarks.md): 100k officers + a 10M-point heatmap at 4K.
    for (auto [w, h] : env.resolutions({{3840, 2160}}))
        sceneCase(env, scene, {"target: 100k officers + 10M heat", 100'000, 10'000'000, true, false}, w, h);
}

}  // namespace sandtable::bench
