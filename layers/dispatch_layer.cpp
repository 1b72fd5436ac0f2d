#include "layers/dispatch_layer.hpp"

#include <cmath>
#include <cstdlib>

#include "engine/geo/projection.hpp"
#include "engine/render/painter.hpp"
#include "engine/util/i18n.hpp"

namespace sandtable {

namespace {
const Color kIncident = Color::fromHex(0xd32f2f);
const Color kQuery = Color::fromHex(0x00e5ff);
}  // namespace

DispatchLayer::DispatchLayer(std::string id, I18nText title, const MapContext& ctx, DispatchLayerOptions opts,
                             std::shared_ptr<OfficerFocus> focus)
    : Layer(std::move(id), std::move(title)),
      ctx_(ctx),
      opts_(opts),
      focus_(std::move(focus)),
      toDisplay_(std::make_unique<Transformer>("wgs84", ctx.displayCrs)),
      toWgs84_(std::make_unique<Transformer>(ctx.displayCrs, "wgs84")) {}

DispatchLayer::~DispatchLayer() = default;

Vec2d DispatchLayer::displayOf(double lon, double lat) const {
    Vec2d p{lon, lat};
    if (!toDisplay_->forward(p)) return {NAN, NAN};
    return p;
}

void DispatchLayer::update(const FrameState& frame) {
    now_ = frame.time;
    if (feed_) snap_ = feed_->snapshot();
    // A shown query follows the officers: re-run once a second of frame time.
    if (std::isfinite(point_.x) && std::llabs(frame.time - queryTime_) >= 1000) dispatchAt(point_, frame.time);
}

void DispatchLayer::overlay(const FrameState& frame, Painter& pt) {
    const Camera& cam = *frame.camera;
    const float s = frame.pixelRatio;
    if (snap_ && snap_->incidents) {
        for (const Incident& inc : *snap_->incidents) {
            if (!inc.open) continue;
            const Vec2d sp = cam.worldToScreen(displayOf(inc.lon, inc.lat));
            const Vec2f c{static_cast<float>(sp.x), static_cast<float>(sp.y)};
            const float r = 11 * s;
            pt.triangle({c.x, c.y - r - 2 * s}, {c.x - r - 2 * s, c.y + r * 0.8f + s},
                        {c.x + r + 2 * s, c.y + r * 0.8f + s}, Color::fromHex(0xffffff));
            pt.triangle({c.x, c.y - r}, {c.x - r, c.y + r * 0.8f}, {c.x + r, c.y + r * 0.8f}, kIncident);
            pt.text("!", c.x, c.y + r * 0.55f,
                    TextStyle{13 * s, Color::fromHex(0xffffff), {0, 0, 0, 0}, 0, TextAnchor::Center, true});
        }
    }
    if (!std::isfinite(point_.x)) return;
    const Vec2d sp = cam.worldToScreen(displayOf(point_.x, point_.y));
    const Vec2f c{static_cast<float>(sp.x), static_cast<float>(sp.y)};
    for (const auto& cand : candidates_) {
        const Vec2d o = cam.worldToScreen(displayOf(cand.lon, cand.lat));
        pt.line(c, {static_cast<float>(o.x), static_cast<float>(o.y)}, 2 * s, kQuery.withAlpha(0.8f));
    }
    pt.ring(c, 12 * s, 3 * s, kQuery);
    pt.line({c.x - 18 * s, c.y}, {c.x + 18 * s, c.y}, 2 * s, kQuery);
    pt.line({c.x, c.y - 18 * s}, {c.x, c.y + 18 * s}, 2 * s, kQuery);
}

bool DispatchLayer::legend(LegendBlock& block) const {
    const bool incidents = snap_ && snap_->incidents && !snap_->incidents->empty();
    if (!incidents && candidates_.empty()) return false;
    block.title = title_;
    if (incidents)
        block.entries.push_back(
            {LegendEntry::Kind::Marker, kIncident, Color::fromHex(0xffffff), text("dispatch.legend.incident")});
    if (!candidates_.empty())
        block.entries.push_back(
            {LegendEntry::Kind::Marker, kQuery.withAlpha(0.0f), kQuery, text("dispatch.legend.candidates")});
    return true;
}

bool DispatchLayer::handleClick(const Camera& cam, Vec2d screen, bool modifier) {
    if (!modifier && !dispatchMode) return false;
    Vec2d ll = cam.screenToWorld(screen);
    if (!toWgs84_->forward(ll)) return false;
    dispatchAt(ll, now_);
    return true;
}

const std::vector<DispatchCandidate>& DispatchLayer::dispatchAt(Vec2d lonLat, TimeMs now) {
    point_ = lonLat;
    queryTime_ = now;
    candidates_.clear();
    if (feed_ && !snap_) snap_ = feed_->snapshot();
    if (snap_) {
        // The index is rebuilt only when the snapshot (or the time used for staleness) changed.
        if (!index_ || indexVersion_ != snap_->version || indexTime_ != now) {
            const FeedConfig cfg = feed_ ? feed_->config() : FeedConfig{};
            index_ = std::make_unique<DispatchIndex>(snap_->officers, now, opts_.staleAfterMs, cfg.area);
            indexVersion_ = snap_->version;
            indexTime_ = now;
        }
        candidates_ = index_->nearest(lonLat, opts_.k);
    }
    std::vector<uint32_t> slots;
    for (const auto& c : candidates_) slots.push_back(c.slot);
    focus_->setCandidates(std::move(slots));
    return candidates_;
}

void DispatchLayer::clear() {
    candidates_.clear();
    point_ = {NAN, NAN};
    focus_->setCandidates({});
}

}  // namespace sandtable
