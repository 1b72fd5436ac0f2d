#pragma once
// The wall's status strip along the bottom edge, in type readable from 5 m (nothing under
// 1/45 of the screen height): the displayed time and whether it is live or a replay, how
// fresh the data is (age of the newest fix) and the feed's state, and a ticker of alerts
// (silent officers, missed and due check-ins, overdue inspections, lagging squads) that
// turns a page every few seconds rather than scrolling, so an idle wall redraws once a
// second.
#include <memory>
#include <string>
#include <vector>

#include "engine/feed/pipeline.hpp"
#include "engine/indicators/live_model.hpp"
#include "engine/render/layer.hpp"

namespace sandtable {

class Map;

class WallStatusLayer final : public Layer {
public:
    explicit WallStatusLayer(TimeMs staleAfterMs);
    void setFeed(std::shared_ptr<FeedPipeline> feed) { feed_ = std::move(feed); }
    void setIndicators(std::shared_ptr<indicators::IndicatorModel> m) { model_ = std::move(m); }
    const std::shared_ptr<indicators::IndicatorModel>& indicators() const { return model_; }
    void setTourTitle(I18nText t) { tourTitle_ = std::move(t); }

    void update(const FrameState& frame) override;
    void overlay(const FrameState& frame, Painter& painter) override;
    void draw(const RenderContext&) override {}
    void collectLabels(const FrameState& frame, LabelSet& labels) override;
    // The ticker's items this frame (tests read them).
    const std::vector<I18nText>& tickerItems() const { return items_; }
    static constexpr double kPageSeconds = 8.0;

private:
    TimeMs staleAfterMs_;
    std::shared_ptr<FeedPipeline> feed_;
    std::shared_ptr<indicators::IndicatorModel> model_;
    I18nText tourTitle_;
    std::vector<I18nText> items_;
    std::string freshness_[2];  // zh, en
    bool feedTrouble_ = false;
    float stripTop_ = 0, stripHeight_ = 0;
};

// Adds the wall's status strip to `map` (which owns it), fed by `feed`, with the
// indicators of the map's squad layer where it has one; the cockpit's wall and the soak.
WallStatusLayer& addWallStatus(Map& map, std::shared_ptr<FeedPipeline> feed, TimeMs staleAfterMs);

}  // namespace sandtable
