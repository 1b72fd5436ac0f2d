#pragma once
// The GL side of sandtable-brief: each squad's jurisdiction rendered headless (EGL) at
// print resolution, the complaint heatmap showing the month's complaints. Kept out of
// engine/report, which is GL-free (cmake/module_walls.cmake).
#include <functional>
#include <string>
#include <vector>

#include "engine/data/scene.hpp"
#include "engine/indicators/indicators.hpp"
#include "engine/report/report.hpp"

namespace sandtable::brief {

struct MapRequest {
    const SceneSpec* scene = nullptr;
    const indicators::Result* result = nullptr;    // which squads lag (the map box's size)
    const indicators::Records* records = nullptr;  // the month's complaints feed the heatmap
    Language lang = Language::Chinese;
    double dpi = 200;
};

// One map per squad of the catalogue (catalogue order). When no GL context can be made,
// every map is empty with the reason in `why` (the report says so on the page).
// `progress(i, squad name)` is called before each map.
std::vector<report::SquadMap> renderSquadMaps(const MapRequest& req, const SquadCatalogue& squads,
                                              const std::function<void(size_t, const std::string&)>& progress,
                                              std::vector<std::string>& warnings);

}  // namespace sandtable::brief
