#include <algorithm>

#include "engine/feed/pipeline.hpp"
#include "engine/geo/projection.hpp"
#include "engine/gl/shader.hpp"
#include "engine/render/offscreen.hpp"
#include "gl_fixture.hpp"
#include "layers/dispatch_layer.hpp"
#include "layers/officer_layer.hpp"

using namespace sandtable;

namespace {
std::string pos(const std::string& id, const char* squad, double lon, double lat, int sec,
                const char* status = "patrol") {
    char buf[256];
    std::snprintf(
        buf, sizeof buf,
        R"({"type":"pos","officer":"%s","squad":"%s","t":"2024-11-20T08:%02d:%02d+08:00","lon":%.6f,"lat":%.6f,"status":"%s","heading":90})",
        id.c_str(), squad, sec / 60, sec % 60, lon, lat, status);
    return buf;
}
constexpr TimeMs kT0 = 1732060800000;  // 2024-11-20T08:00:00+08:00
}  // namespace

TEST_CASE("Officer layer uploads only what changed and draws stale officers distinctly", "[gl][officers]") {
    ST_REQUIRE_GL();
    MapContext ctx;
    ctx.displayCrs = "EPSG:4549";
    ctx.refLatitude = 31.24;
    Transformer t("wgs84", "EPSG:4549");
    Vec2d o{121.40, 31.24};
    REQUIRE(t.forward(o));
    ctx.origin = o;
    Map map(ctx);
    map.background = Color::fromHex(0x000000);
    PipelineOptions po;
    TimeMs now = kT0 + 60 * 1000;
    po.now = [&] { return now; };
    auto feed = std::make_shared<FeedPipeline>(FeedConfig{}, po);
    for (int i = 0; i < 50; ++i)
        REQUIRE(feed->ingestLine(pos("PT-" + std::to_string(1000 + i), "changfeng", 121.39 + i * 0.0004, 31.24, 30)) ==
                IngestOutcome::Accepted);
    // One officer last heard long ago: stale at `now`.
    REQUIRE(feed->ingestLine(pos("PT-0001", "wanli", 121.40, 31.245, 0)) == IngestOutcome::Accepted);
    feed->publish();
    auto layer = std::make_unique<OfficerLayer>("officers", I18nText{"警员", "Officers"}, ctx, OfficerLayerOptions{});
    OfficerLayer* off = layer.get();
    off->setFeed(feed);
    off->options().staleAfterMs = 45 * 1000;
    map.addLayer(std::move(layer));
    map.camera.center = o;
    map.camera.resolution = 3.0;
    map.camera.width = 640;
    map.camera.height = 480;
    FrameState f;
    f.time = now;
    Image img = renderOffscreen(map, f, 640, 480);
    CHECK(glGetError() == GL_NO_ERROR);
    CHECK(off->officerCount() == 51);
    CHECK(off->staleCount() == 1);
    CHECK(off->liveCount() == 50);
    // The stale officer (at lat 31.245, ~555 m north = ~277 px up) is grey, translucent.
    const Vec2d staleScreen = map.camera.worldToScreen([&] {
        Vec2d p{121.40, 31.245};
        t.forward(p);
        return p;
    }());
    REQUIRE(staleScreen.y > 0);
    const uint8_t* sp = img.pixel(static_cast<int>(staleScreen.x), static_cast<int>(staleScreen.y));
    CHECK(std::abs(sp[0] - sp[1]) < 30);  // grey, not green
    const Vec2d liveScreen = map.camera.worldToScreen([&] {
        Vec2d p{121.39 + 25 * 0.0004 - 0.008, 31.24};
        t.forward(p);
        return p;
    }());
    // Green (on patrol) beside the centre: the dark heading pointer covers the centre itself.
    int greenest = -255;
    for (int dy = -5; dy <= 5; ++dy)
        for (int dx = -5; dx <= 5; ++dx) {
            const uint8_t* lp = img.pixel(static_cast<int>(liveScreen.x) + dx, static_cast<int>(liveScreen.y) + dy);
            greenest = std::max(greenest, lp[1] - lp[0]);
        }
    CHECK(greenest > 40);

    // One new fix: the next frame uploads one instance, not all.
    REQUIRE(feed->ingestLine(pos("PT-1007", "changfeng", 121.3905, 31.2401, 45, "dispatched")) ==
            IngestOutcome::Accepted);
    feed->publish();
    img = renderOffscreen(map, f, 640, 480);
    CHECK(off->stats().vertices == 51);
    CHECK(off->lastUploadCount() == 1);  // one instance re-sent, not the buffer
    img = renderOffscreen(map, f, 640, 480);
    CHECK(off->lastUploadCount() == 0);  // nothing changed: nothing sent
    // An older message goes to history but does not move the marker.
    REQUIRE(feed->ingestLine(pos("PT-1007", "changfeng", 121.3903, 31.2400, 40)) == IngestOutcome::Late);

    // Click selects the nearest marker; Ctrl+click runs dispatch assist.
    const Vec2d target = map.camera.worldToScreen([&] {
        Vec2d p{121.39 + 10 * 0.0004, 31.24};
        t.forward(p);
        return p;
    }());
    CHECK(off->handleClick(map.camera, target, false));
    CHECK(off->selected() == "PT-1010");
    CHECK(off->followTarget() == std::nullopt);
    off->setFollow(true);
    CHECK(off->followTarget().has_value());
    // Ctrl+click is not a selection: it is the dispatch layer's (above the markers, same focus).
    CHECK_FALSE(off->handleClick(map.camera, target, true));
    DispatchLayer dispatch("dispatch", {"d", "d"}, ctx, DispatchLayerOptions{5, 45 * 1000}, off->focus());
    dispatch.setFeed(feed);
    CHECK_FALSE(dispatch.handleClick(map.camera, target, false));  // a plain click is a selection
    dispatch.update(f);
    CHECK(dispatch.handleClick(map.camera, target, true));
    REQUIRE(dispatch.candidates().size() == 5);
    CHECK(dispatch.candidates()[0].officer == "PT-1010");
    for (const auto& c : dispatch.candidates()) CHECK(c.officer != "PT-0001");  // stale officers are never proposed
    CHECK(off->focus()->candidates.size() == 5);  // highlighted on the markers through the shared focus
    img = renderOffscreen(map, f, 640, 480);
    CHECK(glGetError() == GL_NO_ERROR);
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("Officer layer direct path updates a range", "[gl][officers]") {
    ST_REQUIRE_GL();
    MapContext ctx;
    ctx.displayCrs = "EPSG:4549";
    OfficerLayer layer("o", {"o", "o"}, ctx, {});
    std::vector<OfficerInstance> inst(1000);
    for (size_t i = 0; i < inst.size(); ++i) inst[i].x = static_cast<float>(i);
    layer.setInstances(inst);
    ShaderLibrary shaders;
    const FrameState frame;
    UploadContext u{frame, shaders};
    layer.upload(u);
    CHECK(layer.lastUploadCount() == 1000);  // the first upload sends everything
    std::vector<OfficerInstance> patch(10);
    for (auto& p : patch) p.x = -1.0f;
    layer.updateInstances(500, patch);
    layer.upload(u);
    CHECK(layer.officerCount() == 1000);
    CHECK(layer.lastUploadCount() == 10);  // then only the patched range
    layer.upload(u);
    CHECK(layer.lastUploadCount() == 0);  // nothing changed: nothing sent
    layer.updateInstances(3, std::vector<OfficerInstance>(1));
    layer.updateInstances(7, std::vector<OfficerInstance>(1));
    layer.upload(u);
    CHECK(layer.lastUploadCount() == 5);                           // two patches: one range 3..7
    layer.updateInstances(995, std::vector<OfficerInstance>(10));  // grows to 1005
    layer.upload(u);
    CHECK(layer.officerCount() == 1005);
    CHECK(layer.lastUploadCount() == 1005);  // a grown buffer is sent whole
    // What the GPU holds is what was set: the patched range reads back.
    std::vector<OfficerInstance> back(1005);
    glGetNamedBufferSubData(layer.bufferId(), 0, static_cast<GLsizeiptr>(back.size() * sizeof(OfficerInstance)),
                            back.data());
    CHECK(back[499].x == 499.0f);
    CHECK(back[500].x == -1.0f);
    CHECK(back[509].x == -1.0f);
    CHECK(back[510].x == 510.0f);
    CHECK(glGetError() == GL_NO_ERROR);
}
