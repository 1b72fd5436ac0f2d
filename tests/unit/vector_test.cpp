#include <catch2/catch.hpp>

#include <cpl_conv.h>
#include <filesystem>
#include <fstream>

#include "engine/data/vector_source.hpp"
#include "tests/support/temp_path.hpp"

using namespace sandtable;

namespace {
double triangleArea(const std::vector<Vec2d>& t) {
    double a = 0;
    for (size_t i = 0; i + 2 < t.size(); i += 3)
        a += std::fabs((t[i + 1].x - t[i].x) * (t[i + 2].y - t[i].y) - (t[i + 2].x - t[i].x) * (t[i + 1].y - t[i].y)) *
             0.5;
    return a;
}
std::string writeTemp(const std::string& name, const std::string& text) {
    const auto p = test::processTempPath("sandtable_test_" + name);
    std::ofstream(p) << text;
    return p.string();
}
}  // namespace

TEST_CASE("Polygons with holes triangulate to the right area", "[triangulation]") {
    // 10x10 square with a 4x4 hole: area 84.
    std::vector<std::vector<Vec2d>> rings = {{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}},
                                             {{3, 3}, {7, 3}, {7, 7}, {3, 7}, {3, 3}}};
    std::vector<Vec2d> tris;
    REQUIRE(triangulatePolygon(rings, tris));
    CHECK(tris.size() % 3 == 0);
    CHECK(triangleArea(tris) == Approx(84.0));
    // No triangle centroid falls inside the hole.
    for (size_t i = 0; i < tris.size(); i += 3) {
        const double cx = (tris[i].x + tris[i + 1].x + tris[i + 2].x) / 3,
                     cy = (tris[i].y + tris[i + 1].y + tris[i + 2].y) / 3;
        CHECK_FALSE((cx > 3 && cx < 7 && cy > 3 && cy < 7));
    }
    // Concave (L-shaped) polygon: area 3.
    std::vector<Vec2d> l;
    REQUIRE(triangulatePolygon({{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}}}, l));
    CHECK(triangleArea(l) == Approx(3.0));
    std::vector<Vec2d> none;
    CHECK_FALSE(triangulatePolygon({{{0, 0}, {1, 1}}}, none));
}

TEST_CASE("The Putuo sample loads with every polygon triangulated", "[vector]") {
    VectorSourceSpec spec;
    spec.path = std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo/jurisdictions.geojson";
    const VectorData d = loadVector(spec, "EPSG:4549");
    CHECK(d.features.size() == 10);
    CHECK(d.skipped == 0);
    CHECK(d.warnings.empty());
    REQUIRE(d.fieldIndex("squad") >= 0);
    for (const auto& f : d.features) {
        CHECK_FALSE(f.triangles.empty());
        CHECK(std::isfinite(f.labelPoint.x));
        // Projected (metres, CGCS2000 3-degree GK CM 120E): Putuo lies near x 630 km.
        CHECK(f.bounds.minX > 600000.0);
        CHECK(f.bounds.maxX < 660000.0);
    }
}

TEST_CASE("Invalid geometries are repaired or skipped with a warning naming the feature", "[vector]") {
    const std::string path = writeTemp("invalid.geojson", R"({"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"name":"bowtie"},"geometry":{"type":"Polygon","coordinates":[[[121.40,31.20],[121.41,31.21],[121.41,31.20],[121.40,31.21],[121.40,31.20]]]}},
      {"type":"Feature","properties":{"name":"empty"},"geometry":null},
      {"type":"Feature","properties":{"name":"ok"},"geometry":{"type":"Point","coordinates":[121.4,31.2]}}]})");
    VectorSourceSpec spec;
    spec.path = path;
    const VectorData d = loadVector(spec, "EPSG:4549");
    CHECK(d.features.size() == 2);
    CHECK(d.repaired == 1);
    CHECK(d.skipped == 1);
    REQUIRE(d.warnings.size() == 2);
    CHECK_THAT(d.warnings[0], Catch::Contains("name=bowtie") && Catch::Contains("repaired"));
    CHECK_THAT(d.warnings[1], Catch::Contains("name=empty") && Catch::Contains("no geometry"));
    CHECK_FALSE(d.features[0].triangles.empty());
}

TEST_CASE("Shapefile and GeoPackage sources read through the same path", "[vector]") {
    // Write the jurisdictions as GPKG with ogr2ogr-equivalent GDAL calls via VectorTranslate.
    const std::string src = std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo/district.geojson";
    const auto dir = test::processTempPath("sandtable_formats");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const char* fmt : {"GPKG", "ESRI Shapefile"}) {
        const std::string out = (dir / (std::string(fmt) == "GPKG" ? "d.gpkg" : "d.shp")).string();
        const std::string cmd = std::string("ogr2ogr -f \"") + fmt + "\" " + out + " " + src + " >/dev/null 2>&1";
        REQUIRE(std::system(cmd.c_str()) == 0);
        VectorSourceSpec spec;
        spec.path = out;
        const VectorData d = loadVector(spec, "EPSG:4549");
        CHECK(d.features.size() == 1);
        CHECK_FALSE(d.features[0].triangles.empty());
    }
}

TEST_CASE("A broken source fails with the path and GDAL's reason", "[vector]") {
    VectorSourceSpec spec;
    spec.path = writeTemp("broken.geojson", "{\"type\": \"FeatureCollection\", \"features\": [ {oops");
    CHECK_THROWS_WITH(loadVector(spec, "EPSG:4549"),
                      Catch::Contains("cannot open vector source") && Catch::Contains("broken.geojson"));
    spec.path = "/nonexistent/file.shp";
    CHECK_THROWS_WITH(loadVector(spec, "EPSG:4549"), Catch::Contains("/nonexistent/file.shp"));
}

TEST_CASE("A source CRS override (gcj02) shifts features by the GCJ offset", "[vector]") {
    VectorSourceSpec spec;
    spec.path = std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo/district.geojson";
    const VectorData w = loadVector(spec, "EPSG:4549");
    spec.crs = "gcj02";
    const VectorData g = loadVector(spec, "EPSG:4549");
    const double dx = w.bounds.minX - g.bounds.minX, dy = w.bounds.minY - g.bounds.minY;
    // Interpreting WGS84 numbers as GCJ-02 moves them back by the offset: ~450-550 m in Shanghai.
    CHECK(std::hypot(dx, dy) > 300.0);
    CHECK(std::hypot(dx, dy) < 700.0);
}
