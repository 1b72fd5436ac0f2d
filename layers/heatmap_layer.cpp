#include "layers/heatmap_layer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "engine/gl/shader.hpp"
#include "engine/util/log.hpp"

namespace sandtable {

namespace {

using SteadyClock = std::chrono::steady_clock;
double msSince(SteadyClock::time_point t0) {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
}

std::string formatValue(double v) {
    char buf[32];
    if (v != 0.0 && (std::fabs(v) < 1e-3 || std::fabs(v) >= 1e5))
        std::snprintf(buf, sizeof buf, "%.3g", v);
    else
        std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

}  // namespace

// ---------------------------------------------------------------- HeatmapLayer

HeatmapLayer::HeatmapLayer(const MapContext& ctx, HeatmapLayerConfig cfg)
    : Layer(cfg.id, cfg.title),
      ctx_(ctx),
      settings_(cfg.settings),
      presenceFeed_(cfg.presenceFeed),
      legendScale_(cfg.legendScale) {
    opacity = cfg.opacity;
    validate(KernelSpec{settings_.kernel, settings_.output, settings_.radius, settings_.decay});
    try {
        toWgs84_ = std::make_unique<Transformer>(ctx.displayCrs, "EPSG:4326");
        metresPerUnit_ = groundMetresPerUnit(*toWgs84_, ctx.origin);
        if (!(metresPerUnit_ > 0.0) || !std::isfinite(metresPerUnit_)) metresPerUnit_ = 1.0;
    } catch (const std::exception& e) {
        warn(std::string("heatmap: cannot measure ground scale, metre radii taken as display units: ") + e.what());
        metresPerUnit_ = 1.0;
    }
    if (!cfg.source.path.empty()) {
        const auto t0 = SteadyClock::now();
        OgrPointResult r = readOgrPoints(cfg.source, ctx.displayCrs);
        input_ += r.stats;
        input_.accepted = 0;  // recounted by setPoints
        std::stable_sort(r.points.begin(), r.points.end(),
                         [](const HeatPoint& a, const HeatPoint& b) { return a.time < b.time; });
        points_ = std::move(r.points);
        input_.accepted = points_.size();
        loadMs_ = msSince(t0);
        if (input_.dropped()) warn("heatmap '" + cfg.source.path + "': " + input_.summary());
    }
    recomputeBounds();
    range_ = {0, points_.size()};
}

HeatmapLayer::~HeatmapLayer() = default;

void HeatmapLayer::setPoints(std::vector<HeatPoint> pts) {
    const HeatInputStats st = sanitize(pts);
    input_ = st;
    if (st.dropped()) warn("heatmap: " + st.summary());
    std::stable_sort(pts.begin(), pts.end(), [](const HeatPoint& a, const HeatPoint& b) { return a.time < b.time; });
    points_ = std::move(pts);
    recomputeBounds();
    reupload_ = true;
    dirty_ = true;
    range_ = windowRange(now_);
}

void HeatmapLayer::addPoints(std::span<const HeatPoint> in) {
    std::vector<HeatPoint> pts(in.begin(), in.end());
    HeatInputStats st = sanitize(pts);
    if (st.dropped()) warn("heatmap stream: " + st.summary());
    input_ += st;
    if (pts.empty()) return;
    auto byTime = [](const HeatPoint& a, const HeatPoint& b) { return a.time < b.time; };
    std::stable_sort(pts.begin(), pts.end(), byTime);
    const size_t old = points_.size();
    for (const HeatPoint& p : pts) dataBounds_.extend(p.pos);
    streaming_ = true;
    points_.insert(points_.end(), pts.begin(), pts.end());
    if (old > 0 && pts.front().time < points_[old - 1].time) {
        // Late points: keep time order (the window is an index range) by merging them in.
        // Points before the first insertion keep their indices; upload() re-sends the rest.
        const auto first =
            std::upper_bound(points_.begin(), points_.begin() + static_cast<std::ptrdiff_t>(old), pts.front(), byTime);
        lateFrom_ = std::min(lateFrom_, static_cast<size_t>(first - points_.begin()));
        std::inplace_merge(first, points_.begin() + static_cast<std::ptrdiff_t>(old), points_.end(), byTime);
    }
    dirty_ = true;
    range_ = windowRange(now_);
}

void HeatmapLayer::setSettings(const HeatmapSettings& s) {
    validate(KernelSpec{s.kernel, s.output, s.radius, s.decay});
    if (!(s.percentile > 0.0 && s.percentile <= 1.0))
        throw std::invalid_argument("heatmap: percentile must be in (0, 1]");
    if (s.normalisation == Normalisation::Fixed && !(s.fixedMax > 0.0 && std::isfinite(s.fixedMax)))
        throw std::invalid_argument("heatmap: fixed maximum must be a finite number > 0");
    if (s == settings_) return;
    settings_ = s;
    dirty_ = true;
    range_ = windowRange(now_);
}

std::pair<size_t, size_t> HeatmapLayer::windowRange(TimeMs t) const {
    if (settings_.windowMs <= 0) return {0, points_.size()};
    auto byTime = [](TimeMs v, const HeatPoint& p) { return v < p.time; };
    const size_t a = static_cast<size_t>(
        std::upper_bound(points_.begin(), points_.end(), t - settings_.windowMs, byTime) - points_.begin());
    const size_t b = static_cast<size_t>(std::upper_bound(points_.begin(), points_.end(), t, byTime) - points_.begin());
    return {a, std::max(a, b)};
}

KernelSpec HeatmapLayer::kernelFor(double resolution, float pixelRatio) const {
    KernelSpec k{settings_.kernel, settings_.output, settings_.radius, settings_.decay};
    k.radius = settings_.radiusUnit == RadiusUnit::Metres ? settings_.radius / metresPerUnit_
                                                          : settings_.radius * pixelRatio * resolution;
    const double px = k.radius / resolution;
    if (px < kMinRadiusScreenPx) k.radius = kMinRadiusScreenPx * resolution;
    if (px > kMaxRadiusScreenPx) k.radius = kMaxRadiusScreenPx * resolution;
    return k;
}

void HeatmapLayer::setFeed(std::shared_ptr<FeedPipeline> feed) {
    feed_ = std::move(feed);
    streaming_ = streaming_ || feed_ != nullptr;
    haveFeedSnapshot_ = false;
    seen_.clear();
    if (feed_ && !toDisplay_) toDisplay_ = std::make_unique<Transformer>("EPSG:4326", ctx_.displayCrs);
}

void HeatmapLayer::pollFeed() {
    auto snap = feed_->snapshot();
    if (haveFeedSnapshot_ && snap->version == feedVersion_) return;
    std::vector<uint32_t> changed;
    if (haveFeedSnapshot_) {
        changed = snap->changedSince(feedVersion_);
    } else {
        changed.resize(snap->officers.size());
        for (uint32_t i = 0; i < changed.size(); ++i) changed[i] = i;
    }
    if (seen_.size() < snap->officers.size())
        seen_.resize(snap->officers.size(), Seen{std::numeric_limits<TimeMs>::min(), 0});
    std::vector<HeatPoint> fresh;
    auto add = [&](double lon, double lat, TimeMs t) {
        Vec2d p{lon, lat};
        if (!toDisplay_->forward(p)) {
            ++input_.transformFailed;
            return;
        }
        fresh.push_back({p, 1.0, t});
    };
    for (uint32_t slot : changed) {
        const OfficerState& o = snap->officers[slot];
        Seen& seen = seen_[slot];
        if (o.fixes == seen.fixes) continue;
        if (o.fixes == seen.fixes + 1 && o.lastSeen > seen.t) {
            add(o.lon, o.lat, o.lastSeen);  // the usual case: one new fix, the marker's
        } else {
            // Several fixes since the last frame (or the first look at this officer): the
            // ones newer than what was added, from the snapshot's track view.
            if (snap->tracks)
                snap->tracks->forEach(slot, seen.t == std::numeric_limits<TimeMs>::min() ? seen.t : seen.t + 1,
                                      kTimeMax, [&](const PositionFix& f) { add(f.lon, f.lat, f.t); });
        }
        seen.fixes = o.fixes;
        seen.t = std::max(seen.t, o.lastSeen);
    }
    feedVersion_ = snap->version;
    haveFeedSnapshot_ = true;
    if (!fresh.empty()) addPoints(fresh);
}
void HeatmapLayer::recomputeBounds() {
    dataBounds_ = BBox{};
    for (const HeatPoint& p : points_) dataBounds_.extend(p.pos);
}

void HeatmapLayer::setEngine(HeatEngine::Kind kind) {
    if (engineKind_ == kind && engine_) return;
    engineKind_ = kind;
    engine_.reset();  // made again (and every point re-sent) by the next upload
    inFlight_ = false;
    bins_.valid = false;
    shown_.valid = false;
    reupload_ = true;
}

void HeatmapLayer::update(const FrameState& frame) {
    now_ = frame.time;
    if (feed_) pollFeed();
    range_ = windowRange(now_);
    // The density grid covers the whole canvas (and a margin), so every rectangle drawn
    // from it (a window, a wall tile) shows the same density and the same normalisation.
    const Camera& cam = *frame.camera;
    view_ = gridForCamera(cam);
    kernel_ = kernelFor(cam.resolution, frame.pixelRatio);
    // A live presence heatmap on a wall runs for days: drop points that have left the time
    // window once they are most of the list (a re-upload and one full re-aggregation),
    // so memory stays bounded by the window rather than growing with uptime.
    if (feed_ && settings_.windowMs > 0 && range_.first >= kPruneMinPoints && range_.first * 2 > points_.size()) {
        points_.erase(points_.begin(), points_.begin() + static_cast<ptrdiff_t>(range_.first));
        recomputeBounds();
        ++pruned_;
        reupload_ = true;
        bins_.valid = false;
        binned_ = {0, 0};
        lateFrom_ = SIZE_MAX;
        range_ = windowRange(now_);
    }
}

void HeatmapLayer::upload(UploadContext& u) {
    const auto t0 = SteadyClock::now();
    ensureGpu(u.shaders);
    timing_.colouredPixels = 0;
    // The job in flight, if done, becomes the grid drawn. Then, while the engine is idle,
    // the next job this frame needs is submitted. A still waits for it (and for a stale job
    // in flight before it); an interactive frame draws the previous grid meanwhile.
    if (inFlight_ && engine_->poll()) adopt();
    for (int pass = 0; pass < 3; ++pass) {
        if (!inFlight_) submit();
        if (!inFlight_ || !u.frame.complete) break;
        engine_->wait();
        if (engine_->poll()) adopt();
    }
    // What draw() shows changes with a whole colour pass (new grid, maximum, ramp, zoom, a
    // fractional pan), an interim pass, or the layer starting or stopping to show; strips
    // coloured after a whole-pixel pan are the same pixels shifted.
    const bool wasShowing = showing_, wasInterim = showInterim_;
    const size_t passes = timing_.colourPasses + timing_.interimPasses;
    colorize(u.shaders, u.frame);
    if (showing_ != wasShowing || showInterim_ != wasInterim || timing_.colourPasses + timing_.interimPasses != passes)
        ++drawRevision_;
    drawMs_ = msSince(t0);
}

void HeatmapLayer::syncPoints() {
    if (reupload_ || uploaded_ > points_.size()) {
        engine_->setPoints(points_, ctx_.origin);
        uploaded_ = points_.size();
        reupload_ = false;
        bins_.valid = false;
    } else {
        if (lateFrom_ < uploaded_) {
            // Late points were merged in at lateFrom_: the engine's copy is stale from there.
            // Take the points from there out of the bins while the engine still holds them,
            // so that the incremental path bins them again (late ones included) after the re-send.
            if (bins_.valid && lateFrom_ >= binned_.first) {
                if (lateFrom_ < binned_.second) {
                    engine_->binRange(lateFrom_, binned_.second - lateFrom_, -1);
                    binned_.second = lateFrom_;
                }
            } else {
                bins_.valid = false;
            }
            engine_->truncate(lateFrom_);
            uploaded_ = lateFrom_;
        }
        if (uploaded_ < points_.size()) {
            if (!engine_->appendPoints(std::span<const HeatPoint>(points_).subspan(uploaded_))) {
                engine_->setPoints(points_, ctx_.origin);
                bins_.valid = false;
            }
            uploaded_ = points_.size();
        }
    }
    lateFrom_ = SIZE_MAX;
}

void HeatmapLayer::ensureGpu(ShaderLibrary& shaders) {
    if (!engine_) {
        if (!engineKind_) engineKind_ = HeatEngine::preferred();
        engine_ = HeatEngine::create(shaders, *engineKind_);
        reupload_ = true;
        uploaded_ = 0;
        lateFrom_ = SIZE_MAX;
    }
    if (!vao_) vao_ = gl::VertexArray::create();
    if (!ramp_ || rampId_ != settings_.ramp) {
        const std::vector<Color> table = rampTable(settings_.ramp, 1024);  // read nearest (heatmap_color.frag)
        std::vector<uint8_t> rgba(table.size() * 4);
        for (size_t i = 0; i < table.size(); ++i) {
            rgba[4 * i + 0] = static_cast<uint8_t>(std::lround(table[i].r * 255.0f));
            rgba[4 * i + 1] = static_cast<uint8_t>(std::lround(table[i].g * 255.0f));
            rgba[4 * i + 2] = static_cast<uint8_t>(std::lround(table[i].b * 255.0f));
            rgba[4 * i + 3] = 255;
        }
        ramp_ = gl::Texture::create2D(GL_RGBA8, static_cast<int>(table.size()), 1);
        glTextureSubImage2D(ramp_.id(), 0, 0, 0, static_cast<GLsizei>(table.size()), 1, GL_RGBA, GL_UNSIGNED_BYTE,
                            rgba.data());
        rampId_ = settings_.ramp;
    }
}

void HeatmapLayer::submit() {
    syncPoints();
    const KernelSpec& k = kernel_;
    // Where the grid may stop: at the data (grown by the radius) for a fixed point set; a
    // streamed one grows, and every growth past the grid would cost a full aggregation
    // instead of an incremental one, so its grid spans the view and margin whatever the data.
    const BBox bounds = streaming_ ? BBox{-1e300, -1e300, 1e300, 1e300} : dataBounds_;
    WorldGridOptions opts;
    opts.minRadiusCells = settings_.minRadiusCells;
    opts.maxReduction = settings_.maxReduction;
    // The bins can serve this frame when they were built for this kernel, cell size and
    // rotation and their grid holds every cell the view needs. The uniform kernel's cells
    // are this zoom's pixels, on a lattice through the pixel corners of the view it was
    // built for: a pan by a fraction of a pixel needs a new grid for it too.
    bool fits =
        bins_.valid && bins_.kernel == k &&
        bins_.layout.coarse.pixelSize == worldCellSize(k, view_.pixelSize, opts.minRadiusCells, opts.maxReduction) &&
        bins_.layout.coarse.rotation == view_.rotation && layoutCovers(bins_.layout, view_, k, bounds);
    if (fits && k.shape == KernelShape::Uniform) {
        const Vec2d g = bins_.layout.coarse.toGrid(view_.topLeft);
        fits = std::fabs(g.x - std::round(g.x)) < 1e-3 && std::fabs(g.y - std::round(g.y)) < 1e-3;
    }
    if (fits && range_ == binned_ && !dirty_) return;

    const bool automatic = settings_.normalisation == Normalisation::Auto;
    HeatEngine::Normalise norm;
    const bool incremental =
        fits && range_.first >= binned_.first && range_.second >= binned_.second && range_.first <= binned_.second;
    if (incremental) {
        // The window moved forward (or points streamed in): add the new, remove the old.
        norm.q = automatic ? settings_.percentile : 0.0;
        norm.region = cellsInView(bins_.layout, view_);
        engine_->binRange(binned_.second, range_.second - binned_.second, +1);
        engine_->binRange(binned_.first, range_.first - binned_.first, -1);
        engine_->convolve(norm);
    } else {
        const BinnedLayout L = worldLayout(view_, k, bounds, ctx_.origin, opts);
        norm.q = automatic ? settings_.percentile : 0.0;
        norm.region = cellsInView(L, view_);
        engine_->aggregate(k, L, range_.first, range_.second - range_.first, norm);
        bins_.layout = L;
        bins_.kernel = k;
        bins_.valid = true;
    }
    flight_ = bins_;
    flightRange_ = range_;
    flightIncremental_ = incremental;
    inFlight_ = true;
    binned_ = range_;
    dirty_ = false;
    ++timing_.requests;
}

void HeatmapLayer::adopt() {
    inFlight_ = false;
    shown_ = flight_;
    shownRange_ = flightRange_;
    displayMax_ = settings_.normalisation == Normalisation::Fixed ? settings_.fixedMax : engine_->percentile();
    timing_.aggregateMs = engine_->jobMs();
    timing_.incremental = flightIncremental_;
    timing_.pointsBinned = flightIncremental_ ? 0 : flightRange_.second - flightRange_.first;
    timing_.radiusCells = shown_.layout.radiusCells;
    timing_.cells = shown_.layout.coarse.pixelCount();
    timing_.cellPx = view_.pixelSize > 0 ? shown_.layout.coarse.pixelSize / view_.pixelSize : 0.0;
    timing_.plan = engine_->plan();
    ++timing_.aggregations;
    if (!flightIncremental_) ++timing_.fullAggregations;
}

void HeatmapLayer::colorize(ShaderLibrary& shaders, const FrameState& frame) {
    const Camera& cam = *frame.camera;
    if (view_.pixelSize != lastScale_ || view_.rotation != lastRotation_) {
        if (lastScale_ != 0) sinceScaleChange_ = 0, framesSinceScaleChange_ = 0;  // not the first view
        lastScale_ = view_.pixelSize;
        lastRotation_ = view_.rotation;
    } else {
        sinceScaleChange_ += frame.dtSeconds;
        ++framesSinceScaleChange_;
    }
    showing_ = shown_.valid && displayMax_ > 0.0 && shownRange_.first != shownRange_.second;
    if (!showing_) return;  // nothing to show: fully transparent
    const int w = cam.width, h = cam.height;
    // The canvas pixels over the grid drawn (its rectangle's bounding box, widened by the
    // cells heatmap_color.frag still interpolates beyond the edge: it colours grid
    // coordinates in [-1.5, size + 2.5)): the colour pass and the blit stop there.
    {
        const GridSpec& g = engine_->coarseSpec();
        const double gx0 = -2.0, gy0 = -2.0, gx1 = g.width + 3.0, gy1 = g.height + 3.0;
        double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
        for (Vec2d corner : {g.toWorld(gx0, gy0), g.toWorld(gx1, gy0), g.toWorld(gx0, gy1), g.toWorld(gx1, gy1)}) {
            const Vec2d q = view_.toGrid(corner);
            x0 = std::min(x0, q.x), x1 = std::max(x1, q.x), y0 = std::min(y0, q.y), y1 = std::max(y1, q.y);
        }
        const int ix0 = static_cast<int>(std::clamp(std::floor(x0), 0.0, static_cast<double>(w)));
        const int iy0 = static_cast<int>(std::clamp(std::floor(y0), 0.0, static_cast<double>(h)));
        const int ix1 = static_cast<int>(std::clamp(std::ceil(x1), 0.0, static_cast<double>(w)));
        const int iy1 = static_cast<int>(std::clamp(std::ceil(y1), 0.0, static_cast<double>(h)));
        gridRect_ = {ix0, iy0, std::max(0, ix1 - ix0), std::max(0, iy1 - iy0)};
    }
    const ColorKey key{timing_.aggregations, displayMax_,   settings_.ramp, settings_.fadeBelow, w, h,
                       view_.pixelSize,      view_.rotation};
    if (!colorCache_ || colorCache_.width() != w || colorCache_.height() != h) {
        colorCache_ = gl::Texture::create2D(GL_RGBA8, w, h);
        colorCache_.setFilter(GL_NEAREST, GL_NEAREST);
        colorFbo_ = gl::Handle<gl::FramebufferTraits>::create();
        glNamedFramebufferTexture(colorFbo_.id(), GL_COLOR_ATTACHMENT0, colorCache_.id(), 0);
        colorKey_ = {};
    }
    // How far (in this view's pixels, right and down) the canvas has moved since the cache
    // was coloured whole: a whole number of pixels means the cached colours are exactly
    // those of a new colour pass, shifted.
    const double c = std::cos(view_.rotation), s = std::sin(view_.rotation);
    const Vec2d d = view_.topLeft - colorTopLeft_;
    const double dx = (c * d.x - s * d.y) / view_.pixelSize, dy = -(s * d.x + c * d.y) / view_.pixelSize;
    const double rx = std::round(dx), ry = std::round(dy);
    const bool whole =
        std::fabs(dx - rx) < 1e-3 && std::fabs(dy - ry) < 1e-3 && std::fabs(rx) < 1e9 && std::fabs(ry) < 1e9;
    const int sx = whole ? static_cast<int>(rx) - colorOffX_ : 0, sy = whole ? static_cast<int>(ry) - colorOffY_ : 0;
    if (key == colorKey_ && whole && std::abs(sx) < w && std::abs(sy) < h) {
        showInterim_ = false;
        if (sx == 0 && sy == 0) return;
        colorOffX_ += sx;
        colorOffY_ += sy;
        // The uncovered strips: columns on the side the view moved to, then rows.
        std::vector<PixelRect> strips;
        if (sx > 0) strips.push_back({w - sx, 0, sx, h});
        if (sx < 0) strips.push_back({0, 0, -sx, h});
        if (sy > 0) strips.push_back({0, h - sy, w, sy});
        if (sy < 0) strips.push_back({0, 0, w, -sy});
        colourRects(shaders, strips, view_,
                    {colorFbo_.id(), w, h, ((colorOffX_ % w) + w) % w, ((colorOffY_ % h) + h) % h});
        ++timing_.colourStrips;
        return;
    }
    // A pan that changes no scale ends the gesture at once: the hand has moved on to
    // dragging, and one exact pass (then strips) beats an interim pass every frame.
    const bool panned = framesSinceScaleChange_ > 0 && view_.topLeft != interimTopLeft_;
    const bool gesture =
        sinceScaleChange_ < kGestureSettleSeconds && framesSinceScaleChange_ < kGestureSettleFrames && !panned;
    if (frame.canvasPreview && !frame.complete && gesture) {
        // The map shows its cached canvas, this layer's pixels in it, scaled: nothing here
        // is drawn this frame. The full cache is stale; where the gesture started is kept
        // as an interim pass would keep it, so that a drag still ends the gesture.
        colorKey_ = {};
        if (framesSinceScaleChange_ == 0) interimTopLeft_ = view_.topLeft;
        return;
    }
    if (!frame.complete && gesture && softwareRenderer() && w >= 64 && h >= 64) {
        // A zoom gesture: the half-resolution interim, coloured again only when the view moved.
        showInterim_ = true;
        colorKey_ = {};  // the full cache is stale: the settled frame colours it whole
        if (key == interimKey_ && view_.topLeft == interimTopLeft_) return;
        interimKey_ = key;
        interimTopLeft_ = view_.topLeft;
        const int iw = (w + 1) / 2, ih = (h + 1) / 2;
        if (!interim_ || interim_.width() != iw || interim_.height() != ih) {
            interim_ = gl::Texture::create2D(GL_RGBA8, iw, ih);
            interim_.setFilter(GL_LINEAR, GL_LINEAR);
            interimFbo_ = gl::Handle<gl::FramebufferTraits>::create();
            glNamedFramebufferTexture(interimFbo_.id(), GL_COLOR_ATTACHMENT0, interim_.id(), 0);
        }
        GridSpec half = view_;
        half.pixelSize *= 2.0;
        half.width = iw;
        half.height = ih;
        const GLfloat clear[4] = {0, 0, 0, 0};
        glClearNamedFramebufferfv(interimFbo_.id(), GL_COLOR, 0, clear);
        const int x0 = gridRect_.x / 2, y0 = gridRect_.y / 2;
        const PixelRect r{x0, y0, std::min(iw, (gridRect_.x + gridRect_.width + 1) / 2) - x0,
                          std::min(ih, (gridRect_.y + gridRect_.height + 1) / 2) - y0};
        if (r.width > 0 && r.height > 0) colourRects(shaders, {r}, half, {interimFbo_.id(), iw, ih, 0, 0});
        ++timing_.interimPasses;
        return;
    }
    showInterim_ = false;
    interimKey_ = {};
    colorKey_ = key;
    colorTopLeft_ = view_.topLeft;
    colorOffX_ = colorOffY_ = 0;
    // Outside the grid's rectangle the density is zero: clear the cache and colour only
    // the part of the canvas over the grid (zoomed out, the district is a fraction of it).
    const GLfloat clear[4] = {0, 0, 0, 0};
    glClearNamedFramebufferfv(colorFbo_.id(), GL_COLOR, 0, clear);
    if (gridRect_.width > 0 && gridRect_.height > 0) colourRects(shaders, {gridRect_}, view_, {colorFbo_.id(), w, h});
    ++timing_.colourPasses;
}

// Colours rectangles of `view` (pixels, rows from the top) into the target: each rectangle
// becomes up to four scissored passes where it wraps.
void HeatmapLayer::colourRects(ShaderLibrary& shaders, const std::vector<PixelRect>& rects, const GridSpec& view,
                               const ColourTarget& target) {
    if (rects.empty()) return;
    const int w = target.w, h = target.h, shiftX = target.shiftX, shiftY = target.shiftY;
    // Map::prepare restores the host's framebuffer and viewport after the upload phase.
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, target.fbo);
    glViewport(0, 0, w, h);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glDisable(GL_BLEND);
    glEnable(GL_SCISSOR_TEST);
    // Grid coordinates (cells from the coarse grid's corner) of canvas point (x, y):
    // origin + x * gx + y * gy, in double here, float in the shader (1e-4 cells).
    const GridSpec& cg = engine_->coarseSpec();
    const Vec2d o = cg.toGrid(view.topLeft);
    const Vec2d gx = cg.toGrid(view.toWorld(1.0, 0.0)) - o, gy = cg.toGrid(view.toWorld(0.0, 1.0)) - o;
    // The separable form for a whole-canvas pass whose grid axes run along the canvas axes
    // (any rotation the grid was made for): rows first, then 4 taps a pixel.
    const bool aligned = std::fabs(gx.y) < 1e-9 && std::fabs(gy.x) < 1e-9;
    const bool one = rects.size() == 1 && shiftX == 0 && shiftY == 0;
    const PixelRect& r0 = rects.front();
    const int row0 = static_cast<int>(std::floor(o.y + (r0.y + 0.5) * gy.y - 0.5)) - 1;
    const int rows = static_cast<int>(std::floor(o.y + (r0.y + r0.height - 0.5) * gy.y - 0.5)) + 2 - row0 + 1;
    const bool separable = aligned && gy.y > 0.0 && one && rows > 0 && rows <= 8192 && r0.width * r0.height > w * h / 8;
    if (separable) {
        if (!rowTex_ || rowTex_.width() < w || rowTex_.height() < rows) {  // the interim's fit in the full pass's
            rowTex_ = gl::Texture::create2D(GL_R32F, std::max(w, rowTex_ ? rowTex_.width() : 0),
                                            std::max(rows, rowTex_ ? rowTex_.height() : 0));
            rowTex_.setFilter(GL_NEAREST, GL_NEAREST);
            rowFbo_ = gl::Handle<gl::FramebufferTraits>::create();
            glNamedFramebufferTexture(rowFbo_.id(), GL_COLOR_ATTACHMENT0, rowTex_.id(), 0);
        }
        Program& r = shaders.graphics("heatmap_quad.vert", "heatmap_color_rows.frag");
        r.set("uOriginX", static_cast<float>(o.x));
        r.set("uStepX", static_cast<float>(gx.x));
        r.set("uRow0", row0);
        r.use();
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, rowFbo_.id());
        glViewport(0, 0, w, rows);
        glBindTextureUnit(0, engine_->coarse().id());
        glBindVertexArray(vao_.id());
        glScissor(r0.x, 0, r0.width, rows);
        glDrawArrays(GL_TRIANGLES, 0, 3);
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, target.fbo);
        glViewport(0, 0, w, h);
    }
    Program& p = shaders.graphics("heatmap_quad.vert", "heatmap_color.frag",
                                  separable ? std::vector<std::string>{"ROWS"} : std::vector<std::string>{});
    p.set("uCanvas", w, h);
    p.set("uShift", shiftX, shiftY);
    p.set("uRow0", row0);
    p.set("uGridOrigin", static_cast<float>(o.x), static_cast<float>(o.y));
    p.set("uGridDx", static_cast<float>(gx.x), static_cast<float>(gx.y));
    p.set("uGridDy", static_cast<float>(gy.x), static_cast<float>(gy.y));
    p.set("uInvMax", static_cast<float>(1.0 / displayMax_));
    p.set("uFadeBelow", settings_.fadeBelow);
    p.use();
    glBindTextureUnit(0, engine_->coarse().id());
    glBindTextureUnit(1, ramp_.id());
    if (separable) glBindTextureUnit(2, rowTex_.id());
    glBindVertexArray(vao_.id());
    for (const PixelRect& r : rects) {
        // The rectangle's texels: [x + shift, x + width + shift) modulo the size, per axis.
        const int u0 = (r.x + shiftX) % w, v0 = (r.y + shiftY) % h;
        const int uSplit = std::min(r.width, w - u0), vSplit = std::min(r.height, h - v0);
        const int us[2][2] = {{u0, uSplit}, {0, r.width - uSplit}};
        const int vs[2][2] = {{v0, vSplit}, {0, r.height - vSplit}};
        for (const auto& u : us)
            for (const auto& v : vs) {
                if (u[1] <= 0 || v[1] <= 0) continue;
                glScissor(u[0], v[0], u[1], v[1]);
                glDrawArrays(GL_TRIANGLES, 0, 3);
                timing_.colouredPixels += static_cast<size_t>(u[1]) * static_cast<size_t>(v[1]);
            }
    }
    glBindVertexArray(0);
    glDisable(GL_SCISSOR_TEST);
    ST_GL_CHECK("HeatmapLayer::colourRects");
}

void HeatmapLayer::draw(const RenderContext& rc) {
    const bool interim = showInterim_ && interim_;
    if (!showing_ || (!colorCache_ && !interim)) return;
    Program& blit = rc.shaders->graphics("heatmap_quad.vert", "heatmap_blit.frag",
                                         interim ? std::vector<std::string>{"INTERIM"} : std::vector<std::string>{});
    blit.set("uOpacity", std::clamp(opacity, 0.0f, 1.0f));
    if (interim) {
        blit.set("uInterimScale", 0.5f / static_cast<float>(interim_.width()),
                 0.5f / static_cast<float>(interim_.height()));
    } else {
        const int w = colorCache_.width(), h = colorCache_.height();
        blit.set("uCanvas", w, h);
        blit.set("uShift", ((colorOffX_ % w) + w) % w, ((colorOffY_ % h) + h) % h);
    }
    // The rectangle's place in the canvas (the framebuffer holds rc.target).
    blit.set("uTargetOrigin", rc.target.x, rc.target.y);
    blit.set("uTargetHeight", rc.target.height);
    blit.use();
    // Only over the grid (the rest of the cache is transparent): in this framebuffer's
    // pixels, rows from the bottom.
    const int x0 = std::max(gridRect_.x, rc.target.x),
              x1 = std::min(gridRect_.x + gridRect_.width, rc.target.x + rc.target.width);
    const int y0 = std::max(gridRect_.y, rc.target.y),
              y1 = std::min(gridRect_.y + gridRect_.height, rc.target.y + rc.target.height);
    if (x1 <= x0 || y1 <= y0) return;
    glEnable(GL_SCISSOR_TEST);
    glScissor(x0 - rc.target.x, rc.target.y + rc.target.height - y1, x1 - x0, y1 - y0);
    gl::drawViewportTriangle(vao_, interim ? interim_.id() : colorCache_.id(), gl::BlendAlpha::Straight);
    glDisable(GL_SCISSOR_TEST);
    ST_GL_CHECK("HeatmapLayer::draw");
}

DensityGrid HeatmapLayer::computeExact(const GridSpec& grid, float pixelRatio, ShaderLibrary* shaders,
                                       const std::function<void(size_t, size_t)>& progress) const {
    const KernelSpec k = kernelFor(grid.pixelSize, pixelRatio);
    const std::span<const HeatPoint> pts =
        std::span<const HeatPoint>(points_).subspan(range_.first, range_.second - range_.first);
    // The exact sum by device: the GPU gather where the GL is a real GPU's; on software GL
    // (which would run the same gather on the CPU, one pixel per invocation) and without a
    // context, the vectorised multi-threaded scatter.
    if (shaders && !softwareRenderer()) {
        HeatmapGpu gpu(*shaders);
        return gpu.exact(pts, grid, k);
    }
    return exactKdeFast(pts, grid, k, 0, progress);
}

void HeatmapLayer::exportGeoTiff(const std::string& path, const GridSpec& grid, float pixelRatio,
                                 ShaderLibrary* shaders, const std::function<void(size_t, size_t)>& progress) const {
    // The reasons computeExact gives (an invalid kernel, a radius over the exact path's
    // limit) name no file: named here in the form heat_io's own export errors use.
    auto named = [&](const char* what) {
        std::string reason = what;
        if (reason.rfind("heatmap: ", 0) == 0) reason.erase(0, 9);
        return "heatmap export '" + path + "': " + reason;
    };
    DensityGrid density;
    try {
        density = computeExact(grid, pixelRatio, shaders, progress);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(named(e.what()));
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(named(e.what()));
    }
    writeDensityGeoTiff(path, density, ctx_.displayCrs);
}

bool HeatmapLayer::legend(LegendBlock& out) const {
    out.title = title_;
    LegendRamp r;
    r.stops = rampTable(settings_.ramp, 9);
    r.lowLabel = "0";
    r.highLabel =
        (settings_.normalisation == Normalisation::Auto ? "≥ " : "") + formatValue(displayMax_ * legendScale_);
    out.ramps.push_back(std::move(r));
    return true;
}

LayerStats HeatmapLayer::stats() const {
    LayerStats s;
    s.id = id_;
    s.features = points_.size();
    s.vertices = range_.second - range_.first;  // points in the time window
    s.loadMs = loadMs_;
    s.drawMs = drawMs_;
    s.warnings = warnings_;
    return s;
}

HeatmapLayerConfig parseHeatmapLayerConfig(const SceneSpec& scene, const LayerSpec& spec) {
    const JsonReader r(spec.config, scene.file, spec.keyPath);
    HeatmapLayerConfig cfg;
    cfg.id = spec.id;
    cfg.title = {spec.titleZh, spec.titleEn};
    cfg.opacity = static_cast<float>(spec.opacity);
    if (r.has("source") && r.child("source").has("feed")) {  // live: officers' positions
        if (r.child("source").string("feed") != "presence") r.child("source").fail("feed", "expected presence");
        cfg.presenceFeed = true;
    } else if (r.has("source")) {
        const JsonReader src = r.child("source");
        cfg.source.path = scene.resolve(src.string("path"));
        cfg.source.layer = src.string("layer", "");
        cfg.source.weightField = src.string("weightField", "");
        cfg.source.timeField = src.string("timeField", "");
        cfg.source.xField = src.string("xField", "");
        cfg.source.yField = src.string("yField", "");
        cfg.source.sourceCrs = src.string("crs", "");
    }
    HeatmapSettings& h = cfg.settings;
    if (r.has("kernel") && !parseKernelShape(r.string("kernel"), h.kernel))
        r.fail("kernel", "expected quartic, triangular, uniform, triweight, epanechnikov or gaussian");
    if (r.has("output") && !parseKdeOutput(r.string("output"), h.output)) r.fail("output", "expected raw or scaled");
    if (r.has("ramp") && !parseColorRamp(r.string("ramp"), h.ramp))
        r.fail("ramp", "expected viridis, inferno, magma or ylorrd");
    h.radius = r.number("radius", h.radius, 1e-6, 1e7);
    const std::string unit = r.string("radiusUnit", "m");
    if (unit == "m" || unit == "metres" || unit == "meters")
        h.radiusUnit = RadiusUnit::Metres;
    else if (unit == "px" || unit == "pixels")
        h.radiusUnit = RadiusUnit::Pixels;
    else
        r.fail("radiusUnit", "expected m or px");
    h.decay = r.number("decay", h.decay, 0.0, 1.0);
    if (r.has("max")) {
        h.normalisation = Normalisation::Fixed;
        h.fixedMax = r.number("max", 1.0, 1e-12, 1e300);
    }
    h.percentile = r.number("percentile", h.percentile, 0.5, 1.0);
    h.windowMs = static_cast<TimeMs>(r.number("windowSeconds", 0.0, 0.0, 1e9) * 1000.0);
    cfg.legendScale = r.number("legendScale", 1.0, 1e-12, 1e12);
    return cfg;
}

LayerPtr makeHeatmapLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx) {
    return std::make_unique<HeatmapLayer>(ctx, parseHeatmapLayerConfig(scene, spec));
}

}  // namespace sandtable
