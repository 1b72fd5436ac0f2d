#include "layers/layer_factory.hpp"

#include <cmath>
#include <functional>
#include <map>

#include "engine/geo/projection.hpp"
#include "engine/util/i18n.hpp"
#include "engine/util/log.hpp"
#include "layers/checkpoint_layer.hpp"
#include "layers/decorations_layer.hpp"
#include "layers/dispatch_layer.hpp"
#include "layers/heatmap_layer.hpp"
#include "layers/inspection_layer.hpp"
#include "layers/officer_layer.hpp"
#include "layers/raster_layer.hpp"
#include "layers/scene_resources.hpp"
#include "layers/squad_layer.hpp"
#include "layers/trail_layer.hpp"
#include "layers/vector_layer.hpp"

namespace sandtable {

namespace {

// Scene layer types: each layer's own file parses its entry (its "make" function); the
// indicator layers share the scene's resources (one records model for all of them).
using MakeLayer = std::function<LayerPtr(const SceneSpec&, const LayerSpec&, const MapContext&, SceneResources&)>;
template <LayerPtr (*F)(const SceneSpec&, const LayerSpec&, const MapContext&)>
LayerPtr plain(const SceneSpec& s, const LayerSpec& l, const MapContext& c, SceneResources&) {
    return F(s, l, c);
}
const std::map<std::string, MakeLayer>& layerTypes() {
    static const std::map<std::string, MakeLayer> types = {
        {"vector", plain<makeVectorLayer>},
        {"raster", plain<makeRasterLayer>},
        {"heatmap", plain<makeHeatmapLayer>},
        {"officers", plain<makeOfficerLayer>},
        {"decorations", plain<makeDecorationsLayer>},
        {"squads", makeSquadLayer},
        {"checkpoint-status", makeCheckpointLayer},
        {"inspections", makeInspectionLayer},
        {"trails", plain<makeTrailLayer>},
    };
    return types;
}

}  // namespace

void attachFeed(Map& map, const std::shared_ptr<FeedPipeline>& feed, TimeMs staleAfterMs) {
    // The feed's check-ins count in the indicators the moment they arrive.
    for (const auto& l : map.layers()) {
        if (auto* s = dynamic_cast<SquadLayer*>(l.get())) s->model()->setFeed(feed);
        if (auto* c = dynamic_cast<CheckpointLayer*>(l.get())) c->model()->setFeed(feed);
    }
    for (const auto& l : map.layers())  // heatmaps of officers' presence
        if (auto* h = dynamic_cast<HeatmapLayer*>(l.get()); h && h->wantsPresenceFeed()) h->setFeed(feed);
    bool any = false;
    for (const auto& l : map.layers())
        if (auto* o = dynamic_cast<OfficerLayer*>(l.get())) {
            o->setFeed(feed);
            any = true;
        }
    if (!any) {
        // No officers layer in the scene: add one under the decorations (last layer).
        OfficerLayerOptions opts;
        opts.staleAfterMs = staleAfterMs;
        auto layer = std::make_unique<OfficerLayer>("officers", text("layer.officers"), map.context, opts);
        layer->setFeed(feed);
        map.insertLayer(map.layers().empty() ? 0 : map.layers().size() - 1, std::move(layer));
    }
    // Dispatch assist and incidents right above each officers layer, sharing its focus.
    for (size_t i = 0; i < map.layers().size(); ++i) {
        auto* o = dynamic_cast<OfficerLayer*>(map.layers()[i].get());
        if (!o) continue;
        const bool hasDispatch = i + 1 < map.layers().size() && dynamic_cast<DispatchLayer*>(map.layers()[i + 1].get());
        if (hasDispatch) {
            static_cast<DispatchLayer*>(map.layers()[i + 1].get())->setFeed(feed);
            continue;
        }
        DispatchLayerOptions d;
        d.k = o->options().dispatchK;
        d.staleAfterMs = o->options().staleAfterMs;
        auto layer =
            std::make_unique<DispatchLayer>(o->id() + "-dispatch", text("layer.dispatch"), map.context, d, o->focus());
        layer->setFeed(feed);
        map.insertLayer(i + 1, std::move(layer));
    }
    // Trails share the feed and the officer markers' focus (the selected officer's day).
    std::shared_ptr<OfficerFocus> focus;
    for (const auto& l : map.layers())
        if (auto* o = dynamic_cast<OfficerLayer*>(l.get()); o && !focus) focus = o->focus();
    for (const auto& l : map.layers())
        if (auto* t = dynamic_cast<TrailLayer*>(l.get())) {
            t->setFeed(feed);
            if (focus) t->setFocus(focus);
        }
}

std::unique_ptr<Map> buildMap(const SceneSpec& scene, std::vector<std::string>& errors) {
    MapContext ctx;
    ctx.displayCrs = scene.displayCrs;
    ctx.refLatitude = scene.viewCenterLonLat.y;
    try {
        Transformer toDisplay("wgs84", scene.displayCrs);
        Vec2d o = scene.viewCenterLonLat;
        if (!toDisplay.forward(o))
            throw SceneError(scene.file + ": view.center: cannot be projected to '" + scene.displayCrs + "'");
        // A round origin keeps vertex values readable in debugging; precision is the same.
        ctx.origin = {std::round(o.x / 1000.0) * 1000.0, std::round(o.y / 1000.0) * 1000.0};
    } catch (const SceneError&) {
        throw;
    } catch (const std::exception& e) {
        throw SceneError(scene.file + ": crs: " + e.what());
    }
    try {
        ctx.squads = sceneSquads(scene);  // the feed's squads too (FeedSources::feedConfig)
    } catch (const std::exception& e) {
        throw SceneError(scene.file + ": squads: " + e.what());
    }
    auto map = std::make_unique<Map>(ctx);
    SceneResources resources(scene, map->context.squads);
    map->background = scene.background;
    map->title = {scene.titleZh, scene.titleEn};
    map->attribution = {scene.attributionZh, scene.attributionEn};
    for (const LayerSpec& spec : scene.layers) {
        const auto type = layerTypes().find(spec.type);
        if (type == layerTypes().end()) {
            std::string known;
            for (const auto& [name, make] : layerTypes()) known += (known.empty() ? "" : ", ") + name;
            JsonReader(spec.config, scene.file, spec.keyPath)
                .fail("type", "unknown layer type '" + spec.type + "' (expected " + known + ")");
        }
        try {
            LayerPtr layer = type->second(scene, spec, ctx, resources);
            layer->visible = spec.visible;
            layer->opacity = static_cast<float>(spec.opacity);
            layer->showInLegend = spec.legend;
            for (const auto& w : layer->warnings()) log::warn("layer '" + spec.id + "': " + w);
            map->addLayer(std::move(layer));
        } catch (const SceneError&) {
            throw;
        } catch (const std::exception& e) {
            const std::string msg = scene.file + ": " + spec.keyPath + " (layer '" + spec.id + "'): " + e.what();
            log::error(msg + " -- layer skipped, the others still draw");
            errors.push_back(msg);
        }
    }
    return map;
}

}  // namespace sandtable
