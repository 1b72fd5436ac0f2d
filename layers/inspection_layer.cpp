#include "layers/inspection_layer.hpp"

#include <cmath>

#include "engine/geo/projection.hpp"
#include "engine/render/labels.hpp"
#include "engine/render/painter.hpp"
#include "engine/util/i18n.hpp"
#include "layers/scene_resources.hpp"

namespace sandtable {

namespace {

struct RiskStyle {
    MarkShape shape;
    Color color;
    const char* key;
};
RiskStyle styleOf(indicators::RiskColour c) {
    switch (c) {
    case indicators::RiskColour::Red:
        return {MarkShape::Triangle, Color::fromHex(0xff3b30), "inspections.red"};
    case indicators::RiskColour::Yellow:
        return {MarkShape::Diamond, Color::fromHex(0xffd60a), "inspections.yellow"};
    case indicators::RiskColour::Green:
        return {MarkShape::Square, Color::fromHex(0x34c759), "inspections.green"};
    }
    return {MarkShape::Square, Color::fromHex(0x34c759), "inspections.green"};
}

}  // namespace

InspectionLayer::InspectionLayer(std::string id, I18nText title, std::shared_ptr<indicators::IndicatorModel> model,
                                 const MapContext& ctx, double labelMinZoom)
    : Layer(std::move(id), std::move(title)),
      model_(std::move(model)),
      toDisplay_(std::make_unique<Transformer>("wgs84", ctx.displayCrs)),
      labelMinZoom_(labelMinZoom) {
    for (const auto& o : model_->evaluator().records().objects) {
        Vec2d p = o.lonLat;
        if (!toDisplay_->forward(p)) p = {NAN, NAN};
        display_.push_back(p);
    }
}

InspectionLayer::~InspectionLayer() = default;

void InspectionLayer::update(const FrameState& frame) {
    model_->update(frame.time);
    zoom_ = frame.zoom;
}

void InspectionLayer::overlay(const FrameState& frame, Painter& p) {
    const Camera& cam = *frame.camera;
    const float s = frame.pixelRatio;
    const Color dark = Color::fromHex(0x08121c, 0.95f);
    for (const auto& o : model_->overdue()) {
        if (o.object >= display_.size() || std::isnan(display_[o.object].x)) continue;
        const Vec2d q = cam.worldToScreen(display_[o.object]);
        const Vec2f c{static_cast<float>(q.x), static_cast<float>(q.y)};
        const RiskStyle st = styleOf(o.colour);
        const float size = 15.0f * s;
        p.mark(st.shape, c, size, st.color, dark, 1.5f * s);
        p.text("!", c.x, c.y + size * (st.shape == MarkShape::Triangle ? 0.32f : 0.28f),
               TextStyle{11 * s, dark, {0, 0, 0, 0}, 0, TextAnchor::Center, true});
    }
}

void InspectionLayer::collectLabels(const FrameState& frame, LabelSet& labels) {
    if (zoom_ < labelMinZoom_) return;
    for (const auto& o : model_->overdue()) {
        if (o.object >= display_.size() || std::isnan(display_[o.object].x)) continue;
        char days[96];
        std::snprintf(days, sizeof days, tr("inspections.label", frame.language), o.id.c_str(),
                      static_cast<int>(std::ceil(o.daysOverdue)));
        LabelCandidate c;
        c.text = days;
        c.world = display_[o.object];
        c.style.size = 12;
        c.style.color = styleOf(o.colour).color;
        c.style.halo = Color::fromHex(0x08121c, 0.9f);
        c.style.haloWidth = 2;
        c.style.anchor = TextAnchor::Center;
        c.priority = 3;
        c.offsetY = 16;
        labels.add(std::move(c));
    }
}

bool InspectionLayer::legend(LegendBlock& b) const {
    b.title = title_;
    for (auto c : {indicators::RiskColour::Red, indicators::RiskColour::Yellow, indicators::RiskColour::Green}) {
        const RiskStyle st = styleOf(c);
        b.entries.push_back({LegendEntry::Kind::Marker, st.color, Color::fromHex(0x08121c), text(st.key),
                             static_cast<uint8_t>(st.shape)});
    }
    return true;
}

LayerStats InspectionLayer::stats() const {
    LayerStats s = Layer::stats();
    s.features = model_->overdue().size();
    return s;
}

LayerPtr makeInspectionLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx,
                             SceneResources& res) {
    const JsonReader r(spec.config, scene.file, spec.keyPath);
    const double minZoom = r.number("labelMinZoom", 15.0, 0.0, 24.0);
    return std::make_unique<InspectionLayer>(spec.id, I18nText{spec.titleZh, spec.titleEn}, res.indicators(), ctx,
                                             minZoom);
}

}  // namespace sandtable
