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

bool sameGrid(const GridSpec& a, const GridSpec& b) {
    return a.topLeft == b.topLeft && a.pixelSize == b.pixelSize && a.rotation == b.rotation && a.width == b.width &&
           a.height == b.height;
}
bool sameKernel(const KernelSpec& a, const KernelSpec& b) {
    return a.shape == b.shape && a.output == b.output && a.radius == b.radius && a.decay == b.decay;
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

bool HeatmapLayer::AggKey::sameLayout(const AggKey& o) const {
    return sameGrid(grid, o.grid) && sameKernel(kernel, o.kernel) && minCells == o.minCells && maxRed == o.maxRed;
}

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
    range_ = {0, points_.size()};
}

HeatmapLayer::~HeatmapLayer() = default;

void HeatmapLayer::setPoints(std::vector<HeatPoint> pts) {
    const HeatInputStats st = sanitize(pts);
    input_ = st;
    if (st.dropped()) warn("heatmap: " + st.summary());
    std::stable_sort(pts.begin(), pts.end(), [](const HeatPoint& a, const HeatPoint& b) { return a.time < b.time; });
    points_ = std::move(pts);
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

void HeatmapLayer::update(const FrameState& frame) {
    now_ = frame.time;
    if (feed_) pollFeed();
    range_ = windowRange(now_);
    // The density grid covers the whole canvas, so every rectangle drawn from it (a
    // window, a wall tile) shows the same density and the same normalisation.
    const Camera& cam = *frame.camera;
    wanted_.grid = gridForCamera(cam);
    wanted_.kernel = kernelFor(cam.resolution, frame.pixelRatio);
    wanted_.minCells = settings_.minRadiusCells;
    wanted_.maxRed = settings_.maxReduction;
    // A live presence heatmap on a wall runs for days: drop points that have left the time
    // window once they are most of the list (a re-upload and one full re-aggregation),
    // so memory stays bounded by the window rather than growing with uptime.
    if (feed_ && settings_.windowMs > 0 && range_.first >= kPruneMinPoints && range_.first * 2 > points_.size()) {
        points_.erase(points_.begin(), points_.begin() + static_cast<ptrdiff_t>(range_.first));
        ++pruned_;
        reupload_ = true;
        haveAgg_ = false;
        binned_ = {0, 0};
        lateFrom_ = SIZE_MAX;
        range_ = windowRange(now_);
    }
}

void HeatmapLayer::upload(UploadContext& u) {
    const auto t0 = SteadyClock::now();
    ensureGpu(u.shaders);
    uploadPoints();
    aggregate();
    colorize(u.shaders);
    drawMs_ = msSince(t0);
}

void HeatmapLayer::uploadPoints() {
    if (reupload_ || uploaded_ > points_.size()) {
        gpu_->setPoints(points_, ctx_.origin);
        uploaded_ = points_.size();
        reupload_ = false;
        haveAgg_ = false;
    } else {
        if (lateFrom_ < uploaded_) {
            // Late points were merged in at lateFrom_: the GPU copy is stale from there. Take
            // the points from there out of the bins while the GPU still holds them, so that
            // the incremental path bins them again (late ones included) after the re-send.
            if (haveAgg_ && lateFrom_ >= binned_.first) {
                if (lateFrom_ < binned_.second) {
                    gpu_->binRange(lateFrom_, binned_.second - lateFrom_, -1);
                    binned_.second = lateFrom_;
                }
            } else {
                haveAgg_ = false;
            }
            gpu_->truncate(lateFrom_);
            uploaded_ = lateFrom_;
        }
        if (uploaded_ < points_.size()) {
            if (!gpu_->appendPoints(std::span<const HeatPoint>(points_).subspan(uploaded_))) {
                gpu_->setPoints(points_, ctx_.origin);
                haveAgg_ = false;
            }
            uploaded_ = points_.size();
        }
    }
    lateFrom_ = SIZE_MAX;
}

void HeatmapLayer::ensureGpu(ShaderLibrary& shaders) {
    if (!gpu_) {
        gpu_ = std::make_unique<HeatmapGpu>(shaders);
        reupload_ = true;
    }
    if (!vao_) vao_ = gl::VertexArray::create();
    if (!ramp_ || rampId_ != settings_.ramp) {
        const std::vector<Color> table = rampTable(settings_.ramp, 256);
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

void HeatmapLayer::aggregate() {
    const AggKey& key = wanted_;
    const bool sameLayout = haveAgg_ && aggKey_.sameLayout(key);
    if (sameLayout && range_ == binned_ && !dirty_) return;

    const auto t0 = SteadyClock::now();
    timing_.incremental = false;
    if (sameLayout && range_.first >= binned_.first && range_.second >= binned_.second &&
        range_.first <= binned_.second) {
        // The window moved forward (or points streamed in): add the new, remove the old.
        gpu_->binRange(binned_.second, range_.second - binned_.second, +1);
        gpu_->binRange(binned_.first, range_.first - binned_.first, -1);
        gpu_->convolve();
        timing_.incremental = true;
        timing_.pointsBinned = (range_.second - binned_.second) + (range_.first - binned_.first);
    } else {
        const BinnedLayout L = chooseReduction(key.grid, key.kernel, key.minCells, key.maxRed);
        gpu_->aggregate(key.grid, key.kernel, L, range_.first, range_.second - range_.first);
        timing_.pointsBinned = range_.second - range_.first;
    }
    aggKey_ = key;
    haveAgg_ = true;
    binned_ = range_;
    dirty_ = false;

    if (settings_.normalisation == Normalisation::Fixed) {
        displayMax_ = settings_.fixedMax;
    } else {
        // The percentile over the coarse cells that cover the canvas (not the border). The
        // readback is part of the upload phase: draw() never waits on the GPU.
        const DensityGrid c = gpu_->readCoarse();
        const BinnedLayout& L = gpu_->layout();
        std::vector<float> onCanvas;
        onCanvas.reserve(c.values.size());
        for (int j = kCoarseBorder; j < L.coarse.height - kCoarseBorder; ++j)
            for (int i = kCoarseBorder; i < L.coarse.width - kCoarseBorder; ++i) onCanvas.push_back(c.at(i, j));
        displayMax_ = positivePercentile(onCanvas, settings_.percentile);
    }
    // No glFinish here: it would stall a real GPU on every re-aggregation (panning). With
    // automatic normalisation the percentile readback above has already waited for the
    // work, so the timing is the GPU's; with a fixed maximum it is the submission only.
    timing_.aggregateMs = msSince(t0);
    timing_.factor = gpu_->layout().factor;
    timing_.radiusCells = gpu_->layout().radiusCells;
    ++timing_.aggregations;
}

void HeatmapLayer::colorize(ShaderLibrary& shaders) {
    showing_ = displayMax_ > 0.0 && range_.first != range_.second;
    if (!showing_) return;  // nothing to show: fully transparent
    const int w = aggKey_.grid.width, h = aggKey_.grid.height;
    const ColorKey key{timing_.aggregations, displayMax_, settings_.ramp, settings_.fadeBelow, w, h};
    if (key == colorKey_) return;
    // The colourised density of the whole canvas, redrawn only when the aggregation, the
    // normalisation, the ramp or the canvas changes; draw() is then one texel fetch per pixel.
    if (!colorCache_ || colorCache_.width() != w || colorCache_.height() != h) {
        colorCache_ = gl::Texture::create2D(GL_RGBA8, w, h);
        colorCache_.setFilter(GL_NEAREST, GL_NEAREST);
        colorFbo_ = gl::Handle<gl::FramebufferTraits>::create();
        glNamedFramebufferTexture(colorFbo_.id(), GL_COLOR_ATTACHMENT0, colorCache_.id(), 0);
    }
    // Map::prepare restores the host's framebuffer and viewport after the upload phase.
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, colorFbo_.id());
    glViewport(0, 0, w, h);
    const GLfloat clear[4] = {0, 0, 0, 0};
    glClearNamedFramebufferfv(colorFbo_.id(), GL_COLOR, 0, clear);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glDisable(GL_BLEND);
    Program& p = shaders.graphics("heatmap_quad.vert", "heatmap_color.frag");
    const BinnedLayout& L = gpu_->layout();
    p.set("uViewportHeight", h);
    p.set("uFactor", L.factor);
    p.set("uBorder", kCoarseBorder);
    p.set("uInvMax", static_cast<float>(1.0 / displayMax_));
    p.set("uOpacity", 1.0f);  // applied when the cache is drawn
    p.set("uFadeBelow", settings_.fadeBelow);
    p.use();
    glBindTextureUnit(0, gpu_->coarse().id());
    glBindTextureUnit(1, ramp_.id());
    glBindVertexArray(vao_.id());
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glBindVertexArray(0);
    colorKey_ = key;
    ST_GL_CHECK("HeatmapLayer::colorize");
}

void HeatmapLayer::draw(const RenderContext& rc) {
    if (!showing_ || !colorCache_) return;
    Program& blit = rc.shaders->graphics("heatmap_quad.vert", "heatmap_blit.frag");
    blit.set("uOpacity", std::clamp(opacity, 0.0f, 1.0f));
    // The rectangle's place in the canvas-sized cache (texel rows bottom-up, as GL's).
    blit.set("uOffset", static_cast<float>(rc.target.x),
             static_cast<float>(rc.canvasHeight - rc.target.y - rc.target.height));
    blit.use();
    glBindTextureUnit(0, colorCache_.id());
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glBindVertexArray(vao_.id());
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glBindVertexArray(0);
    ST_GL_CHECK("HeatmapLayer::draw");
}

DensityGrid HeatmapLayer::computeExact(const GridSpec& grid, float pixelRatio, ShaderLibrary* shaders) const {
    const KernelSpec k = kernelFor(grid.pixelSize, pixelRatio);
    const std::span<const HeatPoint> pts =
        std::span<const HeatPoint>(points_).subspan(range_.first, range_.second - range_.first);
    if (shaders) {
        HeatmapGpu gpu(*shaders);
        return gpu.exact(pts, grid, k);
    }
    return exactKde(pts, grid, k);
}

void HeatmapLayer::exportGeoTiff(const std::string& path, const GridSpec& grid, float pixelRatio,
                                 ShaderLibrary* shaders) const {
    writeDensityGeoTiff(path, computeExact(grid, pixelRatio, shaders), ctx_.displayCrs);
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
