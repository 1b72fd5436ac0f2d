#pragma once
// Coordinate transforms through PROJ, plus GCJ-02 which PROJ lacks.
//
// Source CRS strings are anything PROJ understands ("EPSG:4326", WKT, PROJ strings), or
// one of the aliases "wgs84" (EPSG:4326), "cgcs2000" (EPSG:4490), "gcj02" (GCJ-02 lon/lat,
// converted to WGS84 with engine/geo/gcj02 before PROJ). Axis order is always
// normalised for visualisation: x = easting / longitude, y = northing / latitude.
//
// Each Transformer owns its own PJ_CONTEXT: use one Transformer per thread.
#include <memory>
#include <span>
#include <string>

#include "engine/util/math.hpp"

namespace sandtable {

// Expands the aliases above into a CRS definition PROJ accepts; returns the input otherwise.
std::string canonicalCrs(const std::string& crs);
bool isGcj02(const std::string& crs);

class Transformer {
public:
    // Throws std::runtime_error naming both CRSs and PROJ's reason if PROJ cannot build it.
    Transformer(const std::string& srcCrs, const std::string& dstCrs);
    ~Transformer();
    Transformer(Transformer&&) noexcept;
    Transformer& operator=(Transformer&&) noexcept;
    Transformer(const Transformer&) = delete;
    Transformer& operator=(const Transformer&) = delete;

    // Returns false (and leaves p unchanged) when the point cannot be transformed.
    bool forward(Vec2d& p) const;
    bool inverse(Vec2d& p) const;
    // Transforms in place; returns the number of points that failed (set to NaN).
    size_t forward(std::span<Vec2d> pts) const;

    const std::string& source() const { return src_; }
    const std::string& target() const { return dst_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string src_, dst_;
};

// Geodesic distance on the WGS84 ellipsoid, metres (PROJ's geodesic routines).
double geodesicDistance(Vec2d lonLatA, Vec2d lonLatB);

// Units per metre of a CRS's first axis at a point is ~1 for projected CRSs in metres;
// this gives the true ground scale (metres per display unit) at a display-CRS point by
// measuring a small geodesic step, for scale bars and metre-based radii.
double groundMetresPerUnit(const Transformer& displayToWgs84, Vec2d displayPoint);

}  // namespace sandtable
