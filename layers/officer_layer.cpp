#include "layers/officer_layer.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "engine/geo/projection.hpp"
#include "engine/gl/shader.hpp"
#include "engine/render/labels.hpp"
#include "engine/render/painter.hpp"
#include "engine/util/i18n.hpp"
#include "layers/officer_panel.hpp"

namespace sandtable {

namespace {

// Status colours carry meaning: green on patrol, orange-red dispatched, blue on break,
// grey offline. Squad colours match the jurisdiction fills of the Putuo scene.
const Color kStatusColors[kOfficerStatusCount] = {Color::fromHex(0x43a047), Color::fromHex(0xff7043),
                                                  Color::fromHex(0x42a5f5), Color::fromHex(0x9e9e9e)};
const char* const kStatusKeys[kOfficerStatusCount] = {"officer.status.patrol", "officer.status.dispatched",
                                                      "officer.status.break", "officer.status.offline"};
const Color kStale = Color::fromHex(0x8d99a6);

}  // namespace

Color officerStatusColor(OfficerStatus s) { return kStatusColors[static_cast<size_t>(s) % kOfficerStatusCount]; }
Color officerStaleColor() { return kStale; }
const I18nText& officerStatusName(OfficerStatus s, Language) {
    return text(kStatusKeys[static_cast<size_t>(s) % kOfficerStatusCount]);
}

OfficerLayerOptions parseOfficerLayerOptions(const JsonReader& r) {
    OfficerLayerOptions o;
    const std::string by = r.string("colorBy", "status");
    if (by == "status")
        o.colorBy = OfficerLayerOptions::ColorBy::Status;
    else if (by == "squad")
        o.colorBy = OfficerLayerOptions::ColorBy::Squad;
    else
        r.fail("colorBy", "expected status or squad");
    o.minSizePx = static_cast<float>(r.number("minSize", o.minSizePx, 2.0, 128.0));
    o.maxSizePx = static_cast<float>(r.number("maxSize", o.maxSizePx, o.minSizePx, 256.0));
    o.staleAfterMs = static_cast<TimeMs>(r.number("staleSeconds", 120.0, 1.0, 86400.0) * 1000.0);
    o.labelMinZoom = r.number("labelMinZoom", o.labelMinZoom, 0.0, 24.0);
    o.dispatchK = static_cast<size_t>(r.number("dispatchK", 5.0, 1.0, 100.0));
    return o;
}

LayerPtr makeOfficerLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx) {
    const JsonReader r(spec.config, scene.file, spec.keyPath);
    return std::make_unique<OfficerLayer>(spec.id, I18nText{spec.titleZh, spec.titleEn}, ctx,
                                          parseOfficerLayerOptions(r));
}

OfficerLayer::OfficerLayer(std::string id, I18nText title, const MapContext& ctx, OfficerLayerOptions opts)
    : Layer(std::move(id), std::move(title)),
      ctx_(ctx),
      opts_(std::move(opts)),
      toDisplay_(std::make_unique<Transformer>("wgs84", ctx.displayCrs)),
      toWgs84_(std::make_unique<Transformer>(ctx.displayCrs, "wgs84")),
      focus_(std::make_shared<OfficerFocus>()),
      panel_(std::make_unique<OfficerPanel>()) {
    for (const Color& c : kStatusColors) statusPalette_.insert(statusPalette_.end(), {c.r, c.g, c.b, 1.0f});
    for (size_t i = 0; i < 32; ++i) {
        const Color c = ctx.squads.colorOf(i);
        squadPalette_.insert(squadPalette_.end(), {c.r, c.g, c.b, 1.0f});
    }
}

OfficerLayer::~OfficerLayer() = default;

void OfficerLayer::setFeed(std::shared_ptr<FeedPipeline> feed) {
    feed_ = std::move(feed);
    haveSnapshot_ = false;
    snapVersion_ = 0;
}

Vec2d OfficerLayer::displayOf(double lon, double lat) const {
    Vec2d p{lon, lat};
    if (!toDisplay_->forward(p)) return {NAN, NAN};
    return p;
}

OfficerInstance OfficerLayer::toInstance(const OfficerState& o) const {
    OfficerInstance in;
    const Vec2d p = displayOf(o.lon, o.lat);
    in.x = static_cast<float>(p.x - ctx_.origin.x);
    in.y = static_cast<float>(p.y - ctx_.origin.y);
    in.heading = o.heading;
    in.lastSeenSec = static_cast<float>(static_cast<double>(o.lastSeen - epoch_) / 1000.0);
    in.squad = o.squad;
    in.status = static_cast<uint8_t>(o.status);
    in.flags = 0;  // applyFlags() sets selection and dispatch highlights
    return in;
}

void OfficerLayer::markDirty(size_t first, size_t last) {
    dirtyFirst_ = std::min(dirtyFirst_, first);
    dirtyLast_ = std::max(dirtyLast_, last);
}

void OfficerLayer::setInstances(std::span<const OfficerInstance> inst) {
    if (inst.size() != instances_.size()) reallocate_ = true;
    instances_.assign(inst.begin(), inst.end());
    if (!instances_.empty()) markDirty(0, instances_.size() - 1);
}

void OfficerLayer::updateInstances(size_t first, std::span<const OfficerInstance> inst) {
    if (inst.empty()) return;
    if (first + inst.size() > instances_.size()) {
        instances_.resize(first + inst.size());
        reallocate_ = true;
    }
    std::copy(inst.begin(), inst.end(), instances_.begin() + static_cast<ptrdiff_t>(first));
    markDirty(first, first + inst.size() - 1);
}

void OfficerLayer::applyFlags() {
    for (uint32_t slot : flagged_)
        if (slot < instances_.size() && instances_[slot].flags) {
            instances_[slot].flags &= kOfficerAbsent;
            markDirty(slot, slot);
        }
    flagged_.clear();
    auto set = [&](uint32_t slot, uint8_t flag) {
        if (slot >= instances_.size()) return;
        instances_[slot].flags |= flag;
        markDirty(slot, slot);
        flagged_.push_back(slot);
    };
    const OfficerState* o = snap_ && !focus_->selected.empty() ? snap_->find(focus_->selected) : nullptr;
    selectedSlot_ = o ? static_cast<int64_t>(o->slot) : -1;
    if (selectedSlot_ >= 0) set(static_cast<uint32_t>(selectedSlot_), kOfficerSelected);
    for (uint32_t slot : focus_->candidates) set(slot, kOfficerCandidate);
    focusVersion_ = focus_->version;
}

void OfficerLayer::update(const FrameState& frame) {
    now_ = frame.time;
    const Camera& cam = *frame.camera;
    zoom_ = frame.zoom;
    // Screen angle of true north at the view centre (for heading wedges).
    Vec2d c = cam.center;
    if (toWgs84_->forward(c)) {
        const Vec2d n = displayOf(c.x, c.y + 0.01);
        const Vec2d a = cam.worldToScreen(cam.center), b = cam.worldToScreen(n);
        northAngle_ = static_cast<float>(std::atan2(b.x - a.x, -(b.y - a.y)));
    }
    if (!feed_) {
        // Direct path: count the stale ones here (the shader decides per marker, this picks
        // its variant).
        const float nowSec = static_cast<float>(static_cast<double>(now_ - epoch_) / 1000.0);
        const float staleSec = static_cast<float>(static_cast<double>(opts_.staleAfterMs) / 1000.0);
        stale_ = directFlagged_ = 0;
        for (const OfficerInstance& o : instances_) {
            stale_ += nowSec - o.lastSeenSec > staleSec - 1.0f;  // a second early: float rounding
            directFlagged_ += o.flags != 0;
        }
        live_ = instances_.size() - stale_;
        return;
    }
    auto snap = feed_->snapshot();
    if (!epochSet_) {
        // Seconds relative to this epoch keep float32 exact to milliseconds for hours.
        epoch_ = frame.time;
        epochSet_ = true;
    }
    bool refresh = focus_->version != focusVersion_;
    if (!haveSnapshot_ || snap->version != snapVersion_) {
        const auto changed = haveSnapshot_ ? snap->changedSince(snapVersion_) : std::vector<uint32_t>();
        if (snap->officers.size() != instances_.size()) {
            reallocate_ = instances_.size() < snap->officers.size() ? true : reallocate_;
            instances_.resize(snap->officers.size());
        }
        if (!haveSnapshot_) {
            for (size_t i = 0; i < snap->officers.size(); ++i) instances_[i] = toInstance(snap->officers[i]);
            if (!instances_.empty()) markDirty(0, instances_.size() - 1);
        } else {
            for (uint32_t slot : changed) {
                instances_[slot] = toInstance(snap->officers[slot]);
                markDirty(slot, slot);
            }
        }
        snapVersion_ = snap->version;
        haveSnapshot_ = true;
        snap_ = std::move(snap);
        refresh = true;  // new instances lost their flags; a selected officer may have arrived
    }
    if (refresh) applyFlags();
    // As of the frame time: a replay, or the timeline taken back, shows where each officer
    // was then (the last fix at or before it, from the tracks); the latest state otherwise.
    const TrackView* tracks = snap_->tracks.get();
    const TimeMs newest = snap_->counters.lastMessageTime;
    const bool asOf = tracks && (frame.timeMode == FrameState::TimeMode::Replay ? frame.time < newest
                                                                                : frame.time + kAsOfSlackMs < newest);
    if (asOf && (refresh || !asOf_ || frame.time != asOfTime_)) {
        stale_ = 0;
        absent_ = 0;
        for (size_t slot = 0; slot < instances_.size() && slot < snap_->officers.size(); ++slot) {
            OfficerInstance& in = instances_[slot];
            const uint8_t keep = in.flags & (kOfficerSelected | kOfficerCandidate);
            const auto fix = tracks->positionAt(static_cast<uint32_t>(slot), frame.time);
            if (!fix) {
                in.flags = keep | kOfficerAbsent;  // not on duty yet at that time
                ++absent_;
                continue;
            }
            const Vec2d p = displayOf(fix->lon, fix->lat);
            in.x = static_cast<float>(p.x - ctx_.origin.x);
            in.y = static_cast<float>(p.y - ctx_.origin.y);
            in.heading = fix->heading;
            in.lastSeenSec = static_cast<float>(static_cast<double>(fix->t - epoch_) / 1000.0);
            in.squad = static_cast<uint8_t>(std::max(tracks->squadAt(static_cast<uint32_t>(slot), fix->t), 0));
            in.status = static_cast<uint8_t>(fix->status);
            in.flags = keep;
            stale_ += frame.time - fix->t > opts_.staleAfterMs;
        }
        if (!instances_.empty()) markDirty(0, instances_.size() - 1);
        asOf_ = true;
        asOfTime_ = frame.time;
        live_ = instances_.size() - stale_ - absent_;
        return;
    }
    if (asOf) return;  // same time, same data: the counts stand
    if (asOf_) {
        // Back to the latest state: every marker from the snapshot again.
        asOf_ = false;
        absent_ = 0;
        for (size_t i = 0; i < snap_->officers.size() && i < instances_.size(); ++i) {
            const uint8_t keep = instances_[i].flags & (kOfficerSelected | kOfficerCandidate);
            instances_[i] = toInstance(snap_->officers[i]);
            instances_[i].flags = keep;
        }
        if (!instances_.empty()) markDirty(0, instances_.size() - 1);
    }
    stale_ = 0;
    for (const OfficerState& o : snap_->officers) stale_ += o.stale(frame.time, opts_.staleAfterMs);
    live_ = snap_->officers.size() - stale_;
}

void OfficerLayer::upload(UploadContext&) {
    uploadsLastFrame_ = 0;
    if (!buffer_) {
        buffer_ = gl::Buffer::create();
        vao_ = gl::VertexArray::create();
        reallocate_ = true;
    }
    if (reallocate_) {
        // Grow: reserve doubles, then send everything once.
        buffer_.upload(instances_.data(), instances_.size() * sizeof(OfficerInstance));
        reallocate_ = false;
        uploadsLastFrame_ = instances_.size();
        glVertexArrayVertexBuffer(vao_.id(), 0, buffer_.id(), 0, sizeof(OfficerInstance));
        gl::vertexAttrib(vao_, 0, 4, GL_FLOAT, offsetof(OfficerInstance, x));
        gl::vertexAttribInt(vao_, 1, 4, GL_UNSIGNED_BYTE, offsetof(OfficerInstance, squad));
    } else if (dirtyFirst_ <= dirtyLast_ && dirtyLast_ < instances_.size()) {
        // One buffer update of what changed.
        const size_t n = dirtyLast_ - dirtyFirst_ + 1;
        buffer_.update(dirtyFirst_ * sizeof(OfficerInstance), &instances_[dirtyFirst_], n * sizeof(OfficerInstance));
        uploadsLastFrame_ = n;
    }
    gpuCount_ = instances_.size();
    dirtyFirst_ = SIZE_MAX;
    dirtyLast_ = 0;
    ST_GL_CHECK("OfficerLayer::upload");
}

void OfficerLayer::draw(const RenderContext& rc) {
    if (gpuCount_ == 0) return;
    const float t = static_cast<float>(std::clamp((zoom_ - 11.0) / 7.0, 0.0, 1.0));
    const float size = (opts_.minSizePx + (opts_.maxSizePx - opts_.minSizePx) * t) * rc.pixelRatio;
    // The least shader variant this frame needs (officer.frag): most frames have neither
    // stale officers on show nor highlighted ones.
    std::vector<std::string> variant;
    if (stale_ > 0 && focus_->showStale) variant.push_back("STALE");
    if (!flagged_.empty() || directFlagged_ > 0) variant.push_back("RINGS");
    Program& p = rc.shaders->graphics("officer.vert", "officer.frag", variant);
    p.use();
    p.set("uViewProjection", rc.viewProjection);
    p.set("uDiameter", size);
    p.set("uPixelRatio", rc.pixelRatio);
    p.set("uNowSec", static_cast<float>(static_cast<double>(rc.time - epoch_) / 1000.0));
    p.set("uStaleSec", static_cast<float>(static_cast<double>(opts_.staleAfterMs) / 1000.0));
    p.set("uNorth", northAngle_);
    p.set("uColorBy", opts_.colorBy == OfficerLayerOptions::ColorBy::Squad ? 1 : 0);
    p.set("uOpacity", opacity);
    glProgramUniform1ui(p.id(), p.uniform("uSquadMask"), focus_->squadMask);
    glProgramUniform1ui(p.id(), p.uniform("uStatusMask"), focus_->statusMask);
    p.set("uShowStale", focus_->showStale ? 1 : 0);
    glProgramUniform4fv(p.id(), p.uniform("uStatusColors"), 4, statusPalette_.data());
    glProgramUniform4fv(p.id(), p.uniform("uSquadColors"), 32, squadPalette_.data());
    glProgramUniform4f(p.id(), p.uniform("uStaleColor"), kStale.r, kStale.g, kStale.b, 1.0f);
    glEnable(GL_PROGRAM_POINT_SIZE);
    glDisable(GL_DEPTH_TEST);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glBindVertexArray(vao_.id());
    glDrawArrays(GL_POINTS, 0, static_cast<GLsizei>(gpuCount_));
    glBindVertexArray(0);
    ST_GL_CHECK("OfficerLayer::draw");
}

void OfficerLayer::collectLabels(const FrameState& frame, LabelSet& labels) {
    if (!snap_) return;
    const Camera& cam = *frame.camera;
    const bool all = zoom_ >= opts_.labelMinZoom;
    for (size_t i = 0; i < snap_->officers.size() && i < instances_.size(); ++i) {
        const OfficerState& o = snap_->officers[i];
        const bool sel = static_cast<int64_t>(i) == selectedSlot_;
        const bool cand = instances_[i].flags & kOfficerCandidate;
        if (!all && !sel && !cand) continue;
        if (instances_[i].flags & kOfficerAbsent) continue;
        if (!focus_->shows(o.squad, o.status)) continue;
        const Vec2d w{instances_[i].x + ctx_.origin.x, instances_[i].y + ctx_.origin.y};
        const Vec2d s = cam.worldToScreen(w);
        if (s.x < 0 || s.y < 0 || s.x > cam.width || s.y > cam.height) continue;
        LabelCandidate c;
        c.text = o.id;
        c.world = w;
        c.style.size = 12;
        c.style.color = sel ? Color::fromHex(0xffffff) : Color::fromHex(0xdfe7ef);
        c.style.halo = Color::fromHex(0x08121c, 0.9f);
        c.style.haloWidth = 2;
        c.style.anchor = TextAnchor::Center;
        c.priority = sel ? 1000 : (cand ? 500 : 3);
        c.offsetY = -(opts_.maxSizePx * 0.5f + 10.0f);
        labels.add(std::move(c));
    }
}

bool OfficerLayer::legend(LegendBlock& block) const {
    block.title = title_;
    if (opts_.colorBy == OfficerLayerOptions::ColorBy::Status) {
        for (size_t i = 0; i < kOfficerStatusCount; ++i)
            block.entries.push_back(
                {LegendEntry::Kind::Marker, kStatusColors[i], Color::fromHex(0xffffff), text(kStatusKeys[i])});
    } else {
        for (size_t i = 0; i < ctx_.squads.size(); ++i)
            block.entries.push_back(
                {LegendEntry::Kind::Marker, ctx_.squads.colorOf(i), Color::fromHex(0xffffff), ctx_.squads.nameOf(i)});
    }
    const std::string secs = std::to_string(opts_.staleAfterMs / 1000);
    const I18nText& silent = text("officer.legend.silent");
    char zh[160], en[160];
    std::snprintf(zh, sizeof zh, silent.zh.c_str(), secs.c_str());
    std::snprintf(en, sizeof en, silent.en.c_str(), secs.c_str());
    block.entries.push_back({LegendEntry::Kind::Marker, kStale.withAlpha(0.5f), kStale, {zh, en}});
    return true;
}

LayerStats OfficerLayer::stats() const {
    LayerStats s = Layer::stats();
    s.features = instances_.size();
    s.vertices = gpuCount_;
    return s;
}

bool OfficerLayer::handleClick(const Camera& cam, Vec2d screen, bool modifier) {
    if (modifier) return false;  // Ctrl+click is dispatch assist (the dispatch layer above)
    // Select the nearest shown officer marker within its radius (+4 px).
    double best = (opts_.maxSizePx * 0.5 + 4.0);
    best *= best;
    int hit = -1;
    for (size_t i = 0; i < instances_.size(); ++i) {
        if (instances_[i].flags & kOfficerAbsent) continue;
        if (snap_ && i < snap_->officers.size() && !focus_->shows(snap_->officers[i].squad, snap_->officers[i].status))
            continue;
        const Vec2d s = cam.worldToScreen({instances_[i].x + ctx_.origin.x, instances_[i].y + ctx_.origin.y});
        const double d = (s.x - screen.x) * (s.x - screen.x) + (s.y - screen.y) * (s.y - screen.y);
        if (d < best) {
            best = d;
            hit = static_cast<int>(i);
        }
    }
    if (hit < 0 || !snap_ || static_cast<size_t>(hit) >= snap_->officers.size()) return false;
    select(snap_->officers[static_cast<size_t>(hit)].id);
    applyFlags();
    return true;
}

std::optional<Vec2d> OfficerLayer::followTarget() const {
    if (!focus_->follow || selectedSlot_ < 0 || static_cast<size_t>(selectedSlot_) >= instances_.size())
        return std::nullopt;
    const OfficerInstance& in = instances_[static_cast<size_t>(selectedSlot_)];
    return Vec2d{in.x + ctx_.origin.x, in.y + ctx_.origin.y};
}

}  // namespace sandtable
