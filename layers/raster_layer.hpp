#pragma once
// Any GDAL raster, warped to the display CRS and drawn as a tile pyramid: only the tiles
// of the level matching the current resolution that cover the view are read and kept
// (LRU cache of textures), so a large raster never becomes one giant texture.
#include <list>
#include <memory>
#include <unordered_map>

#include "engine/data/raster_source.hpp"
#include "engine/gl/resources.hpp"
#include "engine/render/layer.hpp"

namespace sandtable {

class RasterLayer final : public Layer {
public:
    RasterLayer(std::string id, I18nText title, std::unique_ptr<RasterSource> source, const MapContext& ctx, double loadMs);

    void update(const FrameState& frame) override;
    void upload() override;
    void draw(const RenderContext& ctx) override;
    LayerStats stats() const override;

    // Tiles read per frame at most (0 = all needed; headless hosts read all).
    int maxTileReadsPerFrame = 0;
    size_t cacheCapacity = 256;
    size_t cachedTiles() const { return cache_.size(); }
    size_t tilesRead() const { return tilesRead_; }

private:
    struct Tile {
        gl::Texture texture;
        BBox bounds;
    };
    static uint64_t keyOf(const TileKey& k) { return (static_cast<uint64_t>(k.level) << 48) | (static_cast<uint64_t>(k.y) << 24) | static_cast<uint64_t>(k.x); }

    std::unique_ptr<RasterSource> source_;
    MapContext ctx_;
    double loadMs_;
    std::vector<TileKey> wanted_;
    std::vector<TilePixels> pending_;
    std::unordered_map<uint64_t, std::pair<Tile, std::list<uint64_t>::iterator>> cache_;
    std::list<uint64_t> lru_;
    size_t tilesRead_ = 0;
    gl::Buffer quadBuf_;
    gl::VertexArray vao_;
};

}  // namespace sandtable
