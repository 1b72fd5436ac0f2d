#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/data/scene.hpp"
#include "engine/geo/projection.hpp"
#include "engine/render/offscreen.hpp"
#include "gl_fixture.hpp"
#include "layers/vector_layer.hpp"
#include "tests/support/temp_path.hpp"
#include "vector_map.hpp"

using namespace sandtable;

namespace {
// Two squares side by side (WGS84) with a numeric and a category attribute; a bowtie.
const char* kGeoJson = R"({"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"value":5,"kind":"a"},"geometry":{"type":"Polygon","coordinates":[[[121.390,31.240],[121.395,31.240],[121.395,31.245],[121.390,31.245],[121.390,31.240]]]}},
 {"type":"Feature","properties":{"value":50,"kind":"b"},"geometry":{"type":"Polygon","coordinates":[[[121.400,31.240],[121.405,31.240],[121.405,31.245],[121.400,31.245],[121.400,31.240]]]}}]})";

std::unique_ptr<Map> makeMap(VectorStyle style, const std::string& path) {
    return test::vectorMap(path, std::move(style), 400, 200, 20, Color::fromHex(0x000000));
}

Vec2d screenOf(const Map& map, double lon, double lat) {
    Vec2d p{lon, lat};
    map.fromWgs84().forward(p);
    return map.camera.worldToScreen(p);
}
}  // namespace

TEST_CASE("Class breaks and categories colour polygons, and strokes have their pixel width", "[gl][vector]") {
    ST_REQUIRE_GL();
    const std::string path = test::processTempPath("sandtable_choropleth.geojson").string();
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

TEST_CASE("Strokes coloured and sized by category, wider ones on top, with their legend", "[gl][vector]") {
    ST_REQUIRE_GL();
    // Two roads crossing at (121.40, 31.24): a minor one north-south and a major one
    // east-west, written minor first so that only the width order puts the major on top;
    // a third with a class the style does not list.
    const std::string path = test::processTempPath("sandtable_roads.geojson").string();
    std::ofstream(path) << R"({"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"class":"secondary"},"geometry":{"type":"LineString","coordinates":[[121.400,31.235],[121.400,31.245]]}},
 {"type":"Feature","properties":{"class":"motorway"},"geometry":{"type":"LineString","coordinates":[[121.390,31.240],[121.410,31.240]]}},
 {"type":"Feature","properties":{"class":"track"},"geometry":{"type":"LineString","coordinates":[[121.390,31.236],[121.410,31.236]]}}]})";
    nlohmann::json j = nlohmann::json::parse(R"({"strokeWidth": 6, "stroke": {"field": "class", "default": "#0000ff",
        "categories": {"motorway": {"color": "#ff0000", "width": 12, "label": {"zh": "高速", "en": "Motorway"}},
                       "secondary": {"color": "#00ff00", "width": 4}}},
        "legend": {"mode": "categories"}})");
    const VectorStyle style = parseVectorStyle(JsonReader(j, "t.json", "style"));
    REQUIRE(style.strokeCategories.size() == 2);
    CHECK(style.strokeCategories.at("motorway").width == 12.0f);
    CHECK(style.strokeCategories.at("secondary").label.en == "secondary");  // a bare colour: the value is its label
    auto map = makeMap(style, path);
    Image img = renderOffscreen(*map, FrameState{}, 400, 200);
    auto at = [&](double lon, double lat) {
        const Vec2d p = screenOf(*map, lon, lat);
        return img.pixel(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
    };
    const uint8_t* cross = at(121.400, 31.240);
    CHECK((cross[0] > 200 && cross[1] < 60));  // the motorway drawn over the secondary road
    const uint8_t* minor = at(121.400, 31.2435);
    CHECK((minor[1] > 200 && minor[0] < 60));
    const uint8_t* other = at(121.395, 31.236);
    CHECK((other[2] > 200 && other[0] < 60));  // unlisted class: the default colour
    // Widths: 12 and 4 px at pixel ratio 0.75 are 9 and 3 px across.
    auto across = [&](double lon, double lat, bool vertical, int channel) {
        const Vec2d p = screenOf(*map, lon, lat);
        int n = 0;
        for (int d = -15; d <= 15; ++d) {
            const int x = static_cast<int>(p.x) + (vertical ? 0 : d), y = static_cast<int>(p.y) + (vertical ? d : 0);
            n += img.pixel(x, y)[channel] > 128;
        }
        return n;
    };
    const int wide = across(121.395, 31.240, true, 0), narrow = across(121.400, 31.2435, false, 1);
    CHECK(wide >= 8);
    CHECK(wide <= 10);
    CHECK(narrow >= 2);
    CHECK(narrow <= 4);
    LegendBlock legend;
    REQUIRE(map->layers()[0]->legend(legend));
    REQUIRE(legend.entries.size() == 2);  // widest first
    CHECK(legend.entries[0].kind == LegendEntry::Kind::Line);
    CHECK(legend.entries[0].label.zh == "高速");
    CHECK(legend.entries[0].width == 12.0f);
    CHECK(legend.entries[1].width == 4.0f);
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
    CHECK_THAT(bad(R"({"stroke": {"categories": {"a": "#ff0000"}}})"),
               Catch::Contains("layers[1].style.stroke.field: required key is missing"));
    CHECK_THAT(bad(R"({"stroke": {"field": "c", "categories": {"a": {"color": "#ff0000", "width": 99}}}})"),
               Catch::Contains("style.stroke.categories.a.width: value 99 out of range"));
    CHECK_THAT(bad(R"({"stroke": {"field": "c", "categories": {"a": "blue"}}})"),
               Catch::Contains("style.stroke.categories.a: expected a colour"));
}
