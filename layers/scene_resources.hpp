#pragma once
// What several layers of one scene share, built once when the first of them asks: the
// squads' indicator model (the records, the squad catalogue, the jurisdictions).
#include <memory>
#include <vector>

#include "engine/data/scene.hpp"
#include "engine/indicators/live_model.hpp"

namespace sandtable {

class SceneResources {
public:
    // `squads`: the scene's catalogue, already read (MapContext::squads).
    SceneResources(const SceneSpec& scene, const SquadCatalogue& squads) : scene_(scene), squads_(squads) {}
    // Throws std::runtime_error naming the file and the reason when the scene names no
    // records or squads, or they cannot be read. Bad rows are logged, counted and skipped.
    std::shared_ptr<indicators::IndicatorModel> indicators();
    // Everything built so far (attachFeed hands the feed's check-ins to the model).
    const std::shared_ptr<indicators::IndicatorModel>& builtIndicators() const { return indicators_; }

private:
    const SceneSpec& scene_;
    const SquadCatalogue& squads_;
    std::shared_ptr<indicators::IndicatorModel> indicators_;
};

}  // namespace sandtable
