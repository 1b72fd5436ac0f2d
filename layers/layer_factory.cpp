#include "layers/layer_factory.hpp"

#include <chrono>
#include <sstream>

#include "engine/geo/projection.hpp"
#include "engine/util/log.hpp"
#include "layers/decorations_layer.hpp"
#include "layers/raster_layer.hpp"
#include "layers/vector_layer.hpp"

namespace sandtable {

namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

LayerPtr createLayer(const SceneSpec& scene, const LayerSpec& spec, Map& map) {
    const JsonReader r(spec.config, scene.file, spec.keyPath);
    I18nText title{spec.titleZh, spec.titleEn};
    const auto t0 = std::chrono::steady_clock::now();
    if (spec.type == "vector") {
        const JsonReader src = r.child("source");
        VectorSourceSpec vs;
        vs.path = scene.resolve(src.string("path"));
        vs.layer = src.string("layer", "");
        vs.crs = src.string("crs", "");
        vs.where = src.string("where", "");
        VectorStyle style = r.has("style") ? parseVectorStyle(r.child("style")) : VectorStyle{};
        VectorData data = loadVector(vs, map.context.displayCrs);  // throws: broken source
        return std::make_unique<VectorLayer>(spec.id, title, std::move(data), std::move(style), map.context, msSince(t0));
    }
    if (spec.type == "raster") {
        const JsonReader src = r.child("source");
        auto source = std::make_unique<RasterSource>(scene.resolve(src.string("path")), map.context.displayCrs, src.string("crs", ""));
        return std::make_unique<RasterLayer>(spec.id, title, std::move(source), map.context, msSince(t0));
    }
    if (spec.type == "decorations") {
        DecorationsOptions o;
        o.title = r.boolean("banner", true);
        o.scaleBar = r.boolean("scaleBar", true);
        o.northArrow = r.boolean("northArrow", true);
        o.legend = r.boolean("legend", true);
        o.clock = r.boolean("clock", true);
        o.panel = r.color("panel", o.panel);
        o.text = r.color("text", o.text);
        o.accent = r.color("accent", o.accent);
        return std::make_unique<DecorationsLayer>(spec.id, title, map, o);
    }
    r.fail("type", "unknown layer type '" + spec.type + "' (expected vector, raster, decorations)");
}

}  // namespace

std::unique_ptr<Map> buildMap(const SceneSpec& scene, std::vector<std::string>& errors) {
    MapContext ctx;
    ctx.displayCrs = scene.displayCrs;
    ctx.refLatitude = scene.viewCenterLonLat.y;
    try {
        Transformer toDisplay("wgs84", scene.displayCrs);
        Vec2d o = scene.viewCenterLonLat;
        if (!toDisplay.forward(o)) throw SceneError(scene.file + ": view.center: cannot be projected to '" + scene.displayCrs + "'");
        // A round origin keeps vertex values readable in debugging; precision is the same.
        ctx.origin = {std::round(o.x / 1000.0) * 1000.0, std::round(o.y / 1000.0) * 1000.0};
    } catch (const SceneError&) {
        throw;
    } catch (const std::exception& e) {
        throw SceneError(scene.file + ": crs: " + e.what());
    }
    auto map = std::make_unique<Map>(ctx);
    map->background = scene.background;
    map->title = {scene.titleZh, scene.titleEn};
    map->attribution = {scene.attributionZh, scene.attributionEn};
    for (const LayerSpec& spec : scene.layers) {
        try {
            LayerPtr layer = createLayer(scene, spec, *map);
            layer->visible = spec.visible;
            layer->opacity = static_cast<float>(spec.opacity);
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
