#include "apps/brief/squad_maps.hpp"

#include <algorithm>
#include <cmath>

#include "engine/data/jurisdictions.hpp"
#include "engine/geo/projection.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/render/tour.hpp"
#include "engine/util/i18n.hpp"
#include "layers/decorations_layer.hpp"
#include "layers/heatmap_layer.hpp"
#include "layers/layer_factory.hpp"

namespace sandtable::brief {

std::vector<report::SquadMap> renderSquadMaps(const MapRequest& req, const SquadCatalogue& squads,
                                              const std::function<void(size_t, const std::string&)>& progress,
                                              std::vector<std::string>& warnings) {
    std::vector<report::SquadMap> maps(squads.size());
    std::string why;
    auto ctx = tryCreateHeadless(&why);
    if (!ctx) {
        for (auto& m : maps) m.why = std::string(tr("brief.map.no_gl", req.lang)) + why;
        warnings.push_back("no OpenGL context, the squad maps are left out: " + why);
        for (size_t i = 0; i < squads.size() && progress; ++i) progress(i, squads[i].name.get(req.lang));
        return maps;
    }
    const SceneSpec& scene = *req.scene;
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    for (const auto& e : errors) warnings.push_back("map layer: " + e);
    map->language = req.lang;

    std::vector<Jurisdiction> jurisdictions;
    if (!scene.jurisdictionsPath.empty()) jurisdictions = loadJurisdictions(scene.jurisdictionsPath);
    if (jurisdictions.empty()) warnings.push_back("the scene names no jurisdictions: the maps show the district");

    // The month's complaints (received in the period) are the heat, in the display CRS.
    const Transformer toDisplay("wgs84", map->context.displayCrs);
    for (const auto& l : map->layers()) {
        if (l->id() == "complaints") {
            if (auto* heat = dynamic_cast<HeatmapLayer*>(l.get())) {
                std::vector<HeatPoint> pts;
                for (const auto& c : req.records->complaints) {
                    if (!req.result->period.contains(c.receivedAt)) continue;
                    Vec2d p = c.lonLat;
                    if (toDisplay.forward(p)) pts.push_back({p, 1.0, c.receivedAt});
                }
                heat->setPoints(std::move(pts));
                heat->visible = true;
            }
        }
        // The page has its own title, legend and date: the inset keeps the scale bar, the
        // north arrow and the credits.
        if (auto* deco = dynamic_cast<DecorationsLayer*>(l.get())) {
            deco->options().title = false;
            deco->options().legend = false;
            deco->options().clock = false;
        }
        // Live-only layers have nothing to show in a report (no feed is attached).
        if (l->id() == "presence" || l->id() == "trails") l->visible = false;
    }

    FrameState frame;
    frame.time = req.result->at;
    for (size_t i = 0; i < squads.size(); ++i) {
        const SquadInfo& info = squads[i];
        if (progress) progress(i, info.name.get(req.lang));
        bool lagging = false;
        for (const auto& s : req.result->squads)
            if (s.squad == i) lagging = s.lagging.value_or(false);
        const auto [wPt, hPt] = report::squadMapBox(lagging);
        const int w = static_cast<int>(std::lround(wPt / 72.0 * req.dpi));
        const int h = static_cast<int>(std::lround(hPt / 72.0 * req.dpi));
        applySceneView(scene, *map, w, h);
        // The wall tour's squad stop fits the jurisdiction (80 % of the view).
        WallSpec spec;
        TourStop stop;
        stop.kind = TourStop::Kind::Squad;
        stop.squad = info.id;
        spec.tour.push_back(stop);
        const TourPlayer tour(spec, *map, jurisdictions);
        const TourPlayer::Target target = tour.targetOf(stop);
        map->camera.center = target.center;
        map->camera.resolution = target.resolution;
        map->camera.rotation = 0;
        report::SquadMap& out = maps[i];
        out.image = renderOffscreen(*map, frame, w, h);
        out.camera = map->camera;
        for (const Jurisdiction& j : jurisdictions)
            if (j.squad == info.id)
                for (const auto& ring : j.rings) {
                    std::vector<Vec2d> r;
                    for (Vec2d p : ring)
                        if (toDisplay.forward(p)) r.push_back(p);
                    out.outline.push_back(std::move(r));
                }
    }
    return maps;
}

}  // namespace sandtable::brief
