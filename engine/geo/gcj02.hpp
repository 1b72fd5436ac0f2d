#pragma once
// GCJ-02 ("Mars coordinates"), the obfuscated lon/lat datum required of maps and apps in
// mainland China. PROJ does not implement it; this is the widely published algorithm.
// Accuracy: the forward transform (WGS84 -> GCJ-02) reproduces the reference
// implementation to floating point precision; the inverse is solved by fixed-point
// iteration to better than 1e-9 degrees (~0.1 mm). Outside China the offset is zero.
#include "engine/util/math.hpp"

namespace sandtable::gcj02 {

// True where the GCJ-02 offset applies (the rough mainland bounding box used by the
// reference implementation).
bool inChina(double lon, double lat);

// WGS84 lon/lat (degrees) -> GCJ-02 lon/lat.
Vec2d fromWgs84(Vec2d lonLat);

// GCJ-02 lon/lat -> WGS84 lon/lat, exact inverse of fromWgs84 to < 1e-9 degrees.
Vec2d toWgs84(Vec2d lonLat);

}  // namespace sandtable::gcj02
