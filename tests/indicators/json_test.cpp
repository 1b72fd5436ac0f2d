// The JSON contract other dashboards consume: keys in order, null for no data, counts.
#include "engine/indicators/json.hpp"
#include "tests/indicators/support.hpp"

using namespace kpitest;

namespace {
Result sampleResult(const SquadCatalogue& cat) {
    Records r;
    Complaint c;
    c.id = "c1";
    c.squad = 0;
    c.receivedAt = T("2024-10-08T09:00:00+08:00");
    c.firstContactAt = T("2024-10-08T09:30:00+08:00");
    c.dueAt = T("2024-10-15T09:00:00+08:00");
    r.complaints = {c, c};
    r.complaints[1].id = "c2";
    r.complaints[1].firstContactAt.reset();
    Case k;
    k.id = "k1";
    k.openedAt = T("2024-10-02T09:00:00+08:00");
    k.closedAt = T("2024-10-03T09:00:00+08:00");
    k.reviewScore = 85.5;
    r.cases = {k};
    return compute(r, cat, october(), T("2024-10-20T12:00:00+08:00"));
}
}  // namespace

TEST_CASE("JSON: period, squads in catalogue order with every key, district without rank and lagging",
          "[indicators][json]") {
    const auto cat = threeSquads();
    const auto j = toJson(sampleResult(cat), cat);
    REQUIRE(j.is_object());
    std::vector<std::string> top;
    for (const auto& [k, v] : j.items()) top.push_back(k);
    CHECK(top == std::vector<std::string>{"period", "squads", "district"});
    CHECK(j["period"]["from"] == "2024-10-01T00:00:00+08:00");
    CHECK(j["period"]["to"] == "2024-11-01T00:00:00+08:00");
    CHECK(j["period"]["at"] == "2024-10-20T12:00:00+08:00");
    REQUIRE(j["squads"].size() == 3);
    for (size_t i = 0; i < 3; ++i) {
        std::vector<std::string> keys;
        for (const auto& [k, v] : j["squads"][i].items()) keys.push_back(k);
        CHECK(keys == squadJsonKeys());
        CHECK(j["squads"][i]["squad"] == cat[i].id);
    }
    std::vector<std::string> want;
    for (const auto& k : squadJsonKeys())
        if (k != "squad" && k != "rank" && k != "lagging") want.push_back(k);
    std::vector<std::string> district;
    for (const auto& [k, v] : j["district"].items()) district.push_back(k);
    CHECK(district == want);
}

TEST_CASE("JSON: rates as fractions, null for no data (never 0), counts for every rate", "[indicators][json]") {
    const auto cat = threeSquads();
    const auto j = toJson(sampleResult(cat), cat);
    const auto& a = j["squads"][0];
    CHECK(a["first_contact_rate"].get<double>() == 0.5);  // 1 of 2
    CHECK(a["counts"]["first_contact_rate"] == nlohmann::ordered_json::array({1, 2}));
    // Both are due Oct 15, inside the period, and neither is closed: a real 0, not "no data".
    CHECK(a["on_time_rate"].get<double>() == 0.0);
    CHECK(a["counts"]["on_time_rate"] == nlohmann::ordered_json::array({0, 2}));
    CHECK(a["resolution_rate"].is_null());
    CHECK(a["counts"]["resolution_rate"] == nlohmann::ordered_json::array({0, 0}));
    CHECK(a["checkin_rate"].is_null());
    CHECK(a["inspection_rate"].is_null());
    CHECK(a["case_quality"].get<double>() == 85.5);  // the mean score, 0..100
    CHECK(a["counts"]["case_quality"][0].get<double>() == 85.5);
    CHECK(a["counts"]["case_quality"][1] == 1);
    CHECK(a["cases_opened"] == 1);
    CHECK(a["cases_good"] == 1);
    CHECK(a["missed_checkins"] == 0);
    CHECK(a["index"].is_number());
    CHECK(a["rank"] == 1);
    CHECK(a["lagging"] == true);  // the only ranked squad is also the last
    for (const char* k : {"first_contact_rate", "index", "case_quality"}) CHECK(j["squads"][1][k].is_null());
    CHECK(j["squads"][1]["rank"].is_null());
    CHECK(j["squads"][1]["lagging"].is_null());
    CHECK(j["squads"][1]["cases_opened"] == 0);  // a count is a count: 0, not null
    const auto& d = j["district"];
    std::vector<std::string> countKeys;
    for (const auto& [k, v] : d["counts"].items()) countKeys.push_back(k);
    CHECK(countKeys == std::vector<std::string>{"first_contact_rate", "on_time_rate", "resolution_rate",
                                                "satisfaction_rate", "checkin_rate", "inspection_rate",
                                                "case_quality"});
    CHECK(d["first_contact_rate"].get<double>() == 0.5);
}
