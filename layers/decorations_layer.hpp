#pragma once
// Furniture every map a dispatcher or a leader reads needs: the title and the frame time,
// a scale bar (true ground distance at the view centre), a north arrow that follows
// rotation and grid convergence, and the legend of the visible layers (handed over by
// the map in FrameState::legend), and the scene's data credits (OpenStreetMap's
// attribution, which the ODbL requires on every map that shows its data) in the
// bottom-right corner under the legend, where no cockpit panel covers them. All of it is
// canvas-space overlay, placed once per
// frame, so every tile of a wall shows its part of the same furniture; no GL of its own.
#include <memory>

#include "engine/data/scene.hpp"
#include "engine/render/layer.hpp"

namespace sandtable {

struct DecorationsOptions {
    bool title = true, scaleBar = true, northArrow = true, legend = true, clock = true;
    I18nText banner, attribution;  // the scene's title and subtitle
    I18nText credits;              // the scene's "credits": always shown when given
    Color panel = Color::fromHex(0x0a1420, 0.82f);
    Color text = Color::fromHex(0xe8eef5);
    Color accent = Color::fromHex(0x4fc3f7);
};

class DecorationsLayer final : public Layer {
public:
    DecorationsLayer(std::string id, I18nText title, const MapContext& ctx, DecorationsOptions opts);
    ~DecorationsLayer() override;
    void update(const FrameState&) override {}
    void overlay(const FrameState& frame, Painter& painter) override;
    void draw(const RenderContext&) override {}
    void collectLabels(const FrameState& frame, LabelSet& labels) override;

    struct Box {
        float x, y, w, h;  // canvas px, top-left origin
    };
    // What it draws; a print inset (sandtable-brief) turns the title, legend and clock off.
    DecorationsOptions& options() { return opts_; }

    // Where the last overlay put the credits (w = 0: none) and everything it drew (tests).
    const Box& creditsBox() const { return creditsBox_; }
    const std::vector<Box>& boxes() const { return boxes_; }

private:
    void drawTitle(const FrameState& f, Painter& p);
    void drawScaleBar(const FrameState& f, Painter& p);
    void drawNorthArrow(const FrameState& f, Painter& p);
    void drawLegend(const FrameState& f, Painter& p, float bottom);
    Box placeCredits(const FrameState& f, Painter& p) const;
    void drawCredits(const FrameState& f, Painter& p);

    DecorationsOptions opts_;
    std::unique_ptr<Transformer> toWgs84_, fromWgs84_;
    std::vector<Box> boxes_;
    Box creditsBox_{0, 0, 0, 0};
};

// Scene entry of type "decorations" (docs/scene.md); the banner shows the scene's title
// and attribution, the bottom line its credits.
LayerPtr makeDecorationsLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx);

}  // namespace sandtable
