#pragma once
// Any GDAL raster warped on the fly to the display CRS (a warped VRT), read as a tile
// pyramid: level 0 is the warped raster's full resolution and each level halves it, so a
// large raster is never one giant texture and a zoomed-out view reads few pixels.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/util/math.hpp"

namespace sandtable {

struct TileKey {
    int level = 0, x = 0, y = 0;
    bool operator==(const TileKey&) const = default;
};

struct TilePixels {
    TileKey key;
    int width = 0, height = 0;  // pixels (edge tiles are smaller)
    BBox bounds;                // display CRS
    std::vector<uint8_t> rgba;  // rows top to bottom
    // GDAL could not read the tile (a file truncated or overwritten while open, a disk or
    // network error): rgba is transparent and error names the file and GDAL's reason.
    bool failed = false;
    std::string error;
};

class RasterSource {
public:
    static constexpr int kTileSize = 256;
    // Throws std::runtime_error naming the file and GDAL's reason.
    RasterSource(const std::string& path, const std::string& displayCrs, const std::string& srcCrsOverride = {});
    ~RasterSource();
    RasterSource(const RasterSource&) = delete;
    RasterSource& operator=(const RasterSource&) = delete;

    const BBox& bounds() const { return bounds_; }   // display CRS
    double pixelSize() const { return pixelSize_; }  // display units per level-0 pixel
    int width() const { return width_; }
    int height() const { return height_; }
    int levels() const { return levels_; }
    int bands() const { return bands_; }

    // The pyramid level whose pixels best match a screen resolution (units per pixel).
    int levelFor(double resolution) const;
    // Tiles of a level that intersect a box.
    std::vector<TileKey> tilesIn(int level, const BBox& box) const;
    // Reads one tile as RGBA8 (thread-compatible: one reader per RasterSource). Never
    // throws: a failed read comes back transparent with `failed` and the reason.
    TilePixels read(const TileKey& key) const;
    const std::string& path() const { return path_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string path_;
    BBox bounds_;
    double pixelSize_ = 1.0;
    int width_ = 0, height_ = 0, levels_ = 1, bands_ = 0;
    double gt_[6] = {0, 1, 0, 0, 0, -1};
};

}  // namespace sandtable
