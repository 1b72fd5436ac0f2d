#pragma once
// Reads vector features from any OGR source (GeoJSON, Shapefile, GeoPackage, PostGIS
// "PG:..." connection strings, ...) into the display CRS, repairs invalid geometries
// with GEOS (or skips them with a counted warning naming the feature) and triangulates
// polygons (holes and multipolygons included) with GEOS's constrained Delaunay
// triangulation.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/util/math.hpp"

namespace sandtable {

struct VectorSourceSpec {
    std::string path;        // anything GDALOpenEx accepts
    std::string layer;       // layer name; empty = first layer
    std::string crs;         // override the source's CRS (e.g. "gcj02"); empty = from the file
    std::string where;       // optional OGR attribute filter
    std::string labelField;  // attribute used as label text (optional)
    // GDAL open options "KEY=VALUE", e.g. X_POSSIBLE_NAMES=lon for points in a CSV's columns.
    std::vector<std::string> openOptions;
};

struct VectorFeature {
    int64_t fid = -1;
    std::vector<std::string> values;                        // attribute values as text, aligned with fieldNames
    std::vector<double> numbers;                            // numeric value or NaN, aligned with fieldNames
    std::vector<std::vector<std::vector<Vec2d>>> polygons;  // polygon -> rings (first = shell)
    std::vector<std::vector<Vec2d>> lines;
    std::vector<Vec2d> points;
    std::vector<Vec2d> triangles;  // fill triangles (3 vertices each), display CRS
    Vec2d labelPoint{NAN, NAN};    // a point inside the feature for its label
    BBox bounds;
};

struct VectorData {
    std::string source;  // for messages
    std::vector<std::string> fieldNames;
    std::vector<VectorFeature> features;
    BBox bounds;
    size_t repaired = 0, skipped = 0;
    std::vector<std::string> warnings;  // one per repaired/skipped feature, naming it

    int fieldIndex(const std::string& name) const;
    std::string describe(const VectorFeature& f) const;  // "feature 3 (name=长寿路街道)"
};

// Throws std::runtime_error naming the source and the reason when the source cannot be
// opened or its CRS is unusable. Per-feature problems become warnings instead.
VectorData loadVector(const VectorSourceSpec& spec, const std::string& displayCrs);

// Triangulates one polygon (display CRS, rings closed or open). Returns false when GEOS
// cannot (the caller warns); out gets 3 vertices per triangle.
bool triangulatePolygon(const std::vector<std::vector<Vec2d>>& rings, std::vector<Vec2d>& out,
                        std::string* why = nullptr);

}  // namespace sandtable
