// The squad catalogue and the scene's indicator keys.
#include <nlohmann/json.hpp>

#include "engine/data/scene.hpp"
#include "tests/indicators/support.hpp"

using namespace kpitest;

namespace {
std::string sceneError(const std::string& indicators) {
    const std::string text =
        R"({"crs": "EPSG:4549", "view": {"center": [121.4, 31.25]}, "layers": [], "indicators": )" + indicators + "}";
    try {
        parseScene(text, "scene.json");
    } catch (const SceneError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("squad catalogue: the built-in squads equal data/putuo/squads.csv", "[indicators][squads]") {
    const auto file = SquadCatalogue::load(sampleSquads());
    const auto built = SquadCatalogue::builtIn();
    REQUIRE(built.size() == file.size());
    for (size_t i = 0; i < file.size(); ++i) {
        INFO(file[i].id);
        CHECK(built[i].id == file[i].id);
        CHECK(built[i].code == file[i].code);
        CHECK(built[i].name.zh == file[i].name.zh);
        CHECK(built[i].name.en == file[i].name.en);
        CHECK(built[i].jurisdiction.zh == file[i].jurisdiction.zh);
        CHECK(built[i].jurisdiction.en == file[i].jurisdiction.en);
        CHECK(built.colorOf(i).r == file[i].color.r);
        CHECK(built.colorOf(i).g == file[i].color.g);
        CHECK(built.colorOf(i).b == file[i].color.b);
    }
    // A scene without "squads" gets them; by feed index past the end: cycled colour, "#N".
    SceneSpec bare;
    CHECK(sceneSquads(bare).ids() == defaultSquadIds());
    CHECK(built.colorOf(10).r == built.colorOf(0).r);
    CHECK(built.nameOf(12).en == "#12");
}

TEST_CASE("squad catalogue: the ten Putuo squads in code order, named, coloured as the map", "[indicators][squads]") {
    const auto cat = SquadCatalogue::load(sampleSquads());
    REQUIRE(cat.size() == 10);
    CHECK(cat.ids() == defaultSquadIds());  // the feed's default list, same order
    CHECK(cat[0].id == "caoyang");
    CHECK(cat[0].code == "310107005");
    CHECK(cat[0].name.zh == "曹杨新村中队");
    CHECK(cat[0].name.en == "Caoyang squad");
    CHECK(cat[0].jurisdiction.zh == "曹杨新村街道");
    CHECK(*cat.indexOf("taopu") == 9);
    CHECK_FALSE(cat.indexOf("putuo"));
    for (size_t i = 1; i < cat.size(); ++i) CHECK(cat[i - 1].code < cat[i].code);
    // The colours are the jurisdictions' fill categories in the scene.
    std::ifstream in(sourceDir() + "/data/putuo/scene.json");
    const auto scene = nlohmann::json::parse(in);
    for (const auto& layer : scene["layers"]) {
        if (layer["id"] != "jurisdictions") continue;
        for (const auto& s : cat.squads()) {
            Color c;
            REQUIRE(parseHexColor(layer["style"]["fill"]["categories"][s.id].get<std::string>(), c));
            CHECK(c.r == s.color.r);
            CHECK(c.g == s.color.g);
            CHECK(c.b == s.color.b);
        }
    }
}

TEST_CASE("squad catalogue: errors name the file, the line and the reason", "[indicators][squads]") {
    TempDir dir;
    const std::string header = "id,code,jurisdiction_zh,jurisdiction_en,squad_zh,squad_en,color\n";
    auto err = [&](const std::string& text) {
        dir.write("squads.csv", text);
        try {
            SquadCatalogue::load(dir.file("squads.csv"));
        } catch (const SquadCatalogueError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK_THAT(err(header + "a,1,甲,A,甲中队,A squad,#112233\na,2,乙,B,乙中队,B squad,#112233\n"),
               Catch::Contains("squads.csv:3: duplicate squad id 'a'"));
    CHECK_THAT(err(header + "a,1,甲,A,甲中队,A squad,blue\n"), Catch::Contains("squads.csv:2: color 'blue'"));
    CHECK_THAT(err(header + "a,,甲,A,甲中队,A squad,#112233\n"),
               Catch::Contains("squads.csv:2: squad 'a' has no code"));
    CHECK_THAT(err("id,code\na,1\n"), Catch::Contains("no column 'jurisdiction_zh'"));
    CHECK_THAT(err(header), Catch::Contains("no squads"));
    CHECK_THROWS_WITH(SquadCatalogue::load(dir.file("missing.csv")), Catch::Contains("missing.csv: no such file"));
}

TEST_CASE("scene: squads, records and indicator weights, period and trends", "[indicators][scene]") {
    const std::string text =
        R"({"crs": "EPSG:4549", "view": {"center": [121.4, 31.25]}, "layers": [], "squads": "squads.csv",
            "records": "records", "indicators": {"weights": {"checkin_rate": 2, "case_quality": 0},
            "period": {"from": "2024-10-01T00:00:00+08:00", "to": "2024-11-01T00:00:00+08:00"}, "trends": 3}})";
    const SceneSpec s = parseScene(text, "dir/scene.json");
    CHECK(s.squadsPath == "dir/squads.csv");
    CHECK(s.recordsPath == "dir/records");
    CHECK(s.indicators.weights[SubScore::Checkin] == 2);
    CHECK(s.indicators.weights[SubScore::CaseQuality] == 0);
    CHECK(s.indicators.weights[SubScore::FirstContact] == 1);  // not named: 1
    CHECK(*s.indicators.periodFrom == october().from);
    CHECK(s.indicators.trendPeriods == 3);
    // Without the keys: no paths, weights 1, six trend periods.
    const SceneSpec plain =
        parseScene(R"({"crs": "EPSG:4549", "view": {"center": [121.4, 31.25]}, "layers": []})", "s.json");
    CHECK(plain.squadsPath.empty());
    CHECK(plain.indicators.weights.w == IndexWeights{}.w);
    CHECK(plain.indicators.trendPeriods == 6);

    CHECK_THAT(
        sceneError(R"({"weights": {"speed": 1}})"),
        Catch::Contains("scene.json: indicators.weights.speed: unknown indicator (expected one of first_contact_rate"));
    CHECK_THAT(sceneError(R"({"weights": {"on_time_rate": -1}})"),
               Catch::Contains("indicators.weights.on_time_rate: value -1 out of range"));
    CHECK_THAT(sceneError(R"({"weights": {"on_time_rate": "high"}})"), Catch::Contains("expected a number"));
    CHECK_THAT(sceneError(R"({"weights": {"first_contact_rate": 0, "on_time_rate": 0, "resolution_rate": 0,
                "satisfaction_rate": 0, "checkin_rate": 0, "inspection_rate": 0, "case_quality": 0}})"),
               Catch::Contains("indicators.weights: at least one weight must be positive"));
    CHECK_THAT(sceneError(R"({"period": {"from": "2024-10-01", "to": "2024-11-01T00:00:00+08:00"}})"),
               Catch::Contains("indicators.period.from: expected an ISO 8601 time with offset"));
    CHECK_THAT(sceneError(R"({"period": {"from": "2024-11-01T00:00:00+08:00", "to": "2024-10-01T00:00:00+08:00"}})"),
               Catch::Contains("indicators.period.to: must be later than from"));
    CHECK_THAT(sceneError(R"({"trends": 2.5})"), Catch::Contains("indicators.trends: expected a whole number"));
    CHECK_THAT(sceneError("[1]"), Catch::Contains("indicators: expected an object"));
}
