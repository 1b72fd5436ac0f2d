#include "layers/checkpoint_layer.hpp"

#include "engine/geo/projection.hpp"
#include "engine/render/labels.hpp"
#include "engine/render/painter.hpp"
#include "engine/util/i18n.hpp"
#include "layers/scene_resources.hpp"

namespace sandtable {

namespace {

struct StateStyle {
    MarkShape shape;
    Color color;
    const char* key;
};
// Met: a green check; due: an amber triangle; missed: a red cross on a dark square;
// not yet due: a hollow ring; off duty (after 24:00): a small grey dot.
StateStyle styleOf(const indicators::CheckpointStatus& s) {
    using indicators::WindowState;
    if (!s.onDuty) return {MarkShape::Circle, Color::fromHex(0x7b8794), "checkpoints.off_duty"};
    switch (s.state) {
    case WindowState::Met:
        return {MarkShape::Check, Color::fromHex(0x4cd964), "checkpoints.met"};
    case WindowState::Due:
        return {MarkShape::Triangle, Color::fromHex(0xffb020), "checkpoints.due"};
    case WindowState::Missed:
        return {MarkShape::Cross, Color::fromHex(0xff3b30), "checkpoints.missed"};
    case WindowState::NotYetDue:
        return {MarkShape::Ring, Color::fromHex(0xcfd8dc), "checkpoints.not_yet"};
    }
    return {MarkShape::Ring, Color::fromHex(0xcfd8dc), "checkpoints.not_yet"};
}

float sizeOf(int level) { return level == 1 ? 18.0f : level == 2 ? 15.0f : 12.0f; }  // px at pixel ratio 1

}  // namespace

CheckpointLayer::CheckpointLayer(std::string id, I18nText title, std::shared_ptr<indicators::IndicatorModel> model,
                                 const MapContext& ctx, double labelMinZoom)
    : Layer(std::move(id), std::move(title)),
      model_(std::move(model)),
      toDisplay_(std::make_unique<Transformer>("wgs84", ctx.displayCrs)),
      labelMinZoom_(labelMinZoom) {
    for (const auto& c : model_->evaluator().records().checkpoints) {
        Vec2d p = c.lonLat;
        if (!toDisplay_->forward(p)) p = {NAN, NAN};
        display_.push_back(p);
    }
}

CheckpointLayer::~CheckpointLayer() = default;

void CheckpointLayer::update(const FrameState& frame) {
    model_->update(frame.time);
    zoom_ = frame.zoom;
}

void CheckpointLayer::overlay(const FrameState& frame, Painter& p) {
    const Camera& cam = *frame.camera;
    const float s = frame.pixelRatio;
    const Color dark = Color::fromHex(0x08121c, 0.95f);
    for (const auto& st : model_->checkpoints()) {
        if (st.checkpoint >= display_.size() || std::isnan(display_[st.checkpoint].x)) continue;
        const Vec2d q = cam.worldToScreen(display_[st.checkpoint]);
        const Vec2f c{static_cast<float>(q.x), static_cast<float>(q.y)};
        const StateStyle style = styleOf(st);
        const float size = sizeOf(st.level) * s * (st.onDuty ? 1.0f : 0.6f);
        // A dark disc under every state so the mark reads on any background.
        p.circle(c, size * 0.72f, dark, 20);
        p.mark(style.shape, c, size, style.color, dark, 1.2f * s);
        if (st.missedToday > 0) {  // windows already missed today: a red count beside the mark
            const std::string n = "×" + std::to_string(st.missedToday);
            p.text(n, c.x + size * 0.6f, c.y - size * 0.35f,
                   TextStyle{12 * s, Color::fromHex(0xff6b60), dark, 2.0f * s, TextAnchor::Left, true});
        }
    }
}

void CheckpointLayer::collectLabels(const FrameState& frame, LabelSet& labels) {
    if (zoom_ < labelMinZoom_) return;
    for (const auto& st : model_->checkpoints()) {
        if (st.checkpoint >= display_.size() || std::isnan(display_[st.checkpoint].x)) continue;
        LabelCandidate c;
        c.text = st.id;
        c.world = display_[st.checkpoint];
        c.style.size = 12;
        c.style.color = styleOf(st).color;
        c.style.halo = Color::fromHex(0x08121c, 0.9f);
        c.style.haloWidth = 2;
        c.style.anchor = TextAnchor::Center;
        c.priority = 4;
        c.offsetY = 16;
        labels.add(std::move(c));
    }
    (void)frame;
}

bool CheckpointLayer::legend(LegendBlock& b) const {
    b.title = title_;
    indicators::CheckpointStatus st;
    for (auto state : {indicators::WindowState::Met, indicators::WindowState::Due, indicators::WindowState::Missed,
                       indicators::WindowState::NotYetDue}) {
        st.state = state;
        const StateStyle style = styleOf(st);
        b.entries.push_back({LegendEntry::Kind::Marker, style.color, Color::fromHex(0x08121c), text(style.key),
                             static_cast<uint8_t>(style.shape)});
    }
    st.onDuty = false;
    const StateStyle off = styleOf(st);
    b.entries.push_back({LegendEntry::Kind::Marker, off.color, Color::fromHex(0x08121c), text(off.key),
                         static_cast<uint8_t>(off.shape)});
    return true;
}

LayerStats CheckpointLayer::stats() const {
    LayerStats s = Layer::stats();
    s.features = display_.size();
    return s;
}

LayerPtr makeCheckpointLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx,
                             SceneResources& res) {
    const JsonReader r(spec.config, scene.file, spec.keyPath);
    const double minZoom = r.number("labelMinZoom", 14.5, 0.0, 24.0);
    return std::make_unique<CheckpointLayer>(spec.id, I18nText{spec.titleZh, spec.titleEn}, res.indicators(), ctx,
                                             minZoom);
}

}  // namespace sandtable
