#pragma once
// The indicators' JSON contract (docs/kpi.md), consumed by other dashboards:
//   {"period": {"from", "to", "at"},
//    "squads": [{"squad": id, <figures>, "index", "rank", "lagging", "counts": {...}}, ...],
//    "district": {<figures>, "index", "counts": {...}}}
// Rates are fractions in [0, 1]; no data is null; "counts" gives [numerator,
// denominator] of every rate and [sum of scores, reviewed cases] of case_quality.
#include <nlohmann/json.hpp>

#include <vector>

#include "engine/indicators/indicators.hpp"

namespace sandtable::indicators {

// Keys of one squad object in contract order ("squad" first, "counts" last).
const std::vector<std::string>& squadJsonKeys();

nlohmann::ordered_json toJson(const Result& result, const SquadCatalogue& squads);
nlohmann::ordered_json toJson(const std::vector<Alert>& alerts, const SquadCatalogue& squads);
nlohmann::ordered_json toJson(const std::vector<CheckpointStatus>& status, const SquadCatalogue& squads);

}  // namespace sandtable::indicators
