#include "layers/scene_resources.hpp"

#include <stdexcept>

#include "engine/data/jurisdictions.hpp"
#include "engine/indicators/records.hpp"
#include "engine/util/log.hpp"

namespace sandtable {

std::shared_ptr<indicators::IndicatorModel> SceneResources::indicators() {
    if (indicators_) return indicators_;
    if (scene_.squadsPath.empty() || scene_.recordsPath.empty())
        throw std::runtime_error(scene_.file + ": the indicator layers need the scene's \"squads\" and \"records\"");
    SquadCatalogue squads = squads_;
    indicators::Records records = indicators::readRecords(scene_.recordsPath, squads);
    // The first few bad rows by name, then how many in all (sandtable-kpi lists them all).
    for (size_t i = 0; i < records.badRows.size() && i < 3; ++i) log::warn(records.badRows[i].text());
    if (!records.badRows.empty())
        log::warn(scene_.recordsPath + ": " + std::to_string(records.badRows.size()) +
                  " bad rows skipped in all, the rest count (sandtable-kpi --records lists every one)");
    std::optional<indicators::Period> period;
    if (scene_.indicators.periodFrom && scene_.indicators.periodTo)
        period = indicators::Period{*scene_.indicators.periodFrom, *scene_.indicators.periodTo};
    std::vector<Jurisdiction> js;
    if (!scene_.jurisdictionsPath.empty()) js = loadJurisdictions(scene_.jurisdictionsPath);
    indicators_ = std::make_shared<indicators::IndicatorModel>(
        indicators::Evaluator(std::move(records), std::move(squads), scene_.indicators.weights), period,
        scene_.indicators.trendPeriods, std::move(js));
    return indicators_;
}

}  // namespace sandtable
