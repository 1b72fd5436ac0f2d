#include <filesystem>
#include <fstream>

#include "engine/data/scene.hpp"
#include "engine/geo/projection.hpp"
#include "engine/render/offscreen.hpp"
#include "gl_fixture.hpp"
#include "layers/vector_layer.hpp"

using namespace sandtable;

namespace {
// Two squares side by side (WGS84) with a numeric and a category attribute; a bowtie.
const char* kGeoJson = R"({"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"value":5,"kind":"a"},"geometry":{"type":"Polygon","coordinates":[[[121.390,31.240],[121.395,31.240],[121.395,31.245],[121.390,31.245],[121.390,31.240]]]}},
 {"type":"Feature","properties":{"value":50,"kind":"b"},"geometry":{"type":"Polygon","coordinates":[[[121.400,31.240],[121.405,31.240],[121.405,31.245],[121.400,31.245],[121.400,31.240]]]}}]})";

std::unique_ptr<Map> makeMap(VectorStyle style, const std::string& path) {
    MapContext ctx;
    ctx.displayCrs = "EPSG:4549";
    ctx.refLatitude = 31.24;
    VectorSourceSpec spec;
    spec.path = path;
    VectorData data = loadVector(spec, ctx.displayCrs);
    ctx.origin = data.bounds.center();
    auto map = std::make_unique<Map>(ctx);
    map->background = Color::fromHex(0x000000);
    map->camera.center = data.bounds.center();
    map->camera.width = 400;
    map->camera.height = 200;
    map->camera.fit(data.bounds, 20);
    map->addLayer(std::make_unique<VectorLayer>("v", I18nText{"v", "v"}, std::move(data), std::move(style), ctx, 0.0));
    return map;
}

Vec2d screenOf(const Map& map, double lon, double lat) {
    Vec2d p{lon, lat};
    map.fromWgs84().forward(p);
    return map.camera.worldToScreen(p);
}
}  // namespace

TEST_CASE("Class breaks and categories colour polygons, and strokes have their pixel width", "[gl][vector]") {
    ST_REQUIRE_GL();
    const std::string path = (std::filesystem::temp_directory_path() / "sandtable_choropleth.geojson").string();
    std::ofstream(path) << kGeoJson;

    nlohmann::json j =
        nlohmann::json::parse(R"({"fill": {"field": "value", "breaks": [10], "colors": ["#ff0000", "#0000ff"]},
                                                "stroke": "#00ff00", "strokeWidth": 6})");
    auto map = makeMap(parseVectorStyle(JsonReader(j, "t.json", "style")), path);
    Image img = renderOffscreen(*map, FrameState{}, 400, 200);
    CHECK(glGetError() == GL_NO_ERROR);
    const Vec2d a = screenOf(*map, 121.3925, 31.2425), b = screenOf(*map, 121.4025, 31.2425);
    const uint8_t* pa = img.pixel(static_cast<int>(a.x), static_cast<int>(a.y));
    const uint8_t* pb = img.pixel(static_cast<int>(b.x), static_cast<int>(b.y));
    CHECK(pa[0] > 200);  // value 5 <= 10: red
    CHECK(pa[2] < 50);
    CHECK(pb[2] > 200);  // value 50 > 10: blue
    CHECK(pb[0] < 50);
    // The left edge of square a: count green pixels across it on the middle row.
    const Vec2d edge = screenOf(*map, 121.390, 31.2425);
    int green = 0;
    for (int x = static_cast<int>(edge.x) - 10; x <= static_cast<int>(edge.x) + 10; ++x)
        green += img.pixel(x, static_cast<int>(edge.y))[1] > 128;
    // 6 px at this output's pixel ratio (0.75, below 1080p) is 4.5 px.
    CHECK(pixelRatioFor(400, 200) == 0.75f);
    CHECK(green >= 4);
    CHECK(green <= 6);

    j = nlohmann::json::parse(
        R"({"fill": {"field": "kind", "categories": {"a": "#ffff00", "b": {"color": "#00ffff", "label": {"zh": "乙", "en": "B"}}}}})");
    const VectorStyle cat = parseVectorStyle(JsonReader(j, "t.json", "style"));
    REQUIRE(cat.categories.at("b").label.zh == "乙");
    map = makeMap(cat, path);
    img = renderOffscreen(*map, FrameState{}, 400, 200);
    pa = img.pixel(static_cast<int>(a.x), static_cast<int>(a.y));
    pb = img.pixel(static_cast<int>(b.x), static_cast<int>(b.y));
    CHECK((pa[0] > 200 && pa[1] > 200 && pa[2] < 50));
    CHECK((pb[0] < 50 && pb[1] > 200 && pb[2] > 200));
    LegendBlock legend;
    auto* layer = dynamic_cast<VectorLayer*>(map->layers()[0].get());
    REQUIRE(layer);
    CHECK_FALSE(layer->legend(legend));  // no legend asked for
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("Bad styles fail naming the key", "[gl][vector]") {
    auto bad = [](const char* text) {
        nlohmann::json j = nlohmann::json::parse(text);
        try {
            parseVectorStyle(JsonReader(j, "s.json", "layers[1].style"));
        } catch (const SceneError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK_THAT(bad(R"({"fill": {"field": "v", "breaks": [10, 5], "colors": ["#000000", "#000000", "#000000"]}})"),
               Catch::Contains("s.json: layers[1].style.fill.breaks[1]: breaks must be strictly ascending"));
    CHECK_THAT(bad(R"({"fill": {"field": "v", "breaks": [10], "colors": ["#000000"]}})"),
               Catch::Contains("fill.colors: expected 2 colours"));
    CHECK_THAT(bad(R"({"strokeWidth": 500})"), Catch::Contains("layers[1].style.strokeWidth: value 500 out of range"));
    CHECK_THAT(bad(R"({"legend": {"mode": "pie"}})"), Catch::Contains("style.legend.mode: expected single"));
}
