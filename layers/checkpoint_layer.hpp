#pragma once
// The NFC patrol checkpoints along Suzhou Creek by their state at the frame time (the one
// clock): the current duty window met, due (less than 30 min left, no check-in yet),
// missed, not yet due, or off duty. Each state has its own shape as well as its colour,
// and the duty level its own size (level 1, visited every 2 h, largest). Ids at high
// zoom. From the scene's IndicatorModel (shared with the squads layer), so a check-in on
// the live feed turns its checkpoint green the moment it arrives.
#include <memory>

#include "engine/data/scene.hpp"
#include "engine/indicators/live_model.hpp"
#include "engine/render/layer.hpp"

namespace sandtable {

class SceneResources;

class CheckpointLayer final : public Layer {
public:
    CheckpointLayer(std::string id, I18nText title, std::shared_ptr<indicators::IndicatorModel> model,
                    const MapContext& ctx, double labelMinZoom);
    ~CheckpointLayer() override;

    void update(const FrameState& frame) override;
    void overlay(const FrameState& frame, Painter& painter) override;
    void draw(const RenderContext&) override {}
    void collectLabels(const FrameState& frame, LabelSet& labels) override;
    bool legend(LegendBlock& block) const override;
    LayerStats stats() const override;
    const std::shared_ptr<indicators::IndicatorModel>& model() const { return model_; }

private:
    std::shared_ptr<indicators::IndicatorModel> model_;
    std::unique_ptr<Transformer> toDisplay_;
    std::vector<Vec2d> display_;  // per checkpoint record, display CRS
    double labelMinZoom_;
    double zoom_ = 0;
};

LayerPtr makeCheckpointLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx, SceneResources& res);

}  // namespace sandtable
