// Map::cacheCanvas: frames drawn through the canvas cache (shifted by whole-pixel pans,
// drawn whole after a fractional pan, a zoom or a layer's revision change) show what the
// same frames drawn directly show.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <tuple>

#include "engine/data/scene.hpp"
#include "engine/render/offscreen.hpp"
#include "gl_fixture.hpp"
#include "layers/vector_layer.hpp"
#include "tests/support/temp_path.hpp"
#include "vector_map.hpp"

using namespace sandtable;

namespace {
// A grid of small squares with two categories, a line across them: edges everywhere, so
// any strip drawn in the wrong place or any seam shows.
std::string gridGeoJson() {
    std::string s = R"({"type":"FeatureCollection","features":[)";
    bool first = true;
    for (int i = 0; i < 12; ++i)
        for (int j = 0; j < 6; ++j) {
            const double x = 121.390 + i * 0.0012, y = 31.240 + j * 0.0012;
            if (!first) s += ",";
            first = false;
            s += R"({"type":"Feature","properties":{"kind":")" + std::string((i + j) % 2 ? "a" : "b") +
                 R"("},"geometry":{"type":"Polygon","coordinates":[[[)" + std::to_string(x) + "," + std::to_string(y) +
                 "],[" + std::to_string(x + 0.0009) + "," + std::to_string(y) + "],[" + std::to_string(x + 0.0009) +
                 "," + std::to_string(y + 0.0009) + "],[" + std::to_string(x) + "," + std::to_string(y + 0.0009) +
                 "],[" + std::to_string(x) + "," + std::to_string(y) + "]]]}}";
        }
    s +=
        R"(,{"type":"Feature","properties":{"kind":"c"},"geometry":{"type":"LineString","coordinates":[[121.389,31.239],[121.404,31.2465],[121.391,31.2475]]}}]})";
    return s;
}

VectorStyle styleWith(const char* fillA) {
    const nlohmann::json j = nlohmann::json::parse(std::string(R"({"fill": {"field": "kind", "categories": {"a": ")") +
                                                   fillA + R"(", "b": "#2040c0", "c": "#000000"}},
                                                   "stroke": "#f0f0f0", "strokeWidth": 3})");
    return parseVectorStyle(JsonReader(j, "t.json", "style"));
}

// A layer that depends on the frame (no revision): a magenta square at fixed canvas pixels
// (10..30, 10..30, rows from the top).
class MarkLayer : public Layer {
public:
    MarkLayer() : Layer("mark", I18nText{"mark", "mark"}) {}
    void update(const FrameState&) override {}
    void draw(const RenderContext& rc) override {
        const PixelRect& t = rc.target;
        glEnable(GL_SCISSOR_TEST);
        glScissor(10 - t.x, t.height - (30 - t.y), 20, 20);
        glClearColor(1, 0, 1, 1);
        glClear(GL_COLOR_BUFFER_BIT);
        glDisable(GL_SCISSOR_TEST);
    }
};

struct Maps {
    std::unique_ptr<Map> cached, direct;
};

Maps makeMaps(const std::string& path, bool markAtBottom) {
    Maps m;
    for (int k = 0; k < 2; ++k) {
        auto map = test::vectorMap(path, styleWith("#e0a020"), 400, 240, 10, Color::fromHex(0x101010));
        if (markAtBottom)
            map->insertLayer(0, std::make_unique<MarkLayer>());
        else
            map->addLayer(std::make_unique<MarkLayer>());
        map->cacheCanvas = k == 0;
        (k == 0 ? m.cached : m.direct) = std::move(map);
    }
    return m;
}

// Pixels whose channels differ by more than 8 of 255. On llvmpipe a strip draws exactly
// what the whole draw does (none differs at all); the threshold leaves room for another
// GL rounding an anti-aliased edge's coverage differently at a strip border.
size_t differing(const Image& a, const Image& b, int* worst = nullptr) {
    size_t n = 0;
    int w = 0;
    for (size_t i = 0; i < a.rgba.size(); i += 4) {
        int d = 0;
        for (int c = 0; c < 3; ++c) d = std::max(d, std::abs(int(a.rgba[i + c]) - int(b.rgba[i + c])));
        w = std::max(w, d);
        n += d > 8;
    }
    if (worst) *worst = w;
    return n;
}

const uint8_t* at(const Image& img, int x, int y) { return img.pixel(x, y); }
}  // namespace

TEST_CASE("The canvas cache shows what a direct draw shows through pans and zooms", "[gl][map][cache]") {
    ST_REQUIRE_GL();
    const std::string path = test::processTempPath("sandtable_canvas_cache.geojson").string();
    std::ofstream(path) << gridGeoJson();
    Maps m = makeMaps(path, false);
    const int W = m.cached->camera.width, H = m.cached->camera.height;

    struct Step {
        const char* what;
        double dx, dy;      // panPixels
        double zoom;        // zoomAbout the centre when not 1
        const char* field;  // which counter the cached frame must bump
    };
    const Step steps[] = {
        {"first frame", 0, 0, 1, "whole"},          {"same view", 0, 0, 1, "reuse"},
        {"pan right 7", 7, 0, 1, "shift"},          {"pan up 5", 0, -5, 1, "shift"},
        {"pan diagonal", -30, 12, 1, "shift"},      {"pan past the ring's wrap", 250, 150, 1, "shift"},
        {"pan back", -260, -170, 1, "shift"},       {"fractional pan", 0.5, 0, 1, "whole"},
        {"pan after it", 3, 3, 1, "shift"},         {"zoom in", 0, 0, 1.25, "whole"},
        {"pan after the zoom", -11, 4, 1, "shift"}, {"pan a whole rectangle away", 400, 0, 1, "whole"},
    };
    for (const Step& s : steps) {
        INFO(s.what);
        for (Map* map : {m.cached.get(), m.direct.get()}) {
            if (s.dx != 0 || s.dy != 0) map->camera.panPixels(s.dx, s.dy);
            if (s.zoom != 1) map->camera.zoomAbout({W / 2.0, H / 2.0}, s.zoom);
        }
        const Map::CanvasCacheStats before = m.cached->canvasCacheStats();
        const Image got = renderOffscreen(*m.cached, FrameState{}, W, H);
        const Image want = renderOffscreen(*m.direct, FrameState{}, W, H);
        CHECK(glGetError() == GL_NO_ERROR);
        const Map::CanvasCacheStats& after = m.cached->canvasCacheStats();
        const std::string field = s.field;
        CHECK(after.wholeDraws - before.wholeDraws == (field == "whole" ? 1u : 0u));
        CHECK(after.shifts - before.shifts == (field == "shift" ? 1u : 0u));
        CHECK(after.reuses - before.reuses == (field == "reuse" ? 1u : 0u));
        CHECK(after.cachedLayers == 1u);  // the vector layer; the mark above is drawn each frame
        CHECK(m.direct->canvasCacheStats().wholeDraws == 0u);
        int worst = 0;
        const size_t n = differing(got, want, &worst);
        INFO("differing pixels " << n << ", worst channel difference " << worst);
        CHECK(n == 0);
        // The mark (no revision) is drawn over the cache at its fixed place every frame.
        CHECK(at(got, 20, 20)[0] == 255);
        CHECK(at(got, 20, 20)[1] == 0);
        if (field == "shift") CHECK(after.stripPixels > before.stripPixels);
    }
    // The scene really moved under the pans (the test compares changing pictures).
    const Image last = renderOffscreen(*m.direct, FrameState{}, W, H);
    m.direct->camera.panPixels(40, 0);
    CHECK(differing(last, renderOffscreen(*m.direct, FrameState{}, W, H)) > 1000u);
}

TEST_CASE("A revision change or a new opacity or canvas size redraws the canvas cache", "[gl][map][cache]") {
    ST_REQUIRE_GL();
    const std::string path = test::processTempPath("sandtable_canvas_cache_rev.geojson").string();
    std::ofstream(path) << gridGeoJson();
    Maps m = makeMaps(path, false);
    Map& map = *m.cached;
    const int W = map.camera.width, H = map.camera.height;
    renderOffscreen(map, FrameState{}, W, H);
    REQUIRE(map.canvasCacheStats().wholeDraws == 1u);
    map.camera.panPixels(5, 0);
    renderOffscreen(map, FrameState{}, W, H);
    REQUIRE(map.canvasCacheStats().shifts == 1u);

    // A new style: the layer's revision changes, the cache is drawn whole in the new colour.
    auto* layer = dynamic_cast<VectorLayer*>(map.find("v"));
    REQUIRE(layer);
    const auto rev = layer->drawRevision();
    layer->setStyle(styleWith("#00ff00"));
    CHECK(layer->drawRevision() != rev);
    m.direct->camera.panPixels(5, 0);
    dynamic_cast<VectorLayer*>(m.direct->find("v"))->setStyle(styleWith("#00ff00"));
    Image got = renderOffscreen(map, FrameState{}, W, H);
    CHECK(map.canvasCacheStats().wholeDraws == 2u);
    CHECK(differing(got, renderOffscreen(*m.direct, FrameState{}, W, H)) == 0u);
    size_t green = 0;
    for (size_t i = 0; i < got.rgba.size(); i += 4) green += got.rgba[i] < 30 && got.rgba[i + 1] > 220;
    CHECK(green > 1000u);

    // Opacity is the map's to watch.
    layer->opacity = 0.5f;
    m.direct->find("v")->opacity = 0.5f;
    got = renderOffscreen(map, FrameState{}, W, H);
    CHECK(map.canvasCacheStats().wholeDraws == 3u);
    CHECK(differing(got, renderOffscreen(*m.direct, FrameState{}, W, H)) == 0u);

    // A hidden layer leaves nothing cached: every layer is drawn directly.
    layer->visible = false;
    renderOffscreen(map, FrameState{}, W, H);
    CHECK(map.canvasCacheStats().direct == 1u);
    CHECK(map.canvasCacheStats().cachedLayers == 0u);
    layer->visible = true;

    // Another canvas size: a new ring, drawn whole.
    map.camera.width = 300;
    map.camera.height = 200;
    m.direct->camera.width = 300;
    m.direct->camera.height = 200;
    got = renderOffscreen(map, FrameState{}, 300, 200);
    CHECK(map.canvasCacheStats().wholeDraws == 4u);
    CHECK(differing(got, renderOffscreen(*m.direct, FrameState{}, 300, 200)) == 0u);
}

TEST_CASE("A layer without a revision at the bottom leaves the canvas cache unused", "[gl][map][cache]") {
    ST_REQUIRE_GL();
    const std::string path = test::processTempPath("sandtable_canvas_cache_bottom.geojson").string();
    std::ofstream(path) << gridGeoJson();
    Maps m = makeMaps(path, true);
    const int W = m.cached->camera.width, H = m.cached->camera.height;
    for (int i = 0; i < 3; ++i) {
        m.cached->camera.panPixels(6, 0);
        m.direct->camera.panPixels(6, 0);
        const Image got = renderOffscreen(*m.cached, FrameState{}, W, H);
        CHECK(differing(got, renderOffscreen(*m.direct, FrameState{}, W, H)) == 0u);
    }
    CHECK(m.cached->canvasCacheStats().direct == 3u);
    CHECK(m.cached->canvasCacheStats().wholeDraws == 0u);
}

namespace {
// An interactive frame (not a still): what the cockpit draws while the hand is on the map.
Image liveFrame(Map& map, double dtSeconds) {
    FrameState f;
    f.dtSeconds = dtSeconds;
    return renderInteractive(map, f, map.camera.width, map.camera.height);
}

// What the preview should show, computed here: `base` (the cached layers as drawn whole
// in view `from`) resampled bilinearly into view `to`, the background outside the centres
// of its edge pixels; pixel centres at +0.5, rows from the top.
Image resampled(const Image& base, const Camera& from, const Camera& to, uint8_t bg) {
    const int w = base.width, h = base.height;
    Image out = base;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            Vec2d q = from.worldToScreen(to.screenToWorld({x + 0.5, y + 0.5}));
            uint8_t* o = out.pixel(x, y);
            if (q.x < 0.5 || q.y < 0.5 || q.x > w - 0.5 || q.y > h - 0.5) {
                o[0] = o[1] = o[2] = bg;
                o[3] = 255;
                continue;
            }
            q.x -= 0.5;
            q.y -= 0.5;
            const int x0 = std::min(static_cast<int>(q.x), w - 2), y0 = std::min(static_cast<int>(q.y), h - 2);
            const double fx = q.x - x0, fy = q.y - y0;
            for (int c = 0; c < 4; ++c) {
                const double v = (1 - fy) * ((1 - fx) * base.pixel(x0, y0)[c] + fx * base.pixel(x0 + 1, y0)[c]) +
                                 fy * ((1 - fx) * base.pixel(x0, y0 + 1)[c] + fx * base.pixel(x0 + 1, y0 + 1)[c]);
                o[c] = static_cast<uint8_t>(std::lround(v));
            }
        }
    return out;
}

// The largest channel difference outside the mark (10..30, 10..30).
int worstOutsideMark(const Image& a, const Image& b) {
    int worst = 0;
    for (int y = 0; y < a.height; ++y)
        for (int x = 0; x < a.width; ++x) {
            if (x >= 8 && x < 32 && y >= 8 && y < 32) continue;
            for (int c = 0; c < 3; ++c)
                worst = std::max(worst, std::abs(int(a.pixel(x, y)[c]) - int(b.pixel(x, y)[c])));
        }
    return worst;
}
}  // namespace

TEST_CASE("A zoom gesture shows the canvas cache scaled until it settles", "[gl][map][cache]") {
    ST_REQUIRE_GL();
    const std::string path = test::processTempPath("sandtable_canvas_cache_zoom.geojson").string();
    std::ofstream(path) << gridGeoJson();
    Maps m = makeMaps(path, false);
    m.cached->zoomPreview = Map::ZoomPreview::Always;  // not only on software GL
    const int W = m.cached->camera.width, H = m.cached->camera.height;
    const double dt = 1.0 / 60;
    const Vec2d cursor{W * 0.3, H * 0.6};
    auto both = [&](auto&& move) {
        move(m.cached->camera);
        move(m.direct->camera);
    };
    struct Frame {
        Image got, want;
        size_t previews, redrawn;  // this frame's Map::CanvasCacheStats
    };
    auto frame = [&] {
        const Map::CanvasCacheStats before = m.cached->canvasCacheStats();
        Frame f{liveFrame(*m.cached, dt), liveFrame(*m.direct, dt), 0, 0};
        CHECK(glGetError() == GL_NO_ERROR);
        const Map::CanvasCacheStats& after = m.cached->canvasCacheStats();
        f.previews = after.previews - before.previews;
        f.redrawn = after.wholeDraws - before.wholeDraws;
        // The mark above the cache is drawn as ever, sharp, preview or not.
        CHECK(at(f.got, 20, 20)[0] == 255);
        CHECK(at(f.got, 20, 20)[1] == 0);
        return f;
    };
    // The cached layers alone (the mark hidden) in the view drawn now: what the cache holds
    // after a whole draw.
    auto cachedLayers = [&] {
        Layer* mark = m.direct->find("mark");
        mark->visible = false;
        Image img = renderOffscreen(*m.direct, FrameState{}, W, H);
        mark->visible = true;
        return std::pair{img, m.direct->camera};
    };

    const Frame first = frame();
    CHECK(first.redrawn == 1u);
    CHECK(differing(first.got, first.want) == 0u);
    // A drag first: the cache's pixels wrap around its ring when the zoom starts.
    both([&](Camera& c) { c.panPixels(137, -61); });
    const Frame dragged = frame();
    CHECK(m.cached->canvasCacheStats().shifts == 1u);
    CHECK(differing(dragged.got, dragged.want) == 0u);
    auto [base, baseView] = cachedLayers();

    // Two wheel notches about the cursor: the cache as drawn, scaled into the view (what
    // resampled() computes, within GL's rounding of bilinear weights), not the sharp frame
    // (strokes scale, edges soften), and nothing drawn into the cache.
    Image lastPreview;
    for (int notch = 0; notch < 2; ++notch) {
        INFO("wheel notch " << notch + 1);
        both([&](Camera& c) { c.zoomAbout(cursor, 1.2); });
        const Frame f = frame();
        CHECK(f.previews == 1u);
        CHECK(f.redrawn == 0u);
        const int worst = worstOutsideMark(f.got, resampled(base, baseView, m.cached->camera, 0x10));
        INFO("worst channel difference " << worst);
        CHECK(worst <= 3);
        CHECK(differing(f.got, f.want) > 1000u);
        lastPreview = f.got;
    }
    // The wheel at rest: the same preview (copied) until the gesture settles, at the
    // latest after kGestureSettleFrames frames; then the exact frame.
    bool settled = false;
    for (int i = 0; i < kGestureSettleFrames + 1 && !settled; ++i) {
        INFO("frame " << i + 1 << " at rest");
        const Frame f = frame();
        if (f.redrawn == 1u) {
            settled = true;
            CHECK(f.previews == 0u);
            CHECK(differing(f.got, f.want) == 0u);
        } else {
            CHECK(f.previews == 1u);
            CHECK(differing(f.got, lastPreview) == 0u);
        }
    }
    CHECK(settled);
    {
        const Frame f = frame();
        CHECK(f.previews == 0u);
        CHECK(f.redrawn == 0u);
        CHECK(differing(f.got, f.want) == 0u);
    }
    std::tie(base, baseView) = cachedLayers();

    // Zooming out: what the last whole draw did not cover is background in the preview.
    both([&](Camera& c) { c.zoomAbout(cursor, 1 / 1.5); });
    {
        const Frame f = frame();
        CHECK(f.previews == 1u);
        CHECK(worstOutsideMark(f.got, resampled(base, baseView, m.cached->camera, 0x10)) <= 3);
        // The grid the sharp frame draws there.
        size_t uncovered = 0;
        for (int y = 0; y < H; ++y)
            for (int x = 0; x < W; ++x) uncovered += at(f.got, x, y)[2] == 0x10 && at(f.want, x, y)[2] > 0x80;
        CHECK(uncovered > 1000u);
    }
    // A drag ends the gesture at once: the exact frame.
    both([&](Camera& c) { c.panPixels(9, -4); });
    {
        const Frame f = frame();
        CHECK(f.previews == 0u);
        CHECK(f.redrawn == 1u);
        CHECK(differing(f.got, f.want) == 0u);
    }
    // Past 2x of the last whole draw a preview would blur: drawn whole at once.
    both([&](Camera& c) { c.zoomAbout(cursor, 2.5); });
    {
        const Frame f = frame();
        CHECK(f.previews == 0u);
        CHECK(f.redrawn == 1u);
        CHECK(differing(f.got, f.want) == 0u);
    }
    // A still taken during a gesture is exact.
    both([&](Camera& c) { c.zoomAbout(cursor, 1.2); });
    CHECK(differing(renderOffscreen(*m.cached, FrameState{}, W, H), renderOffscreen(*m.direct, FrameState{}, W, H)) ==
          0u);
    // Off: every notch is drawn whole.
    m.cached->zoomPreview = Map::ZoomPreview::Off;
    both([&](Camera& c) { c.zoomAbout(cursor, 1.2); });
    {
        const Frame f = frame();
        CHECK(f.previews == 0u);
        CHECK(f.redrawn == 1u);
        CHECK(differing(f.got, f.want) == 0u);
    }
}
