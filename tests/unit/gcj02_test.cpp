#include <catch2/catch.hpp>

#include "engine/geo/gcj02.hpp"
#include "engine/geo/projection.hpp"

using namespace sandtable;

// Published WGS84 -> GCJ-02 pairs (the reference test vectors of the widely used
// eviltransform implementation: Shanghai, Shenzhen, Beijing).
namespace {
struct Pair {
    double wgsLat, wgsLon, gcjLat, gcjLon;
};
const Pair kPairs[] = {
    {31.1774276, 121.5272106, 31.17530398364597, 121.531541859215},
    {22.543847, 113.912316, 22.540796131694766, 113.9171764808363},
    {39.911954, 116.377817, 39.91334545536069, 116.38404722455657},
};
}  // namespace

TEST_CASE("GCJ-02 forward matches published pairs", "[gcj02]") {
    for (const auto& p : kPairs) {
        const Vec2d g = gcj02::fromWgs84({p.wgsLon, p.wgsLat});
        CHECK(g.x == Approx(p.gcjLon).margin(1e-9));
        CHECK(g.y == Approx(p.gcjLat).margin(1e-9));
    }
}

TEST_CASE("GCJ-02 inverse recovers WGS84 to 1e-9 degrees", "[gcj02]") {
    for (const auto& p : kPairs) {
        const Vec2d w = gcj02::toWgs84({p.gcjLon, p.gcjLat});
        CHECK(w.x == Approx(p.wgsLon).margin(1e-9));
        CHECK(w.y == Approx(p.wgsLat).margin(1e-9));
    }
    // Round trip over the Putuo area.
    for (double lon = 121.33; lon < 121.47; lon += 0.01)
        for (double lat = 31.21; lat < 31.30; lat += 0.01) {
            const Vec2d back = gcj02::toWgs84(gcj02::fromWgs84({lon, lat}));
            REQUIRE(std::fabs(back.x - lon) < 1e-9);
            REQUIRE(std::fabs(back.y - lat) < 1e-9);
        }
}

TEST_CASE("GCJ-02 offset is zero outside China and a few hundred metres in Shanghai", "[gcj02]") {
    const Vec2d paris{2.35, 48.85};
    CHECK(gcj02::fromWgs84(paris) == paris);
    const Vec2d sh{121.44, 31.24};
    const double d = geodesicDistance(sh, gcj02::fromWgs84(sh));
    CHECK(d > 300.0);
    CHECK(d < 700.0);
}

TEST_CASE("Transformer handles the gcj02 alias through PROJ", "[gcj02][projection]") {
    Transformer t("gcj02", "wgs84");
    Vec2d p{kPairs[0].gcjLon, kPairs[0].gcjLat};
    REQUIRE(t.forward(p));
    CHECK(p.x == Approx(kPairs[0].wgsLon).margin(1e-8));
    CHECK(p.y == Approx(kPairs[0].wgsLat).margin(1e-8));
    REQUIRE(t.inverse(p));
    CHECK(p.x == Approx(kPairs[0].gcjLon).margin(1e-8));
}

TEST_CASE("Transformer reports unknown CRS with both names", "[projection]") {
    try {
        Transformer t("EPSG:999999", "EPSG:4549");
        FAIL("expected an exception");
    } catch (const std::runtime_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("EPSG:999999"));
    }
}
