#include "layers/raster_layer.hpp"

#include <chrono>
#include <cstdio>

#include "engine/gl/shader.hpp"
#include "engine/util/log.hpp"

namespace sandtable {

RasterLayer::RasterLayer(std::string id, I18nText title, std::unique_ptr<RasterSource> source, const MapContext& ctx,
                         double loadMs)
    : Layer(std::move(id), std::move(title)), source_(std::move(source)), ctx_(ctx), loadMs_(loadMs) {
    loader_ = std::thread([this] { loaderLoop(); });
}

RasterLayer::~RasterLayer() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    loader_.join();
}

void RasterLayer::loaderLoop() {
    // The only thread that touches the GDAL datasets after construction.
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stop_ || !requests_.empty(); });
        if (stop_) return;
        const TileKey k = requests_.front();
        requests_.pop_front();
        lock.unlock();
        TilePixels px = source_->read(k);
        lock.lock();
        done_.push_back(std::move(px));
        doneCv_.notify_all();
    }
}

void RasterLayer::update(const FrameState& frame) {
    const Camera& cam = *frame.camera;
    const int level = source_->levelFor(cam.resolution);
    wanted_ = source_->tilesIn(level, cam.visibleBounds());
    std::unique_lock lock(mutex_);
    // Requests for tiles the view no longer needs are dropped; the new view's missing
    // tiles are queued (nearest-first order is the tilesIn order: rows, then columns).
    for (const TileKey& k : requests_) inFlight_.erase(keyOf(k));
    requests_.clear();
    size_t missing = 0;
    const auto now = std::chrono::steady_clock::now();
    for (const TileKey& k : wanted_) {
        const uint64_t key = keyOf(k);
        if (auto it = cache_.find(key); it != cache_.end()) {
            lru_.splice(lru_.begin(), lru_, it->second.second);  // mark as recently used
            continue;
        }
        if (auto it = retryAt_.find(key); it != retryAt_.end()) {
            if (now < it->second) continue;  // failed lately: left transparent until its retry
            retryAt_.erase(it);
        }
        ++missing;
        if (inFlight_.insert(key).second) requests_.push_back(k);
    }
    if (!requests_.empty()) wake_.notify_one();
    if (frame.complete) {
        // A still: wait for every tile this view shows.
        doneCv_.wait(lock, [&] {
            size_t arrived = 0;
            for (const TilePixels& t : done_)
                for (const TileKey& k : wanted_) arrived += t.key == k;
            return arrived >= missing;
        });
    }
    for (TilePixels& t : done_) {
        inFlight_.erase(keyOf(t.key));
        if (t.failed) {
            noteReadError(t);
            continue;
        }
        pending_.push_back(std::move(t));
        ++tilesRead_;
    }
    done_.clear();
}

namespace {
std::string secondsText(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", s);
    return buf;
}
}  // namespace

void RasterLayer::noteReadError(const TilePixels& t) {
    const auto now = std::chrono::steady_clock::now();
    if (retryAt_.size() > 4096)  // tiles of views long left: forget the ones past their retry
        std::erase_if(retryAt_, [&](const auto& e) { return e.second <= now; });
    retryAt_[keyOf(t.key)] = now + std::chrono::milliseconds(static_cast<int64_t>(retryMs));
    ++readErrors_;
    lastReadError_ = t.error;
    if (loggedErrors_ == 0 || now - lastLogged_ >= std::chrono::minutes(1)) {
        const size_t since = readErrors_ - loggedErrors_;
        log::warn("layer '" + id_ + "': " + t.error +
                  (since > 1 ? " (" + std::to_string(since) + " tile reads failed since the last report)" : "") +
                  "; the tiles stay empty and are read again every " + secondsText(retryMs / 1000.0) + " s");
        loggedErrors_ = readErrors_;
        lastLogged_ = now;
    }
    std::string w = std::to_string(readErrors_) + " tile read(s) failed; last: " + t.error;
    if (warningSlot_ == SIZE_MAX) {
        warningSlot_ = warnings_.size();
        warnings_.push_back(std::move(w));
    } else {
        warnings_[warningSlot_] = std::move(w);
    }
}

void RasterLayer::upload(UploadContext&) {
    if (!vao_) {
        vao_ = gl::VertexArray::create();
        quadBuf_ = gl::Buffer::create();
    }
    for (TilePixels& t : pending_) {
        Tile tile;
        tile.texture = gl::Texture::create2D(GL_RGBA8, t.width, t.height);
        glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
        glTextureSubImage2D(tile.texture.id(), 0, 0, 0, t.width, t.height, GL_RGBA, GL_UNSIGNED_BYTE, t.rgba.data());
        glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
        tile.bounds = t.bounds;
        const uint64_t key = keyOf(t.key);
        lru_.push_front(key);
        cache_[key] = {std::move(tile), lru_.begin()};
    }
    pending_.clear();
    // Never below what the view shows (a 4K or rotated view can want more tiles than the
    // capacity: evicting those meant endless re-reads and holes in stills), plus half again
    // for the tiles a pan brings in; the view's tiles sit at the LRU front, so the tail goes first.
    const size_t keep = std::max(cacheCapacity, wanted_.size() + wanted_.size() / 2);
    while (cache_.size() > keep && !lru_.empty()) {
        cache_.erase(lru_.back());
        lru_.pop_back();
    }
    ST_GL_CHECK("RasterLayer::upload");
}

void RasterLayer::draw(const RenderContext& rc) {
    Program& p = rc.shaders->graphics("raster.vert", "raster.frag");
    p.use();
    p.set("uViewProjection", rc.viewProjection);
    p.set("uOpacity", opacity);
    p.set("uTile", 0);
    glDisable(GL_DEPTH_TEST);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glBindVertexArray(vao_.id());
    for (const TileKey& k : wanted_) {
        auto it = cache_.find(keyOf(k));
        if (it == cache_.end()) continue;
        const Tile& t = it->second.first;
        p.set("uMin", static_cast<float>(t.bounds.minX - ctx_.origin.x),
              static_cast<float>(t.bounds.minY - ctx_.origin.y));
        p.set("uMax", static_cast<float>(t.bounds.maxX - ctx_.origin.x),
              static_cast<float>(t.bounds.maxY - ctx_.origin.y));
        glBindTextureUnit(0, t.texture.id());
        glDrawArrays(GL_TRIANGLES, 0, 6);
    }
    glBindVertexArray(0);
    ST_GL_CHECK("RasterLayer::draw");
}

bool RasterLayer::busy() const {
    std::lock_guard lock(mutex_);
    return !inFlight_.empty() || !pending_.empty();
}

LayerStats RasterLayer::stats() const {
    LayerStats s = Layer::stats();
    s.features = tilesRead_;
    s.vertices = wanted_.size() * 6;
    s.loadMs = loadMs_;
    return s;
}

LayerPtr makeRasterLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    const JsonReader r(spec.config, scene.file, spec.keyPath);
    const JsonReader src = r.child("source");
    auto source =
        std::make_unique<RasterSource>(scene.resolve(src.string("path")), ctx.displayCrs, src.string("crs", ""));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return std::make_unique<RasterLayer>(spec.id, I18nText{spec.titleZh, spec.titleEn}, std::move(source), ctx, ms);
}

}  // namespace sandtable
