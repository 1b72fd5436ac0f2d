// Protocol parsing: good messages of each type, and every reject reason.
#include <catch2/catch.hpp>

#include <string>

#include "engine/feed/feed_state.hpp"
#include "engine/geo/gcj02.hpp"

using namespace sandtable;

namespace {
TimeMs iso(const char* s) {
    TimeMs t = 0;
    REQUIRE(parseIsoTime(s, t));
    return t;
}
const TimeMs kNow = 1732061703000;  // 2024-11-20T08:15:03+08:00

RejectReason rejectOf(FeedState& st, const std::string& line) {
    const auto before = st.counters().rejectedBy;
    const IngestOutcome o = st.ingestLine(line, "test", 1, kNow);
    REQUIRE(o == IngestOutcome::Rejected);
    for (size_t i = 0; i < kRejectReasonCount; ++i)
        if (st.counters().rejectedBy[i] != before[i]) return static_cast<RejectReason>(i);
    FAIL("no reason counted");
    return RejectReason::Count;
}
}  // namespace

TEST_CASE("ISO 8601 times", "[feed][protocol]") {
    CHECK(iso("2024-11-20T08:15:03+08:00") == kNow);
    CHECK(iso("2024-11-20T00:15:03Z") == kNow);
    CHECK(iso("2024-11-20T00:15:03.250Z") == kNow + 250);
    CHECK(iso("2024-11-20T08:15:03+0800") == kNow);
    CHECK(iso("2024-11-19T23:15:03-01:00") == kNow);
    CHECK(iso("2024-02-29T00:00:00Z") == 1709164800000);
    TimeMs t;
    CHECK_FALSE(parseIsoTime("2024-11-20T08:15:03", t));  // no offset
    CHECK_FALSE(parseIsoTime("2023-02-29T00:00:00Z", t));
    CHECK_FALSE(parseIsoTime("2024-13-01T00:00:00Z", t));
    CHECK_FALSE(parseIsoTime("2024-11-20T08:15:03+08:00x", t));
    CHECK_FALSE(parseIsoTime("yesterday", t));
    CHECK(formatIsoTime(kNow) == "2024-11-20T08:15:03+08:00");
    CHECK(formatIsoTime(kNow + 5) == "2024-11-20T08:15:03.005+08:00");
    CHECK(formatIsoTime(kNow, 0) == "2024-11-20T00:15:03+00:00");
    CHECK(formatIsoTime(kNow, -300) == "2024-11-19T19:15:03-05:00");
    CHECK(formatIsoTime(kNow + 120, 330) == "2024-11-20T05:45:03.120+05:30");
    CHECK(formatIsoTime(253402300800000LL + 3000, 0) == "10000-01-01T00:00:03+00:00");  // beyond 9999: snprintf
}

TEST_CASE("good position, check-in and incident messages", "[feed][protocol]") {
    FeedState st;
    REQUIRE(
        st.ingestLine(R"({"type":"pos","officer":"PT-0153","squad":"changfeng","t":"2024-11-20T08:15:03+08:00",)"
                      R"("lon":121.397,"lat":31.225,"crs":"wgs84","status":"patrol","speed":1.2,"heading":-90,"acc":8,)"
                      R"("extra":{"nested":[1,2,{"x":null}]}})",
                      "test", 1, kNow) == IngestOutcome::Accepted);
    REQUIRE(st.officers().size() == 1);
    const OfficerState& o = st.officers()[0];
    CHECK(o.id == "PT-0153");
    CHECK(st.config().squads[o.squad] == "changfeng");
    CHECK(o.lastSeen == kNow);
    CHECK(o.lon == 121.397);
    CHECK(o.lat == 31.225);
    CHECK(o.status == OfficerStatus::Patrol);
    CHECK(o.speed == Approx(1.2f));
    CHECK(o.heading == Approx(270.0f));
    CHECK(o.accuracy == Approx(8.0f));

    // Epoch milliseconds, GCJ-02 converted back to WGS84, status and optional fields absent.
    const Vec2d wgs{121.41, 31.24};
    const Vec2d gcj = gcj02::fromWgs84(wgs);
    char line[256];
    std::snprintf(
        line, sizeof line,
        R"({"officer":"PT-0154","type":"pos","squad":"caoyang","t":%lld,"lon":%.12f,"lat":%.12f,"crs":"gcj02"})",
        static_cast<long long>(kNow - 1000), gcj.x, gcj.y);
    REQUIRE(st.ingestLine(line, "test", 2, kNow) == IngestOutcome::Accepted);
    const OfficerState& o2 = st.officers()[1];
    CHECK(o2.lon == Approx(wgs.x).margin(1e-8));
    CHECK(o2.lat == Approx(wgs.y).margin(1e-8));
    CHECK(o2.status == OfficerStatus::Patrol);
    CHECK(std::isnan(o2.speed));

    // CGCS2000 is taken as WGS84.
    CHECK(
        st.ingestLine(
            R"({"type":"pos","officer":"PT-0155","squad":"taopu","t":1732061700000,"lon":121.35,"lat":31.28,"crs":"cgcs2000","status":"break"})",
            "test", 3, kNow) == IngestOutcome::Accepted);
    CHECK(st.officers()[2].lon == 121.35);

    CHECK(
        st.ingestLine(R"({"type":"checkin","checkpoint":"SZH-07","officer":"PT-0153","t":"2024-11-20T08:10:00+08:00"})",
                      "test", 4, kNow) == IngestOutcome::Accepted);
    REQUIRE(st.checkins().size() == 1);
    CHECK(st.checkins()[0].checkpoint == "SZH-07");
    CHECK(st.checkins()[0].t == iso("2024-11-20T08:10:00+08:00"));

    CHECK(st.ingestLine(
              R"({"type":"incident","id":"INC-1","t":1732061700000,"lon":121.42,"lat":31.25,"kind":"street_vending"})",
              "test", 5, kNow) == IngestOutcome::Accepted);
    CHECK(
        st.ingestLine(
            R"({"type":"incident","id":"INC-1","t":1732061701000,"lon":121.42,"lat":31.25,"kind":"street_vending","state":"closed"})",
            "test", 6, kNow) == IngestOutcome::Accepted);
    REQUIRE(st.incidents().size() == 1);
    CHECK_FALSE(st.incidents()[0].open);
    CHECK(st.counters().accepted == 6);
    CHECK(st.counters().rejected == 0);
    // Blank lines and CRLF endings are not messages / not errors.
    CHECK(st.ingestLine("", "test", 7, kNow) == IngestOutcome::Empty);
    CHECK(st.ingestLine("\r", "test", 8, kNow) == IngestOutcome::Empty);
}

TEST_CASE("every reject reason is detected and counted", "[feed][protocol]") {
    FeedConfig cfg;
    cfg.maxOfficers = 2;
    FeedState st(cfg);
    const std::string head = R"({"type":"pos","officer":"PT-1","squad":"wanli","t":"2024-11-20T08:15:00+08:00",)";
    const std::string good = head + R"("lon":121.40,"lat":31.27,"status":"patrol"})";
    REQUIRE(st.ingestLine(good, "test", 1, kNow) == IngestOutcome::Accepted);

    CHECK(rejectOf(st, std::string(5000, ' ') + good) == RejectReason::LineTooLong);
    CHECK(rejectOf(st, R"({"type":"pos","officer":"PT-1",)") == RejectReason::MalformedJson);
    CHECK(rejectOf(st, "not json at all") == RejectReason::MalformedJson);
    CHECK(rejectOf(st, "[1,2,3]") == RejectReason::MalformedJson);
    CHECK(rejectOf(st, good + "}") == RejectReason::MalformedJson);
    CHECK(rejectOf(st, good + " {\"a\":1}") == RejectReason::MalformedJson);
    CHECK(rejectOf(st, R"({"type":"teleport","officer":"PT-1"})") == RejectReason::UnknownType);
    CHECK(rejectOf(st, R"({"officer":"PT-1","lon":121.4,"lat":31.2})") == RejectReason::UnknownType);
    CHECK(rejectOf(st, R"({"type":"pos","squad":"wanli","t":1732061700000,"lon":121.4,"lat":31.27})") ==
          RejectReason::MissingField);
    CHECK(rejectOf(st, R"({"type":"pos","officer":"PT-1","squad":"wanli","lon":121.4,"lat":31.27})") ==
          RejectReason::MissingField);
    CHECK(rejectOf(st, R"({"type":"pos","officer":"PT-1","squad":"wanli","t":1732061700000,"lat":31.27})") ==
          RejectReason::MissingField);
    CHECK(rejectOf(st, R"({"type":"pos","officer":"PT-1","t":1732061700000,"lon":121.4,"lat":31.27})") ==
          RejectReason::MissingField);
    CHECK(rejectOf(st, R"({"type":"checkin","officer":"PT-1","t":1732061700000})") == RejectReason::MissingField);
    CHECK(rejectOf(st, R"({"type":"incident","t":1732061700000,"lon":121.4,"lat":31.27})") ==
          RejectReason::MissingField);
    CHECK(rejectOf(st, R"({"type":"pos","officer":42,"squad":"wanli","t":1732061700000,"lon":121.4,"lat":31.27})") ==
          RejectReason::InvalidField);
    CHECK(rejectOf(st, head + R"("lon":121.40,"lat":31.27,"acc":-3})") == RejectReason::InvalidField);
    CHECK(rejectOf(st, head + R"("lon":121.40,"lat":31.27,"heading":"north"})") == RejectReason::InvalidField);
    CHECK(
        rejectOf(st,
                 R"({"type":"pos","officer":"PT-1","squad":"wanli","t":"20/11/2024 08:15","lon":121.4,"lat":31.27})") ==
        RejectReason::BadTime);
    CHECK(rejectOf(st, R"({"type":"pos","officer":"PT-1","squad":"wanli","t":1732061700,"lon":121.4,"lat":31.27})") ==
          RejectReason::BadTime);
    CHECK(rejectOf(st, R"({"type":"pos","officer":"PT-1","squad":"wanli","t":1.5,"lon":121.4,"lat":31.27})") ==
          RejectReason::BadTime);
    CHECK(
        rejectOf(
            st,
            R"({"type":"pos","officer":"PT-1","squad":"wanli","t":"2024-11-20T09:15:00+08:00","lon":121.4,"lat":31.27})") ==
        RejectReason::FutureTime);
    CHECK(rejectOf(st, head + R"("lon":"NaN","lat":31.27})") == RejectReason::BadCoordinate);
    // Bare NaN and numbers beyond double range are not JSON.
    CHECK(rejectOf(st, head + R"("lon":NaN,"lat":31.27})") == RejectReason::MalformedJson);
    CHECK(rejectOf(st, head + R"("lon":121.4,"lat":1e999})") == RejectReason::MalformedJson);
    CHECK(rejectOf(st, head + R"("lon":null,"lat":31.27})") == RejectReason::BadCoordinate);
    CHECK(rejectOf(st, head + R"("lon":221.4,"lat":31.27})") == RejectReason::BadCoordinate);
    CHECK(rejectOf(st, head + R"("lon":121.4,"lat":-95})") == RejectReason::BadCoordinate);
    CHECK(rejectOf(st, head + R"("lon":121.4,"lat":31.27,"crs":"bd09"})") == RejectReason::UnknownCrs);
    CHECK(rejectOf(st, head + R"("lon":116.39,"lat":39.9})") == RejectReason::OutsideArea);
    CHECK(rejectOf(st, head + R"("lon":31.27,"lat":121.4})") == RejectReason::BadCoordinate);  // swapped axes
    CHECK(
        rejectOf(st, R"({"type":"pos","officer":"PT-1","squad":"pudong","t":1732061700000,"lon":121.4,"lat":31.27})") ==
        RejectReason::UnknownSquad);
    CHECK(rejectOf(st, head + R"("lon":121.40,"lat":31.27,"status":"asleep"})") == RejectReason::UnknownStatus);
    CHECK(rejectOf(st, head + R"("lon":121.40,"lat":31.27,"speed":120})") == RejectReason::BadSpeed);
    CHECK(rejectOf(st, head + R"("lon":121.40,"lat":31.27,"speed":-1})") == RejectReason::BadSpeed);
    // 3 km in 10 s from the accepted fix: 300 m/s.
    CHECK(
        rejectOf(
            st,
            R"({"type":"pos","officer":"PT-1","squad":"wanli","t":"2024-11-20T08:15:10+08:00","lon":121.43,"lat":31.27})") ==
        RejectReason::ImpliedSpeed);
    REQUIRE(
        st.ingestLine(R"({"type":"pos","officer":"PT-2","squad":"wanli","t":1732061700000,"lon":121.4,"lat":31.27})",
                      "test", 2, kNow) == IngestOutcome::Accepted);
    CHECK(
        rejectOf(st, R"({"type":"pos","officer":"PT-3","squad":"wanli","t":1732061700000,"lon":121.4,"lat":31.27})") ==
        RejectReason::TooManyOfficers);

    // The rejected lines changed nothing.
    REQUIRE(st.officers().size() == 2);
    CHECK(st.officers()[0].lon == 121.40);
    CHECK(st.officers()[0].lastSeen == iso("2024-11-20T08:15:00+08:00"));
    CHECK(st.counters().accepted == 2);
    // Every reason except the transports' (queue overflow, incomplete) was exercised.
    for (size_t i = 0; i < kRejectReasonCount; ++i) {
        if (static_cast<RejectReason>(i) == RejectReason::QueueOverflow ||
            static_cast<RejectReason>(i) == RejectReason::Incomplete)
            continue;
        INFO(rejectReasonName(static_cast<RejectReason>(i)));
        CHECK(st.counters().rejectedBy[i] > 0);
    }
    // Samples are bounded and say where the line came from.
    const auto& malformed = st.samples()[static_cast<size_t>(RejectReason::MalformedJson)];
    CHECK(malformed.size() == 5);
    CHECK(malformed.back().source == "test");
    CHECK(malformed.back().lineNo == 1);
    const auto& tooLong = st.samples()[static_cast<size_t>(RejectReason::LineTooLong)];
    REQUIRE(tooLong.size() == 1);
    CHECK(tooLong[0].excerpt.size() <= 163);
}

TEST_CASE("garbage never crashes the parser", "[feed][protocol]") {
    FeedState st;
    std::string buf;
    uint64_t x = 88172645463325252ull;
    const std::string good =
        R"({"type":"pos","officer":"PT-1","squad":"wanli","t":1732061700000,"lon":121.4,"lat":31.27,"status":"patrol"})";
    for (int i = 0; i < 20000; ++i) {
        buf = good;
        for (int j = 0; j < 3; ++j) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;  // xorshift: deterministic mutations
            buf[x % buf.size()] = static_cast<char>((x >> 20) & 0xff);
        }
        if (i % 7 == 0) buf.resize(x % buf.size());
        st.ingestLine(buf, "fuzz", static_cast<uint64_t>(i), kNow);
    }
    CHECK(st.counters().lines ==
          st.counters().accepted + st.counters().rejected + st.counters().duplicates + st.counters().skipped);
}
