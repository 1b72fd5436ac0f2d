#pragma once
// Any GDAL raster, warped to the display CRS and drawn as a tile pyramid: only the tiles
// of the level matching the current resolution that cover the view are read and kept
// (LRU cache of textures), so a large raster never becomes one giant texture. Tiles are
// read (GDAL warp + RasterIO) on the layer's own loader thread, so the render thread never
// waits on disk; a still (FrameState::complete) waits for the tiles it shows.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "engine/data/raster_source.hpp"
#include "engine/data/scene.hpp"
#include "engine/gl/resources.hpp"
#include "engine/render/layer.hpp"

namespace sandtable {

class RasterLayer final : public Layer {
public:
    RasterLayer(std::string id, I18nText title, std::unique_ptr<RasterSource> source, const MapContext& ctx,
                double loadMs);
    ~RasterLayer() override;

    void update(const FrameState& frame) override;
    void upload(UploadContext& ctx) override;
    void draw(const RenderContext& ctx) override;
    LayerStats stats() const override;
    bool busy() const override;

    size_t cacheCapacity = 256;  // tiles kept beyond the view's own (it never evicts those)
    size_t cachedTiles() const { return cache_.size(); }
    size_t tilesRead() const { return tilesRead_; }
    // Tile reads GDAL failed (the file truncated or overwritten while open, a disk or
    // network error): counted, logged (the first, then at most once a minute), shown among
    // the layer's warnings; the tile stays transparent and is read again after retryMs.
    size_t readErrors() const { return readErrors_; }
    const std::string& lastReadError() const { return lastReadError_; }
    double retryMs = 5000;

private:
    struct Tile {
        gl::Texture texture;
        BBox bounds;
    };
    static uint64_t keyOf(const TileKey& k) {
        return (static_cast<uint64_t>(k.level) << 48) | (static_cast<uint64_t>(k.y) << 24) | static_cast<uint64_t>(k.x);
    }

    std::unique_ptr<RasterSource> source_;
    MapContext ctx_;
    double loadMs_;
    std::vector<TileKey> wanted_;
    // Loader thread: requests in, pixels out (both under mutex_).
    void loaderLoop();
    mutable std::mutex mutex_;
    std::condition_variable wake_, doneCv_;
    std::deque<TileKey> requests_;
    std::unordered_set<uint64_t> inFlight_;  // requested or being read, not yet uploaded
    std::vector<TilePixels> done_;
    bool stop_ = false;
    std::thread loader_;
    std::vector<TilePixels> pending_;  // taken from done_ by update(), uploaded by upload()
    std::unordered_map<uint64_t, std::pair<Tile, std::list<uint64_t>::iterator>> cache_;
    std::list<uint64_t> lru_;
    size_t tilesRead_ = 0;
    void noteReadError(const TilePixels& t);
    size_t readErrors_ = 0, loggedErrors_ = 0;
    std::string lastReadError_;
    std::chrono::steady_clock::time_point lastLogged_{};
    std::unordered_map<uint64_t, std::chrono::steady_clock::time_point> retryAt_;  // failed tiles
    size_t warningSlot_ = SIZE_MAX;  // its entry in warnings_, once there is one
    gl::Buffer quadBuf_;
    gl::VertexArray vao_;
};

// Scene entry of type "raster" (docs/scene.md).
LayerPtr makeRasterLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx);

}  // namespace sandtable
