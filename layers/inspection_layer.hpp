#pragma once
// Inspection objects (shops, construction sites, historic buildings) overdue at the time
// of evaluation, highlighted by their risk colour (三色管理: red every 7 days, yellow 30,
// green 90) with a shape per colour as well (red triangle, yellow diamond, green square),
// so a grey-scale printout still tells them apart; an overdue mark ("!") inside. Ids and
// days overdue at high zoom. From the scene's IndicatorModel.
#include <memory>

#include "engine/data/scene.hpp"
#include "engine/indicators/live_model.hpp"
#include "engine/render/layer.hpp"

namespace sandtable {

class SceneResources;

class InspectionLayer final : public Layer {
public:
    InspectionLayer(std::string id, I18nText title, std::shared_ptr<indicators::IndicatorModel> model,
                    const MapContext& ctx, double labelMinZoom);
    ~InspectionLayer() override;

    void update(const FrameState& frame) override;
    void overlay(const FrameState& frame, Painter& painter) override;
    void draw(const RenderContext&) override {}
    void collectLabels(const FrameState& frame, LabelSet& labels) override;
    bool legend(LegendBlock& block) const override;
    LayerStats stats() const override;

private:
    std::shared_ptr<indicators::IndicatorModel> model_;
    std::unique_ptr<Transformer> toDisplay_;
    std::vector<Vec2d> display_;  // per object record, display CRS
    double labelMinZoom_;
    double zoom_ = 0;
};

LayerPtr makeInspectionLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx, SceneResources& res);

}  // namespace sandtable
