// The model the map and panels read: natural breaks, the period choices, recompute only
// when the second or the data changes, live check-ins from the feed counted at once.
#include "engine/indicators/live_model.hpp"
#include "engine/indicators/presentation.hpp"
#include "tests/indicators/support.hpp"

using namespace kpitest;

TEST_CASE("natural breaks split clusters where the gaps are", "[indicators][presentation]") {
    // Three clear clusters: {1, 2, 3}, {10, 11}, {20}: the breaks are the last values of the lower classes.
    CHECK(naturalBreaks({3, 1, 20, 2, 11, 10}, 3) == std::vector<double>{3, 11});
    // Fewer distinct values than classes: each value its own class.
    CHECK(naturalBreaks({5, 5, 7}, 5) == std::vector<double>{5});
    CHECK(naturalBreaks({4}, 5).empty());
    // Two classes of the sample's spread: the cut falls in the largest gap.
    CHECK(naturalBreaks({81.9, 85.8, 87.4, 89.8, 90.5, 92.8, 92.8, 93.7, 94.5, 96.7}, 2) == std::vector<double>{87.4});
}

TEST_CASE("the month of a time, in Shanghai local time", "[indicators][presentation]") {
    const Period p = localMonthOf(T("2024-10-31T23:59:59+08:00"));
    CHECK(p.from == T("2024-10-01T00:00:00+08:00"));
    CHECK(p.to == T("2024-11-01T00:00:00+08:00"));
    // 2024-10-31T16:30Z is already November 1st in Shanghai.
    CHECK(localMonthOf(T("2024-10-31T16:30:00Z")).from == T("2024-11-01T00:00:00+08:00"));
    CHECK(localMonthOf(T("2024-12-15T12:00:00+08:00")).to == T("2025-01-01T00:00:00+08:00"));
}

TEST_CASE("the live model recomputes per second and counts feed check-ins once", "[indicators][live]") {
    const auto cat = threeSquads();
    Records r;
    CheckpointRecord cp;
    cp.id = "SZH-01";
    cp.squad = idx(cat, "alpha");
    cp.level = 1;  // a 2-hour window
    cp.lonLat = {121.40, 31.25};
    r.checkpoints.push_back(cp);
    IndicatorModel m(Evaluator(r, cat), october(), 6, {});
    const TimeMs t = T("2024-10-15T09:10:00+08:00");  // in the 08:00-10:00 window
    CHECK(m.update(t, {}));
    REQUIRE(m.checkpoints().size() == 1);
    CHECK(m.checkpoints()[0].state == WindowState::NotYetDue);
    const uint64_t v = m.version();
    CHECK_FALSE(m.update(t + 500, {}));  // the same second, no new data: nothing recomputed
    CHECK(m.version() == v);
    // A check-in arrives on the feed: the checkpoint is met at once, in the same second.
    std::vector<CheckIn> live{{"SZH-01", "PT-0001", t - 60000}};
    CHECK(m.update(t + 600, live));
    CHECK(m.checkpoints()[0].state == WindowState::Met);
    CHECK(m.evaluator().liveAccepted() == 1);
    // The feed republishes the same list (a new snapshot): it counts once.
    std::vector<CheckIn> again = live;
    again.push_back({"SZH-01", "PT-0002", t - 30000});
    CHECK(m.update(t + 700, again));
    CHECK(m.evaluator().liveAccepted() == 2);
    // The period choices: the scene's month (evaluated at its end), this month to date.
    CHECK(m.period() == october());
    CHECK(m.evaluatedAt() == october().to);
    m.setPeriodChoice(PeriodChoice::MonthToDate);
    m.update(t + 800, again);
    CHECK(m.evaluatedAt() == t + 800);
    m.setPeriodChoice(PeriodChoice::PreviousMonth);
    m.update(t + 900, again);
    CHECK(m.period().from == T("2024-09-01T00:00:00+08:00"));
    CHECK(m.trends().size() == 6);
}
