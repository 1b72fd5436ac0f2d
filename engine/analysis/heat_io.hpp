#pragma once
// Heatmap input and output through GDAL: a small OGR point reader (points and
// multipoints, or x/y attribute columns such as lon/lat in a CSV), weighted by an
// attribute and optionally time-stamped, transformed into the display CRS; and the
// density grid as a float32 GeoTIFF with CRS and geotransform (and the reader used to
// check the round trip).
#include <array>
#include <string>
#include <vector>

#include "engine/analysis/kde.hpp"

namespace sandtable {

struct OgrPointSource {
    std::string path;            // anything OGR opens (GeoPackage, GeoJSON, Shapefile, CSV, ...)
    std::string layer;           // empty: the first layer
    std::string weightField;     // empty: every point weighs 1
    std::string timeField;       // empty: no time; DateTime fields, or numbers as Unix ms
    std::string xField, yField;  // set both to read coordinates from attributes (e.g. lon, lat)
    std::string sourceCrs;       // empty: the layer's CRS (EPSG:4326 when x/y fields and none)
};

struct OgrPointResult {
    std::vector<HeatPoint> points;  // display CRS
    HeatInputStats stats;
    std::string sourceCrs;  // what was used, for messages
};

// Throws std::runtime_error naming the file (and layer / field) when it cannot be opened
// or a named field does not exist. Bad individual features are skipped and counted.
OgrPointResult readOgrPoints(const OgrPointSource& src, const std::string& displayCrs);

// Writes the grid as a single-band float32 GeoTIFF (DEFLATE, float predictor, tiled) with
// the grid's geotransform and the CRS (any definition PROJ/GDAL accept, or our aliases).
// No nodata value: 0 is a real density. Throws std::runtime_error on failure.
void writeDensityGeoTiff(const std::string& path, const DensityGrid& grid, const std::string& crs);

struct RasterReadBack {
    DensityGrid grid;  // spec.topLeft/pixelSize/rotation from the geotransform
    std::array<double, 6> geoTransform{};
    std::string crsWkt;
    std::string dataType;  // GDAL's name, e.g. "Float32"
};
RasterReadBack readDensityRaster(const std::string& path);

}  // namespace sandtable
