// GPU paths of the heatmap against the CPU reference, incremental updates, the layer
// rendered to a PNG, GPU export. Every test is skipped (CTest) when no headless GL 4.5
// context can be created. Timings are sandtable-bench's job (docs/benchmarks.md).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "engine/analysis/heat_io.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/geo/projection.hpp"
#include "engine/gl/context.hpp"
#include "engine/gl/shader.hpp"
#include "engine/util/image.hpp"
#include "layers/heatmap_layer.hpp"
#include "tests/heatmap/heat_test_util.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/temp_path.hpp"

using namespace sandtable;
using sandtable::test::clusteredPoints;
using sandtable::test::compareGrids;

namespace {

// One context for the whole run (creating EGL contexts repeatedly is slow on llvmpipe).
HeadlessContext* context() {
    static std::string why;
    static std::unique_ptr<HeadlessContext> ctx = tryCreateHeadless(&why);
    if (!ctx) test::skipOrFail("no headless GL context: " + why, "SANDTABLE_REQUIRE_GL");
    return ctx.get();
}

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

const BBox kBox{0.0, 0.0, 2560.0, 1920.0};

// One frame of a layer as Map runs it: update, upload (which may use its own render
// targets; the caller's framebuffer and viewport are put back, as Map::prepare does), draw.
void runFrame(Layer& layer, const FrameState& fs, const RenderContext& rc) {
    layer.update(fs);
    GLint fb = 0, vp[4] = {0, 0, 0, 0};
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &fb);
    glGetIntegerv(GL_VIEWPORT, vp);
    UploadContext u{fs, *rc.shaders};
    layer.upload(u);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<GLuint>(fb));
    glViewport(vp[0], vp[1], vp[2], vp[3]);
    layer.draw(rc);
}

}  // namespace

TEST_CASE("GPU exact KDE equals the CPU reference for every kernel", "[heatmap][gl]") {
    if (!context()) return;
    ShaderLibrary shaders;
    HeatmapGpu gpu(shaders);
    const auto pts = clusteredPoints(4000, kBox, 21);
    for (double rot : {0.0, 0.35}) {
        GridSpec g = GridSpec::covering(kBox, 12.0);
        g.rotation = rot;
        for (KernelShape s : kAllKernelShapes)
            for (KdeOutput o : {KdeOutput::Raw, KdeOutput::Scaled}) {
                const KernelSpec k{s, o, 150.0, s == KernelShape::Triangular ? 0.3 : 0.0};
                const DensityGrid ref = exactKde(pts, g, k);
                const DensityGrid got = gpu.exact(pts, g, k);
                const auto d = compareGrids(ref, got);
                INFO(toString(s) << " " << toString(o) << " rotation " << rot << ": max err " << d.maxRel());
                CHECK(ref.maxValue() > 0.0f);
                CHECK(d.maxRel() <= 1e-3);
            }
    }
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("GPU display path matches its CPU twin and the exact KDE within 1%", "[heatmap][gl]") {
    if (!context()) return;
    ShaderLibrary shaders;
    HeatmapGpu gpu(shaders);
    const auto pts = clusteredPoints(20000, kBox, 5);
    gpu.setPoints(pts, {1000.0, 1000.0});
    const GridSpec g = GridSpec::covering(kBox, 10.0);
    for (double radiusPx : {6.0, 24.0, 60.0})
        for (KernelShape s : kAllKernelShapes) {
            const KernelSpec k{s, KdeOutput::Scaled, radiusPx * g.pixelSize, 0.0};
            const BinnedLayout L = chooseReduction(g, k);
            gpu.aggregate(k, L, 0, pts.size());
            const DensityGrid gpuUp = upsample(gpu.readCoarse(), L, g);
            const DensityGrid twin = binnedKde(pts, g, k, L);
            const DensityGrid ref = exactKde(pts, g, k);
            const auto dt = compareGrids(twin, gpuUp);
            const auto de = compareGrids(ref, gpuUp);
            std::printf("gpu display %-12s r=%4.0fpx factor %d: vs twin %.2e, vs exact max %.3f%% mean %.4f%%\n",
                        toString(s), radiusPx, L.factor, dt.maxRel(), 100 * de.maxRel(), 100 * de.meanRel());
            INFO(toString(s) << " radius " << radiusPx << " px");
            CHECK(dt.maxRel() <= 1e-4);  // float32 + fixed point vs double: same algorithm
            CHECK(de.maxRel() <= (s == KernelShape::Uniform && radiusPx < 16 ? 0.03 : 0.01));
        }
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("incremental binning (window moves, points stream in) equals a full re-aggregation", "[heatmap][gl]") {
    if (!context()) return;
    ShaderLibrary shaders;
    HeatmapGpu gpu(shaders);
    auto pts = clusteredPoints(30000, kBox, 8);
    gpu.setPoints(std::span<const HeatPoint>(pts).first(20000), {0.0, 0.0});
    REQUIRE(gpu.appendPoints(std::span<const HeatPoint>(pts).subspan(20000)));
    REQUIRE(gpu.size() == 30000);
    const GridSpec g = GridSpec::covering(kBox, 10.0);
    const KernelSpec k{KernelShape::Quartic, KdeOutput::Raw, 200.0, 0.0};
    const BinnedLayout L = chooseReduction(g, k);
    gpu.aggregate(k, L, 0, 15000);
    gpu.binRange(15000, 15000, +1);  // stream in
    gpu.binRange(0, 7000, -1);       // leave the window
    gpu.convolve();
    const DensityGrid inc = gpu.readCoarse();
    gpu.aggregate(k, L, 7000, 23000);
    const DensityGrid full = gpu.readCoarse();
    // Integer (fixed-point) sums: bit-identical, whatever the order.
    CHECK(inc.values == full.values);
    // Much heavier streamed points force a re-upload (fixed-point scale), never overflow.
    std::vector<HeatPoint> heavy = {{{100, 100}, 1e6, 0}};
    CHECK_FALSE(gpu.appendPoints(heavy));
}

TEST_CASE("heatmap layer renders to PNG: transparent where zero, ramp where dense", "[heatmap][gl][render]") {
    if (!context()) return;
    ShaderLibrary shaders;
    MapContext mc;
    mc.displayCrs = "EPSG:4549";  // CGCS2000 / 3-degree GK CM 120E: metres
    mc.origin = {352000.0, 3461500.0};
    HeatmapLayerConfig cfg;
    cfg.settings.radius = 250.0;
    cfg.settings.ramp = ColorRampId::Inferno;
    cfg.opacity = 0.9f;
    HeatmapLayer layer(mc, cfg);
    const BBox box{350000.0, 3460000.0, 354000.0, 3463000.0};
    auto pts = clusteredPoints(50000, box, 4);
    pts.push_back({{std::nan(""), 0.0}, 1.0, 0});  // counted, skipped
    pts.push_back({{351000.0, 3461000.0}, -1.0, 0});
    layer.setPoints(pts);
    CHECK(layer.inputStats().noCoordinates == 1);
    CHECK(layer.inputStats().negativeWeight == 1);

    const int W = 640, H = 480;
    Camera cam;
    cam.width = W;
    cam.height = H;
    cam.origin = mc.origin;
    cam.fit({349500.0, 3459500.0, 354500.0, 3463500.0}, 0.0);
    FrameState fs;
    fs.camera = &cam;
    fs.complete = true;  // a still: the frame waits for its aggregation
    layer.update(fs);
    RenderContext rc;
    rc.camera = &cam;
    rc.viewProjection = cam.viewProjection();
    rc.viewport = rc.target = {0, 0, W, H};
    rc.canvasWidth = W;
    rc.canvasHeight = H;
    rc.shaders = &shaders;
    gl::RenderTarget rt = gl::RenderTarget::create(W, H);
    rt.bind();
    glViewport(0, 0, W, H);
    glClearColor(0, 0, 0, 0);
    glClear(GL_COLOR_BUFFER_BIT);
    runFrame(layer, fs, rc);
    Image img(W, H);
    glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, img.rgba.data());
    img.flipVertically();
    const auto path = test::processTempPath("sandtable_heatmap_layer_render.png");
    writePng(path.string(), img);
    std::printf("heatmap render written to %s (aggregate %.1f ms, cell %.2f px, %s engine)\n", path.c_str(),
                layer.timing().aggregateMs, layer.timing().cellPx, layer.engine()->name());
    CHECK(img.pixel(2, 2)[3] == 0);  // far corner: no density -> transparent
    size_t coloured = 0, opaqueMax = 0;
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
            const uint8_t a = img.pixel(x, y)[3];
            coloured += a > 0;
            opaqueMax = std::max<size_t>(opaqueMax, a);
        }
    CHECK(coloured > static_cast<size_t>(W * H / 20));
    CHECK(opaqueMax >= 220);  // 0.9 opacity at the top of the ramp
    CHECK(layer.displayMax() > 0.0);
    LegendBlock lb;
    REQUIRE(layer.legend(lb));
    REQUIRE(lb.ramps.size() == 1);
    CHECK(lb.ramps[0].stops.size() == 9);
    CHECK(lb.ramps[0].highLabel.find_first_of("0123456789") != std::string::npos);

    // Unchanged view and data: no re-aggregation.
    const size_t n = layer.timing().aggregations;
    runFrame(layer, fs, rc);
    CHECK(layer.timing().aggregations == n);

    // Export of the same view through the GPU exact path equals the CPU exact KDE.
    const GridSpec eg = gridForCamera(cam);
    const auto tif = (std::filesystem::current_path() / "heatmap_layer_export.tif").string();
    layer.exportGeoTiff(tif, eg, 1.0f, &shaders);
    const RasterReadBack back = readDensityRaster(tif);
    const DensityGrid cpu = layer.computeExact(eg, 1.0f, nullptr);
    CHECK(compareGrids(cpu, back.grid).maxRel() <= 1e-3);
    CHECK(back.geoTransform[1] == Approx(cam.resolution));
    std::filesystem::remove(tif);
    CHECK(gl::errorCount() == 0);
}

namespace {

// A heatmap layer on a 480 x 320 canvas over clustered points (EPSG:4549 metres), drawn
// frame by frame the way Map does it; image() reads the canvas back.
struct PanRig {
    ShaderLibrary shaders;
    MapContext mc;
    std::unique_ptr<HeatmapLayer> layer;
    Camera cam;
    gl::RenderTarget rt;
    static constexpr int W = 480, H = 320;
    explicit PanRig(Normalisation norm, HeatEngine::Kind engine = HeatEngine::preferred()) {
        mc.displayCrs = "EPSG:4549";
        mc.origin = {352000.0, 3461500.0};
        HeatmapLayerConfig cfg;
        cfg.settings.radius = 120.0;
        cfg.settings.normalisation = norm;
        cfg.settings.fixedMax = 2e-2;
        cfg.opacity = 1.0f;
        layer = std::make_unique<HeatmapLayer>(mc, cfg);
        layer->setEngine(engine);
        auto pts = clusteredPoints(40000, {346000.0, 3456000.0, 358000.0, 3467000.0}, 11);
        layer->setPoints(pts);
        cam.width = W;
        cam.height = H;
        cam.origin = mc.origin;
        cam.fit({350000.0, 3460000.0, 354000.0, 3463000.0}, 0.0);
        rt = gl::RenderTarget::create(W, H);
    }
    void frame(bool complete, double dtSeconds = 0.0) {
        FrameState fs;
        fs.camera = &cam;
        fs.complete = complete;
        fs.dtSeconds = dtSeconds;
        RenderContext rc;
        rc.camera = &cam;
        rc.viewProjection = cam.viewProjection();
        rc.viewport = rc.target = {0, 0, W, H};
        rc.canvasWidth = W;
        rc.canvasHeight = H;
        rc.shaders = &shaders;
        rt.bind();
        glViewport(0, 0, W, H);
        glClearColor(0, 0, 0, 0);
        glClear(GL_COLOR_BUFFER_BIT);
        runFrame(*layer, fs, rc);
    }
    std::vector<uint8_t> image() {
        std::vector<uint8_t> px(static_cast<size_t>(W) * H * 4);
        glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
        return px;
    }
};

int worstDiff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    int worst = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, std::abs(int(a[i]) - int(b[i])));
    return worst;
}

}  // namespace

TEST_CASE("pans inside the margin redraw from the cached grid: no re-aggregation, a stable maximum", "[heatmap][gl]") {
    if (!context()) return;
    for (HeatEngine::Kind engine : {HeatEngine::Kind::Cpu, HeatEngine::Kind::Gpu}) {
        PanRig rig(Normalisation::Auto, engine);
        INFO("engine " << (engine == HeatEngine::Kind::Cpu ? "cpu" : "gpu"));
        rig.frame(true);
        const auto t = rig.layer->timing();
        const double max0 = rig.layer->displayMax();
        REQUIRE(max0 > 0.0);
        REQUIRE(t.aggregations == 1);
        // 120 frames of whole-pixel pans (a drag: right, then down and left), interactive.
        for (int i = 0; i < 120; ++i) {
            rig.cam.panPixels(i < 60 ? 1.0 : -2.0, i < 60 ? 0.0 : 1.0);
            rig.frame(false);
            CHECK(rig.layer->displayMax() == max0);  // no flicker of the automatic maximum
        }
        CHECK(rig.layer->timing().requests == t.requests);
        CHECK(rig.layer->timing().aggregations == t.aggregations);
        // Only the uncovered strips were coloured, never the whole canvas again.
        CHECK(rig.layer->timing().colourPasses == t.colourPasses);
        CHECK(rig.layer->timing().colourStrips == t.colourStrips + 120);
        // A zoom step about the centre keeps the cell size (radius in metres): colours
        // from the same grid, no re-aggregation; during the gesture at half resolution (on
        // software GL), then the full pass once the scale has settled.
        rig.cam.zoomAbout({PanRig::W / 2.0, PanRig::H / 2.0}, 1.2);
        rig.frame(false);
        CHECK(rig.layer->timing().requests == t.requests);
        const bool software = softwareRenderer();
        CHECK(rig.layer->timing().interimPasses == t.interimPasses + (software ? 1 : 0));
        CHECK(rig.layer->timing().colourPasses == t.colourPasses + (software ? 0 : 1));
        CHECK(rig.layer->displayMax() == max0);
        for (int i = 0; i < 10; ++i) rig.frame(false);  // settles after 8 frames (this host gives no frame time)
        CHECK(rig.layer->timing().interimPasses == t.interimPasses + (software ? 1 : 0));
        CHECK(rig.layer->timing().colourPasses == t.colourPasses + 1);
        CHECK(gl::errorCount() == 0);
    }
}

TEST_CASE("the colours shifted under whole-pixel pans equal a fresh colour pass", "[heatmap][gl]") {
    if (!context()) return;
    // Fixed normalisation: a fresh layer at the final view normalises the same way.
    PanRig panned(Normalisation::Fixed);
    panned.frame(true);
    for (int i = 0; i < 40; ++i) {
        panned.cam.panPixels(i % 3 == 0 ? -3.0 : 2.0, i % 2 ? 1.0 : -2.0);
        panned.frame(false);
    }
    PanRig fresh(Normalisation::Fixed);
    fresh.cam = panned.cam;
    fresh.frame(true);
    panned.frame(false);
    const auto a = panned.image(), b = fresh.image();
    CHECK(worstDiff(a, b) <= 2);  // float rounding of the sample positions, 8-bit colours
    size_t coloured = 0;
    for (size_t i = 3; i < a.size(); i += 4) coloured += a[i] > 0;
    CHECK(coloured > static_cast<size_t>(PanRig::W * PanRig::H / 10));
    // A pan by a fraction of a pixel colours the canvas again (shifting would be inexact).
    const size_t passes = panned.layer->timing().colourPasses;
    panned.cam.panPixels(0.5, 0.0);
    panned.frame(false);
    CHECK(panned.layer->timing().colourPasses == passes + 1);
}

TEST_CASE("a zoom gesture draws a half-resolution interim close to the exact colours, then the exact ones",
          "[heatmap][gl]") {
    if (!context()) return;
    PanRig rig(Normalisation::Fixed);
    rig.frame(true);
    const auto t0 = rig.layer->timing();
    if (!softwareRenderer()) {  // a GPU colours the whole canvas in well under a millisecond: no interim
        rig.cam.zoomAbout({PanRig::W * 0.6, PanRig::H * 0.4}, 1.2);
        rig.frame(false, 0.02);
        CHECK(rig.layer->timing().interimPasses == 0);
        PanRig exact(Normalisation::Fixed);
        exact.cam = rig.cam;
        exact.frame(true);
        CHECK(worstDiff(rig.image(), exact.image()) <= 2);
        return;
    }
    // Three wheel notches 40 ms apart (frames of 20 ms), about a point off the centre.
    for (int notch = 0; notch < 3; ++notch) {
        rig.cam.zoomAbout({PanRig::W * 0.6, PanRig::H * 0.4}, 1.2);
        rig.frame(false, 0.02);
        rig.frame(false, 0.02);
    }
    // One half-resolution pass a notch (none for the frames between), no full pass yet.
    CHECK(rig.layer->timing().interimPasses == t0.interimPasses + 3);
    CHECK(rig.layer->timing().colourPasses == t0.colourPasses);
    const auto interim = rig.image();
    const size_t aggregations = rig.layer->timing().aggregations;
    // The scale settles (0.25 s of frames without a zoom): the exact colours, once.
    for (int i = 0; i < 7; ++i) rig.frame(false, 0.04);
    CHECK(rig.layer->timing().colourPasses == t0.colourPasses + 1);
    const auto settled = rig.image();
    PanRig exact(Normalisation::Fixed);
    exact.cam = rig.cam;
    exact.frame(true);
    if (rig.layer->timing().aggregations == aggregations) {
        CHECK(worstDiff(settled, exact.image()) <= 2);  // no new grid came meanwhile: the same grid's exact colours
    }
    // Bilinear from half resolution, against the full pass from the same grid: the same
    // picture, softer by a pixel where the density drops to nothing (this rig's fixed
    // maximum saturates most of the canvas, so those edges are many).
    REQUIRE(rig.layer->timing().aggregations == aggregations);
    double sum = 0;
    size_t coloured = 0, off = 0;
    for (size_t i = 0; i < settled.size(); i += 4) {
        int d = 0;
        for (size_t c = 0; c < 4; ++c) d = std::max(d, std::abs(int(interim[i + c]) - int(settled[i + c])));
        sum += d;
        off += d > 32;
        coloured += settled[i + 3] > 0;
    }
    const double n = static_cast<double>(settled.size() / 4);
    INFO("mean " << sum / n << ", " << off << " pixels off by more than 32");
    CHECK(coloured > static_cast<size_t>(n / 10));
    CHECK(sum / n < 8.0);
    CHECK(static_cast<double>(off) < 0.06 * n);
    // A still in the middle of a gesture is exact at once.
    rig.cam.zoomAbout({PanRig::W * 0.3, PanRig::H * 0.5}, 1.0 / 1.2);
    rig.frame(true, 0.02);
    CHECK(rig.layer->timing().interimPasses == t0.interimPasses + 3);
    PanRig still(Normalisation::Fixed);
    still.cam = rig.cam;
    still.frame(true);
    CHECK(worstDiff(rig.image(), still.image()) <= 2);
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("a pan out of the margin re-aggregates without blocking, then shows the new grid", "[heatmap][gl]") {
    if (!context()) return;
    for (HeatEngine::Kind engine : {HeatEngine::Kind::Cpu, HeatEngine::Kind::Gpu}) {
        INFO("engine " << (engine == HeatEngine::Kind::Cpu ? "cpu" : "gpu"));
        PanRig rig(Normalisation::Auto, engine);
        rig.frame(true);
        const auto before = rig.layer->timing();
        const double max0 = rig.layer->displayMax();
        // 1.3 canvas widths to the right: out of the half-canvas margin, still over the data.
        rig.cam.panPixels(1.3 * PanRig::W, 0.0);
        rig.frame(false);
        CHECK(rig.layer->timing().requests == before.requests + 1);
        // This frame still drew the old grid (the job is adopted at a later upload).
        CHECK(rig.layer->timing().aggregations == before.aggregations);
        CHECK(rig.layer->displayMax() == max0);
        // Frames go on; within a few seconds the new grid is drawn.
        const auto t0 = std::chrono::steady_clock::now();
        while (rig.layer->timing().aggregations == before.aggregations && msSince(t0) < 20000.0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            rig.frame(false);
        }
        REQUIRE(rig.layer->timing().aggregations == before.aggregations + 1);
        CHECK_FALSE(rig.layer->busy());
        rig.frame(false);
        // ... and it is what a still of this view shows.
        PanRig still(Normalisation::Auto, engine);
        still.cam = rig.cam;
        still.frame(true);
        CHECK(rig.layer->displayMax() == Approx(still.layer->displayMax()));
        CHECK(worstDiff(rig.image(), still.image()) <= 2);
        CHECK(gl::errorCount() == 0);
    }
}

TEST_CASE("streamed officer positions in a moving time window", "[heatmap][gl]") {
    if (!context()) return;
    ShaderLibrary shaders;
    MapContext mc;
    mc.displayCrs = "EPSG:4549";
    mc.origin = {352000.0, 3461500.0};
    HeatmapLayerConfig cfg;
    cfg.settings.windowMs = 10 * 60000;  // last 10 minutes
    cfg.settings.radius = 150.0;
    HeatmapLayer layer(mc, cfg);
    Camera cam;
    cam.width = 320;
    cam.height = 240;
    cam.origin = mc.origin;
    cam.fit({350000.0, 3460000.0, 354000.0, 3463000.0}, 0.0);
    RenderContext rc;
    rc.camera = &cam;
    rc.viewport = rc.target = {0, 0, 320, 240};
    rc.canvasWidth = 320;
    rc.canvasHeight = 240;
    rc.shaders = &shaders;
    gl::RenderTarget rt = gl::RenderTarget::create(320, 240);
    rt.bind();
    const BBox box{350000.0, 3460000.0, 354000.0, 3463000.0};
    auto all = clusteredPoints(6000, box, 2);  // times 0, 1 s, 2 s, ...
    FrameState fs;
    fs.camera = &cam;
    fs.complete = true;                      // each frame waits for its (incremental) job
    for (int step = 0; step < 24; ++step) {  // 250 new positions per frame, window holds 600
        layer.addPoints(std::span<const HeatPoint>(all).subspan(static_cast<size_t>(step) * 250, 250));
        fs.time = static_cast<TimeMs>(step + 1) * 250 * 1000 - 1000;
        runFrame(layer, fs, rc);
        if (step > 0) CHECK(layer.timing().incremental);
    }
    // The result equals a fresh aggregation of the same window.
    const auto [a, b] = layer.windowRange(fs.time);
    CHECK(b - a == 600);
    HeatmapGpu gpu(shaders);
    std::vector<HeatPoint> win(all.begin() + static_cast<std::ptrdiff_t>(a),
                               all.begin() + static_cast<std::ptrdiff_t>(b));
    const GridSpec g = gridForCamera(cam);
    const KernelSpec k = layer.kernelFor(cam.resolution, 1.0f);
    const DensityGrid ref = exactKde(win, g, k);
    const DensityGrid exported = layer.computeExact(g, 1.0f, &shaders);
    CHECK(compareGrids(ref, exported).maxRel() <= 1e-3);
}

TEST_CASE("late points are merged in time order and the bins equal a fresh aggregation", "[heatmap][gl]") {
    if (!context()) return;
    ShaderLibrary shaders;
    MapContext mc;
    mc.displayCrs = "EPSG:4549";
    mc.origin = {352000.0, 3461500.0};
    HeatmapLayerConfig cfg;
    cfg.settings.windowMs = 1000 * 1000;
    cfg.settings.radius = 150.0;
    cfg.settings.normalisation = Normalisation::Fixed;
    HeatmapLayer layer(mc, cfg);
    Camera cam;
    cam.width = 320;
    cam.height = 240;
    cam.origin = mc.origin;
    cam.fit({350000.0, 3460000.0, 354000.0, 3463000.0}, 0.0);
    RenderContext rc;
    rc.camera = &cam;
    rc.viewport = rc.target = {0, 0, 320, 240};
    rc.canvasWidth = 320;
    rc.canvasHeight = 240;
    rc.shaders = &shaders;
    gl::RenderTarget rt = gl::RenderTarget::create(320, 240);
    rt.bind();
    auto all = clusteredPoints(3000, {350000.0, 3460000.0, 354000.0, 3463000.0}, 9);  // times 0, 1 s, ...
    FrameState fs;
    fs.camera = &cam;
    fs.complete = true;
    // Even points first, then odd ones in two late batches: each merges into the middle.
    std::vector<HeatPoint> even, odd1, odd2;
    for (size_t i = 0; i < all.size(); ++i) (i % 2 == 0 ? even : i < 2000 ? odd1 : odd2).push_back(all[i]);
    for (const auto* batch : {&even, &odd2, &odd1}) {
        layer.addPoints(*batch);
        fs.time = 2999 * 1000;  // window (1999 s, 2999 s]
        runFrame(layer, fs, rc);
    }
    CHECK(layer.pointCount() == all.size());
    const auto [a, b] = layer.windowRange(fs.time);
    CHECK(b - a == 1000);
    HeatmapGpu gpu(shaders);
    gpu.setPoints(std::span<const HeatPoint>(all).subspan(a, b - a), mc.origin);
    const GridSpec g = gridForCamera(cam);
    const KernelSpec k = layer.kernelFor(cam.resolution, 1.0f);
    const BinnedLayout L = chooseReduction(g, k);
    gpu.aggregate(k, L, 0, b - a);
    const DensityGrid ref = upsample(gpu.readCoarse(), L, g);
    // The layer's bins (built incrementally through the late merges) give the same image
    // as a layer given every point at once.
    auto render = [&](HeatmapLayer& l) {
        glClearColor(0, 0, 0, 0);
        glClear(GL_COLOR_BUFFER_BIT);
        runFrame(l, fs, rc);
        std::vector<uint8_t> px(320 * 240 * 4);
        glReadPixels(0, 0, 320, 240, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
        return px;
    };
    HeatmapLayer fresh(mc, cfg);
    fresh.setPoints(all);
    fresh.update(fs);
    layer.setSettings(layer.settings());
    const auto imgInc = render(layer), imgFresh = render(fresh);
    int worst = 0;
    for (size_t i = 0; i < imgInc.size(); ++i) worst = std::max(worst, std::abs(int(imgInc[i]) - int(imgFresh[i])));
    CHECK(worst <= 2);  // fixed-point scales differ (chosen from different totals)
    size_t coloured = 0;
    for (size_t i = 3; i < imgInc.size(); i += 4) coloured += imgInc[i] > 0;
    CHECK(coloured > 1000);
    const DensityGrid exact = exactKde(std::span<const HeatPoint>(all).subspan(a, b - a), g, k);
    CHECK(compareGrids(exact, layer.computeExact(g, 1.0f, &shaders)).maxRel() <= 1e-3);
    CHECK(compareGrids(exact, ref).maxRel() <= 0.01);
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("presence heatmap follows the live feed and the clock", "[heatmap][gl][feed]") {
    if (!context()) return;
    ShaderLibrary shaders;
    const TimeMs t0 = 1732061700000;  // 2024-11-20T08:15:00+08:00
    auto clock = std::make_shared<std::atomic<TimeMs>>(t0);
    PipelineOptions po;
    po.now = [clock] { return clock->load(); };
    auto feed = std::make_shared<FeedPipeline>(FeedConfig{}, po);
    auto line = [](int officer, TimeMs t, double lon, double lat) {
        char buf[256];
        std::snprintf(
            buf, sizeof buf,
            R"({"type":"pos","officer":"PT-%04d","squad":"wanli","t":%lld,"lon":%.6f,"lat":%.6f,"status":"patrol"})",
            officer, static_cast<long long>(t), lon, lat);
        return std::string(buf);
    };
    MapContext mc;
    mc.displayCrs = "EPSG:4549";
    Vec2d centre{121.41, 31.25};
    REQUIRE(Transformer("EPSG:4326", mc.displayCrs).forward(centre));
    mc.origin = centre;
    HeatmapLayerConfig cfg;
    cfg.presenceFeed = true;
    cfg.settings.windowMs = 1800 * 1000;
    cfg.settings.radius = 200.0;
    cfg.settings.normalisation = Normalisation::Fixed;
    cfg.settings.fixedMax = 1.0;
    HeatmapLayer layer(mc, cfg);
    REQUIRE(layer.wantsPresenceFeed());
    layer.setFeed(feed);
    Camera cam;
    cam.width = 320;
    cam.height = 240;
    cam.origin = mc.origin;
    cam.fit({centre.x - 2500, centre.y - 2000, centre.x + 2500, centre.y + 2000}, 0.0);
    RenderContext rc;
    rc.camera = &cam;
    rc.viewport = rc.target = {0, 0, 320, 240};
    rc.canvasWidth = 320;
    rc.canvasHeight = 240;
    rc.shaders = &shaders;
    gl::RenderTarget rt = gl::RenderTarget::create(320, 240);
    rt.bind();
    FrameState fs;
    fs.camera = &cam;
    fs.complete = true;
    auto densityNear = [&](double lon, double lat) {
        Vec2d p{lon, lat};
        Transformer("EPSG:4326", mc.displayCrs).forward(p);
        const GridSpec g = gridForCamera(cam);
        const DensityGrid d = layer.computeExact(g, 1.0f, &shaders);
        const Vec2d q = g.toGrid(p);
        return d.at(static_cast<int>(q.x), static_cast<int>(q.y));
    };
    // Ten officers around A, six fixes each, 10 s apart.
    clock->store(t0 + 120000);
    for (int k = 0; k < 6; ++k)
        for (int o = 0; o < 10; ++o) feed->ingestLine(line(o, t0 + k * 10000, 121.400 + 0.0002 * o, 31.250));
    fs.time = t0 + 120000;
    runFrame(layer, fs, rc);
    CHECK(layer.pointCount() == 60);  // every fix, not only the newest per officer
    CHECK(layer.stats().vertices == 60);
    CHECK(densityNear(121.401, 31.250) > 0.0f);
    CHECK(layer.displayMax() == 1.0);
    // 40 minutes later the officers are around B: A's fixes have left the 30-minute window.
    // One of them arrives late (older than fixes already added): merged in time order.
    const TimeMs t1 = t0 + 2400000;
    clock->store(t1 + 60000);  // the feed refuses fixes from the future
    for (int k = 0; k < 3; ++k)
        for (int o = 0; o < 10; ++o) feed->ingestLine(line(o, t1 + k * 10000, 121.420 + 0.0002 * o, 31.250));
    clock->store(t1 + 60000);
    fs.time = t1 + 60000;
    runFrame(layer, fs, rc);
    feed->ingestLine(line(42, t1 + 5000, 121.420, 31.252));  // a new officer, older than the newest point
    runFrame(layer, fs, rc);
    CHECK(layer.pointCount() == 91);
    CHECK(layer.stats().vertices == 31);  // only B's fixes are inside the window
    CHECK(densityNear(121.401, 31.250) == 0.0f);
    CHECK(densityNear(121.421, 31.250) > 0.0f);
    CHECK(layer.timing().incremental);
    CHECK(gl::errorCount() == 0);
}

// Not run by default (10M points need ~1 GB of RAM): ./heatmap_gltests "[perf10m]"
TEST_CASE("aggregation timing, 10 million points", "[.][perf10m]") {
    if (!context()) return;
    ShaderLibrary shaders;
    HeatmapGpu gpu(shaders);
    const size_t n = 10000000;
    const auto pts = clusteredPoints(n, {0, 0, 19200, 10800}, 1, true);
    auto t0 = std::chrono::steady_clock::now();
    gpu.setPoints(pts, {0, 0});
    glFinish();
    const double up = msSince(t0);
    GridSpec g = GridSpec::covering({0, 0, 19200, 10800}, 10.0);
    for (double rpx : {8.0, 30.0, 100.0}) {
        const KernelSpec k{KernelShape::Quartic, KdeOutput::Raw, rpx * 10.0, 0.0};
        const BinnedLayout L = chooseReduction(g, k);
        gpu.aggregate(k, L, 0, n);
        glFinish();
        t0 = std::chrono::steady_clock::now();
        gpu.aggregate(k, L, 0, n);
        glFinish();
        std::printf("heatmap 10M points: upload %.0f ms, re-aggregate 1920x1080 r=%.0fpx (factor %d) %.1f ms\n", up,
                    rpx, L.factor, msSince(t0));
    }
}

// Breakdown and medians for docs/heatmap.md (not run by default; 10M needs ~1 GB):
//   ./heatmap_gltests "[perfsplit]"      (HEATMAP_PERF_N=1000000 for 1M only)
TEST_CASE("aggregation timing breakdown, medians", "[.][perfsplit]") {
    if (!context()) return;
    ShaderLibrary shaders;
    HeatmapGpu gpu(shaders);
    std::vector<size_t> sizes = {1000000, 10000000};
    if (const char* e = std::getenv("HEATMAP_PERF_N")) sizes = {static_cast<size_t>(std::atoll(e))};
    const int runs = std::getenv("HEATMAP_PERF_RUNS") ? std::atoi(std::getenv("HEATMAP_PERF_RUNS")) : 5;
    for (size_t n : sizes) {
        auto pts = clusteredPoints(n, {0, 0, 19200, 10800}, 1, true);
        gpu.setPoints(pts, {0, 0});
        pts.clear();
        pts.shrink_to_fit();
        const GridSpec g = GridSpec::covering({0, 0, 19200, 10800}, 10.0);
        for (double rpx : {8.0, 30.0, 100.0}) {
            const KernelSpec k{KernelShape::Quartic, KdeOutput::Raw, rpx * 10.0, 0.0};
            const BinnedLayout L = chooseReduction(g, k);
            gpu.aggregate(k, L, 0, n);
            glFinish();
            std::vector<double> tot, bin, conv;
            for (int i = 0; i < runs; ++i) {
                auto t0 = std::chrono::steady_clock::now();
                gpu.aggregate(k, L, 0, n);
                (void)gpu.readCoarse();
                glFinish();
                tot.push_back(msSince(t0));
                t0 = std::chrono::steady_clock::now();
                gpu.binRange(0, n, +1);
                glFinish();
                bin.push_back(msSince(t0));
                t0 = std::chrono::steady_clock::now();
                gpu.convolve();
                glFinish();
                conv.push_back(msSince(t0));
            }
            auto med = [](std::vector<double> v) {
                std::sort(v.begin(), v.end());
                return v[v.size() / 2];
            };
            std::printf(
                "heatmap %9zu points r=%3.0fpx factor %d R=%d: re-aggregate %.1f ms (bin %.1f, convolve %.1f), median "
                "of %d\n",
                n, rpx, L.factor, L.radiusCells, med(tot), med(bin), med(conv), runs);
        }
    }
}

TEST_CASE("a presence heatmap's memory is bounded by its time window, not by uptime", "[heatmap][feed]") {
    const TimeMs t0 = 1732061700000;
    MapContext mc;
    mc.displayCrs = "EPSG:4549";
    Vec2d centre{121.41, 31.25};
    REQUIRE(Transformer("EPSG:4326", mc.displayCrs).forward(centre));
    mc.origin = centre;
    HeatmapLayerConfig cfg;
    cfg.presenceFeed = true;
    cfg.settings.windowMs = 1800 * 1000;
    HeatmapLayer layer(mc, cfg);
    layer.setFeed(std::make_shared<FeedPipeline>());  // live mode (no fixes: points are pushed below)
    Camera cam;
    cam.center = centre;
    cam.width = 64;
    cam.height = 64;
    FrameState f;
    f.camera = &cam;
    // Eight hours of one point per 0.1 s, fed an hour at a time, the clock following.
    size_t maxSeen = 0;
    for (int hour = 1; hour <= 8; ++hour) {
        std::vector<HeatPoint> pts;
        for (int i = 0; i < 36000; ++i)
            pts.push_back(
                {centre + Vec2d{static_cast<double>(i % 100), 0.0}, 1.0, t0 + (hour - 1) * 3600000 + i * 100});
        layer.addPoints(pts);
        f.time = t0 + hour * 3600000;
        layer.update(f);
        maxSeen = std::max(maxSeen, layer.pointCount());
    }
    // Without pruning this would hold 288,000 points; the window holds 18,000.
    CHECK(layer.pointCount() < 60000);
    CHECK(maxSeen < 80000);
    const auto range = layer.windowRange(f.time);
    CHECK(range.second - range.first == 17999);  // the window is (now - 30 min, now]
}
