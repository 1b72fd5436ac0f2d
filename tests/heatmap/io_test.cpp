// GeoTIFF export round trip through GDAL and the OGR point reader (bad features counted).
#include <catch2/catch.hpp>

#include <ogr_spatialref.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/analysis/heat_io.hpp"
#include "engine/geo/projection.hpp"
#include "tests/heatmap/heat_test_util.hpp"

using namespace sandtable;

namespace {
std::filesystem::path tempDir() {
    auto d = std::filesystem::temp_directory_path() / ("sandtable_heatmap_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
}
// Putuo district, Shanghai, in CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549).
const char* kCrs = "EPSG:4549";
}  // namespace

TEST_CASE("density exports as float32 GeoTIFF with CRS and geotransform", "[heatmap][export]") {
    const BBox box{349000.0, 3459000.0, 355000.0, 3464000.0};
    const auto pts = test::clusteredPoints(3000, box, 9);
    const GridSpec g = GridSpec::covering(box, 25.0);
    const KernelSpec k{KernelShape::Quartic, KdeOutput::Scaled, 300.0, 0.0};
    const DensityGrid d = exactKde(pts, g, k);
    const auto path = (tempDir() / "density.tif").string();
    writeDensityGeoTiff(path, d, kCrs);

    const RasterReadBack r = readDensityRaster(path);
    CHECK(r.dataType == "Float32");
    REQUIRE(r.grid.spec.width == g.width);
    REQUIRE(r.grid.spec.height == g.height);
    const auto gt = g.geoTransform();
    for (int i = 0; i < 6; ++i)
        CHECK(r.geoTransform[static_cast<size_t>(i)] == Approx(gt[static_cast<size_t>(i)]).margin(1e-9));
    CHECK(r.geoTransform[1] == 25.0);
    CHECK(r.geoTransform[5] == -25.0);
    OGRSpatialReference got, want;
    REQUIRE(got.importFromWkt(r.crsWkt.c_str()) == OGRERR_NONE);
    want.SetFromUserInput(kCrs);
    CHECK(got.IsSame(&want));
    // Bit-exact round trip (float32 in, float32 out).
    CHECK(r.grid.values == d.values);
    // And the file equals the exact KDE at pixel centres, evaluated independently here.
    double maxErr = 0;
    for (int row = 0; row < g.height; row += 7)
        for (int col = 0; col < g.width; col += 7) {
            const Vec2d c = g.pixelCenter(col, row);
            double v = 0;
            for (const HeatPoint& p : pts) v += p.weight * kernelValue(k, (p.pos - c).length());
            maxErr = std::max(maxErr, std::fabs(v - r.grid.at(col, row)));
        }
    CHECK(maxErr <= 1e-3 * d.maxValue());
    std::filesystem::remove(path);
}

TEST_CASE("export refuses what it cannot write", "[heatmap][export]") {
    DensityGrid empty;
    CHECK_THROWS_AS(writeDensityGeoTiff((tempDir() / "x.tif").string(), empty, kCrs), std::runtime_error);
    DensityGrid one;
    one.spec = GridSpec::covering({0, 0, 1, 1}, 1.0);
    one.values = {1.0f};
    CHECK_THROWS_AS(writeDensityGeoTiff((tempDir() / "y.tif").string(), one, "not a crs"), std::runtime_error);
    CHECK_THROWS_AS(writeDensityGeoTiff("/nonexistent-dir/z.tif", one, kCrs), std::runtime_error);
}

TEST_CASE("OGR point reader: CSV lon/lat columns, weights, bad rows counted", "[heatmap][ogr]") {
    const auto path = (tempDir() / "complaints.csv").string();
    {
        std::ofstream f(path);
        f << "id,lon,lat,severity,reported\n"
          << "1,121.3970,31.2490,3,2024-05-01T08:00:00Z\n"
          << "2,121.4100,31.2500,1,2024-05-01T09:30:00Z\n"
          << "3,,31.2500,2,2024-05-01T10:00:00Z\n"            // no longitude
          << "4,nan,31.2500,2,2024-05-01T10:00:00Z\n"         // NaN coordinate
          << "5,121.4000,31.2400,abc,2024-05-01T10:00:00Z\n"  // non-numeric weight
          << "6,121.4000,31.2400,-4,2024-05-01T10:00:00Z\n"   // negative weight
          << "7,121.4050,31.2450,2.5,2024-05-01T11:00:00Z\n";
    }
    OgrPointSource src;
    src.path = path;
    src.xField = "lon";
    src.yField = "lat";
    src.weightField = "severity";
    const OgrPointResult r = readOgrPoints(src, kCrs);
    CHECK(r.stats.accepted == 3);
    CHECK(r.stats.noCoordinates == 2);
    CHECK(r.stats.badWeight == 1);
    CHECK(r.stats.negativeWeight == 1);
    REQUIRE(r.points.size() == 3);
    CHECK(r.points[0].weight == 3.0);
    CHECK(r.points[2].weight == 2.5);
    // Same transform as the engine's own Transformer.
    Transformer t("EPSG:4326", kCrs);
    Vec2d p{121.3970, 31.2490};
    REQUIRE(t.forward(p));
    CHECK(r.points[0].pos.x == Approx(p.x).margin(1e-6));
    CHECK(r.points[0].pos.y == Approx(p.y).margin(1e-6));
    CHECK(r.points[0].pos.x > 300000.0);

    src.weightField = "nope";
    CHECK_THROWS_AS(readOgrPoints(src, kCrs), std::runtime_error);
    src.path = (tempDir() / "missing.csv").string();
    CHECK_THROWS_AS(readOgrPoints(src, kCrs), std::runtime_error);
    std::filesystem::remove(path);
}

TEST_CASE("OGR point reader: GeoJSON points, multipoints, nulls, lines, time stamps", "[heatmap][ogr]") {
    const auto path = (tempDir() / "events.geojson").string();
    {
        std::ofstream f(path);
        f << R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"w":2,"t":"2024-05-01T08:00:00Z"},"geometry":{"type":"Point","coordinates":[121.40,31.25]}},
{"type":"Feature","properties":{"w":1,"t":"2024-05-01T08:00:01Z"},"geometry":{"type":"MultiPoint","coordinates":[[121.41,31.25],[121.42,31.26]]}},
{"type":"Feature","properties":{"w":1,"t":null},"geometry":null},
{"type":"Feature","properties":{"w":null,"t":null},"geometry":{"type":"Point","coordinates":[121.40,31.25]}},
{"type":"Feature","properties":{"w":1,"t":null},"geometry":{"type":"LineString","coordinates":[[121.40,31.25],[121.41,31.25]]}}
]})";
    }
    OgrPointSource src;
    src.path = path;
    src.weightField = "w";
    src.timeField = "t";
    const OgrPointResult r = readOgrPoints(src, kCrs);
    CHECK(r.stats.accepted == 3);
    CHECK(r.stats.noCoordinates == 1);
    CHECK(r.stats.badWeight == 1);
    CHECK(r.stats.notPoint == 1);
    REQUIRE(r.points.size() == 3);
    CHECK(r.points[0].time == 1714550400000LL);  // 2024-05-01T08:00:00Z
    CHECK(r.points[1].time == 1714550401000LL);
    CHECK(r.points[2].time == 1714550401000LL);
    std::filesystem::remove(path);
}
