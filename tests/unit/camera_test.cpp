#include <catch2/catch.hpp>

#include <random>

#include "engine/geo/camera.hpp"
#include "engine/geo/projection.hpp"

using namespace sandtable;

TEST_CASE("Camera screen <-> world round trip with rotation", "[camera]") {
    Camera c;
    c.center = {633000.0, 3457000.0};
    c.resolution = 3.5;
    c.rotation = 0.7;
    c.width = 1920;
    c.height = 1080;
    for (Vec2d s : {Vec2d{0, 0}, Vec2d{100.5, 900.25}, Vec2d{1919, 1079}}) {
        const Vec2d back = c.worldToScreen(c.screenToWorld(s));
        CHECK(back.x == Approx(s.x).margin(1e-6));
        CHECK(back.y == Approx(s.y).margin(1e-6));
    }
    // Zoom about a point keeps that point fixed.
    const Vec2d anchor{300, 200};
    const Vec2d w = c.screenToWorld(anchor);
    c.zoomAbout(anchor, 2.0);
    const Vec2d s2 = c.worldToScreen(w);
    CHECK(s2.x == Approx(anchor.x).margin(1e-6));
    CHECK(s2.y == Approx(anchor.y).margin(1e-6));
}

// float32 GPU path vs PROJ in double: at 0.05 m per pixel a vertex lands within 0.5 px
// of where double precision puts it. The GPU computes clip = M * (v - origin) in float.
TEST_CASE("Origin-relative float vertices stay within 0.5 px at 0.05 m/px", "[camera][precision]") {
    Transformer toDisplay("wgs84", "EPSG:4549");
    Vec2d origin{121.40, 31.25};
    REQUIRE(toDisplay.forward(origin));
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> lon(121.33, 121.47), lat(31.21, 31.30);
    double worst = 0;
    for (int i = 0; i < 2000; ++i) {
        Vec2d p{lon(rng), lat(rng)};
        REQUIRE(toDisplay.forward(p));  // PROJ, double
        Camera c;
        c.origin = origin;
        c.center = p + Vec2d{3.3, -7.1};  // looking near the vertex, street zoom
        c.resolution = 0.05;
        c.rotation = 0.3;
        c.width = 3840;
        c.height = 2160;
        const Vec2d expected = c.worldToScreen(p);
        // Emulate the GPU: float vertex relative to origin, float matrix.
        const float vx = static_cast<float>(p.x - origin.x), vy = static_cast<float>(p.y - origin.y);
        const Mat4f m = c.viewProjection();
        const float cx = m.m[0] * vx + m.m[4] * vy + m.m[12];
        const float cy = m.m[1] * vx + m.m[5] * vy + m.m[13];
        const double sx = (cx * 0.5 + 0.5) * c.width, sy = (0.5 - cy * 0.5) * c.height;
        worst = std::max(worst, std::hypot(sx - expected.x, sy - expected.y));
    }
    INFO("worst deviation " << worst << " px");
    CHECK(worst < 0.5);
}
