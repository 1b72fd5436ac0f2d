#pragma once
// Screen furniture every map a dispatcher or a leader reads needs: the title and the
// scene time, a scale bar (true ground distance at the view centre), a north arrow that
// follows rotation and grid convergence, and the legend gathered from the visible layers.
#include "engine/render/layer.hpp"

namespace sandtable {

class Map;

struct DecorationsOptions {
    bool title = true, scaleBar = true, northArrow = true, legend = true, clock = true;
    Color panel = Color::fromHex(0x0a1420, 0.82f);
    Color text = Color::fromHex(0xe8eef5);
    Color accent = Color::fromHex(0x4fc3f7);
};

class DecorationsLayer final : public Layer {
public:
    DecorationsLayer(std::string id, I18nText title, const Map& map, DecorationsOptions opts);
    void update(const FrameState& frame) override;
    void draw(const RenderContext& ctx) override;
    void collectLabels(const FrameState& frame, LabelSet& labels) override;

private:
    struct Box {
        float x, y, w, h;
    };
    void drawTitle(const RenderContext& rc);
    void drawScaleBar(const RenderContext& rc);
    void drawNorthArrow(const RenderContext& rc);
    void drawLegend(const RenderContext& rc);

    const Map& map_;
    DecorationsOptions opts_;
    TimeMs time_ = 0;
    std::vector<Box> boxes_;
};

}  // namespace sandtable
