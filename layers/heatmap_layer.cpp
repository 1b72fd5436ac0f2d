#include "layers/heatmap_layer.hpp"

#include <imgui.h>

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

// Points as the GPU holds them: origin-relative float32 x, y, weight (vec4, w unused).
std::vector<float> packPoints(std::span<const HeatPoint> pts, Vec2d origin) {
    std::vector<float> data(pts.size() * 4);
    for (size_t i = 0; i < pts.size(); ++i) {
        data[4 * i + 0] = static_cast<float>(pts[i].pos.x - origin.x);
        data[4 * i + 1] = static_cast<float>(pts[i].pos.y - origin.y);
        data[4 * i + 2] = static_cast<float>(pts[i].weight);
        data[4 * i + 3] = 0.0f;
    }
    return data;
}

using SteadyClock = std::chrono::steady_clock;
double msSince(SteadyClock::time_point t0) {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
}

// Fixed-point scale (32-bit bins): 2^16 units for the largest weight (rounding at most
// 2^-17 of it per deposit), lowered when needed so that no bin can reach 2^31 units even
// after the uploaded total grows 4x by streaming: a bin's true sum is at most the total
// weight plus 2 units of rounding per point. Beyond that appendPoints asks for a re-upload.
constexpr double kUnitsForMaxWeight = 65536.0;
constexpr double kMaxUnits = 2147483648.0;
constexpr double kStreamHeadroom = 4.0;
int roundUp4(int v) { return (v + 3) / 4 * 4; }
constexpr GLuint kMaxGroups = 65535;

GLuint groupsFor(size_t n, size_t local) {
    return static_cast<GLuint>(std::clamp<size_t>((n + local - 1) / local, 1, kMaxGroups));
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

GridSpec gridForCamera(const Camera& cam) {
    GridSpec g;
    g.topLeft = cam.screenToWorld({0.0, 0.0});
    g.pixelSize = cam.resolution;
    g.rotation = cam.rotation;
    g.width = cam.width;
    g.height = cam.height;
    return g;
}

// ---------------------------------------------------------------- HeatmapGpu

void HeatmapGpu::setPoints(std::span<const HeatPoint> pts, Vec2d origin) {
    origin_ = origin;
    maxWeight_ = 0.0;
    totalWeight_ = 0.0;
    for (const HeatPoint& p : pts) {
        maxWeight_ = std::max(maxWeight_, p.weight);
        totalWeight_ += p.weight;
    }
    fixedScale_ = maxWeight_ > 0.0
                      ? std::min(kUnitsForMaxWeight / maxWeight_,
                                 kMaxUnits / (kStreamHeadroom * (totalWeight_ + 2.0 * static_cast<double>(pts.size()))))
                      : 1.0;
    const std::vector<float> data = packPoints(pts, origin);
    if (!points_) points_ = gl::Buffer::create();
    // Headroom so that streamed points rarely force a reallocation.
    capacity_ = std::max<size_t>(pts.size() + pts.size() / 2, 1024);
    points_.reserve(capacity_ * 4 * sizeof(float));
    if (!data.empty()) points_.update(0, data.data(), data.size() * sizeof(float));
    count_ = pts.size();
    ST_GL_CHECK("HeatmapGpu::setPoints");
}

bool HeatmapGpu::appendPoints(std::span<const HeatPoint> pts) {
    if (pts.empty()) return true;
    double w = 0.0, total = totalWeight_;
    for (const HeatPoint& p : pts) {
        w = std::max(w, p.weight);
        total += p.weight;
    }
    // Every bin sum must stay below 2^31 units: bound it by the total weight of all points
    // plus the rounding (at most 2 units per point over its 4 deposits). With no scale yet
    // (no positive weight so far) the caller re-uploads everything.
    const double n = static_cast<double>(count_ + pts.size());
    if (!points_ || maxWeight_ <= 0.0 || total * fixedScale_ + 2.0 * n >= kMaxUnits) return false;
    maxWeight_ = std::max(maxWeight_, w);
    totalWeight_ = total;
    if (count_ + pts.size() > capacity_) {
        gl::Buffer bigger = gl::Buffer::create();
        const size_t cap = std::max<size_t>((count_ + pts.size()) * 2, 1024);
        bigger.reserve(cap * 4 * sizeof(float));
        if (count_)
            glCopyNamedBufferSubData(points_.id(), bigger.id(), 0, 0,
                                     static_cast<GLsizeiptr>(count_ * 4 * sizeof(float)));
        points_ = std::move(bigger);
        capacity_ = cap;
    }
    const std::vector<float> data = packPoints(pts, origin_);
    points_.update(count_ * 4 * sizeof(float), data.data(), data.size() * sizeof(float));
    count_ += pts.size();
    ST_GL_CHECK("HeatmapGpu::appendPoints");
    return true;
}

void HeatmapGpu::aggregate(const GridSpec& output, const KernelSpec& k, const BinnedLayout& L, size_t first,
                           size_t count) {
    validate(k);
    output_ = output;
    kernel_ = k;
    layout_ = L;
    // Bin rows padded to whole uvec4 chunks (and room for the last chunk the convolution reads).
    stride_ = roundUp4(L.binWidth() + 4);
    const size_t nBins = static_cast<size_t>(stride_) * static_cast<size_t>(L.binHeight());
    if (!bins_) bins_ = gl::Buffer::create();
    if (!table_) table_ = gl::Buffer::create();
    bins_.reserve(nBins * sizeof(GLuint));
    const GLuint zero = 0;
    glClearNamedBufferSubData(bins_.id(), GL_R32UI, 0, static_cast<GLsizeiptr>(nBins * sizeof(GLuint)), GL_RED_INTEGER,
                              GL_UNSIGNED_INT, &zero);
    // The table as 4 copies shifted by one cell, in zero-padded vec4 chunks (see heatmap_conv.comp).
    const std::vector<float> table = convolutionTable(L, k);
    const int R = L.radiusCells, n = 2 * R + 1, Rp = roundUp4(R), nC = Rp / 2 + 1;
    std::vector<float> shifted(static_cast<size_t>(4 * n * nC * 4), 0.0f);
    for (int o = 0; o < 4; ++o)
        for (int dy = 0; dy < n; ++dy)
            for (int c = 0; c < nC; ++c)
                for (int e = 0; e < 4; ++e) {
                    const int dx = 4 * c + e - Rp - o;
                    if (dx < -R || dx > R) continue;
                    shifted[((static_cast<size_t>(o) * n + dy) * nC + c) * 4 + e] =
                        table[static_cast<size_t>(dy) * n + (dx + R)];
                }
    table_.upload(std::span<const float>(shifted));
    if (!coarse_ || coarse_.width() != L.coarse.width || coarse_.height() != L.coarse.height) {
        coarse_ = gl::Texture::create2D(GL_R32F, L.coarse.width, L.coarse.height);
        coarse_.setFilter(GL_NEAREST, GL_NEAREST);
    }
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    binRange(first, count, +1);
    convolve();
}

void HeatmapGpu::binRange(size_t first, size_t count, int sign) {
    if (count == 0 || count_ == 0) return;
    count = std::min(count, count_ - std::min(first, count_));
    if (count == 0) return;
    Program& p = shaders_->compute("heatmap_bin.comp");
    const GridSpec bg = layout_.bins();
    const double c = std::cos(bg.rotation), s = std::sin(bg.rotation);
    const GLuint id = p.id();
    glProgramUniform1ui(id, p.uniform("uFirst"), static_cast<GLuint>(first));
    glProgramUniform1ui(id, p.uniform("uCount"), static_cast<GLuint>(count));
    glProgramUniform2f(id, p.uniform("uTopLeft"), static_cast<float>(bg.topLeft.x - origin_.x),
                       static_cast<float>(bg.topLeft.y - origin_.y));
    glProgramUniform2f(id, p.uniform("uRight"), static_cast<float>(c / bg.pixelSize),
                       static_cast<float>(-s / bg.pixelSize));
    glProgramUniform2f(id, p.uniform("uDown"), static_cast<float>(-s / bg.pixelSize),
                       static_cast<float>(-c / bg.pixelSize));
    glProgramUniform2i(id, p.uniform("uSize"), bg.width, bg.height);
    glProgramUniform1i(id, p.uniform("uStride"), stride_);
    glProgramUniform1f(id, p.uniform("uScale"), static_cast<float>(fixedScale_));
    glProgramUniform1i(id, p.uniform("uSign"), sign < 0 ? -1 : 1);
    p.use();
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, points_.id());
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, bins_.id());
    glDispatchCompute(groupsFor(count, 256), 1, 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    ST_GL_CHECK("HeatmapGpu::binRange");
}

void HeatmapGpu::convolve() {
    const BinnedLayout& L = layout_;
    Program& c = shaders_->compute("heatmap_conv.comp");
    const GLuint id = c.id();
    glProgramUniform2i(id, c.uniform("uCoarseSize"), L.coarse.width, L.coarse.height);
    glProgramUniform1i(id, c.uniform("uStride4"), stride_ / 4);
    glProgramUniform1i(id, c.uniform("uMargin"), L.margin);
    glProgramUniform1i(id, c.uniform("uRadius"), L.radiusCells);
    glProgramUniform1i(id, c.uniform("uRadiusPad"), roundUp4(L.radiusCells));
    glProgramUniform1f(id, c.uniform("uInvScale"), static_cast<float>(1.0 / fixedScale_));
    c.use();
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, bins_.id());
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, table_.id());
    glBindImageTexture(0, coarse_.id(), 0, GL_FALSE, 0, GL_WRITE_ONLY, GL_R32F);
    const int groupsX = (L.coarse.width + 31) / 32;  // 8 invocations x 4 cells
    glDispatchCompute(static_cast<GLuint>(groupsX), static_cast<GLuint>((L.coarse.height + 7) / 8), 1);
    glMemoryBarrier(GL_TEXTURE_FETCH_BARRIER_BIT | GL_TEXTURE_UPDATE_BARRIER_BIT | GL_SHADER_IMAGE_ACCESS_BARRIER_BIT);
    ST_GL_CHECK("HeatmapGpu::convolve");
}

DensityGrid HeatmapGpu::readCoarse() const {
    DensityGrid g;
    g.spec = layout_.coarse;
    g.values.assign(g.spec.pixelCount(), 0.0f);
    if (!coarse_) return g;
    glGetTextureImage(coarse_.id(), 0, GL_RED, GL_FLOAT, static_cast<GLsizei>(g.values.size() * sizeof(float)),
                      g.values.data());
    ST_GL_CHECK("HeatmapGpu::readCoarse");
    return g;
}

DensityGrid HeatmapGpu::exact(std::span<const HeatPoint> pts, const GridSpec& grid, const KernelSpec& k) {
    validate(k);
    const double rp = k.radius / grid.pixelSize;
    if (rp > kMaxRadiusPixels)
        throw std::invalid_argument("heatmap: radius is " + std::to_string(rp) + " pixels, over the limit of " +
                                    std::to_string(kMaxRadiusPixels) + "; use a larger pixel size");
    DensityGrid out;
    out.spec = grid;
    out.values.assign(grid.pixelCount(), 0.0f);
    if (grid.pixelCount() == 0) return out;
    // Counting sort of the points into cells at least one radius wide, in grid pixels.
    // Whole-pixel cell sizes and origin keep the shader's distances exact (see the shader).
    const int cs = static_cast<int>(std::ceil(std::max(rp, 4.0)));
    const int co = static_cast<int>(std::ceil(rp));
    const int cellsX = (grid.width + 2 * co) / cs + 2;
    const int cellsY = (grid.height + 2 * co) / cs + 2;
    const size_t nCells = static_cast<size_t>(cellsX) * static_cast<size_t>(cellsY);
    std::vector<GLuint> start(nCells + 1, 0);
    std::vector<uint32_t> cellOf(pts.size(), UINT32_MAX);
    std::vector<Vec2d> g(pts.size());
    for (size_t i = 0; i < pts.size(); ++i) {
        g[i] = grid.toGrid(pts[i].pos);
        if (!(g[i].x >= -rp && g[i].x <= grid.width + rp && g[i].y >= -rp && g[i].y <= grid.height + rp)) continue;
        const int cx = std::clamp(static_cast<int>(std::floor((g[i].x + co) / cs)), 0, cellsX - 1);
        const int cy = std::clamp(static_cast<int>(std::floor((g[i].y + co) / cs)), 0, cellsY - 1);
        cellOf[i] = static_cast<uint32_t>(cy * cellsX + cx);
        ++start[cellOf[i] + 1];
    }
    for (size_t c = 0; c < nCells; ++c) start[c + 1] += start[c];
    std::vector<GLuint> fill(start.begin(), start.end() - 1);
    std::vector<float> sorted(static_cast<size_t>(start[nCells]) * 4 + 4, 0.0f);
    for (size_t i = 0; i < pts.size(); ++i) {
        if (cellOf[i] == UINT32_MAX) continue;
        const size_t j = fill[cellOf[i]]++;
        const int cx = static_cast<int>(cellOf[i] % static_cast<uint32_t>(cellsX));
        const int cy = static_cast<int>(cellOf[i] / static_cast<uint32_t>(cellsX));
        sorted[4 * j + 0] = static_cast<float>(g[i].x - (cx * cs - co));
        sorted[4 * j + 1] = static_cast<float>(g[i].y - (cy * cs - co));
        sorted[4 * j + 2] = static_cast<float>(pts[i].weight);
    }
    gl::Buffer pb = gl::Buffer::create(), cb = gl::Buffer::create(), ob = gl::Buffer::create();
    pb.upload(std::span<const float>(sorted));
    cb.upload(std::span<const GLuint>(start));
    ob.reserve(out.values.size() * sizeof(float));
    Program& p = shaders_->compute("heatmap_exact.comp");
    const GLuint id = p.id();
    glProgramUniform2i(id, p.uniform("uSize"), grid.width, grid.height);
    glProgramUniform2i(id, p.uniform("uCells"), cellsX, cellsY);
    glProgramUniform1i(id, p.uniform("uCellSize"), cs);
    glProgramUniform1i(id, p.uniform("uCellOrigin"), co);
    glProgramUniform1f(id, p.uniform("uRadius"), static_cast<float>(rp));
    glProgramUniform1i(id, p.uniform("uShape"), static_cast<int>(k.shape));
    glProgramUniform1f(id, p.uniform("uDecay"), static_cast<float>(k.decay));
    glProgramUniform1f(id, p.uniform("uScale"), static_cast<float>(kernelScale(k)));
    glProgramUniform1f(id, p.uniform("uGaussK"), static_cast<float>(kGaussianSigmasPerRadius));
    p.use();
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, pb.id());
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, cb.id());
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, ob.id());
    glDispatchCompute(static_cast<GLuint>((grid.width + 15) / 16), static_cast<GLuint>((grid.height + 15) / 16), 1);
    glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
    glGetNamedBufferSubData(ob.id(), 0, static_cast<GLsizeiptr>(out.values.size() * sizeof(float)), out.values.data());
    ST_GL_CHECK("HeatmapGpu::exact");
    return out;
}

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

void HeatmapLayer::upload() {
    if (!gpu_) return;  // created on the first draw (needs the shader library)
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
}

void HeatmapLayer::aggregate(const RenderContext& rc) {
    const Camera& cam = *rc.camera;
    AggKey key;
    key.grid = gridForCamera(cam);
    key.grid.width = rc.viewportWidth > 0 ? rc.viewportWidth : cam.width;
    key.grid.height = rc.viewportHeight > 0 ? rc.viewportHeight : cam.height;
    key.kernel = kernelFor(cam.resolution, rc.pixelRatio);
    key.minCells = settings_.minRadiusCells;
    key.maxRed = settings_.maxReduction;
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
        // The percentile over the coarse cells that cover the screen (not the border).
        const DensityGrid c = gpu_->readCoarse();
        const BinnedLayout& L = gpu_->layout();
        std::vector<float> onScreen;
        onScreen.reserve(c.values.size());
        for (int j = kCoarseBorder; j < L.coarse.height - kCoarseBorder; ++j)
            for (int i = kCoarseBorder; i < L.coarse.width - kCoarseBorder; ++i) onScreen.push_back(c.at(i, j));
        displayMax_ = positivePercentile(onScreen, settings_.percentile);
    }
    // No glFinish here: it would stall a real GPU on every re-aggregation (panning). With
    // automatic normalisation the percentile readback above has already waited for the
    // work, so the timing is the GPU's; with a fixed maximum it is the submission only.
    timing_.aggregateMs = msSince(t0);
    timing_.factor = gpu_->layout().factor;
    timing_.radiusCells = gpu_->layout().radiusCells;
    ++timing_.aggregations;
}

void HeatmapLayer::draw(const RenderContext& rc) {
    if (!visible || !rc.camera || !rc.shaders) return;
    const auto t0 = SteadyClock::now();
    ensureGpu(*rc.shaders);
    upload();
    aggregate(rc);
    if (displayMax_ <= 0.0 || range_.first == range_.second) {  // nothing to show: fully transparent
        drawMs_ = msSince(t0);
        return;
    }
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
    const ColorKey key{timing_.aggregations, displayMax_,      settings_.ramp,
                       settings_.fadeBelow,  rc.viewportWidth, rc.viewportHeight};
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glBindVertexArray(vao_.id());
    if (!(key == colorKey_)) {
        if (!colorCache_ || colorCache_.width() != rc.viewportWidth || colorCache_.height() != rc.viewportHeight) {
            colorCache_ = gl::Texture::create2D(GL_RGBA8, rc.viewportWidth, rc.viewportHeight);
            colorCache_.setFilter(GL_NEAREST, GL_NEAREST);
            colorFbo_ = gl::Handle<gl::FramebufferTraits>::create();
            glNamedFramebufferTexture(colorFbo_.id(), GL_COLOR_ATTACHMENT0, colorCache_.id(), 0);
        }
        GLint previous = 0;
        glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &previous);
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, colorFbo_.id());
        const GLfloat clear[4] = {0, 0, 0, 0};
        glClearNamedFramebufferfv(colorFbo_.id(), GL_COLOR, 0, clear);
        Program& p = rc.shaders->graphics("heatmap_quad.vert", "heatmap_color.frag");
        const BinnedLayout& L = gpu_->layout();
        p.set("uViewportHeight", aggKey_.grid.height);
        p.set("uFactor", L.factor);
        p.set("uBorder", kCoarseBorder);
        p.set("uInvMax", static_cast<float>(1.0 / displayMax_));
        p.set("uOpacity", 1.0f);  // applied when the cache is drawn
        p.set("uFadeBelow", settings_.fadeBelow);
        p.use();
        glBindTextureUnit(0, gpu_->coarse().id());
        glBindTextureUnit(1, ramp_.id());
        glDisable(GL_BLEND);
        glDrawArrays(GL_TRIANGLES, 0, 3);
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<GLuint>(previous));
        colorKey_ = key;
    }
    Program& blit = rc.shaders->graphics("heatmap_quad.vert", "heatmap_blit.frag");
    blit.set("uOpacity", std::clamp(opacity, 0.0f, 1.0f));
    blit.use();
    glBindTextureUnit(0, colorCache_.id());
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glBindVertexArray(0);
    ST_GL_CHECK("HeatmapLayer::draw");
    drawMs_ = msSince(t0);
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

void HeatmapLayer::drawUi(Language lang) {
    auto L = [lang](const char* zh, const char* en) { return lang == Language::English ? en : zh; };
    ImGui::PushID(id_.c_str());
    // Visibility and opacity are on the layer's own row of the panel; this is the rest.
    if (!ImGui::TreeNode(L("热力图设置", "Heatmap settings"))) {
        ImGui::PopID();
        return;
    }
    HeatmapSettings s = settings_;
    static const char* kKernelZh[] = {"四次核", "三角核", "均匀核", "三权核", "Epanechnikov 核", "高斯核"};
    int kernel = static_cast<int>(s.kernel);
    if (ImGui::BeginCombo(L("核函数", "Kernel"), lang == Language::English ? toString(s.kernel) : kKernelZh[kernel])) {
        for (int i = 0; i < static_cast<int>(kAllKernelShapes.size()); ++i)
            if (ImGui::Selectable(
                    lang == Language::English ? toString(kAllKernelShapes[static_cast<size_t>(i)]) : kKernelZh[i],
                    i == kernel))
                s.kernel = kAllKernelShapes[static_cast<size_t>(i)];
        ImGui::EndCombo();
    }
    float radius = static_cast<float>(s.radius);
    const bool metres = s.radiusUnit == RadiusUnit::Metres;
    if (ImGui::SliderFloat(L("半径", "Radius"), &radius, metres ? 10.0f : 2.0f, metres ? 3000.0f : 200.0f,
                           metres ? "%.0f m" : "%.0f px", ImGuiSliderFlags_Logarithmic))
        s.radius = std::max(1.0f, radius);
    int unit = metres ? 0 : 1;
    ImGui::RadioButton(L("米（随缩放稳定）", "metres (stable across zoom)"), &unit, 0);
    ImGui::SameLine();
    ImGui::RadioButton(L("像素", "pixels"), &unit, 1);
    s.radiusUnit = unit == 0 ? RadiusUnit::Metres : RadiusUnit::Pixels;
    int out = s.output == KdeOutput::Raw ? 0 : 1;
    ImGui::RadioButton(L("原始值", "raw"), &out, 0);
    ImGui::SameLine();
    ImGui::RadioButton(L("密度（归一化）", "scaled (density)"), &out, 1);
    s.output = out == 0 ? KdeOutput::Raw : KdeOutput::Scaled;
    if (s.kernel == KernelShape::Triangular) {
        float decay = static_cast<float>(s.decay);
        if (ImGui::SliderFloat(L("衰减比", "Decay ratio"), &decay, 0.0f, 1.0f)) s.decay = decay;
    }
    static const char* kRampZh[] = {"viridis", "inferno", "magma", "黄橙红 YlOrRd"};
    int ramp = static_cast<int>(s.ramp);
    if (ImGui::BeginCombo(L("色带", "Colour ramp"), lang == Language::English ? toString(s.ramp) : kRampZh[ramp])) {
        for (int i = 0; i < 4; ++i)
            if (ImGui::Selectable(lang == Language::English ? toString(kAllColorRamps[i]) : kRampZh[i], i == ramp))
                s.ramp = kAllColorRamps[i];
        ImGui::EndCombo();
    }
    int norm = s.normalisation == Normalisation::Auto ? 0 : 1;
    ImGui::RadioButton(L("自动（百分位）", "auto (percentile)"), &norm, 0);
    ImGui::SameLine();
    ImGui::RadioButton(L("固定最大值", "fixed maximum"), &norm, 1);
    s.normalisation = norm == 0 ? Normalisation::Auto : Normalisation::Fixed;
    if (s.normalisation == Normalisation::Auto) {
        float pct = static_cast<float>(s.percentile * 100.0);
        if (ImGui::SliderFloat(L("百分位", "Percentile"), &pct, 50.0f, 100.0f, "%.1f"))
            s.percentile = std::clamp(pct / 100.0, 0.5, 1.0);
    } else {
        double mx = s.fixedMax;
        if (ImGui::InputDouble(L("最大值", "Maximum"), &mx, 0.0, 0.0, "%.4g") && mx > 0.0) s.fixedMax = mx;
    }
    int minutes = static_cast<int>(s.windowMs / 60000);
    if (ImGui::SliderInt(L("时间窗（分钟，0=全部）", "Time window (min, 0 = all)"), &minutes, 0, 24 * 60))
        s.windowMs = static_cast<TimeMs>(minutes) * 60000;
    ImGui::Text("%s: %zu / %zu   %s: %.1f ms%s", L("点数", "points"), range_.second - range_.first, points_.size(),
                L("聚合", "aggregate"), timing_.aggregateMs,
                timing_.incremental ? L("（增量）", " (incremental)") : "");
    if (input_.dropped()) ImGui::TextWrapped("%s", input_.summary().c_str());
    try {
        setSettings(s);
    } catch (const std::exception& e) {
        ImGui::TextColored(ImVec4(1, 0.3f, 0.3f, 1), "%s", e.what());
    }
    ImGui::TreePop();
    ImGui::PopID();
}

}  // namespace sandtable
