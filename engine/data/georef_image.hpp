#pragma once
// A rendered map image with its place on the ground: the affine pixel -> display CRS
// transform of the camera it was drawn with (rotation included), written as a world file
// beside a PNG (.pgw, plus the CRS as WKT in .prj, as QGIS and ArcGIS read them) or as a
// GeoTIFF with its CRS (GDAL). docs/cli.md#stills.
#include <array>
#include <string>

#include "engine/geo/camera.hpp"
#include "engine/util/image.hpp"

namespace sandtable {

// GDAL's order: x = gt[0] + col gt[1] + row gt[2], y = gt[3] + col gt[4] + row gt[5], with
// (col, row) pixel-corner coordinates (0, 0: the top-left corner of the top-left pixel).
using GeoTransform = std::array<double, 6>;
GeoTransform cameraGeoTransform(const Camera& camera);

// "FILE.png" -> "FILE.pgw" (and "FILE.prj"), "FILE.jpg" -> "FILE.jgw", else FILE + "w".
std::string worldFilePath(const std::string& imagePath);
// Writes the world file (pixel centres, six lines) and the .prj of `crs` beside the image.
// Throws std::runtime_error naming the file.
void writeWorldFile(const std::string& imagePath, const GeoTransform& gt, const std::string& crs);
// A tiled, DEFLATE-compressed RGBA GeoTIFF with the transform and CRS. Throws naming the file.
void writeGeoTiff(const std::string& path, const Image& img, const GeoTransform& gt, const std::string& crs);

}  // namespace sandtable
