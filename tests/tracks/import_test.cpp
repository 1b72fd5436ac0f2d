// The importer: NDJSON through the feed parser, CSV through OGR, bad rows skipped and
// counted by the feed's reasons with file and line, good rows in the history.
#include <cpl_vsi.h>
#include <gdal.h>
#include <catch2/catch.hpp>

#include <fstream>

#include "engine/tracks/importer.hpp"
#include "tests/tracks/test_support.hpp"

using namespace sandtable;
using tracktest::kT0;
using tracktest::posLine;
using tracktest::TempDir;

namespace {
size_t reason(const ImportResult& r, RejectReason why) { return r.counters.rejectedBy[static_cast<size_t>(why)]; }

HistoryOptions historyIn(const TempDir& dir) {
    HistoryOptions o;
    o.target = dir.file("state");
    o.retentionDays = 0;
    return o;
}

size_t rowsIn(HistoryStore& h) {
    TrackStore s;
    return h.load(kTimeMin, kTimeMax, s).rows;
}
}  // namespace

TEST_CASE("NDJSON import: good lines written, bad ones counted by reason with file and line", "[tracks][import]") {
    TempDir dir;
    const std::string path = dir.file("feed.jsonl");
    {
        std::ofstream f(path);
        for (int i = 0; i < 100; ++i) f << posLine(i % 5, kT0 + i * 2000, 121.40 + (i % 5) * 1e-3) << "\n";
        f << "not json\n";  // line 101
        f << R"({"type":"pos","officer":"PT-0001","squad":"nowhere","t":1732061700000,"lon":121.4,"lat":31.25})"
          << "\n";  // 102
        f << R"({"type":"pos","officer":"PT-0001","squad":"wanli","t":"yesterday","lon":121.4,"lat":31.25})"
          << "\n";                            // 103
        f << posLine(0, kT0) << "\n";         // 104: repeat
        f << std::string(5000, 'x') << "\n";  // 105
        f << R"({"type":"checkin","checkpoint":"SZH-01","officer":"PT-0001","t":1732061700000})"
          << "\n";                                             // 106
        f << posLine(7, kT0 + 1000, 121.40, 31.25) << "\r\n";  // 107, CRLF
        f << posLine(7, kT0 + 2000, 121.60, 31.25);            // 108, no \n: 19 km in 1 s
    }
    HistoryStore h(historyIn(dir));
    ImportOptions io;
    io.now = kT0 + 3600000;
    const ImportResult r = importPositions({path}, h, io);
    CHECK(r.errors.empty());
    CHECK(r.counters.lines == 108);
    CHECK(r.positions == 101);
    CHECK(r.written == 101);
    CHECK(r.other == 1);
    CHECK(r.counters.duplicates == 1);
    CHECK(r.counters.rejected == 5);
    CHECK(reason(r, RejectReason::MalformedJson) == 1);
    CHECK(reason(r, RejectReason::UnknownSquad) == 1);
    CHECK(reason(r, RejectReason::BadTime) == 1);
    CHECK(reason(r, RejectReason::LineTooLong) == 1);
    CHECK(reason(r, RejectReason::OutsideArea) == 0);
    CHECK(reason(r, RejectReason::ImpliedSpeed) == 1);
    const auto& bt = r.samples[static_cast<size_t>(RejectReason::BadTime)];
    REQUIRE(bt.size() == 1);
    CHECK(bt[0].source == path);
    CHECK(bt[0].lineNo == 103);
    CHECK(r.samples[static_cast<size_t>(RejectReason::ImpliedSpeed)][0].lineNo == 108);
    CHECK(r.ok());
    CHECK(rowsIn(h) == 101);
}

TEST_CASE("CSV import through OGR: the feed's reasons, quoted cells, optional columns", "[tracks][import]") {
    TempDir dir;
    const std::string path = dir.file("positions.csv");
    {
        std::ofstream f(path);
        f << "officer,squad,t,lon,lat,crs,status,speed,heading,acc,note\n";                      // line 1
        f << "PT-0001,changfeng,2024-11-20T08:15:00+08:00,121.40,31.25,,patrol,1.2,90,8,a\n";    // 2 ok
        f << "PT-0001,changfeng,1732061710000,121.4001,31.25,wgs84,,,,,\n";                      // 3 ok (epoch ms)
        f << "\"PT,0002\",wanli,1732061700000,121.4052,31.2472,gcj02,dispatched,,,,\"x, y\"\n";  // 4 ok, quoted
        f << "PT-0003,wanli,1732061700000,abc,31.25,,,,,,\n";                                    // 5 bad_coordinate
        f << "PT-0003,,1732061700000,121.40,31.25,,,,,,\n";                                      // 6 missing_field
        f << "PT-0003,atlantis,1732061700000,121.40,31.25,,,,,,\n";                              // 7 unknown_squad
        f << "PT-0003,wanli,1732061700000,121.40,31.25,,asleep,,,,\n";                           // 8 unknown_status
        f << "PT-0003,wanli,1732061700000,121.40,31.25,,,fast,,,\n";                             // 9 invalid_field
        f << "PT-0003,wanli,1732061700000,121.40,31.25,,,99,,,\n";                               // 10 bad_speed
        f << "PT-0003,wanli,yesterday,121.40,31.25,,,,,,\n";                                     // 11 bad_time
        f << "PT-0003,wanli,1732061700000,121.40,95,,,,,,\n";                                    // 12 bad_coordinate
        f << "PT-0003,wanli,1732061700000,116.40,39.90,,,,,,\n";                                 // 13 outside_area
        f << "PT-0003,wanli,1732061700000,121.40,31.25,mars,,,,,\n";                             // 14 unknown_crs
        f << "PT-0001,changfeng,1732061711000,121.45,31.25,,,,,,\n";                             // 15 implied_speed
        f << "PT-0001,changfeng,1732061710000,121.4001,31.25,wgs84,,,,,\n";                      // 16 duplicate
        f << "PT-0001,changfeng,1732061705000,121.40005,31.25,,,,,,\n";                          // 17 late, ok
    }
    HistoryStore h(historyIn(dir));
    ImportOptions io;
    io.now = kT0 + 3600000;
    const ImportResult r = importPositions({path}, h, io);
    REQUIRE(r.errors.empty());
    CHECK(r.counters.lines == 16);
    CHECK(r.positions == 4);
    CHECK(r.counters.late == 1);
    CHECK(r.written == 4);
    CHECK(r.counters.duplicates == 1);
    CHECK(reason(r, RejectReason::BadCoordinate) == 2);
    CHECK(reason(r, RejectReason::MissingField) == 1);
    CHECK(reason(r, RejectReason::UnknownSquad) == 1);
    CHECK(reason(r, RejectReason::UnknownStatus) == 1);
    CHECK(reason(r, RejectReason::InvalidField) == 1);
    CHECK(reason(r, RejectReason::BadSpeed) == 1);
    CHECK(reason(r, RejectReason::BadTime) == 1);
    CHECK(reason(r, RejectReason::OutsideArea) == 1);
    CHECK(reason(r, RejectReason::UnknownCrs) == 1);
    CHECK(reason(r, RejectReason::ImpliedSpeed) == 1);
    CHECK(r.counters.rejected == 11);
    const auto& bc = r.samples[static_cast<size_t>(RejectReason::BadCoordinate)];
    REQUIRE(bc.size() == 2);
    CHECK(bc[0].lineNo == 5);
    CHECK(bc[0].detail == "lon");
    CHECK(bc[1].lineNo == 12);
    CHECK(bc[0].excerpt.find("PT-0003,wanli,1732061700000,abc") == 0);
    CHECK(r.samples[static_cast<size_t>(RejectReason::MissingField)][0].detail == "squad");

    TrackStore s;
    REQUIRE(h.load(kTimeMin, kTimeMax, s).rows == 4);
    const auto slot = s.slotOf("PT,0002");
    REQUIRE(slot);
    const auto fx = s.fixes(*slot);
    REQUIRE(fx.size() == 1);
    CHECK(fx[0].status == OfficerStatus::Dispatched);
    CHECK(std::abs(fx[0].lon - 121.4052) > 1e-4);  // converted from GCJ-02 (a few hundred metres)
    const auto a = s.fixes(*s.slotOf("PT-0001"));
    REQUIRE(a.size() == 3);
    CHECK(a[0].speed == Approx(1.2f));
    CHECK(a[0].heading == 90.0f);
    CHECK(a[1].t == 1732061705000);
    CHECK(std::isnan(a[2].speed));
}

TEST_CASE("an unreadable input or a CSV without a required column is an error naming file and reason",
          "[tracks][import]") {
    TempDir dir;
    const std::string csv = dir.file("nolat.csv");
    {
        std::ofstream f(csv);
        f << "officer,squad,t,lon\nPT-1,wanli,1732061700000,121.4\n";
    }
    HistoryStore h(historyIn(dir));
    const ImportResult r = importPositions({csv, dir.file("missing.jsonl")}, h);
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0] == csv + ": no column 'lat' (needs officer, squad, t, lon, lat)");
    CHECK(r.errors[1].find("missing.jsonl: cannot open") != std::string::npos);
    CHECK_FALSE(r.ok());
}

TEST_CASE("checkPositions: the same reading and counting without a history store, also from /vsimem/",
          "[tracks][import]") {
    GDALAllRegister();
    const std::string ndjson = posLine(1, kT0) + "\nnot json\n" + posLine(1, kT0) + "\n";
    const std::string csv = "officer,squad,t,lon,lat\nPT-0001,wanli," + std::to_string(kT0 + 60000) +
                            ",121.4,31.25\nPT-0001,wanli,soon,121.4,31.25\n";
    VSIFCloseL(VSIFileFromMemBuffer("/vsimem/check_test/a.jsonl",
                                    reinterpret_cast<GByte*>(const_cast<char*>(ndjson.data())), ndjson.size(), FALSE));
    VSIFCloseL(VSIFileFromMemBuffer("/vsimem/check_test/b.csv", reinterpret_cast<GByte*>(const_cast<char*>(csv.data())),
                                    csv.size(), FALSE));
    ImportOptions io;
    io.now = kT0 + 3600000;
    const ImportResult r =
        checkPositions({"/vsimem/check_test/a.jsonl", "/vsimem/check_test/b.csv", "/vsimem/check_test/none.csv"}, io);
    VSIUnlink("/vsimem/check_test/a.jsonl");
    VSIUnlink("/vsimem/check_test/b.csv");
    CHECK(r.counters.lines == 5);
    CHECK(r.positions == 2);
    CHECK(r.counters.duplicates == 1);
    CHECK(reason(r, RejectReason::MalformedJson) == 1);
    CHECK(reason(r, RejectReason::BadTime) == 1);
    CHECK(r.written == 0);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0] == "/vsimem/check_test/none.csv: no such file");
}
