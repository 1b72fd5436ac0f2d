// Every indicator on small hand-built records; each expected value is worked out in the
// comment beside it from docs/domain.md's definitions.
#include <algorithm>

#include "tests/indicators/support.hpp"

using namespace kpitest;

namespace {

const Vec2d kHere{121.40, 31.25};

Complaint complaint(const std::string& id, size_t squad, const char* received, const char* due) {
    Complaint c;
    c.id = id;
    c.squad = squad;
    c.receivedAt = T(received);
    c.dueAt = T(due);
    c.lonLat = kHere;
    return c;
}

IndexWeights only(SubScore s) {
    IndexWeights w;
    w.w.fill(0);
    w[s] = 1;
    return w;
}

const SquadFigures& squadOf(const Result& r, const SquadCatalogue& c, const std::string& id) {
    return r.squads[idx(c, id)];
}

}  // namespace

TEST_CASE("first-contact rate: within 2 h of receipt, 2 h exactly counts, period edges half-open",
          "[indicators][complaints]") {
    const auto cat = threeSquads();
    Records r;
    const size_t a = idx(cat, "alpha");
    auto c1 = complaint("c1", a, "2024-10-05T09:00:00+08:00", "2024-10-12T09:00:00+08:00");
    c1.firstContactAt = T("2024-10-05T11:00:00+08:00");  // exactly 2 h: within
    auto c2 = complaint("c2", a, "2024-10-05T09:00:00+08:00", "2024-10-12T09:00:00+08:00");
    c2.firstContactAt = T("2024-10-05T11:00:01+08:00");                                      // 2 h 1 s: not within
    auto c3 = complaint("c3", a, "2024-10-06T09:00:00+08:00", "2024-10-13T09:00:00+08:00");  // never contacted
    auto c4 = complaint("c4", a, "2024-10-01T00:00:00+08:00", "2024-10-08T00:00:00+08:00");  // at the start: in
    c4.firstContactAt = T("2024-10-01T01:00:00+08:00");
    auto c5 = complaint("c5", a, "2024-11-01T00:00:00+08:00", "2024-11-08T00:00:00+08:00");  // at the end: out
    c5.firstContactAt = T("2024-11-01T00:10:00+08:00");
    auto c6 = complaint("c6", a, "2024-09-30T23:59:59+08:00", "2024-10-07T23:59:59+08:00");  // before: out
    c6.firstContactAt = T("2024-10-01T00:10:00+08:00");
    // A contact after the period's end still counts: the definition is about the
    // complaints received in the period, not about when they were contacted.
    auto c7 = complaint("c7", a, "2024-10-31T23:30:00+08:00", "2024-11-07T23:30:00+08:00");
    c7.firstContactAt = T("2024-11-01T00:30:00+08:00");
    r.complaints = {c1, c2, c3, c4, c5, c6, c7};
    const Result res = compute(r, cat, october(), october().to);
    // Received in [Oct 1, Nov 1): c1, c2, c3, c4, c7 = 5; within 2 h: c1, c4, c7 = 3.
    const auto& s = squadOf(res, cat, "alpha");
    CHECK(s.firstContact.num == 3);
    CHECK(s.firstContact.den == 5);
    CHECK(s.firstContact.value() == Approx(0.6));
    // Squads without complaints: no data, never 0 or 100 %.
    CHECK_FALSE(squadOf(res, cat, "bravo").firstContact.value().has_value());
    CHECK(squadOf(res, cat, "bravo").firstContact.den == 0);
}

TEST_CASE("on-time completion: due in the period, closed at or before due_at", "[indicators][complaints]") {
    const auto cat = threeSquads();
    Records r;
    auto d1 = complaint("d1", 0, "2024-10-03T12:00:00+08:00", "2024-10-10T12:00:00+08:00");
    d1.closedAt = T("2024-10-10T12:00:00+08:00");  // at due_at exactly: on time
    auto d2 = complaint("d2", 0, "2024-10-03T12:00:00+08:00", "2024-10-10T12:00:00+08:00");
    d2.closedAt = T("2024-10-10T12:00:01+08:00");                                            // a second late
    auto d3 = complaint("d3", 0, "2024-10-03T12:00:00+08:00", "2024-10-10T12:00:00+08:00");  // open: not on time
    auto d4 = complaint("d4", 0, "2024-10-25T00:00:00+08:00", "2024-11-01T00:00:00+08:00");  // due at the end: out
    d4.closedAt = T("2024-10-26T00:00:00+08:00");
    auto d5 = complaint("d5", 0, "2024-09-24T00:00:00+08:00", "2024-10-01T00:00:00+08:00");  // due at the start: in
    d5.closedAt = T("2024-09-30T00:00:00+08:00");
    r.complaints = {d1, d2, d3, d4, d5};
    const Result res = compute(r, cat, october(), october().to);
    // Due in October: d1, d2, d3, d5 = 4; closed by due_at: d1, d5 = 2.
    CHECK(res.squads[0].onTime.num == 2);
    CHECK(res.squads[0].onTime.den == 4);
}

TEST_CASE("resolution and satisfaction: closed in the period, over the rows that say", "[indicators][complaints]") {
    const auto cat = threeSquads();
    Records r;
    auto mk = [&](const char* id, const char* closed, std::optional<bool> resolved, Satisfaction s) {
        auto c = complaint(id, 0, "2024-09-20T10:00:00+08:00", "2024-09-27T10:00:00+08:00");
        c.closedAt = T(closed);
        c.resolved = resolved;
        c.satisfaction = s;
        return c;
    };
    r.complaints = {
        mk("r1", "2024-10-02T10:00:00+08:00", true, Satisfaction::Satisfied),
        mk("r2", "2024-10-02T10:00:00+08:00", false, Satisfaction::Unsatisfied),
        mk("r3", "2024-10-02T10:00:00+08:00", std::nullopt, Satisfaction::Unsatisfied),  // resolved empty
        mk("r4", "2024-10-02T10:00:00+08:00", true, Satisfaction::None),                 // no rating
        mk("r5", "2024-09-30T10:00:00+08:00", true, Satisfaction::Satisfied),            // closed before: out
        mk("r6", "2024-11-01T00:00:00+08:00", false, Satisfaction::Unsatisfied),         // closed at the end: out
    };
    const Result res = compute(r, cat, october(), october().to);
    // Resolution: closed in Oct with resolved set: r1, r2, r4 = 3; true: r1, r4 = 2.
    CHECK(res.squads[0].resolution.num == 2);
    CHECK(res.squads[0].resolution.den == 3);
    // Satisfaction: closed in Oct with a rating: r1, r2, r3 = 3; satisfied: r1 = 1.
    CHECK(res.squads[0].satisfaction.num == 1);
    CHECK(res.squads[0].satisfaction.den == 3);
}

TEST_CASE("cases: opened and non-site in the period, grades and mean score of the reviewed", "[indicators][cases]") {
    const auto cat = threeSquads();
    Records r;
    auto mk = [&](const char* id, const char* opened, const char* closed, bool nonSite, std::optional<double> score) {
        Case c;
        c.id = id;
        c.openedAt = T(opened);
        if (closed) c.closedAt = T(closed);
        c.nonSite = nonSite;
        c.reviewScore = score;
        c.lonLat = kHere;
        return c;
    };
    r.cases = {
        mk("k1", "2024-10-01T00:00:00+08:00", "2024-10-05T00:00:00+08:00", true, 95),     // excellent
        mk("k2", "2024-10-02T00:00:00+08:00", "2024-10-06T00:00:00+08:00", false, 90),    // 90: excellent
        mk("k3", "2024-09-02T00:00:00+08:00", "2024-10-06T00:00:00+08:00", true, 89.5),   // good (opened before)
        mk("k4", "2024-10-03T00:00:00+08:00", "2024-10-07T00:00:00+08:00", true, 80),     // 80: good
        mk("k5", "2024-10-03T00:00:00+08:00", "2024-10-07T00:00:00+08:00", false, 79.9),  // failing
        mk("k6", "2024-10-03T00:00:00+08:00", "2024-10-08T00:00:00+08:00", false, std::nullopt),  // not reviewed
        mk("k7", "2024-10-30T00:00:00+08:00", "2024-11-01T00:00:00+08:00", true, 50),  // closed at the end: out
        mk("k8", "2024-11-01T00:00:00+08:00", nullptr, true, std::nullopt),            // opened at the end: out
    };
    const Result res = compute(r, cat, october(), october().to);
    const SquadFigures& s = res.squads[0];
    // Opened in October: k1, k2, k4, k5, k6, k7 = 6; non-site among them: k1, k4, k7 = 3.
    CHECK(s.casesOpened == 6);
    CHECK(s.nonSiteCases == 3);
    // Reviewed (closed in October with a score): k1..k5; 95, 90 excellent; 89.5, 80 good; 79.9 failing.
    CHECK(s.casesExcellent == 2);
    CHECK(s.casesGood == 2);
    CHECK(s.casesFailing == 1);
    // Mean: (95 + 90 + 89.5 + 80 + 79.9) / 5 = 434.4 / 5 = 86.88.
    CHECK(s.caseQuality.den == 5);
    CHECK(s.caseQuality.value() == Approx(86.88));
    // Index sub-score: clamp((86.88 - 60) / 40, 0, 1) = 0.672.
    CHECK(s.subScores[static_cast<size_t>(SubScore::CaseQuality)] == Approx(0.672));
    // Alone in the index (no other data): 67.2.
    REQUIRE(s.index);
    CHECK(*s.index == Approx(67.2));
}

TEST_CASE("case quality mapping clamps to 0 and 1", "[indicators][cases]") {
    const auto cat = threeSquads();
    Records r;
    for (auto [squad, score] : {std::pair<size_t, double>{0, 55}, {1, 100}}) {
        Case c;
        c.id = "k" + std::to_string(squad);
        c.squad = squad;
        c.openedAt = T("2024-10-02T00:00:00+08:00");
        c.closedAt = T("2024-10-03T00:00:00+08:00");
        c.reviewScore = score;
        r.cases.push_back(c);
    }
    const Result res = compute(r, cat, october(), october().to);
    CHECK(*res.squads[0].subScores[6] == 0.0);  // (55 - 60) / 40 < 0 -> 0
    CHECK(*res.squads[1].subScores[6] == 1.0);  // (100 - 60) / 40 = 1
}

namespace {
Records checkpointRecords() {
    Records r;
    r.checkpoints = {{"L1", 0, 1, kHere, 2}, {"L2", 0, 2, kHere, 3}, {"L3", 1, 3, kHere, 4}, {"Q", 0, 1, kHere, 5}};
    auto in = [&](const char* cp, const char* at) { r.checkins.push_back({cp, "PT-0001", T(at), 0}); };
    in("L1", "2024-10-08T07:59:59+08:00");  // before duty: in no window
    in("L1", "2024-10-08T08:00:00+08:00");  // the first window's start: 08-10 met
    in("L1", "2024-10-08T10:00:00+08:00");  // exactly at 08-10's end: belongs to 10-12
    in("L1", "2024-10-08T23:59:59+08:00");  // 22-24 met
    in("L1", "2024-10-09T00:00:00+08:00");  // 24:00 exactly: the next day, in no window
    in("L2", "2024-10-08T11:59:59+08:00");  // 08-12 met
    in("L2", "2024-10-08T16:00:00+08:00");  // 16-20 met (12-16 missed)
    in("L3", "2024-10-08T15:00:00+08:00");  // 08-16 met; 16-24 missed
    return r;
}
Period oct8() { return {T("2024-10-08T00:00:00+08:00"), T("2024-10-09T00:00:00+08:00")}; }
}  // namespace

TEST_CASE("check-in windows: 08:00 to 24:00, half-open, a check-in at a window's end counts for the next",
          "[indicators][checkins]") {
    const auto cat = threeSquads();
    const Records r = checkpointRecords();
    const Evaluator ev(r, cat);
    const Result day = ev.compute(oct8(), oct8().to);
    // alpha: L1 8 windows, met 08-10, 10-12, 22-24 = 3; L2 4 windows, met 08-12, 16-20 = 2;
    // Q 8 windows, none met. 5 / 20, 15 missed.
    CHECK(day.squads[0].checkin.num == 5);
    CHECK(day.squads[0].checkin.den == 20);
    CHECK(day.squads[0].missedCheckins == 15);
    // bravo: L3 2 windows, 08-16 met: 1 / 2.
    CHECK(day.squads[1].checkin.num == 1);
    CHECK(day.squads[1].checkin.den == 2);
    // charlie has no checkpoints: no data.
    CHECK_FALSE(day.squads[2].checkin.value().has_value());
    // District: pooled (5 + 1) / (20 + 2), not the mean of 0.25 and 0.5.
    CHECK(day.district.checkin.num == 6);
    CHECK(day.district.checkin.den == 22);
    CHECK(day.district.missedCheckins == 16);

    // Only windows that have ended by the time of evaluation.
    // At 12:00 exactly, L1's 08-10 and 10-12 have ended (both met), L2's 08-12 (met), Q's two (missed).
    const Result noon = ev.compute(oct8(), T("2024-10-08T12:00:00+08:00"));
    CHECK(noon.squads[0].checkin.num == 3);
    CHECK(noon.squads[0].checkin.den == 5);
    // A second earlier, 10-12 windows are still running: L1 08-10 and Q 08-10.
    const Result before = ev.compute(oct8(), T("2024-10-08T11:59:59+08:00"));
    CHECK(before.squads[0].checkin.num == 1);
    CHECK(before.squads[0].checkin.den == 2);
    // Evaluated before the duty day starts: no window has ended, no data.
    CHECK_FALSE(ev.compute(oct8(), T("2024-10-08T08:00:00+08:00")).squads[0].checkin.value().has_value());

    // Only windows wholly inside the period: from 09:00 the 08-10 windows are out.
    const Result late = ev.compute({T("2024-10-08T09:00:00+08:00"), oct8().to}, oct8().to);
    // L1: 7 windows (10-12 .. 22-24), met 10-12, 22-24 = 2; L2: 3 (12-16, 16-20, 20-24), met 16-20;
    // Q: 7, none. 3 / 17.
    CHECK(late.squads[0].checkin.num == 3);
    CHECK(late.squads[0].checkin.den == 17);
    // A period ending at 23:00 drops every window ending at 24:00.
    const Result early = ev.compute({oct8().from, T("2024-10-08T23:00:00+08:00")}, oct8().to);
    // L1: 7 windows (08-10 .. 20-22), met 2; L2: 3 (08-12, 12-16, 16-20), met 2; Q: 7. 4 / 17.
    CHECK(early.squads[0].checkin.num == 4);
    CHECK(early.squads[0].checkin.den == 17);
}

TEST_CASE("checkpoint status at a time: met, due under 30 minutes left, not yet due, missed off duty",
          "[indicators][checkins]") {
    const auto cat = threeSquads();
    const Evaluator ev(checkpointRecords(), cat);
    auto at = [&](const char* t, const std::string& id) {
        for (const auto& s : ev.checkpointStatus(T(t)))
            if (s.id == id) return s;
        FAIL("no checkpoint " << id);
        return CheckpointStatus{};
    };
    CHECK(at("2024-10-08T09:45:00+08:00", "L1").state == WindowState::Met);  // 08:00 check-in
    // A check-in later in the window is not known yet at T.
    CHECK(at("2024-10-08T10:30:00+08:00", "L2").state == WindowState::NotYetDue);  // 08-12, check-in at 11:59:59
    CHECK(at("2024-10-08T11:31:00+08:00", "L2").state == WindowState::Due);        // 29 min left
    CHECK(at("2024-10-08T11:59:59+08:00", "L2").state == WindowState::Met);        // the check-in itself
    CHECK(at("2024-10-08T11:30:00+08:00", "Q").state == WindowState::NotYetDue);   // exactly 30 min: not "less"
    CHECK(at("2024-10-08T11:30:01+08:00", "Q").state == WindowState::Due);
    const auto q = at("2024-10-08T11:30:01+08:00", "Q");
    CHECK(q.windowStart == T("2024-10-08T10:00:00+08:00"));
    CHECK(q.windowEnd == T("2024-10-08T12:00:00+08:00"));
    CHECK(q.missedToday == 1);  // 08-10 ended unmet
    CHECK(q.onDuty);
    // Off duty (00:00-08:00): the day's last window, 22-24 of the day before.
    const auto night = at("2024-10-09T03:00:00+08:00", "L1");
    CHECK_FALSE(night.onDuty);
    CHECK(night.state == WindowState::Met);  // 23:59:59
    CHECK(night.windowEnd == T("2024-10-09T00:00:00+08:00"));
    CHECK(night.missedToday == 5);  // 12-14 .. 20-22 of Oct 8
    CHECK(*night.lastCheckin == T("2024-10-09T00:00:00+08:00"));
    const auto l3 = at("2024-10-09T03:00:00+08:00", "L3");
    CHECK(l3.state == WindowState::Missed);  // 16-24 had no check-in
    CHECK(l3.windowStart == T("2024-10-08T16:00:00+08:00"));
}

TEST_CASE("live check-ins count when added, the same (checkpoint, officer, at) once", "[indicators][checkins]") {
    const auto cat = threeSquads();
    Evaluator ev(checkpointRecords(), cat);
    // Before: alpha 5 / 20 on Oct 8.
    const std::vector<CheckinRecord> live = {
        {"Q", "PT-0002", T("2024-10-08T08:30:00+08:00"), 0},     // new: Q 08-10 met
        {"L1", "PT-0001", T("2024-10-08T08:00:00+08:00"), 0},    // the recorded one again: once
        {"Q", "PT-0002", T("2024-10-08T08:30:00+08:00"), 0},     // the live one again: once
        {"NOPE", "PT-0002", T("2024-10-08T08:30:00+08:00"), 0},  // unknown checkpoint
        {"L1", "PT-0003", T("2024-10-08T12:30:00+08:00"), 0}};   // another officer: L1 12-14 met
    CHECK(ev.addLiveCheckins(live) == 2);
    CHECK(ev.liveAccepted() == 2);
    CHECK(ev.liveDuplicates() == 2);
    CHECK(ev.liveUnknown() == 1);
    CHECK(ev.compute(oct8(), oct8().to).squads[0].checkin.num == 7);
    // The one-shot form does the same.
    CHECK(compute(checkpointRecords(), cat, oct8(), oct8().to, {}, live).squads[0].checkin.num == 7);
    // The feed's check-ins, added each second as a whole list, count once.
    const std::vector<CheckIn> feed = {{"Q", "PT-0002", T("2024-10-08T08:30:00+08:00")},
                                       {"L1", "PT-0003", T("2024-10-08T12:30:00+08:00")}};
    CHECK(ev.addLiveCheckins(checkinsFromFeed(feed)) == 0);  // both already added above
    Evaluator fresh(checkpointRecords(), cat);
    CHECK(fresh.addLiveCheckins(checkinsFromFeed(feed)) == 2);
    CHECK(fresh.addLiveCheckins(checkinsFromFeed(feed)) == 0);
    CHECK(fresh.compute(oct8(), oct8().to).squads[0].checkin.num == 7);
    // A recorded duplicate row (hand-built records) is one visit too.
    Records dup = checkpointRecords();
    dup.checkins.push_back(dup.checkins[1]);
    CHECK(compute(dup, cat, oct8(), oct8().to).squads[0].checkin.num == 5);
}

TEST_CASE("inspections: cycles by colour from the previous inspection or the period start",
          "[indicators][inspections]") {
    const auto cat = threeSquads();
    Records r;
    r.objects = {{"red1", 0, ObjectKind::Shop, RiskColour::Red, kHere, 2},
                 {"yel1", 0, ObjectKind::Site, RiskColour::Yellow, kHere, 3},
                 {"grn1", 0, ObjectKind::Heritage, RiskColour::Green, kHere, 4},
                 {"grn2", 0, ObjectKind::Shop, RiskColour::Green, kHere, 5},
                 {"red2", 1, ObjectKind::Shop, RiskColour::Red, kHere, 6}};
    r.inspections = {{"red1", T("2024-10-01T10:00:00+08:00"), 2},  // due Oct 8 10:00
                     {"grn1", T("2024-08-15T10:00:00+08:00"), 3},  // before the period; due Nov 13
                     {"grn2", T("2024-11-05T10:00:00+08:00"), 4},  // after T: not "at or before"
                     {"red2", T("2024-09-20T10:00:00+08:00"), 5},
                     {"red2", T("2024-10-25T10:00:00+08:00"), 6}};  // the latest counts: due Nov 1 10:00
    const Evaluator ev(r, cat);
    // At Oct 8 10:00 exactly red1 is due, not overdue ("later than" the due time).
    CHECK(ev.compute(october(), T("2024-10-08T10:00:00+08:00")).squads[0].overdueInspections == 0);
    CHECK(ev.compute(october(), T("2024-10-08T10:00:01+08:00")).squads[0].overdueInspections == 1);
    // At Nov 1 00:00: red1 overdue; yel1 (none: Oct 1 + 30 d = Oct 31 00:00) overdue; grn1 (Aug 15 + 90 d
    // = Nov 13) not; grn2 (none before T: Oct 1 + 90 d) not. alpha: 2 of 4 not overdue.
    const Result res = ev.compute(october(), october().to);
    CHECK(res.squads[0].overdueInspections == 2);
    CHECK(res.squads[0].inspection.num == 2);
    CHECK(res.squads[0].inspection.den == 4);
    // bravo: red2's last inspection Oct 25 10:00 + 7 d = Nov 1 10:00: not overdue at Nov 1 00:00.
    CHECK(res.squads[1].inspection.num == 1);
    CHECK(res.squads[1].inspection.den == 1);
    CHECK_FALSE(res.squads[2].inspection.value().has_value());  // no objects: no data
    // The same object list for the map, with positions and due dates.
    const auto overdue = ev.overdueObjects(october().from, october().to);
    REQUIRE(overdue.size() == 2);
    CHECK(overdue[0].id == "red1");
    CHECK(overdue[0].dueAt == T("2024-10-08T10:00:00+08:00"));
    CHECK(overdue[0].colour == RiskColour::Red);
    CHECK(overdue[0].daysOverdue == Approx(23.0 + 14.0 / 24.0));  // Oct 8 10:00 to Nov 1 00:00
    CHECK(overdue[1].id == "yel1");
    CHECK_FALSE(overdue[1].lastInspection.has_value());
    CHECK(overdue[1].dueAt == T("2024-10-31T00:00:00+08:00"));
}

TEST_CASE("training attendance: the sum of attendees in the period", "[indicators][training]") {
    const auto cat = threeSquads();
    Records r;
    r.training = {{0, T("2024-10-01T00:00:00+08:00"), 12, 2},  // at the start: in
                  {0, T("2024-10-15T14:00:00+08:00"), 30, 3},
                  {0, T("2024-11-01T00:00:00+08:00"), 99, 4},  // at the end: out
                  {1, T("2024-10-15T14:00:00+08:00"), 0, 5}};
    const Result res = compute(r, cat, october(), october().to);
    CHECK(res.squads[0].trainingAttendance == 42);
    CHECK(res.squads[1].trainingAttendance == 0);
    CHECK(res.district.trainingAttendance == 42);
}

namespace {
// Squad s gets `n` complaints received in October, `met` of them contacted within 2 h.
void addContacts(Records& r, size_t squad, int n, int met) {
    for (int i = 0; i < n; ++i) {
        auto c = complaint("s" + std::to_string(squad) + "-" + std::to_string(i), squad, "2024-10-10T09:00:00+08:00",
                           "2024-10-17T09:00:00+08:00");
        if (i < met) c.firstContactAt = T("2024-10-10T10:00:00+08:00");
        r.complaints.push_back(c);
    }
}
SquadCatalogue fiveSquads() {
    return SquadCatalogue({{"s1", "310107005", {}, {"一", ""}, Color{}},
                           {"s2", "310107004", {}, {"二", ""}, Color{}},
                           {"s3", "310107003", {}, {"三", ""}, Color{}},
                           {"s4", "310107002", {}, {"四", ""}, Color{}},
                           {"s5", "310107001", {}, {"五", ""}, Color{}}});
}
}  // namespace

TEST_CASE("index: 100 x the weighted mean of the sub-scores with data", "[indicators][index]") {
    const auto cat = threeSquads();
    Records r;
    // alpha: first contact 3/4 = 0.75; on time: all 4 due in Oct, 2 closed by due = 0.5.
    for (int i = 0; i < 4; ++i) {
        auto c = complaint("c" + std::to_string(i), 0, "2024-10-02T09:00:00+08:00", "2024-10-09T09:00:00+08:00");
        if (i < 3) c.firstContactAt = T("2024-10-02T10:00:00+08:00");
        if (i < 2) c.closedAt = T("2024-10-05T10:00:00+08:00");
        r.complaints.push_back(c);
    }
    // alpha's two closed complaints: resolution 1/2 (true, false), satisfaction 2/2.
    r.complaints[0].resolved = true;
    r.complaints[1].resolved = false;
    r.complaints[0].satisfaction = r.complaints[1].satisfaction = Satisfaction::Satisfied;
    // Equal weights: sub-scores 0.75, 0.5, 0.5, 1 (checkin, inspection, cases: no data)
    // -> 100 x 2.75 / 4 = 68.75.
    const Result eq = compute(r, cat, october(), october().to);
    REQUIRE(eq.squads[0].index);
    CHECK(*eq.squads[0].index == Approx(68.75));
    // Weights first contact 2, on time 1, resolution 1, satisfaction 0:
    // 100 x (2 x 0.75 + 0.5 + 0.5 + 0 x 1) / (2 + 1 + 1 + 0) = 62.5.
    IndexWeights w;
    w[SubScore::FirstContact] = 2;
    w[SubScore::Satisfaction] = 0;
    CHECK(*compute(r, cat, october(), october().to, w).squads[0].index == Approx(62.5));
    // A squad with no data at all has no index, no rank and no lagging verdict.
    CHECK_FALSE(eq.squads[1].index.has_value());
    CHECK_FALSE(eq.squads[1].rank.has_value());
    CHECK_FALSE(eq.squads[1].lagging.has_value());
    // Only weight-0 sub-scores with data: no index.
    CHECK_FALSE(compute(r, cat, october(), october().to, only(SubScore::Checkin)).squads[0].index.has_value());
    // The district index comes from the district's own (pooled) sub-scores.
    REQUIRE(eq.district.index);
    CHECK(*eq.district.index == Approx(68.75));
}

TEST_CASE("rank: highest index first, ties by squad code, lagging: more than 5 below the mean or last",
          "[indicators][index]") {
    const auto cat = fiveSquads();  // codes: s5 lowest ... s1 highest
    Records r;
    const IndexWeights w = only(SubScore::FirstContact);  // index = 100 x first-contact rate
    // Indices: s1 100, s2 100, s3 90, s4 90, s5 no data. Mean of the four: 95.
    addContacts(r, 0, 10, 10);
    addContacts(r, 1, 10, 10);
    addContacts(r, 2, 10, 9);
    addContacts(r, 3, 10, 9);
    const Result res = compute(r, cat, october(), october().to, w);
    REQUIRE(res.meanIndex);
    CHECK(*res.meanIndex == Approx(95));
    // Ties by code, lower first: s2 (…004) before s1 (…005); s4 (…002) before s3 (…003).
    CHECK(*res.squads[1].rank == 1);
    CHECK(*res.squads[0].rank == 2);
    CHECK(*res.squads[3].rank == 3);
    CHECK(*res.squads[2].rank == 4);
    // 90 is exactly 5 below the mean: not "more than 5"; s3 is lagging only because it is last.
    CHECK(*res.squads[3].lagging == false);
    CHECK(*res.squads[2].lagging == true);
    CHECK(*res.squads[0].lagging == false);
    CHECK(*res.squads[1].lagging == false);
    // s5 has no index: no rank, no verdict, and not in the mean.
    CHECK_FALSE(res.squads[4].rank.has_value());
    CHECK_FALSE(res.squads[4].lagging.has_value());

    // Indices 100, 100, 100, 85, 85 -> mean 94: both 85s are 9 below, lagging; ranks by code.
    Records r2;
    addContacts(r2, 0, 20, 20);
    addContacts(r2, 1, 20, 20);
    addContacts(r2, 2, 20, 20);
    addContacts(r2, 3, 20, 17);
    addContacts(r2, 4, 20, 17);
    const Result res2 = compute(r2, cat, october(), october().to, w);
    CHECK(*res2.meanIndex == Approx(94));
    CHECK(*res2.squads[4].rank == 4);  // s5 (…001) before s4 (…002)
    CHECK(*res2.squads[3].rank == 5);
    CHECK(*res2.squads[4].lagging);  // 9 below the mean, though not last
    CHECK(*res2.squads[3].lagging);
    CHECK_FALSE(*res2.squads[2].lagging);
}

TEST_CASE("district rates pool the counts, never average the squads' rates", "[indicators][district]") {
    const auto cat = threeSquads();
    Records r;
    addContacts(r, 0, 1, 1);  // 1/1
    addContacts(r, 1, 3, 1);  // 1/3
    const Result res = compute(r, cat, october(), october().to);
    // Pooled: 2/4 = 0.5 (the mean of the rates would be 0.667).
    CHECK(res.district.firstContact.num == 2);
    CHECK(res.district.firstContact.den == 4);
    CHECK(*res.district.firstContact.value() == Approx(0.5));
}

TEST_CASE("trends: calendar months step by months, other periods by their length", "[indicators][trends]") {
    const auto cat = threeSquads();
    Records r;
    addContacts(r, 0, 2, 1);  // October 10
    auto may = complaint("may", 0, "2024-05-31T23:00:00+08:00", "2024-06-07T23:00:00+08:00");
    may.firstContactAt = T("2024-05-31T23:30:00+08:00");
    r.complaints.push_back(may);
    const Evaluator ev(r, cat);
    const auto t = ev.trends(october(), T("2024-10-20T00:00:00+08:00"), 6);
    REQUIRE(t.size() == 6);
    CHECK(t[0].period == Period{T("2024-05-01T00:00:00+08:00"), T("2024-06-01T00:00:00+08:00")});
    CHECK(t[1].period == Period{T("2024-06-01T00:00:00+08:00"), T("2024-07-01T00:00:00+08:00")});
    CHECK(t[4].period == Period{T("2024-09-01T00:00:00+08:00"), T("2024-10-01T00:00:00+08:00")});
    CHECK(t[5].period == october());
    CHECK(t[5].at == T("2024-10-20T00:00:00+08:00"));  // the last at the given time
    CHECK(t[0].at == t[0].period.to);                  // earlier ones at their end
    CHECK(*t[0].squads[0].firstContact.value() == 1.0);
    CHECK_FALSE(t[2].squads[0].firstContact.value().has_value());  // July: no complaints
    CHECK(*t[5].squads[0].firstContact.value() == 0.5);
    // A quarter steps by quarters.
    const auto q =
        ev.trends({T("2024-07-01T00:00:00+08:00"), T("2024-10-01T00:00:00+08:00")}, T("2024-10-01T00:00:00+08:00"), 2);
    CHECK(q[0].period == Period{T("2024-04-01T00:00:00+08:00"), T("2024-07-01T00:00:00+08:00")});
    // A week steps by 7 days.
    const auto w =
        ev.trends({T("2024-10-07T00:00:00+08:00"), T("2024-10-14T00:00:00+08:00")}, T("2024-10-14T00:00:00+08:00"), 3);
    CHECK(w[0].period == Period{T("2024-09-23T00:00:00+08:00"), T("2024-09-30T00:00:00+08:00")});
    CHECK(w[2].squads[0].firstContact.den == 2);
}

TEST_CASE("alerts: lagging squads, missed and due check-ins of the duty day, overdue objects, with positions",
          "[indicators][alerts]") {
    const auto cat = threeSquads();
    Records r = checkpointRecords();
    r.objects = {{"red1", 1, ObjectKind::Shop, RiskColour::Red, {121.41, 31.26}, 2}};
    r.inspections = {{"red1", T("2024-09-20T10:00:00+08:00"), 2}};
    const Evaluator ev(r, cat);
    const auto alerts = ev.alerts(oct8(), T("2024-10-08T11:40:00+08:00"));
    auto count = [&](AlertKind k) {
        return std::count_if(alerts.begin(), alerts.end(), [&](const Alert& a) { return a.kind == k; });
    };
    // Missed by 11:40: Q 08-10 (L1 08-10 and L2's running window are fine).
    CHECK(count(AlertKind::MissedCheckin) == 1);
    // Due (20 min left, no check-in yet): Q (10-12) and L2 (08-12: its 11:59:59 check-in is later
    // than T). L1 has its 10:00:00 check-in; L3's 08-16 has hours left.
    CHECK(count(AlertKind::DueCheckin) == 2);
    CHECK(count(AlertKind::OverdueInspection) == 1);
    // Index at 11:40: alpha checkin 1/2 (L1 08-10 met, Q 08-10 missed) -> 50; bravo: red1 overdue ->
    // inspection 0/1 -> 0. Mean 25: bravo is more than 5 below and last.
    CHECK(count(AlertKind::LaggingSquad) == 1);
    REQUIRE_FALSE(alerts.empty());
    CHECK(alerts.front().kind == AlertKind::LaggingSquad);  // most serious first
    CHECK(alerts.front().subject == "bravo");
    for (const Alert& a : alerts) {
        CHECK_FALSE(a.text.zh.empty());
        CHECK_FALSE(a.text.en.empty());
        if (a.kind != AlertKind::LaggingSquad) CHECK(a.lonLat.has_value());
    }
    const auto missed =
        std::find_if(alerts.begin(), alerts.end(), [](const Alert& a) { return a.kind == AlertKind::MissedCheckin; });
    CHECK(missed->subject == "Q");
    CHECK(missed->since == T("2024-10-08T10:00:00+08:00"));
    CHECK_THAT(missed->text.zh, Catch::Contains("08:00–10:00") && Catch::Contains("漏打卡"));
    // With jurisdictions, a lagging squad is placed inside its own.
    std::vector<Jurisdiction> js(1);
    js[0].squad = "bravo";
    js[0].rings = {{{121.40, 31.20}, {121.50, 31.20}, {121.50, 31.30}, {121.40, 31.30}, {121.40, 31.20}}};
    for (const Vec2d& p : js[0].rings[0]) js[0].bbox.extend(p);
    const auto placed = ev.alerts(oct8(), T("2024-10-08T11:40:00+08:00"), &js);
    REQUIRE(placed.front().lonLat);
    CHECK(placed.front().lonLat->x == Approx(121.45));
    CHECK(placed.front().lonLat->y == Approx(31.25));
}

TEST_CASE("local days are Shanghai's, UTC+8 without daylight saving", "[indicators][time]") {
    CHECK(localDay(T("2024-10-08T00:00:00+08:00")) == localDay(T("2024-10-08T23:59:59+08:00")));
    CHECK(localDay(T("2024-10-08T00:00:00+08:00")) == localDay(T("2024-10-07T23:59:59+08:00")) + 1);
    CHECK(localMidnight(localDay(T("2024-10-08T15:00:00Z"))) == T("2024-10-08T00:00:00+08:00"));  // 23:00 local
    CHECK(localDay(T("1969-12-31T12:00:00+08:00")) == -1);
    // Every day has the same 16 duty hours, summer or winter: a level-1 checkpoint has 8 windows a day.
    const auto cat = threeSquads();
    Records r;
    r.checkpoints = {{"L1", 0, 1, kHere, 2}};
    for (const char* month : {"2024-01", "2024-07"}) {
        const std::string from = std::string(month) + "-01T00:00:00+08:00",
                          to = std::string(month) + "-02T00:00:00+08:00";
        CHECK(compute(r, cat, {T(from.c_str()), T(to.c_str())}, T(to.c_str())).squads[0].checkin.den == 8);
    }
}
