#include "engine/render/map.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "engine/data/scene.hpp"

#include "engine/geo/projection.hpp"
#include "engine/render/heat_engine.hpp"
#include "engine/util/image.hpp"

namespace sandtable {

namespace {
// A layer held by the canvas cache, as it was drawn into it.
struct CacheEntry {
    const Layer* layer = nullptr;
    uint64_t revision = 0;
    float opacity = 0;
    bool operator==(const CacheEntry&) const = default;
};

// The bottom run of visible layers that can be cached (hidden ones between them don't
// break it): their entries, and the index past the last of them (0: none).
size_t cacheableRun(const std::vector<LayerPtr>& layers, std::vector<CacheEntry>& run) {
    run.clear();
    size_t end = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
        const Layer& l = *layers[i];
        if (!l.visible || l.opacity <= 0.0f) continue;
        const std::optional<uint64_t> rev = l.drawRevision();
        if (!rev) break;
        run.push_back({&l, *rev, l.opacity});
        end = i + 1;
    }
    return end;
}
}  // namespace

// The canvas cache: a texture of the drawn rectangle's size holding the bottom layers'
// pixels, addressed modulo its size (GL's rows, from the bottom): the rectangle's pixel
// (x, y) is texel ((x + offX) mod w, (y + offY) mod h).
struct Map::CanvasCache {
    using Entry = CacheEntry;
    struct Key {
        PixelRect rect;
        int canvasW = 0, canvasH = 0;
        double resolution = 0, rotation = 0;
        float pixelRatio = 0;
        float bg[3] = {0, 0, 0};
        std::vector<Entry> layers;
        bool operator==(const Key&) const = default;
    };
    Key key;
    bool valid = false;
    Vec2d anchor;                // the world point at the rectangle's top-left corner when drawn whole
    Camera view;                 // the canvas camera it was drawn whole with
    int shiftX = 0, shiftY = 0;  // whole screen pixels (right, down) the view moved since
    gl::Texture ring;            // sampled bilinearly, repeating (zoomPreview); copied by blits
    gl::Handle<gl::FramebufferTraits> ringFbo;
    gl::VertexArray vao;  // none bound: the preview's one quad (a strip)
    // The last preview drawn and the map it was drawn with: a frame of the gesture whose
    // view did not change (the wheel at rest) copies it instead of filtering again.
    gl::Texture preview;
    gl::Handle<gl::FramebufferTraits> previewFbo;
    std::array<float, 16> previewMap{};
    bool previewValid = false;
    struct Scratch {
        gl::Texture tex;
        gl::Handle<gl::FramebufferTraits> fbo;
    };
    std::vector<Scratch> scratch;  // strip targets by size (a handful: strips are rounded up)

    GLuint scratchFor(int w, int h) {
        for (const Scratch& s : scratch)
            if (s.tex.width() == w && s.tex.height() == h) return s.fbo.id();
        if (scratch.size() >= 6) scratch.erase(scratch.begin());
        Scratch s;
        s.tex = gl::Texture::create2D(GL_RGBA8, w, h);
        s.fbo = gl::Handle<gl::FramebufferTraits>::create();
        glNamedFramebufferTexture(s.fbo.id(), GL_COLOR_ATTACHMENT0, s.tex.id(), 0);
        scratch.push_back(std::move(s));
        return scratch.back().fbo.id();
    }
    GLuint scratchTexture(GLuint fbo) const {
        for (const Scratch& s : scratch)
            if (s.fbo.id() == fbo) return s.tex.id();
        return 0;
    }
};

Map::Map(MapContext ctx) : context(std::move(ctx)) {
    camera.origin = context.origin;
    font_ = std::make_unique<FontAtlas>();
    painter_ = std::make_unique<Painter>(shaders_, *font_);
    toWgs84_ = std::make_unique<Transformer>(context.displayCrs, "wgs84");
    fromWgs84_ = std::make_unique<Transformer>("wgs84", context.displayCrs);
}

Map::~Map() = default;

const Transformer& Map::toWgs84() const { return *toWgs84_; }
const Transformer& Map::fromWgs84() const { return *fromWgs84_; }

void Map::addLayer(LayerPtr layer) {
    layers_.push_back(std::move(layer));
    drawMs_.push_back(0.0);
}

void Map::insertLayer(size_t index, LayerPtr layer) {
    index = std::min(index, layers_.size());
    layers_.insert(layers_.begin() + static_cast<ptrdiff_t>(index), std::move(layer));
    drawMs_.insert(drawMs_.begin() + static_cast<ptrdiff_t>(index), 0.0);
}

Layer* Map::find(const std::string& id) {
    for (auto& l : layers_)
        if (l->id() == id) return l.get();
    return nullptr;
}

void Map::flyTo(Vec2d center, double resolution, double seconds, std::optional<double> rotation) {
    flight_.active = true;
    flight_.from = camera.center;
    flight_.to = center;
    flight_.fromRes = camera.resolution;
    flight_.toRes = resolution > 0 ? resolution : camera.resolution;
    // Far enough to leave the screen: rise so both ends fit (plus a margin) at the top.
    const double dist = std::hypot(center.x - camera.center.x, center.y - camera.center.y);
    const double fit = dist / std::max(1, std::min(camera.width, camera.height)) * 1.4;
    flight_.peakRes = std::max({flight_.fromRes, flight_.toRes, fit});
    flight_.fromRot = camera.rotation;
    // The short way round to the new rotation.
    flight_.toRot = rotation ? camera.rotation + std::remainder(*rotation - camera.rotation, 2 * kPi) : camera.rotation;
    flight_.t = 0;
    flight_.seconds = std::max(0.05, seconds);
}

void Map::advanceFlight(double dt) {
    if (!flight_.active) return;
    flight_.t = std::min(1.0, flight_.t + std::max(0.0, dt) / flight_.seconds);
    const double u = flight_.t * flight_.t * (3 - 2 * flight_.t);  // ease in and out
    camera.center = flight_.from + (flight_.to - flight_.from) * u;
    // log-resolution: the straight line between the ends plus a bump up to the peak.
    const double a = std::log(flight_.fromRes), b = std::log(flight_.toRes), p = std::log(flight_.peakRes);
    const double base = a + (b - a) * u;
    const double bump = std::max(0.0, p - std::max(a, b)) * 4 * u * (1 - u);
    camera.resolution = std::exp(base + bump);
    camera.rotation = flight_.fromRot + (flight_.toRot - flight_.fromRot) * u;
    if (flight_.t >= 1.0) flight_.active = false;
}

void Map::prepare(FrameState frame, int width, int height, float pixelRatio) {
    using clock = std::chrono::steady_clock;
    advanceFlight(frame.dtSeconds);
    camera.width = width;
    camera.height = height;
    camera.origin = context.origin;
    frame.camera = &camera;
    frame.language = language;
    frame.pixelRatio = pixelRatio;
    frame.zoom = resolutionToZoom(camera.resolution * std::min(width, height) / 1080.0, context.refLatitude);

    // The zoom gesture, judged as the heatmap judges its interim: a scale or rotation
    // change starts it, a drag (a move at the same scale) ends it at once.
    if (camera.resolution != gesture_.resolution || camera.rotation != gesture_.rotation) {
        if (gesture_.resolution != 0) gesture_.sinceChange = 0, gesture_.framesSinceChange = 0;  // not the first view
        gesture_.resolution = camera.resolution;
        gesture_.rotation = camera.rotation;
        gesture_.center = camera.center;
    } else {
        gesture_.sinceChange += frame.dtSeconds;
        ++gesture_.framesSinceChange;
        if (!(camera.center == gesture_.center)) gesture_.framesSinceChange = 1 << 30;
    }
    lastFrameWholeCanvas_ = drawsSincePrepare_ == 1 && drewWholeCanvas_;
    drawsSincePrepare_ = 0;
    previewEnd_ = previewRun(frame);
    FrameState previewFrame = frame;
    previewFrame.canvasPreview = true;

    painter_->begin(width, height);
    labels_.clear();
    // Layers may render into their own targets while uploading (the heatmap's colour
    // cache): the host's framebuffer and viewport are put back once, here, afterwards.
    GLint hostFramebuffer = 0, hostViewport[4] = {0, 0, width, height};
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &hostFramebuffer);
    glGetIntegerv(GL_VIEWPORT, hostViewport);
    for (size_t i = 0; i < layers_.size(); ++i) {
        Layer& l = *layers_[i];
        if (!l.visible || l.opacity <= 0.0f) continue;
        const auto t0 = clock::now();
        l.update(frame);
        UploadContext upload{i < previewEnd_ ? previewFrame : frame, shaders_};
        l.upload(upload);
        drawMs_[i] = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
        ST_GL_CHECK(("layer " + l.id()).c_str());
    }
    if (previewEnd_) {
        // A layer of the cache changed what it draws while uploading (a new aggregation
        // shown): the cache is drawn whole after all, so the layers told of a preview
        // prepare for drawing now.
        std::vector<CacheEntry> run;
        if (cacheableRun(layers_, run) != previewEnd_ || run != cache_->key.layers) {
            const size_t end = previewEnd_;
            previewEnd_ = 0;
            UploadContext upload{frame, shaders_};
            for (size_t i = 0; i < end; ++i)
                if (layers_[i]->visible && layers_[i]->opacity > 0.0f) layers_[i]->upload(upload);
        }
    }
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<GLuint>(hostFramebuffer));
    glViewport(hostViewport[0], hostViewport[1], hostViewport[2], hostViewport[3]);
    // The legend once every layer knows its state for this frame (the heat maximum).
    legend_.clear();
    for (const auto& l : layers_) {
        if (!l->visible || l->opacity <= 0.0f || !l->showInLegend) continue;
        LegendBlock b;
        if (l->legend(b)) legend_.push_back(std::move(b));
    }
    frame.legend = &legend_;
    for (size_t i = 0; i < layers_.size(); ++i) {
        Layer& l = *layers_[i];
        if (!l.visible || l.opacity <= 0.0f) continue;
        const auto t0 = clock::now();
        painter_->newBatch();  // a layer's marks cover the layers below it, text included
        l.overlay(frame, *painter_);
        l.collectLabels(frame, labels_);
        drawMs_[i] += std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    }
    painter_->newBatch();
    labels_.place(camera, *painter_, pixelRatio);
    painter_->upload();
    prepared_ = frame;
    prepared_.camera = &camera;
    drawn_ = false;
}

void Map::drawLayers(const PixelRect& r, size_t begin, size_t end) {
    using clock = std::chrono::steady_clock;
    // Marks that straddle a seam between two rectangles (point sprites, whose centre
    // decides whether GL draws them at all) must show on both sides: the layers draw into
    // a viewport grown by a margin on every side that borders another part of the canvas;
    // what falls outside the framebuffer is simply not written. Outer canvas edges get no
    // margin, so a rectangle that is the whole canvas draws exactly as before.
    const int m = static_cast<int>(std::ceil(64.0f * prepared_.pixelRatio));
    const int ml = r.x > 0 ? m : 0, mt = r.y > 0 ? m : 0;
    const int mr = r.x + r.width < camera.width ? m : 0, mb = r.y + r.height < camera.height ? m : 0;
    const PixelRect grown{r.x - ml, r.y - mt, r.width + ml + mr, r.height + mt + mb};
    glViewport(-ml, -mb, grown.width, grown.height);
    // The grown rectangle's own camera: the canvas camera moved to its centre.
    Camera view = camera;
    view.width = grown.width;
    view.height = grown.height;
    view.center = camera.screenToWorld({grown.x + grown.width * 0.5, grown.y + grown.height * 0.5});
    RenderContext rc;
    rc.camera = &view;
    rc.viewProjection = view.viewProjection();
    rc.viewport = grown;
    rc.target = r;
    rc.canvasWidth = camera.width;
    rc.canvasHeight = camera.height;
    rc.pixelRatio = prepared_.pixelRatio;
    rc.shaders = &shaders_;
    rc.time = prepared_.time;
    for (size_t i = begin; i < end && i < layers_.size(); ++i) {
        Layer& l = *layers_[i];
        if (!l.visible || l.opacity <= 0.0f) continue;
        const auto t0 = clock::now();
        l.draw(rc);
        if (!drawn_) drawMs_[i] += std::chrono::duration<double, std::milli>(clock::now() - t0).count();
        ST_GL_CHECK(("layer " + l.id()).c_str());
    }
    glViewport(0, 0, r.width, r.height);
}

size_t Map::drawCached(const PixelRect& r) {
    CanvasCache::Key key{r,
                         camera.width,
                         camera.height,
                         camera.resolution,
                         camera.rotation,
                         prepared_.pixelRatio,
                         {background.r, background.g, background.b},
                         {}};
    const size_t end = cacheableRun(layers_, key.layers);
    cacheStats_.cachedLayers = key.layers.empty() ? 0 : end;
    if (key.layers.empty() || r.width < 16 || r.height < 16) {
        cache_.reset();
        ++cacheStats_.direct;
        return 0;
    }
    if (!cache_) cache_ = std::make_unique<CanvasCache>();
    CanvasCache& c = *cache_;
    const int w = r.width, h = r.height;
    GLint host = 0;
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &host);
    if (!c.ring || c.ring.width() != w || c.ring.height() != h) {
        c.ring = gl::Texture::create2D(GL_RGBA8, w, h);
        c.ring.setFilter(GL_LINEAR, GL_LINEAR);
        c.ring.setWrap(GL_REPEAT);
        c.ringFbo = gl::Handle<gl::FramebufferTraits>::create();
        glNamedFramebufferTexture(c.ringFbo.id(), GL_COLOR_ATTACHMENT0, c.ring.id(), 0);
        c.valid = false;
    }
    // Where the anchor is now, in the rectangle's pixels: a whole number of pixels means
    // the cached pixels are exactly those of a new draw, shifted.
    const Vec2d corner{static_cast<double>(r.x), static_cast<double>(r.y)};
    // The view moved right by -rx and down by -ry pixels since the whole draw, and by
    // (sx, sy) since the last frame; a step of a whole rectangle or more leaves nothing
    // to keep.
    const Vec2d p = camera.worldToScreen(c.anchor) - corner;
    const double rx = std::round(p.x), ry = std::round(p.y);
    const bool whole =
        std::fabs(p.x - rx) < 1e-3 && std::fabs(p.y - ry) < 1e-3 && std::fabs(rx) < 1e9 && std::fabs(ry) < 1e9;
    const int sx = whole ? -static_cast<int>(rx) - c.shiftX : 0, sy = whole ? -static_cast<int>(ry) - c.shiftY : 0;
    const GLfloat bg[4] = {background.r, background.g, background.b, 1.0f};
    if (c.valid && key == c.key && whole && std::abs(sx) < w && std::abs(sy) < h) {
        if (sx == 0 && sy == 0) {
            ++cacheStats_.reuses;
        } else {
            c.shiftX += sx;
            c.shiftY += sy;
            // The uncovered strips (rectangle pixels, rows from the top), grown inwards to a
            // multiple of 16 pixels so that a few strip targets serve every drag.
            auto up = [](int v, int limit) { return std::min(limit, (v + 15) / 16 * 16); };
            std::vector<std::pair<PixelRect, PixelRect>> strips;  // drawn, needed
            if (sx > 0) strips.push_back({{w - up(sx, w), 0, up(sx, w), h}, {w - sx, 0, sx, h}});
            if (sx < 0) strips.push_back({{0, 0, up(-sx, w), h}, {0, 0, -sx, h}});
            if (sy > 0) strips.push_back({{0, h - up(sy, h), w, up(sy, h)}, {0, h - sy, w, sy}});
            if (sy < 0) strips.push_back({{0, 0, w, up(-sy, h)}, {0, 0, w, -sy}});
            const int offX = ((c.shiftX % w) + w) % w, offY = ((-c.shiftY % h) + h) % h;
            for (const auto& [drawn, need] : strips) {
                const GLuint fbo = c.scratchFor(drawn.width, drawn.height);
                glBindFramebuffer(GL_DRAW_FRAMEBUFFER, fbo);
                glDisable(GL_SCISSOR_TEST);
                glClearNamedFramebufferfv(fbo, GL_COLOR, 0, bg);
                drawLayers({r.x + drawn.x, r.y + drawn.y, drawn.width, drawn.height}, 0, end);
                // The needed part, GL rows from the bottom, into the ring where it wraps.
                const int srcX = need.x - drawn.x, srcY = (drawn.y + drawn.height) - (need.y + need.height);
                const int gx = need.x, gy = h - (need.y + need.height);
                const int u0 = (gx + offX) % w, v0 = (gy + offY) % h;
                const int uSplit = std::min(need.width, w - u0), vSplit = std::min(need.height, h - v0);
                const int us[2][3] = {{u0, 0, uSplit}, {0, uSplit, need.width - uSplit}};
                const int vs[2][3] = {{v0, 0, vSplit}, {0, vSplit, need.height - vSplit}};
                for (const auto& u : us)
                    for (const auto& v : vs) {
                        if (u[2] <= 0 || v[2] <= 0) continue;
                        glCopyImageSubData(c.scratchTexture(fbo), GL_TEXTURE_2D, 0, srcX + u[1], srcY + v[1], 0,
                                           c.ring.id(), GL_TEXTURE_2D, 0, u[0], v[0], 0, u[2], v[2], 1);
                    }
                cacheStats_.stripPixels += static_cast<size_t>(need.width) * static_cast<size_t>(need.height);
            }
            ++cacheStats_.shifts;
        }
    } else {
        // Drawn whole into the host's framebuffer, then copied into the cache (a copy is
        // cheaper than a pass that reads it back). Skipping the copy while the view is still
        // changing (a zoom gesture) was measured: it moves the cost to the frame after.
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<GLuint>(host));
        glViewport(0, 0, w, h);
        glDisable(GL_SCISSOR_TEST);
        glClear(GL_COLOR_BUFFER_BIT);
        drawLayers(r, 0, end);
        c.key = std::move(key);
        c.valid = true;
        c.anchor = camera.screenToWorld(corner);
        c.view = camera;
        c.shiftX = c.shiftY = 0;
        c.previewValid = false;
        glBlitNamedFramebuffer(static_cast<GLuint>(host), c.ringFbo.id(), 0, 0, w, h, 0, 0, w, h, GL_COLOR_BUFFER_BIT,
                               GL_NEAREST);
        ++cacheStats_.wholeDraws;
        ST_GL_CHECK("Map canvas cache");
        return end;
    }
    // The cache into the host's framebuffer as it is (the background is in it): four copies
    // where its modulo addressing wraps.
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<GLuint>(host));
    glViewport(0, 0, w, h);
    glDisable(GL_SCISSOR_TEST);
    const int ox = ((c.shiftX % w) + w) % w, oy = ((-c.shiftY % h) + h) % h;
    const int xs[2][3] = {{0, ox, w - ox}, {w - ox, 0, ox}};  // destination, source, length
    const int ys[2][3] = {{0, oy, h - oy}, {h - oy, 0, oy}};
    for (const auto& x : xs)
        for (const auto& y : ys) {
            if (x[2] <= 0 || y[2] <= 0) continue;
            glBlitNamedFramebuffer(c.ringFbo.id(), static_cast<GLuint>(host), x[1], y[1], x[1] + x[2], y[1] + y[2],
                                   x[0], y[0], x[0] + x[2], y[0] + y[2], GL_COLOR_BUFFER_BIT, GL_NEAREST);
        }
    ST_GL_CHECK("Map canvas cache");
    return end;
}

bool Map::Gesture::active() const {
    return sinceChange < kGestureSettleSeconds && framesSinceChange < kGestureSettleFrames;
}

size_t Map::previewRun(const FrameState& frame) const {
    if (!cacheCanvas || zoomPreview == ZoomPreview::Off || frame.complete || flight_.active || !gesture_.active())
        return 0;
    // The previous frame drew the whole canvas in one rectangle, through the cache.
    if (!lastFrameWholeCanvas_ || !cache_ || !cache_->valid) return 0;
    const CanvasCache::Key& k = cache_->key;
    const PixelRect whole{0, 0, camera.width, camera.height};
    if (!(k.rect == whole) || k.canvasW != camera.width || k.canvasH != camera.height ||
        k.pixelRatio != frame.pixelRatio || k.bg[0] != background.r || k.bg[1] != background.g ||
        k.bg[2] != background.b)
        return 0;
    // Within 2x of the scale drawn: past that a preview blurs, or shows mostly background.
    const double scale = camera.resolution / k.resolution;
    if (!(scale >= 0.5 && scale <= 2.0)) return 0;
    std::vector<CacheEntry> run;
    const size_t end = cacheableRun(layers_, run);
    if (!end || run != k.layers) return 0;
    // On GL that draws the layers cheaply a sharp frame costs little: no preview there.
    static const bool software = softwareRenderer();
    return software || zoomPreview == ZoomPreview::Always ? end : 0;
}

size_t Map::drawPreview(const PixelRect& r) {
    CanvasCache& c = *cache_;
    const int w = r.width, h = r.height;
    // Where a cached pixel (continuous, rows from the top) is in the view now: the same
    // world point in the view of the last whole draw, moved by the whole-pixel pans since.
    // The two views differ by a scale, a rotation and a move, so the cache's corners make
    // a parallelogram; it is drawn between the centres of its corner pixels (see
    // canvas_preview.vert), what it leaves is background.
    const Vec2d corner{static_cast<double>(r.x), static_cast<double>(r.y)};
    const Vec2d shift{static_cast<double>(c.shiftX), static_cast<double>(c.shiftY)};
    auto nowAt = [&](Vec2d q) { return camera.worldToScreen(c.view.screenToWorld(corner + q + shift)) - corner; };
    const int ox = ((c.shiftX % w) + w) % w, oy = ((-c.shiftY % h) + h) % h;
    const double cx[2] = {0.5, w - 0.5}, cy[2] = {0.5, h - 0.5};
    std::array<float, 16> map{};  // the strip's screen positions, then texture coordinates
    for (int k = 0; k < 4; ++k) {
        const Vec2d q{cx[k & 1], cy[k >> 1]};
        const Vec2d s = nowAt(q);
        map[2 * k] = static_cast<float>(s.x);
        map[2 * k + 1] = static_cast<float>(s.y);
        map[8 + 2 * k] = static_cast<float>((q.x + ox) / w);
        map[8 + 2 * k + 1] = static_cast<float>((h - q.y + oy) / h);
    }
    GLint host = 0;
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &host);
    if (!c.preview || c.preview.width() != w || c.preview.height() != h) {
        c.preview = gl::Texture::create2D(GL_RGBA8, w, h);
        c.previewFbo = gl::Handle<gl::FramebufferTraits>::create();
        glNamedFramebufferTexture(c.previewFbo.id(), GL_COLOR_ATTACHMENT0, c.preview.id(), 0);
        c.previewValid = false;
    }
    if (!c.previewValid || map != c.previewMap) {
        if (!c.vao) c.vao = gl::VertexArray::create();
        Program& p = shaders_.graphics("canvas_preview.vert", "canvas_preview.frag");
        for (int k = 0; k < 4; ++k) {
            const std::string i = "[" + std::to_string(k) + "]";
            p.set(("uScreen" + i).c_str(), map[2 * k], map[2 * k + 1]);
            p.set(("uTex" + i).c_str(), map[8 + 2 * k], map[8 + 2 * k + 1]);
        }
        p.set("uCanvas", static_cast<float>(w), static_cast<float>(h));
        p.use();
        const GLfloat bg[4] = {background.r, background.g, background.b, 1.0f};
        glClearNamedFramebufferfv(c.previewFbo.id(), GL_COLOR, 0, bg);
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, c.previewFbo.id());
        glViewport(0, 0, w, h);
        glDisable(GL_SCISSOR_TEST);
        const GLboolean blend = glIsEnabled(GL_BLEND);
        glDisable(GL_BLEND);
        glBindTextureUnit(0, c.ring.id());
        glBindVertexArray(c.vao.id());
        glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
        glBindVertexArray(0);
        if (blend) glEnable(GL_BLEND);
        c.previewMap = map;
        c.previewValid = true;
    }
    glBlitNamedFramebuffer(c.previewFbo.id(), static_cast<GLuint>(host), 0, 0, w, h, 0, 0, w, h, GL_COLOR_BUFFER_BIT,
                           GL_NEAREST);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<GLuint>(host));
    glViewport(0, 0, w, h);
    ++cacheStats_.previews;
    cacheStats_.cachedLayers = previewEnd_;
    ST_GL_CHECK("Map zoom preview");
    return previewEnd_;
}

void Map::draw(const PixelRect& r) {
    glViewport(0, 0, r.width, r.height);
    glDisable(GL_SCISSOR_TEST);
    glClearColor(background.r, background.g, background.b, 1.0f);
    glClearStencil(0);
    ++drawsSincePrepare_;
    drewWholeCanvas_ = r == PixelRect{0, 0, camera.width, camera.height};
    size_t cached = 0;
    if (!cacheCanvas)
        cache_.reset();
    else if (previewEnd_ && drawsSincePrepare_ == 1 && drewWholeCanvas_)
        cached = drawPreview(r);
    else
        cached = drawCached(r);
    // The cache, when drawn, covers every colour pixel.
    glClear((cached ? 0 : GL_COLOR_BUFFER_BIT) | GL_DEPTH_BUFFER_BIT | GL_STENCIL_BUFFER_BIT);
    drawLayers(r, cached, layers_.size());
    painter_->draw(r.x, r.y, r.width, r.height);
    drawn_ = true;
}

void Map::render(FrameState frame, int width, int height, float pixelRatio) {
    prepare(frame, width, height, pixelRatio);
    draw({0, 0, width, height});
}

bool Map::busy() const {
    if (flight_.active) return true;
    for (const auto& l : layers_)
        if (l->visible && l->busy()) return true;
    return false;
}

std::vector<LayerStats> Map::stats() const {
    std::vector<LayerStats> out;
    for (size_t i = 0; i < layers_.size(); ++i) {
        LayerStats s = layers_[i]->stats();
        s.drawMs = drawMs_[i];
        out.push_back(std::move(s));
    }
    return out;
}

void applySceneView(const SceneSpec& scene, Map& map, int width, int height) {
    Vec2d c = scene.viewCenterLonLat;
    map.fromWgs84().forward(c);
    map.camera.center = c;
    map.camera.width = width;
    map.camera.height = height;
    // Zoom levels are defined for a 1080p-class screen; larger outputs show the same
    // area at higher pixel density rather than more area.
    const double density = std::min(width, height) / 1080.0;
    map.camera.resolution = zoomToResolution(scene.viewZoom, scene.viewCenterLonLat.y) / density;
    map.camera.rotation = degToRad(scene.viewRotationDeg);
}

void applyViewString(const std::string& view, Map& map) {
    std::stringstream ss(view);
    std::string a, b, c, d;
    std::getline(ss, a, ',');
    std::getline(ss, b, ',');
    std::getline(ss, c, ',');
    std::getline(ss, d, ',');
    try {
        size_t used = 0;
        const double lon = std::stod(a, &used);
        const double lat = std::stod(b);
        const double zoom = std::stod(c);
        if (std::fabs(lon) > 180 || std::fabs(lat) > 85 || zoom < 0 || zoom > 24) throw std::out_of_range("range");
        Vec2d p{lon, lat};
        if (!map.fromWgs84().forward(p)) throw std::out_of_range("projection");
        map.camera.center = p;
        const double density = std::min(map.camera.width, map.camera.height) / 1080.0;
        map.camera.resolution = zoomToResolution(zoom, lat) / density;
        if (!d.empty()) map.camera.rotation = degToRad(std::stod(d));
    } catch (const std::exception&) {
        throw std::runtime_error("--view '" + view +
                                 "': expected LON,LAT,ZOOM[,ROTATION_DEG] with lon ±180, lat ±85, zoom 0..24");
    }
}

Image readFramebuffer(int width, int height) {
    Image img(width, height);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, img.rgba.data());
    img.flipVertically();
    return img;
}

}  // namespace sandtable
