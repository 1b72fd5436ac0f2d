#pragma once
// Dispatch assist and open incidents over the live officers: a Ctrl+click (or any click
// in dispatch mode) asks for the K nearest available officers to that point, from a
// spatial index over the feed's snapshot; the candidates are highlighted on the officer
// markers (through the shared OfficerFocus), joined to the point by lines, listed with
// walking times in the panel (dispatch_panel.cpp) and re-queried every second of frame
// time while shown. Open incidents from the feed are drawn as red triangles with a
// "nearest" button each. All of it is canvas-space overlay: the layer issues no GL.
#include <memory>
#include <vector>

#include "engine/feed/dispatch.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/render/layer.hpp"
#include "layers/officer_focus.hpp"

namespace sandtable {

struct DispatchLayerOptions {
    size_t k = 5;
    TimeMs staleAfterMs = 120 * 1000;
};

class DispatchLayer final : public Layer {
public:
    DispatchLayer(std::string id, I18nText title, const MapContext& ctx, DispatchLayerOptions opts,
                  std::shared_ptr<OfficerFocus> focus);
    ~DispatchLayer() override;

    void setFeed(std::shared_ptr<FeedPipeline> feed) { feed_ = std::move(feed); }

    void update(const FrameState& frame) override;
    void overlay(const FrameState& frame, Painter& painter) override;
    void draw(const RenderContext&) override {}
    void drawUi(Language lang) override;  // dispatch_panel.cpp
    bool legend(LegendBlock& block) const override;
    bool handleClick(const Camera& camera, Vec2d screen, bool modifier) override;

    // Dispatch assist at a WGS84 point: K nearest available officers (also highlighted).
    const std::vector<DispatchCandidate>& dispatchAt(Vec2d lonLat, TimeMs now);
    const std::vector<DispatchCandidate>& candidates() const { return candidates_; }
    void clear();
    bool dispatchMode = false;  // plain clicks query too (the panel's checkbox)
    const std::shared_ptr<const FeedSnapshot>& snapshot() const { return snap_; }
    TimeMs now() const { return now_; }

private:
    Vec2d displayOf(double lon, double lat) const;

    MapContext ctx_;
    DispatchLayerOptions opts_;
    std::shared_ptr<OfficerFocus> focus_;
    std::unique_ptr<Transformer> toDisplay_, toWgs84_;
    std::shared_ptr<FeedPipeline> feed_;
    std::shared_ptr<const FeedSnapshot> snap_;
    TimeMs now_ = 0;
    Vec2d point_{NAN, NAN};  // WGS84; finite while a query is shown
    TimeMs queryTime_ = 0;   // frame time of the last query (refreshed each second)
    std::vector<DispatchCandidate> candidates_;
    std::unique_ptr<DispatchIndex> index_;
    uint64_t indexVersion_ = ~uint64_t{0};
    TimeMs indexTime_ = 0;
};

}  // namespace sandtable
