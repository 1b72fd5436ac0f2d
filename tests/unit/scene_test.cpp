#include <catch2/catch.hpp>

#include "engine/data/scene.hpp"

using namespace sandtable;

namespace {
const char* kGood = R"({
  "title": {"zh": "测试", "en": "Test"},
  "credits": {"zh": "数据 © OpenStreetMap contributors", "en": "Data © OpenStreetMap contributors"},
  "roads": "roads.geojson",
  "crs": "EPSG:4549",
  "view": {"center": [121.4, 31.25], "zoom": 13},
  "layers": [
    {"id": "a", "type": "vector", "source": {"path": "a.geojson"}, "opacity": 0.5},
    {"id": "b", "type": "decorations", "visible": false}
  ]
})";

std::string errorOf(const std::string& text) {
    try {
        parseScene(text, "scene.json");
    } catch (const SceneError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("A valid scene parses", "[scene]") {
    const SceneSpec s = parseScene(kGood, "dir/scene.json");
    CHECK(s.displayCrs == "EPSG:4549");
    CHECK(s.titleZh == "测试");
    CHECK(s.titleEn == "Test");
    CHECK(s.creditsZh == "数据 © OpenStreetMap contributors");
    CHECK(s.creditsEn == "Data © OpenStreetMap contributors");
    CHECK(s.roadsPath == "dir/roads.geojson");  // resolved like the other data paths
    CHECK(s.viewZoom == 13.0);
    REQUIRE(s.layers.size() == 2);
    CHECK(s.layers[0].opacity == 0.5);
    CHECK_FALSE(s.layers[1].visible);
    CHECK(s.resolve("a.geojson") == "dir/a.geojson");
    CHECK(s.resolve("/abs/x.shp") == "/abs/x.shp");
    CHECK(s.resolve("PG:dbname=x") == "PG:dbname=x");
}

TEST_CASE("Bad scenes fail naming the file, the key and the reason", "[scene]") {
    CHECK_THAT(errorOf("{\n\"crs\": \"EPSG:4549\",\n oops}"), Catch::StartsWith("scene.json:3: not valid JSON"));
    CHECK_THAT(errorOf(R"({"view": {"center": [121, 31]}, "layers": []})"),
               Catch::Contains("scene.json: crs: required key is missing"));
    CHECK_THAT(errorOf(R"({"crs": 4549, "view": {"center": [121, 31]}, "layers": []})"),
               Catch::Contains("crs: expected a string"));
    CHECK_THAT(errorOf(R"({"crs": "EPSG:4549", "view": {"center": [521, 31]}, "layers": []})"),
               Catch::Contains("view.center: longitude must be within"));
    CHECK_THAT(errorOf(R"({"crs": "EPSG:4549", "view": {"center": [121, 31], "zoom": 40}, "layers": []})"),
               Catch::Contains("view.zoom: value 40 out of range"));
    CHECK_THAT(errorOf(R"({"crs": "EPSG:4549", "view": {"center": [121, 31]}, "layers": {}})"),
               Catch::Contains("layers: expected an array"));
    CHECK_THAT(errorOf(R"({"crs": "EPSG:4549", "view": {"center": [121, 31]}, "layers": [{"type": "vector"}]})"),
               Catch::Contains("layers[0].id: required key is missing"));
    CHECK_THAT(
        errorOf(
            R"({"crs": "EPSG:4549", "view": {"center": [121, 31]}, "layers": [{"id": "x", "type": "vector"}, {"id": "x", "type": "vector"}]})"),
        Catch::Contains("layers[1].id: duplicate layer id 'x'"));
    CHECK_THAT(
        errorOf(
            R"({"crs": "EPSG:4549", "view": {"center": [121, 31]}, "layers": [{"id": "x", "type": "vector", "opacity": 2}]})"),
        Catch::Contains("layers[0].opacity: value 2 out of range"));
    CHECK_THAT(errorOf("[1, 2]"), Catch::Contains("must be a JSON object"));
    CHECK_THAT(errorOf(R"({"crs": "EPSG:4549", "view": {"center": [121, 31]}, "roads": 3, "layers": []})"),
               Catch::Contains("scene.json: roads: expected a string"));
    CHECK_THAT(errorOf(R"({"crs": "EPSG:4549", "view": {"center": [121, 31]}, "credits": [1], "layers": []})"),
               Catch::Contains("scene.json: credits: expected a string or"));
    // A number beyond a double's range is nlohmann's out_of_range, not a parse error: it
    // escaped as a plain exception without the file (found by tests/fuzz, fuzz_scene).
    CHECK_THAT(errorOf(R"({"crs": "EPSG:4549", "view": {"center": [121, 31], "zoom": 1e400}, "layers": []})"),
               Catch::StartsWith("scene.json: not valid JSON") && Catch::Contains("number overflow"));
}

TEST_CASE("Colours parse from hex and arrays and are checked", "[scene]") {
    nlohmann::json j = {{"a", "#ff8000"}, {"b", "#00000080"}, {"c", {0.5, 0.25, 1.0}}, {"d", "red"}, {"e", {2, 0, 0}}};
    JsonReader r(j, "f.json", "style");
    const Color a = r.color("a");
    CHECK(a.r == 1.0f);
    CHECK(a.g == Approx(128 / 255.0));
    CHECK(r.color("b").a == Approx(128 / 255.0));
    CHECK(r.color("c").b == 1.0f);
    CHECK_THROWS_WITH(r.color("d"), Catch::Contains("f.json: style.d: expected a colour"));
    CHECK_THROWS_WITH(r.color("e"), Catch::Contains("style.e: colour components must be in 0..1"));
    CHECK(r.color("missing", Color{0, 0, 0, 0.5f}).a == 0.5f);
}

TEST_CASE("The bundled Putuo scene parses", "[scene]") {
    const SceneSpec s = loadScene(std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo/scene.json");
    CHECK(s.displayCrs == "EPSG:4549");
    CHECK(s.layers.size() >= 5);
    // OpenStreetMap's data is drawn, so its ODbL attribution is on every render.
    CHECK_THAT(s.creditsZh, Catch::Contains("© OpenStreetMap contributors"));
    CHECK_THAT(s.creditsEn, Catch::Contains("© OpenStreetMap contributors"));
    CHECK_THAT(s.roadsPath, Catch::EndsWith("data/putuo/roads.geojson"));
    CHECK_THROWS_WITH(loadScene("/nonexistent/scene.json"), Catch::Contains("/nonexistent/scene.json: cannot open"));
}
