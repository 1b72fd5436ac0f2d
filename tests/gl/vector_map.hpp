#pragma once
// Shared by GL tests: a map of one vector layer "v" (the file at `path`, styled), in the
// Shanghai display CRS, its camera width x height and fitted to the data with `marginPx`.
#include <memory>
#include <string>

#include "engine/data/scene.hpp"
#include "engine/render/map.hpp"
#include "layers/vector_layer.hpp"

namespace sandtable::test {

inline std::unique_ptr<Map> vectorMap(const std::string& path, VectorStyle style, int width, int height,
                                      double marginPx, Color background) {
    MapContext ctx;
    ctx.displayCrs = "EPSG:4549";
    ctx.refLatitude = 31.24;
    VectorSourceSpec spec;
    spec.path = path;
    VectorData data = loadVector(spec, ctx.displayCrs);
    ctx.origin = data.bounds.center();
    auto map = std::make_unique<Map>(ctx);
    map->background = background;
    map->camera.center = data.bounds.center();
    map->camera.width = width;
    map->camera.height = height;
    map->camera.fit(data.bounds, marginPx);
    map->addLayer(std::make_unique<VectorLayer>("v", I18nText{"v", "v"}, std::move(data), std::move(style), ctx, 0.0));
    return map;
}

}  // namespace sandtable::test
