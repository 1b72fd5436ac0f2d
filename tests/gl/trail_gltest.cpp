// Trails and officer markers as of the frame time, from the feed's tracks.
#include <chrono>
#include <thread>

#include "engine/feed/pipeline.hpp"
#include "engine/geo/projection.hpp"
#include "engine/render/offscreen.hpp"
#include "gl_fixture.hpp"
#include "layers/officer_layer.hpp"
#include "layers/trail_layer.hpp"

using namespace sandtable;

namespace {
std::string pos(const std::string& id, double lon, double lat, int sec, const char* squad = "changfeng") {
    char buf[256];
    std::snprintf(
        buf, sizeof buf,
        R"({"type":"pos","officer":"%s","squad":"%s","t":"2024-11-20T%02d:%02d:%02d+08:00","lon":%.6f,"lat":%.6f})",
        id.c_str(), squad, 8 + sec / 3600, sec / 60 % 60, sec % 60, lon, lat);
    return buf;
}
constexpr TimeMs kT0 = 1732060800000;  // 2024-11-20T08:00:00+08:00

// An interactive frame (renderOffscreen draws stills: FrameState::complete).
Image renderLive(Map& map, const FrameState& frame, int width, int height) {
    gl::RenderTarget target = gl::RenderTarget::create(width, height);
    target.bind();
    map.render(frame, width, height, pixelRatioFor(width, height));
    glFinish();
    Image img = readFramebuffer(width, height);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return img;
}

struct Scene {
    MapContext ctx;
    std::unique_ptr<Map> map;
    std::shared_ptr<FeedPipeline> feed;
    Transformer toDisplay{"wgs84", "EPSG:4549"};
    TimeMs now = kT0 + 3600 * 1000;

    Scene() {
        ctx.displayCrs = "EPSG:4549";
        ctx.refLatitude = 31.24;
        Vec2d o{121.40, 31.24};
        REQUIRE(toDisplay.forward(o));
        ctx.origin = o;
        map = std::make_unique<Map>(ctx);
        map->background = Color::fromHex(0x000000);
        map->camera.center = o;
        map->camera.resolution = 2.0;
        map->camera.width = 640;
        map->camera.height = 480;
        PipelineOptions po;
        po.now = [this] { return now; };
        feed = std::make_shared<FeedPipeline>(FeedConfig{}, po);
    }
    // A trail layer over the feed's tracks, added to the map.
    TrailLayer* addTrails(const TrailLayerOptions& opts) {
        auto layer = std::make_unique<TrailLayer>("trails", I18nText{"轨迹", "Trails"}, ctx, opts);
        TrailLayer* t = layer.get();
        t->setFeed(feed);
        map->addLayer(std::move(layer));
        return t;
    }
    Vec2d screen(double lon, double lat) {
        Vec2d p{lon, lat};
        toDisplay.forward(p);
        return map->camera.worldToScreen(p);
    }
    // Brightness at a screen point, max over a 3x3 neighbourhood.
    static int lit(const Image& img, Vec2d s) {
        int best = 0;
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
                const uint8_t* p = img.pixel(static_cast<int>(s.x) + dx, static_cast<int>(s.y) + dy);
                best = std::max(best, p[0] + p[1] + p[2]);
            }
        return best;
    }
};
}  // namespace

TEST_CASE("Trails follow the track up to the frame time, fade with age, and break at silences and GPS jumps",
          "[gl][trails]") {
    ST_REQUIRE_GL();
    Scene s;
    // PT-1 walks east along lat 31.24 one fix a minute from 08:20 to 08:50 (0.001 degree,
    // ~95 m, a minute), silent 08:30-08:40, and one fix
    // jumps 2.7 km north at 08:45 (the feed accepts it: under its 50 m/s; the trail does not).
    int fixes = 0;
    for (int m = 20; m <= 50; ++m) {
        if (m > 30 && m < 40) continue;                // silence: 10 minutes without a fix
        const double lat = m == 45 ? 31.2643 : 31.24;  // ~2.7 km in a minute: 45 m/s
        REQUIRE(s.feed->ingestLine(pos("PT-1", 121.385 + (m - 20) * 0.001, lat, m * 60)) == IngestOutcome::Accepted);
        ++fixes;
    }
    s.feed->publish();
    TrailLayerOptions opts;
    opts.trailSeconds = 30 * 60;
    opts.maxGapSeconds = 120;
    TrailLayer* trails = s.addTrails(opts);
    s.map->camera.resolution = 6.0;  // the 3 km walk fits the 640 px
    FrameState f;
    f.complete = true;
    f.time = kT0 + 50 * 60 * 1000;  // 08:50
    Image img = renderOffscreen(*s.map, f, 640, 480);
    const auto& b = trails->buildStats();
    CHECK(b.fixes == static_cast<size_t>(fixes));
    CHECK(b.gapBreaks == 1);   // 08:30 -> 08:40
    CHECK(b.jumpBreaks == 2);  // into the jump and out of it
    // Segments: 20..30 (10), 40..44 (4), 46..50 (4).
    CHECK(b.segments == 18);
    // Drawn along 08:46-08:50, nothing across the silence (08:35's place), brighter at
    // the newest end than at the oldest kept one (fading with age).
    const int newest = Scene::lit(img, s.screen(121.385 + 29.5 * 0.001, 31.24));
    const int gap = Scene::lit(img, s.screen(121.385 + 15 * 0.001, 31.24));
    const int oldest = Scene::lit(img, s.screen(121.385 + 0.5 * 0.001, 31.24));  // 08:20-08:21: 29.5 min old
    INFO("first segment " << trails->segments()[0].x0 << "," << trails->segments()[0].y0 << " t0 "
                          << trails->segments()[0].t0 << " screen of 08:20 " << s.screen(121.385, 31.24).x << ","
                          << s.screen(121.385, 31.24).y);
    CHECK(newest > 200);
    CHECK(gap < 20);
    CHECK(oldest < newest / 2);
    // 08:42: the part after the frame time is not drawn (and no rebuild: it is inside
    // the window the buffer holds); the segment being walked ends where the officer is.
    f.time = kT0 + (42 * 60 + 30) * 1000;
    const TimeMs builtTo = b.to;
    img = renderOffscreen(*s.map, f, 640, 480);
    CHECK(trails->buildStats().to == builtTo);
    CHECK(Scene::lit(img, s.screen(121.385 + 21.8 * 0.001, 31.24)) > 100);  // 08:41:48, walked
    CHECK(Scene::lit(img, s.screen(121.385 + 23.5 * 0.001, 31.24)) < 20);   // 08:43:30, not yet
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("Officer markers in a replay stand where each officer was at the frame time", "[gl][trails][officers]") {
    ST_REQUIRE_GL();
    Scene s;
    // PT-1 from 08:00 (west) to 08:10 (east); PT-2 only from 08:20.
    REQUIRE(s.feed->ingestLine(pos("PT-1", 121.395, 31.24, 0)) == IngestOutcome::Accepted);
    REQUIRE(s.feed->ingestLine(pos("PT-1", 121.405, 31.24, 600)) == IngestOutcome::Accepted);
    REQUIRE(s.feed->ingestLine(pos("PT-2", 121.40, 31.243, 1200, "wanli")) == IngestOutcome::Accepted);
    s.feed->publish();
    auto layer = std::make_unique<OfficerLayer>("officers", I18nText{"警员", "Officers"}, s.ctx, OfficerLayerOptions{});
    OfficerLayer* off = layer.get();
    off->setFeed(s.feed);
    s.map->addLayer(std::move(layer));
    FrameState f;
    f.timeMode = FrameState::TimeMode::Replay;
    f.time = kT0 + 5 * 60 * 1000;  // 08:05
    Image img = renderOffscreen(*s.map, f, 640, 480);
    CHECK(off->showingPast());
    CHECK(off->absentCount() == 1);  // PT-2 not on duty yet
    CHECK(Scene::lit(img, s.screen(121.395, 31.24)) > 200);
    CHECK(Scene::lit(img, s.screen(121.405, 31.24)) < 20);
    CHECK(Scene::lit(img, s.screen(121.40, 31.243)) < 20);
    // 08:15: PT-1 at its 08:10 fix, PT-2 still absent.
    f.time = kT0 + 15 * 60 * 1000;
    img = renderOffscreen(*s.map, f, 640, 480);
    CHECK(Scene::lit(img, s.screen(121.405, 31.24)) > 200);
    CHECK(Scene::lit(img, s.screen(121.395, 31.24)) < 20);
    CHECK(Scene::lit(img, s.screen(121.40, 31.243)) < 20);
    // At the end of the data the latest state again: both shown.
    f.time = kT0 + 20 * 60 * 1000;
    img = renderOffscreen(*s.map, f, 640, 480);
    CHECK_FALSE(off->showingPast());
    CHECK(Scene::lit(img, s.screen(121.40, 31.243)) > 200);
    CHECK(Scene::lit(img, s.screen(121.405, 31.24)) > 200);
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("Zoomed out, trails keep at most their length over the zoom step's tolerance in vertices", "[gl][trails]") {
    ST_REQUIRE_GL();
    Scene s;
    // PT-1 walks east 1.2 m a second for 20 minutes (1,200 fixes, 1.44 km).
    for (int k = 0; k < 1200; ++k)
        REQUIRE(s.feed->ingestLine(pos("PT-1", 121.39 + k * 1.2 / 95300.0, 31.24, 1800 + k)) ==
                IngestOutcome::Accepted);
    s.feed->publish();
    TrailLayerOptions opts;
    opts.trailSeconds = 30 * 60;
    TrailLayer* trails = s.addTrails(opts);
    FrameState f;
    f.complete = true;
    f.time = kT0 + 3000 * 1000;  // 08:50, the whole walk inside the trail
    struct Zoom {
        double resolution, tolerance;
    };
    size_t previous = 0;
    for (const Zoom z : {Zoom{0.5, 3.0}, Zoom{3.0, 8.0}, Zoom{20.0, 64.0}}) {
        s.map->camera.resolution = z.resolution;
        renderOffscreen(*s.map, f, 640, 480);
        const auto& b = trails->buildStats();
        INFO("resolution " << z.resolution << " m/px: " << b.segments << " segments, tolerance " << b.toleranceM);
        CHECK(b.toleranceM == Approx(z.tolerance));
        CHECK(b.fixes == 1200);
        // Kept fixes are at least the tolerance apart along a straight walk.
        CHECK(b.segments <= static_cast<size_t>(1440.0 / z.tolerance) + 1);
        CHECK(b.segments >= static_cast<size_t>(1440.0 / (z.tolerance + 1.2)) - 1);
        if (previous) CHECK(b.segments < previous);
        previous = b.segments;
    }
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("Trails outside the view are not submitted, the ones inside draw as before", "[gl][trails]") {
    ST_REQUIRE_GL();
    Scene s;
    // PT-1 walks east at the view's centre; PT-2 the same walk 8 km north, out of view.
    for (int k = 0; k < 60; ++k) {
        REQUIRE(s.feed->ingestLine(pos("PT-1", 121.398 + k * 0.0001, 31.24, 3000 + 10 * k)) == IngestOutcome::Accepted);
        REQUIRE(s.feed->ingestLine(pos("PT-2", 121.398 + k * 0.0001, 31.31, 3000 + 10 * k)) == IngestOutcome::Accepted);
    }
    s.feed->publish();
    TrailLayerOptions opts;
    opts.trailSeconds = 30 * 60;
    TrailLayer* trails = s.addTrails(opts);
    s.map->camera.resolution = 2.0;
    FrameState f;
    f.complete = true;
    f.time = kT0 + 3600 * 1000;
    const Image img = renderOffscreen(*s.map, f, 640, 480);
    const auto& b = trails->buildStats();
    CHECK(b.ranges == 2);
    CHECK(trails->drawnSegments() == b.segments / 2);  // PT-1's only
    CHECK(Scene::lit(img, s.screen(121.398 + 30 * 0.0001, 31.24)) > 100);
    // Zoomed out to see both: both submitted.
    s.map->camera.resolution = 40.0;
    renderOffscreen(*s.map, f, 640, 480);
    CHECK(trails->drawnSegments() == trails->buildStats().segments);
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("Trails are drawn once into a canvas cache and blitted until the view, the focus or a second changes",
          "[gl][trails]") {
    ST_REQUIRE_GL();
    Scene s;
    for (int m = 20; m <= 50; ++m)
        REQUIRE(s.feed->ingestLine(pos("PT-1", 121.385 + (m - 20) * 0.001, 31.24, m * 60)) == IngestOutcome::Accepted);
    s.feed->publish();
    TrailLayerOptions opts;
    opts.trailSeconds = 40 * 60;
    TrailLayer* trails = s.addTrails(opts);
    auto focus = std::make_shared<OfficerFocus>();
    trails->setFocus(focus);
    s.map->camera.resolution = 6.0;
    FrameState f;  // interactive frames, as a window or a wall draws them
    f.time = kT0 + 50 * 60 * 1000;
    f.dtSeconds = 0.05;
    // The first build runs beside the render thread: frames go on until it lands.
    Image first = renderLive(*s.map, f, 640, 480);
    for (int i = 0; i < 400 && trails->builds() == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        first = renderLive(*s.map, f, 640, 480);
    }
    REQUIRE(trails->builds() == 1);
    REQUIRE(trails->cacheRenders() == 1);
    const Vec2d walked = s.screen(121.385 + 25.5 * 0.001, 31.24);
    CHECK(Scene::lit(first, walked) > 150);
    // Under a second later, nothing else changed: the same pixels, from the cache.
    f.time += 400;
    const Image blitted = renderLive(*s.map, f, 640, 480);
    CHECK(trails->cacheRenders() == 1);
    CHECK(blitted.rgba == first.rgba);
    // A second on: drawn again (the fade and the cut at "now" move on).
    f.time += 700;
    renderLive(*s.map, f, 640, 480);
    CHECK(trails->cacheRenders() == 2);
    // The view moves: drawn again, and the trail moves with it.
    s.map->camera.panPixels(0, 40);
    const Image panned = renderLive(*s.map, f, 640, 480);
    CHECK(trails->cacheRenders() == 3);
    CHECK(Scene::lit(panned, s.screen(121.385 + 25.5 * 0.001, 31.24)) > 150);
    CHECK(Scene::lit(panned, walked) < Scene::lit(first, walked));
    // The squad filter hides the officer's squad: drawn again, without the trail.
    focus->squadMask = 0;
    const Image filtered = renderLive(*s.map, f, 640, 480);
    CHECK(trails->cacheRenders() == 4);
    CHECK(Scene::lit(filtered, s.screen(121.385 + 25.5 * 0.001, 31.24)) < 20);
    focus->squadMask = 0xffffffffu;
    // A still is always drawn afresh; drawn in tiles it equals the single render (one
    // cache for the canvas, each tile blits its rectangle).
    const Image still = renderOffscreen(*s.map, f, 640, 480);
    CHECK(trails->cacheRenders() == 5);
    const Image tiled = renderTiled(*s.map, f, 640, 480, 250, 200);
    CHECK(trails->cacheRenders() == 6);
    CHECK(tiled.rgba == still.rgba);
    CHECK(gl::errorCount() == 0);
}
