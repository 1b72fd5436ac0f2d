#include "layers/layer_factory.hpp"

#include <chrono>
#include <sstream>

#include "engine/geo/projection.hpp"
#include "engine/util/log.hpp"
#include "layers/decorations_layer.hpp"
#include "layers/heatmap_layer.hpp"
#include "layers/officer_layer.hpp"
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
        if (src.has("openOptions")) {  // {"X_POSSIBLE_NAMES": "lon", ...}: GDAL open options
            const JsonReader oo = src.child("openOptions");
            if (!oo.json().is_object()) oo.failHere("expected an object of GDAL open options");
            for (const auto& item : oo.json().items())
                vs.openOptions.push_back(item.key() + "=" + oo.string(item.key()));
        }
        VectorStyle style = r.has("style") ? parseVectorStyle(r.child("style")) : VectorStyle{};
        VectorData data = loadVector(vs, map.context.displayCrs);  // throws: broken source
        return std::make_unique<VectorLayer>(spec.id, title, std::move(data), std::move(style), map.context,
                                             msSince(t0));
    }
    if (spec.type == "raster") {
        const JsonReader src = r.child("source");
        auto source = std::make_unique<RasterSource>(scene.resolve(src.string("path")), map.context.displayCrs,
                                                     src.string("crs", ""));
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
    if (spec.type == "heatmap") {
        HeatmapLayerConfig cfg;
        cfg.id = spec.id;
        cfg.title = title;
        cfg.opacity = static_cast<float>(spec.opacity);
        if (r.has("source") && r.child("source").has("feed")) {  // live: officers' positions
            if (r.child("source").string("feed") != "presence") r.child("source").fail("feed", "expected presence");
            cfg.presenceFeed = true;
        } else if (r.has("source")) {
            const JsonReader src = r.child("source");
            cfg.source.path = scene.resolve(src.string("path"));
            cfg.source.layer = src.string("layer", "");
            cfg.source.weightField = src.string("weightField", "");
            cfg.source.timeField = src.string("timeField", "");
            cfg.source.xField = src.string("xField", "");
            cfg.source.yField = src.string("yField", "");
            cfg.source.sourceCrs = src.string("crs", "");
        }
        HeatmapSettings& h = cfg.settings;
        if (r.has("kernel") && !parseKernelShape(r.string("kernel"), h.kernel))
            r.fail("kernel", "expected quartic, triangular, uniform, triweight, epanechnikov or gaussian");
        if (r.has("output") && !parseKdeOutput(r.string("output"), h.output))
            r.fail("output", "expected raw or scaled");
        if (r.has("ramp") && !parseColorRamp(r.string("ramp"), h.ramp))
            r.fail("ramp", "expected viridis, inferno, magma or ylorrd");
        h.radius = r.number("radius", h.radius, 1e-6, 1e7);
        const std::string unit = r.string("radiusUnit", "m");
        if (unit == "m" || unit == "metres" || unit == "meters")
            h.radiusUnit = RadiusUnit::Metres;
        else if (unit == "px" || unit == "pixels")
            h.radiusUnit = RadiusUnit::Pixels;
        else
            r.fail("radiusUnit", "expected m or px");
        h.decay = r.number("decay", h.decay, 0.0, 1.0);
        if (r.has("max")) {
            h.normalisation = Normalisation::Fixed;
            h.fixedMax = r.number("max", 1.0, 1e-12, 1e300);
        }
        h.percentile = r.number("percentile", h.percentile, 0.5, 1.0);
        h.windowMs = static_cast<TimeMs>(r.number("windowSeconds", 0.0, 0.0, 1e9) * 1000.0);
        cfg.legendScale = r.number("legendScale", 1.0, 1e-12, 1e12);
        return std::make_unique<HeatmapLayer>(map.context, std::move(cfg));
    }
    if (spec.type == "officers") {
        OfficerLayerOptions o;
        const std::string by = r.string("colorBy", "status");
        if (by == "status")
            o.colorBy = OfficerLayerOptions::ColorBy::Status;
        else if (by == "squad")
            o.colorBy = OfficerLayerOptions::ColorBy::Squad;
        else
            r.fail("colorBy", "expected status or squad");
        o.minSizePx = static_cast<float>(r.number("minSize", o.minSizePx, 2.0, 128.0));
        o.maxSizePx = static_cast<float>(r.number("maxSize", o.maxSizePx, o.minSizePx, 256.0));
        o.staleAfterMs = static_cast<TimeMs>(r.number("staleSeconds", 120.0, 1.0, 86400.0) * 1000.0);
        o.labelMinZoom = r.number("labelMinZoom", o.labelMinZoom, 0.0, 24.0);
        o.dispatchK = static_cast<size_t>(r.number("dispatchK", 5.0, 1.0, 100.0));
        return std::make_unique<OfficerLayer>(spec.id, title, map.context, std::move(o));
    }
    r.fail("type", "unknown layer type '" + spec.type + "' (expected vector, raster, heatmap, officers, decorations)");
}

}  // namespace

void attachFeed(Map& map, const std::shared_ptr<FeedPipeline>& feed, TimeMs staleAfterMs) {
    for (const auto& l : map.layers())  // heatmaps of officers' presence
        if (auto* h = dynamic_cast<HeatmapLayer*>(l.get()); h && h->wantsPresenceFeed()) h->setFeed(feed);
    bool any = false;
    for (const auto& l : map.layers())
        if (auto* o = dynamic_cast<OfficerLayer*>(l.get())) {
            o->setFeed(feed);
            any = true;
        }
    if (any) return;
    // No officers layer in the scene: add one under the decorations (last layer).
    OfficerLayerOptions opts;
    opts.staleAfterMs = staleAfterMs;
    auto layer =
        std::make_unique<OfficerLayer>("officers", I18nText{"执法警员（实时）", "Officers (live)"}, map.context, opts);
    layer->setFeed(feed);
    map.insertLayer(map.layers().empty() ? 0 : map.layers().size() - 1, std::move(layer));
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
