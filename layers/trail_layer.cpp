#include "layers/trail_layer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>

#include "engine/geo/projection.hpp"
#include "engine/gl/shader.hpp"
#include "engine/util/i18n.hpp"
#include "layers/officer_layer.hpp"

namespace sandtable {

namespace {
constexpr TimeMs kDayMs = 24LL * 3600 * 1000, kShanghaiMs = 8LL * 3600 * 1000;
const Color kSpeedColors[3] = {Color::fromHex(0x4fc3f7), Color::fromHex(0x9ccc65), Color::fromHex(0xffa726)};
const Color kSelected = Color::fromHex(0xffee58);

// Metres between two WGS84 points (equirectangular: fixes seconds apart are close).
double metres(double lon0, double lat0, double lon1, double lat1) {
    const double k = std::cos(degToRad((lat0 + lat1) * 0.5));
    const double dx = (lon1 - lon0) * 111320.0 * k, dy = (lat1 - lat0) * 110540.0;
    return std::hypot(dx, dy);
}
}  // namespace

TrailLayerOptions parseTrailLayerOptions(const JsonReader& r) {
    TrailLayerOptions o;
    const std::string by = r.string("colorBy", "squad");
    if (by == "squad")
        o.colorBy = TrailLayerOptions::ColorBy::Squad;
    else if (by == "status")
        o.colorBy = TrailLayerOptions::ColorBy::Status;
    else if (by == "speed")
        o.colorBy = TrailLayerOptions::ColorBy::Speed;
    else
        r.fail("colorBy", "expected squad, status or speed");
    o.trailSeconds = r.number("trail", o.trailSeconds, 10.0, 24.0 * 3600);
    o.widthPx = static_cast<float>(r.number("width", o.widthPx, 0.5, 20.0));
    o.selectedWidthPx = static_cast<float>(r.number("selectedWidth", o.selectedWidthPx, 0.5, 30.0));
    o.maxGapSeconds = r.number("maxGap", o.maxGapSeconds, 1.0, 24.0 * 3600);
    o.maxSpeedMps = r.number("maxSpeed", o.maxSpeedMps, 1.0, 1000.0);
    o.simplifyM = r.number("simplify", o.simplifyM, 0.0, 1000.0);
    o.simplifyPx = r.number("simplifyPx", o.simplifyPx, 0.0, 100.0);
    return o;
}

LayerPtr makeTrailLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx) {
    const JsonReader r(spec.config, scene.file, spec.keyPath);
    return std::make_unique<TrailLayer>(spec.id, I18nText{spec.titleZh, spec.titleEn}, ctx, parseTrailLayerOptions(r));
}

TrailLayer::TrailLayer(std::string id, I18nText title, const MapContext& ctx, TrailLayerOptions opts)
    : Layer(std::move(id), std::move(title)),
      ctx_(ctx),
      opts_(opts),
      toDisplay_(std::make_unique<Transformer>("wgs84", ctx.displayCrs)),
      focus_(std::make_shared<OfficerFocus>()) {
    for (size_t i = 0; i < kOfficerStatusCount; ++i) {
        const Color c = officerStatusColor(static_cast<OfficerStatus>(i));
        statusPalette_.insert(statusPalette_.end(), {c.r, c.g, c.b, 1.0f});
    }
    for (size_t i = 0; i < 32; ++i) {
        const Color c = ctx.squads.colorOf(i);
        squadPalette_.insert(squadPalette_.end(), {c.r, c.g, c.b, 1.0f});
    }
    for (const Color& c : kSpeedColors) speedPalette_.insert(speedPalette_.end(), {c.r, c.g, c.b, 1.0f});
}

TrailLayer::~TrailLayer() = default;

void TrailLayer::update(const FrameState& frame) {
    now_ = frame.time;
    sinceBuild_ += frame.dtSeconds;
    if (!feed_) return;
    const auto snap = feed_->snapshot();
    if (!snap->tracks) return;
    if (!epochSet_) {
        epoch_ = frame.time;  // float seconds from here stay exact to milliseconds for hours
        epochSet_ = true;
    }
    // A build in flight lands when done; a still waits for it, then for one of its own
    // state if that is needed, so that it shows exactly its moment.
    for (int pass = 0; pass < 2; ++pass) {
        if (job_.valid() && (frame.complete || job_.wait_for(std::chrono::seconds(0)) == std::future_status::ready))
            adopt(job_.get());
        if (job_.valid()) return;  // still building: the previous trails are drawn meanwhile
        const bool selectionChanged = focus_->selected != builtSelection_;
        const bool outside =
            frame.time > built_.to || frame.time - static_cast<TimeMs>(opts_.trailSeconds * 1000) < built_.from;
        // New fixes are taken at most once a second (a still takes them at once).
        const bool newData = snap->tracks != builtFrom_ && (sinceBuild_ >= 1.0 || frame.complete);
        const double tolerance = toleranceAt(frame.camera ? frame.camera->resolution : 0.0);
        if (!(selectionChanged || outside || newData || !builtFrom_ || tolerance != built_.toleranceM)) return;
        // The walk, simplification and projection of every track in the window (40-100 ms
        // a second at 2,000 officers) run beside the render thread.
        builtFrom_ = snap->tracks;
        builtSelection_ = focus_->selected;
        sinceBuild_ = 0;
        job_ = std::async(std::launch::async,
                          [this, tracks = snap->tracks, selected = focus_->selected, opts = opts_, at = frame.time,
                           tolerance] { return build(*tracks, selected, opts, at, tolerance); });
        if (!frame.complete) return;
    }
}

void TrailLayer::adopt(Built b) {
    segments_ = std::move(b.segments);
    ranges_ = std::move(b.ranges);
    built_ = b.stats;
    dirty_ = true;
    ++builds_;
}

double TrailLayer::toleranceAt(double resolution) const {
    if (!(resolution > 0) || opts_.simplifyPx <= 0) return opts_.simplifyM;
    const double step = std::exp2(std::ceil(std::log2(resolution)));
    return std::max(opts_.simplifyM, opts_.simplifyPx * step);
}

TrailLayer::Built TrailLayer::build(const TrackView& tv, const std::string& selectedId, const TrailLayerOptions& opts,
                                    TimeMs at, double toleranceM) const {
    Built out;
    std::vector<TrailSegment>& segs = out.segments;
    std::vector<Range>& runs = out.ranges;
    const auto trailMs = static_cast<TimeMs>(opts.trailSeconds * 1000);
    // A margin each side so a replay playing on (or back) stays inside for a while.
    const TimeMs margin = std::max<TimeMs>(60000, trailMs / 4);
    BuildStats b;
    b.toleranceM = toleranceM;
    b.from = at - trailMs - margin;
    b.to = at + margin;
    const auto maxGapMs = static_cast<TimeMs>(opts.maxGapSeconds * 1000);
    auto addTrack = [&](uint32_t slot, TimeMs t0, TimeMs t1, uint8_t flags) {
        const size_t firstSegment = segs.size();
        bool have = false, havePrev = false;
        PositionFix last, prev;  // the last kept fix (segments start there), the fix before this one
        Vec2d lastXY;
        tv.forEach(slot, t0, t1, [&](const PositionFix& f) {
            ++b.fixes;
            // Silences and GPS jumps are judged between neighbouring fixes (a slow walk
            // simplified at a coarse zoom is not a silence), simplification from the last kept.
            if (havePrev) {
                const double pdt = static_cast<double>(f.t - prev.t) / 1000.0;
                if (f.t - prev.t > maxGapMs) {
                    ++b.gapBreaks;
                    have = false;
                } else if (pdt > 0 && metres(prev.lon, prev.lat, f.lon, f.lat) / pdt > opts.maxSpeedMps) {
                    ++b.jumpBreaks;
                    have = false;
                }
            }
            prev = f;
            havePrev = true;
            double dt = 0, d = 0;  // seconds and metres from the last kept fix
            if (have) {
                dt = static_cast<double>(f.t - last.t) / 1000.0;
                d = metres(last.lon, last.lat, f.lon, f.lat);
                if (d < toleranceM) {
                    ++b.simplified;
                    return;  // the kept point stands for it
                }
            }
            Vec2d p{f.lon, f.lat};
            if (!toDisplay_->forward(p)) {
                have = false;
                return;
            }
            p = p - ctx_.origin;
            if (have) {
                const int squad = tv.squadAt(slot, f.t);
                const double v = std::isfinite(f.speed) ? f.speed : (dt > 0 ? d / dt : 0);
                const uint8_t speedClass = v < opts.walkMps ? 0 : (v < opts.rideMps ? 1 : 2);
                segs.push_back(TrailSegment{
                    static_cast<float>(lastXY.x), static_cast<float>(lastXY.y), static_cast<float>(p.x),
                    static_cast<float>(p.y), static_cast<float>(static_cast<double>(last.t - epoch_) / 1000.0),
                    static_cast<float>(static_cast<double>(f.t - epoch_) / 1000.0),
                    static_cast<uint8_t>(std::max(squad, 0)), static_cast<uint8_t>(last.status), flags, speedClass});
                if (flags) ++b.selectedSegments;
            }
            last = f;
            lastXY = p;
            have = true;
        });
        if (segs.size() > firstSegment) {
            Range r;
            r.first = static_cast<uint32_t>(firstSegment);
            r.count = static_cast<uint32_t>(segs.size() - firstSegment);
            r.minX = r.maxX = segs[firstSegment].x0;
            r.minY = r.maxY = segs[firstSegment].y0;
            for (size_t k = firstSegment; k < segs.size(); ++k) {
                const TrailSegment& g = segs[k];
                r.minX = std::min({r.minX, g.x0, g.x1});
                r.maxX = std::max({r.maxX, g.x0, g.x1});
                r.minY = std::min({r.minY, g.y0, g.y1});
                r.maxY = std::max({r.maxY, g.y0, g.y1});
            }
            runs.push_back(r);
        }
    };
    std::optional<uint32_t> selected;
    if (!selectedId.empty()) selected = tv.slotOf(selectedId);
    for (uint32_t slot = 0; slot < tv.slots(); ++slot)
        if (slot != selected) addTrack(slot, b.from, b.to, 0);
    if (selected) {
        // The selected officer's day (Shanghai midnight to the window's end), drawn last: on top.
        const TimeMs day = ((at + kShanghaiMs) / kDayMs) * kDayMs - kShanghaiMs;
        addTrack(*selected, std::min(day, b.from), b.to, 1);
    }
    b.segments = segs.size();
    b.ranges = runs.size();
    out.stats = b;
    return out;
}

void TrailLayer::upload(UploadContext& u) {
    if (dirty_) {
        if (!buffer_) {
            buffer_ = gl::Buffer::create();
            vao_ = gl::VertexArray::create();
        }
        buffer_.upload(segments_.data(), segments_.size() * sizeof(TrailSegment));
        glVertexArrayVertexBuffer(vao_.id(), 0, buffer_.id(), 0, sizeof(TrailSegment));
        glVertexArrayBindingDivisor(vao_.id(), 0, 1);  // one segment per instance
        gl::vertexAttrib(vao_, 0, 4, GL_FLOAT, offsetof(TrailSegment, x0));
        gl::vertexAttrib(vao_, 1, 2, GL_FLOAT, offsetof(TrailSegment, t0));
        gl::vertexAttribInt(vao_, 2, 4, GL_UNSIGNED_BYTE, offsetof(TrailSegment, squad));
        gpuCount_ = segments_.size();
        gpuRanges_ = ranges_;
        dirty_ = false;
        ++uploads_;
        ST_GL_CHECK("TrailLayer::upload");
    }
    cacheShown_ = gpuCount_ > 0 && u.frame.camera;
    if (!cacheShown_) {
        drawnSegments_ = 0;
        return;
    }
    const Camera& cam = *u.frame.camera;
    const CacheKey key{cam.center,
                       cam.resolution,
                       cam.rotation,
                       cam.width,
                       cam.height,
                       u.frame.pixelRatio,
                       opacity,
                       opts_.widthPx,
                       opts_.selectedWidthPx,
                       opts_.trailSeconds,
                       opts_.colorBy,
                       focus_->squadMask,
                       focus_->statusMask,
                       uploads_};
    const TimeMs moved = u.frame.time > cacheTime_ ? u.frame.time - cacheTime_ : cacheTime_ - u.frame.time;
    if (cache_ && key == cacheKey_ && moved < kCacheRefreshMs && !u.frame.complete) return;
    if (!cache_ || cache_.width() != cam.width || cache_.height() != cam.height) {
        cache_ = gl::Texture::create2D(GL_RGBA8, cam.width, cam.height);
        cache_.setFilter(GL_NEAREST, GL_NEAREST);
        cacheFbo_ = gl::Handle<gl::FramebufferTraits>::create();
        glNamedFramebufferTexture(cacheFbo_.id(), GL_COLOR_ATTACHMENT0, cache_.id(), 0);
    }
    // Map::prepare puts the host's framebuffer and viewport back after the upload phase.
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, cacheFbo_.id());
    glViewport(0, 0, cam.width, cam.height);
    glDisable(GL_SCISSOR_TEST);
    const GLfloat clear[4] = {0, 0, 0, 0};
    glClearNamedFramebufferfv(cacheFbo_.id(), GL_COLOR, 0, clear);
    drawSegments(u.shaders, cam, cam.viewProjection(), cam.width, cam.height, u.frame.pixelRatio, u.frame.time);
    cacheKey_ = key;
    cacheTime_ = u.frame.time;
    ++cacheRenders_;
    ST_GL_CHECK("TrailLayer::upload (cache)");
}

void TrailLayer::draw(const RenderContext& rc) {
    if (!cacheShown_ || !cache_) return;
    // The cache holds premultiplied colour (the segments' "over" blending into a cleared
    // target), so it goes over the layers below as they would have: one, one minus alpha.
    Program& p = rc.shaders->graphics("heatmap_quad.vert", "canvas_blit.frag");
    p.set("uTargetOrigin", rc.target.x, rc.target.y);
    p.set("uTargetHeight", rc.target.height);
    p.use();
    gl::drawViewportTriangle(vao_, cache_.id(), gl::BlendAlpha::Premultiplied);
    ST_GL_CHECK("TrailLayer::draw");
}

void TrailLayer::drawSegments(ShaderLibrary& shaders, const Camera& cam, const Mat4f& viewProjection, int width,
                              int height, float pixelRatio, TimeMs time) {
    drawnSegments_ = 0;
    Program& p = shaders.graphics("trail.vert", "trail.frag");
    p.use();
    p.set("uViewProjection", viewProjection);
    p.set("uViewport", Vec2f{static_cast<float>(width), static_cast<float>(height)});
    p.set("uPixelRatio", pixelRatio);
    p.set("uOpacity", opacity);
    p.set("uNowSec", static_cast<float>(static_cast<double>(time - epoch_) / 1000.0));
    p.set("uTrailSec", static_cast<float>(opts_.trailSeconds));
    p.set("uWidth", opts_.widthPx);
    p.set("uSelectedWidth", opts_.selectedWidthPx);
    p.set("uColorBy", opts_.colorBy == TrailLayerOptions::ColorBy::Squad
                          ? 1
                          : (opts_.colorBy == TrailLayerOptions::ColorBy::Speed ? 2 : 0));
    glProgramUniform1ui(p.id(), p.uniform("uSquadMask"), focus_->squadMask);
    glProgramUniform1ui(p.id(), p.uniform("uStatusMask"), focus_->statusMask);
    glProgramUniform4fv(p.id(), p.uniform("uStatusColors"), 4, statusPalette_.data());
    glProgramUniform4fv(p.id(), p.uniform("uSquadColors"), 32, squadPalette_.data());
    glProgramUniform4fv(p.id(), p.uniform("uSpeedColors"), 3, speedPalette_.data());
    glDisable(GL_DEPTH_TEST);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glBindVertexArray(vao_.id());
    // The view's box (rotation included), origin-relative, grown by the widest line.
    BBox view = cam.visibleBounds();
    const double pad =
        static_cast<double>(std::max(opts_.widthPx, opts_.selectedWidthPx) * pixelRatio) * cam.resolution;
    const float vx0 = static_cast<float>(view.minX - ctx_.origin.x - pad),
                vx1 = static_cast<float>(view.maxX - ctx_.origin.x + pad),
                vy0 = static_cast<float>(view.minY - ctx_.origin.y - pad),
                vy1 = static_cast<float>(view.maxY - ctx_.origin.y + pad);
    // Runs of visible officers next to each other go in one call.
    uint32_t runFirst = 0, runCount = 0;
    auto flush = [&] {
        if (runCount == 0) return;
        glDrawArraysInstancedBaseInstance(GL_TRIANGLES, 0, 6, static_cast<GLsizei>(runCount), runFirst);
        drawnSegments_ += runCount;
        runCount = 0;
    };
    for (const Range& r : gpuRanges_) {
        if (r.maxX < vx0 || r.minX > vx1 || r.maxY < vy0 || r.minY > vy1) continue;
        if (runCount && runFirst + runCount == r.first) {
            runCount += r.count;
        } else {
            flush();
            runFirst = r.first;
            runCount = r.count;
        }
    }
    flush();
    glBindVertexArray(0);
    ST_GL_CHECK("TrailLayer::drawSegments");
}

bool TrailLayer::legend(LegendBlock& block) const {
    const std::string minutes = std::to_string(static_cast<long long>(std::lround(opts_.trailSeconds / 60.0)));
    const I18nText& fmt = text("trail.legend.title");
    char zh[160], en[160];
    std::snprintf(zh, sizeof zh, fmt.zh.c_str(), minutes.c_str());
    std::snprintf(en, sizeof en, fmt.en.c_str(), minutes.c_str());
    block.title = {zh, en};
    const float w = opts_.widthPx + 1.0f;
    switch (opts_.colorBy) {
    case TrailLayerOptions::ColorBy::Squad:
        block.entries.push_back(
            {LegendEntry::Kind::Line, Color::fromHex(0xb0bec5), {}, text("trail.legend.by_squad"), 0, false, w});
        break;
    case TrailLayerOptions::ColorBy::Status:
        for (size_t i = 0; i < kOfficerStatusCount; ++i) {
            const auto s = static_cast<OfficerStatus>(i);
            block.entries.push_back({LegendEntry::Kind::Line,
                                     officerStatusColor(s),
                                     {},
                                     officerStatusName(s, Language::Chinese),
                                     0,
                                     false,
                                     w});
        }
        break;
    case TrailLayerOptions::ColorBy::Speed:
        block.entries.push_back({LegendEntry::Kind::Line, kSpeedColors[0], {}, text("trail.legend.walk"), 0, false, w});
        block.entries.push_back({LegendEntry::Kind::Line, kSpeedColors[1], {}, text("trail.legend.ride"), 0, false, w});
        block.entries.push_back(
            {LegendEntry::Kind::Line, kSpeedColors[2], {}, text("trail.legend.drive"), 0, false, w});
        break;
    }
    block.entries.push_back({LegendEntry::Kind::Line,
                             kSelected,
                             {},
                             text("trail.legend.selected"),
                             0,
                             false,
                             opts_.selectedWidthPx + 1.0f});
    return true;
}

LayerStats TrailLayer::stats() const {
    LayerStats s = Layer::stats();
    s.features = built_.segments;
    s.vertices = gpuCount_ * 6;
    return s;
}

}  // namespace sandtable
