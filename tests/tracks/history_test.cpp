// The history store on a GeoPackage: schema (what QGIS opens), batches, reading back
// into a track store, retention, a restart that restores the trails, write errors that
// are counted instead of crashing, and crash safety (a writer killed with SIGKILL).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "engine/feed/pipeline.hpp"
#include "engine/tracks/history.hpp"
#include "tests/tracks/test_support.hpp"

using namespace sandtable;
using tracktest::kT0;
using tracktest::TempDir;

extern char** environ;

namespace {
std::vector<HistoryRecord> makeRows(size_t n, TimeMs t0, int officers = 3) {
    std::vector<HistoryRecord> rows;
    for (size_t i = 0; i < n; ++i) {
        HistoryRecord r;
        r.officer = "PT-" + std::to_string(i % static_cast<size_t>(officers));
        r.squad = static_cast<uint8_t>(i % static_cast<size_t>(officers));
        r.fix.t = t0 + static_cast<TimeMs>(i / static_cast<size_t>(officers)) * 10000;
        r.fix.lon = 121.38 + static_cast<double>(i % 1000) * 1e-5;
        r.fix.lat = 31.24 + static_cast<double>(i % 777) * 1e-5;
        r.fix.status = i % 5 == 0 ? OfficerStatus::Dispatched : OfficerStatus::Patrol;
        if (i % 2) r.fix.speed = 1.5f;
        if (i % 3) r.fix.heading = 45.0f;
        if (i % 4) r.fix.accuracy = 7.0f;
        rows.push_back(r);
    }
    return rows;
}

GDALDatasetUniquePtr openGpkg(const std::string& path, bool update = false) {
    GDALAllRegister();
    const char* drivers[] = {"GPKG", nullptr};
    return GDALDatasetUniquePtr(
        GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | (update ? GDAL_OF_UPDATE : GDAL_OF_READONLY), drivers));
}

// Fixes stored (the sum of the runs' counts).
int64_t countRows(GDALDataset& ds, const std::string& where = "") {
    OGRLayer* rs = ds.ExecuteSQL(("SELECT COALESCE(SUM(n), 0) FROM tracks" + where).c_str(), nullptr, nullptr);
    if (!rs) return -1;
    int64_t n = -1;
    for (auto& f : *rs) n = f->GetFieldAsInteger64(0);
    ds.ReleaseResultSet(rs);
    return n;
}
}  // namespace

TEST_CASE("a GeoPackage history: schema, batches, read back in time order", "[tracks][history]") {
    TempDir dir;
    HistoryOptions o;
    o.target = dir.file("state");  // a folder that does not exist yet
    o.batchRows = 1000;
    o.retentionDays = 0;
    const auto rows = makeRows(10000, kT0);
    {
        HistoryStore h(o);
        CHECK(h.stats().lastWriteAt == 0);
        auto copy = rows;
        const TimeMs before = wallClockMs();
        REQUIRE(h.append(std::move(copy)));
        REQUIRE(h.flush());
        const HistoryStats s = h.stats();
        CHECK(s.written == 10000);
        CHECK(s.lastWriteAt >= before);
        CHECK(s.lastWriteAt <= wallClockMs());
        CHECK(s.batches >= 10);
        CHECK(s.writeErrors == 0);
        CHECK(s.target == dir.file("state/history.gpkg"));
    }
    // What QGIS sees: one multipoint layer (M = time) in EPSG:4326, a row per run of one
    // officer's fixes, with the documented columns and indexes.
    auto ds = openGpkg(dir.file("state/history.gpkg"));
    REQUIRE(ds);
    OGRLayer* l = ds->GetLayerByName("tracks");
    REQUIRE(l);
    CHECK(wkbFlatten(l->GetGeomType()) == wkbMultiPoint);
    CHECK(OGR_GT_HasM(l->GetGeomType()));
    CHECK(!OGR_GT_HasZ(l->GetGeomType()));
    REQUIRE(l->GetSpatialRef());
    CHECK(std::string(l->GetSpatialRef()->GetAuthorityCode(nullptr)) == "4326");
    OGRFeatureDefn* d = l->GetLayerDefn();
    for (const char* f : {"officer", "squad", "status", "t0", "t1", "n", "t0_iso", "speed", "heading", "acc"})
        CHECK(d->GetFieldIndex(f) >= 0);
    CHECK(d->GetFieldDefn(d->GetFieldIndex("t0"))->GetType() == OFTInteger64);
    CHECK(d->GetFieldDefn(d->GetFieldIndex("t1"))->GetType() == OFTInteger64);
    CHECK(d->GetFieldDefn(d->GetFieldIndex("speed"))->GetType() == OFTBinary);
    CHECK(countRows(*ds) == 10000);
    CHECK(l->GetFeatureCount() < 10000 / 2);  // runs, not fixes
    CHECK(!ds->GetLayerByName("positions"));
    OGRLayer* idx =
        ds->ExecuteSQL("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tracks'", nullptr, nullptr);
    REQUIRE(idx);
    std::set<std::string> names;
    for (auto& f : *idx) names.insert(f->GetFieldAsString(0));
    ds->ReleaseResultSet(idx);
    CHECK(names.count("tracks_t0"));
    CHECK(names.count("tracks_officer_t0"));
    // Row 3 (PT-0, t = kT0 + 10 s) is in a run of PT-0's fixes; its values are at its index.
    l->SetAttributeFilter("officer = 'PT-0' AND t0 <= 1732061710000 AND t1 >= 1732061710000");
    auto f = std::unique_ptr<OGRFeature>(l->GetNextFeature());
    REQUIRE(f);
    CHECK(std::unique_ptr<OGRFeature>(l->GetNextFeature()) == nullptr);
    CHECK(std::string(f->GetFieldAsString("t0_iso")).rfind("2024-11-20T08:1", 0) == 0);
    CHECK(std::string(f->GetFieldAsString("squad")) == "caoyang");
    CHECK(std::string(f->GetFieldAsString("status")) == "patrol");
    const OGRGeometry* g = f->GetGeometryRef();
    REQUIRE(g);
    REQUIRE(wkbFlatten(g->getGeometryType()) == wkbMultiPoint);
    const OGRMultiPoint* mp = g->toMultiPoint();
    const int n = f->GetFieldAsInteger("n");
    CHECK(mp->getNumGeometries() == n);
    CHECK(n <= 1024);
    CHECK(f->GetFieldAsInteger64("t1") - f->GetFieldAsInteger64("t0") < 3600000);
    int k = -1;
    for (int i = 0; i < n; ++i) {
        const OGRPoint* p = mp->getGeometryRef(i);
        if (i > 0) CHECK(p->getM() >= mp->getGeometryRef(i - 1)->getM());  // time order
        if (p->getM() == 1732061710000.0) k = i;
    }
    REQUIRE(k >= 0);
    CHECK(mp->getGeometryRef(0)->getM() == static_cast<double>(f->GetFieldAsInteger64("t0")));
    CHECK(mp->getGeometryRef(k)->getX() == rows[3].fix.lon);
    CHECK(mp->getGeometryRef(k)->getY() == rows[3].fix.lat);
    auto floatAt = [&](const char* column) {
        int bytes = 0;
        const GByte* b = f->GetFieldAsBinary(d->GetFieldIndex(column), &bytes);
        REQUIRE(bytes == 4 * n);
        float v;
        std::memcpy(&v, b + 4 * k, 4);
        return v;
    };
    CHECK(floatAt("speed") == 1.5f);
    CHECK(f->IsFieldNull(d->GetFieldIndex("heading")));  // rows 3, 6, 9, 12: no heading, so no blob
    CHECK(floatAt("acc") == 7.0f);
    ds.reset();

    // Read back into a track store: [t0, t1) in time order, values as written.
    HistoryOptions ro = o;
    ro.readOnly = true;
    HistoryStore reader(ro);
    TrackStore store;
    const HistoryLoad ld = reader.load(kT0 + 10000, kT0 + 86400000, store);
    CHECK(ld.error.empty());
    CHECK(ld.rows == 10000 - 3);  // the first three (t = kT0) are before t0
    CHECK(ld.stored == ld.rows);
    CHECK(ld.bad == 0);
    REQUIRE(store.slotOf("PT-2"));
    const uint32_t s2 = *store.slotOf("PT-2");
    const auto fx = store.fixes(s2);
    REQUIRE(fx.size() == 3333 - 1);  // rows 5, 8, ... 9998
    CHECK(fx.front().t == kT0 + 10000);
    const HistoryRecord& want = rows[5];  // PT-2, t = kT0 + 10000
    CHECK(fx.front().lon == track::quantiseDeg(want.fix.lon));
    CHECK(fx.front().lat == track::quantiseDeg(want.fix.lat));
    CHECK(fx.front().status == OfficerStatus::Dispatched);
    CHECK(fx.front().speed == 1.5f);
    CHECK(std::isnan(fx.front().heading) == std::isnan(want.fix.heading));
    CHECK(store.squadAt(s2, kT0 + 10000) == 2);
    // Reading while a writer holds the file (WAL): no blocking either way.
    CHECK(!reader.append(makeRows(1, kT0)));  // read-only: nothing is written
}

// How a batch becomes rows: a run per officer ends where the squad or the status changes,
// at 1024 fixes, at an hour and at local midnight; a late fix makes a run of its own; a
// period that starts or ends inside a run gets exactly its fixes.
TEST_CASE("history runs: cut by squad, status, size, span and midnight, late fixes, partial ranges",
          "[tracks][history]") {
    TempDir dir;
    HistoryOptions o;
    o.target = dir.file("h.gpkg");
    o.retentionDays = 0;
    o.batchRows = 100000;
    std::vector<HistoryRecord> batch;
    auto fix = [&](const char* officer, uint8_t squad, TimeMs t, OfficerStatus status = OfficerStatus::Patrol) {
        HistoryRecord r;
        r.officer = officer;
        r.squad = squad;
        r.fix.t = t;
        r.fix.lon = 121.40 + static_cast<double>(t % 100000) * 1e-7;
        r.fix.lat = 31.24;
        r.fix.status = status;
        r.fix.speed = static_cast<float>(t % 1000);
        batch.push_back(r);
    };
    // Local midnight (+08:00) after kT0 (2024-11-20 08:15): 2024-11-21 00:00 +08:00.
    const TimeMs midnight = 1732118400000;
    for (int i = 0; i < 1500; ++i) fix("A", 0, kT0 + i * 1000);             // 1500 s at 1 s: 1024 + 476
    for (int i = 0; i < 10; ++i) fix("B", i < 4 ? 0 : 1, kT0 + i * 10000);  // squad change: 4 + 6
    for (int i = 0; i < 10; ++i)                                            // status change: 3 + 7
        fix("C", 2, kT0 + i * 10000, i < 3 ? OfficerStatus::Patrol : OfficerStatus::Dispatched);
    for (int i = 0; i < 400; ++i) fix("D", 3, kT0 + i * 10000);      // 4000 s at 10 s: 360 + 40 (the hour)
    for (int i = -5; i < 5; ++i) fix("E", 4, midnight + i * 60000);  // across midnight: 5 + 5
    std::reverse(batch.begin() + 1510, batch.begin() + 1520);        // C's fixes out of order in the batch
    {
        HistoryStore h(o);
        auto copy = batch;
        REQUIRE(h.append(std::move(copy)));
        REQUIRE(h.flush());
        std::vector<HistoryRecord> late;
        late.push_back(batch[100]);  // a fix of A again, but 0.5 s later: a late row of its own
        late.back().fix.t += 500;
        batch.push_back(late.back());
        REQUIRE(h.append(std::move(late)));
        REQUIRE(h.flush());
    }
    auto ds = openGpkg(dir.file("h.gpkg"));
    REQUIRE(ds);
    std::map<std::string, std::vector<int>> runs;  // officer -> n of its runs by t0
    OGRLayer* rs = ds->ExecuteSQL("SELECT officer, n, t0, t1 FROM tracks ORDER BY officer, t0, n", nullptr, nullptr);
    REQUIRE(rs);
    for (auto& f : *rs) {
        runs[f->GetFieldAsString(0)].push_back(f->GetFieldAsInteger(1));
        const TimeMs a = f->GetFieldAsInteger64(2), b = f->GetFieldAsInteger64(3);
        CHECK(b - a < 3600000);
        CHECK((a < midnight) == (b < midnight));
    }
    ds->ReleaseResultSet(rs);
    CHECK(runs["A"] == std::vector<int>{1024, 1, 476});  // by t0: the late one starts at 100.5 s
    CHECK(runs["B"] == std::vector<int>{4, 6});
    CHECK(runs["C"] == std::vector<int>{3, 7});
    CHECK(runs["D"] == std::vector<int>{360, 40});
    CHECK(runs["E"] == std::vector<int>{5, 5});
    CHECK(countRows(*ds) == static_cast<int64_t>(batch.size()));
    ds.reset();

    // Read back: every fix once, in time order, values as written; ranges that start and
    // end inside runs.
    HistoryOptions ro = o;
    ro.readOnly = true;
    HistoryStore reader(ro);
    auto byTimeOfficer = [](const HistoryRecord& a, const HistoryRecord& b) {
        return a.fix.t != b.fix.t ? a.fix.t < b.fix.t : a.officer < b.officer;
    };
    auto sorted = batch;
    std::sort(sorted.begin(), sorted.end(), byTimeOfficer);
    for (const auto& [from, to] : std::vector<std::pair<TimeMs, TimeMs>>{{kTimeMin, kTimeMax},
                                                                         {kT0 + 500500, kT0 + 700000},
                                                                         {kT0 + 3599000, kT0 + 3601000},
                                                                         {midnight - 1, midnight + 1}}) {
        INFO("from " << from << " to " << to);
        std::vector<HistoryRecord> want;
        for (const HistoryRecord& r : sorted)
            if (r.fix.t >= from && r.fix.t < to) want.push_back(r);
        std::vector<HistoryRecord> got;
        HistoryLoad ld;
        REQUIRE(reader.read(
            from, to, [&](const HistoryRecord& r) { got.push_back(r); }, &ld));
        CHECK(ld.bad == 0);
        CHECK(ld.rows == want.size());
        REQUIRE(got.size() == want.size());
        CHECK(std::is_sorted(got.begin(), got.end(),
                             [](const HistoryRecord& a, const HistoryRecord& b) { return a.fix.t < b.fix.t; }));
        std::sort(got.begin(), got.end(), byTimeOfficer);  // equal times: in the order read
        size_t same = 0;
        for (size_t i = 0; i < got.size(); ++i)
            same += got[i].fix.t == want[i].fix.t && got[i].officer == want[i].officer &&
                    got[i].squad == want[i].squad && got[i].fix.lon == want[i].fix.lon &&
                    got[i].fix.status == want[i].fix.status && got[i].fix.speed == want[i].fix.speed &&
                    std::isnan(got[i].fix.heading);
        CHECK(same == want.size());
        TrackStore store;
        const HistoryLoad l2 = reader.load(from, to, store);
        CHECK(l2.stored == want.size());
    }
}

// The live feed writes runs of about one fix (a batch a second). Once an hour has closed,
// its short runs are merged into long ones in one transaction: the same fixes, far fewer
// rows; an hour holding a run that cannot be read back whole is left as it is.
TEST_CASE("short runs of a closed hour are merged into long ones, nothing lost", "[tracks][history]") {
    TempDir dir;
    HistoryOptions o;
    o.target = dir.file("h.gpkg");
    o.retentionDays = 0;
    o.batchRows = 3;  // one fix of each of the three officers a batch: runs of one fix
    // Two hours from kT0 (08:15 local), a fix a minute: 45 in the 08:00 hour, 60 in the
    // 09:00 hour, 15 in the 10:00 hour, per officer.
    std::vector<HistoryRecord> rows;
    for (int k = 0; k < 120; ++k)
        for (int i = 0; i < 3; ++i) {
            HistoryRecord r;
            r.officer = "PT-" + std::to_string(i);
            r.squad = static_cast<uint8_t>(i);
            r.fix.t = kT0 + k * 60000;
            r.fix.lon = 121.38 + k * 1e-4;
            r.fix.lat = 31.24 + i * 1e-3;
            r.fix.speed = static_cast<float>(k % 7);
            rows.push_back(r);
        }
    const TimeMs hour9 = kT0 + 45 * 60000;  // 09:00 local
    {
        o.now = [] { return kT0 - 3600000; };  // while writing, none of these hours has closed
        HistoryStore h(o);
        auto copy = rows;
        REQUIRE(h.append(std::move(copy)));
        REQUIRE(h.flush());
        CHECK(h.stats().runsMerged == 0);
    }
    auto runsIn = [&](TimeMs from, TimeMs to) {
        auto ds = openGpkg(dir.file("h.gpkg"));
        OGRLayer* rs = ds->ExecuteSQL(
            ("SELECT count(*) FROM tracks WHERE t0 >= " + std::to_string(from) + " AND t0 < " + std::to_string(to))
                .c_str(),
            nullptr, nullptr);
        int64_t n = -1;
        for (auto& f : *rs) n = f->GetFieldAsInteger64(0);
        ds->ReleaseResultSet(rs);
        return n;
    };
    CHECK(runsIn(kTimeMin, kTimeMax) == 360);
    {
        // A run of the 09:00 hour with a squad not in the list: it cannot be written again.
        auto ds = openGpkg(dir.file("h.gpkg"), true);
        OGRLayer* l = ds->GetLayerByName("tracks");
        OGRFeature f(l->GetLayerDefn());
        f.SetField("officer", "PT-9");
        f.SetField("squad", "nowhere");
        f.SetField("t0", static_cast<GIntBig>(hour9 + 1000));
        f.SetField("t1", static_cast<GIntBig>(hour9 + 1000));
        f.SetField("n", 1);
        auto* mp = new OGRMultiPoint;
        auto* p = new OGRPoint(121.4, 31.2);
        p->setM(static_cast<double>(hour9 + 1000));
        mp->addGeometryDirectly(p);
        f.SetGeometryDirectly(mp);
        REQUIRE(l->CreateFeature(&f) == OGRERR_NONE);
    }
    o.now = [] { return kT0 + 3 * 3600000; };  // 11:15: the three hours have closed
    HistoryStore h(o);
    h.expire();
    const HistoryStats s = h.stats();
    CHECK(s.writeErrors == 0);
    CHECK(s.runsMerged == 3 * 45 + 3 * 15);
    CHECK(s.runsMergedInto == 6);
    CHECK(runsIn(kTimeMin, hour9) == 3);                  // one run per officer
    CHECK(runsIn(hour9, hour9 + 3600000) == 3 * 60 + 1);  // left as it was
    CHECK(runsIn(hour9 + 3600000, hour9 + 2 * 3600000) == 3);
    {
        auto ds = openGpkg(dir.file("h.gpkg"));
        CHECK(countRows(*ds) == 361);
    }
    // The same fixes back, in time order, values as written.
    std::vector<HistoryRecord> got;
    HistoryLoad ld;
    REQUIRE(h.read(
        kTimeMin, kTimeMax, [&](const HistoryRecord& r) { got.push_back(r); }, &ld));
    CHECK(ld.bad == 1);
    REQUIRE(got.size() == rows.size());
    auto key = [](const HistoryRecord& a, const HistoryRecord& b) {
        return a.fix.t != b.fix.t ? a.fix.t < b.fix.t : a.officer < b.officer;
    };
    std::sort(got.begin(), got.end(), key);
    auto want = rows;
    std::sort(want.begin(), want.end(), key);
    size_t same = 0;
    for (size_t i = 0; i < got.size(); ++i)
        same += got[i].officer == want[i].officer && got[i].fix.t == want[i].fix.t &&
                got[i].fix.lon == want[i].fix.lon && got[i].fix.lat == want[i].fix.lat &&
                got[i].squad == want[i].squad && got[i].fix.speed == want[i].fix.speed;
    CHECK(same == rows.size());
}

TEST_CASE("retention removes rows older than the configured days", "[tracks][history]") {
    TempDir dir;
    HistoryOptions o;
    o.target = dir.file("h.gpkg");
    o.retentionDays = 90;
    const TimeMs now = kT0 + 10 * 86400000LL;
    o.now = [now] { return now; };
    HistoryStore h(o);
    h.append(makeRows(300, kT0 - 100 * 86400000LL));  // 110 days before `now`
    h.append(makeRows(300, kT0 - 79 * 86400000LL));   // 89 days
    h.append(makeRows(300, kT0));
    REQUIRE(h.flush());
    h.expire();
    const HistoryStats s = h.stats();
    CHECK(s.expiredRows == 300);
    auto ds = openGpkg(dir.file("h.gpkg"));
    REQUIRE(ds);
    CHECK(countRows(*ds) == 600);
    CHECK(countRows(*ds, " WHERE t1 < " + std::to_string(now - 90 * 86400000LL)) == 0);
}

TEST_CASE("expired tracks are gone from the files, not only from queries", "[tracks][history]") {
    TempDir dir;
    HistoryOptions o;
    o.target = dir.file("h.gpkg");
    o.retentionDays = 90;
    const TimeMs now = kT0 + 10 * 86400000LL;
    o.now = [now] { return now; };
    auto rowsOf = [](const std::string& officer, size_t n, TimeMs t0) {
        std::vector<HistoryRecord> rows = makeRows(n, t0, 1);
        for (HistoryRecord& r : rows) r.officer = officer;
        return rows;
    };
    // The file's bytes (and its write-ahead log's): does `needle` appear anywhere?
    auto inFiles = [&](const std::string& needle) {
        for (const char* suffix : {"", "-wal"}) {
            std::ifstream f(dir.file("h.gpkg") + suffix, std::ios::binary);
            const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
            if (bytes.find(needle) != std::string::npos) return true;
        }
        return false;
    };
    HistoryStore h(o);
    h.append(rowsOf("PT-EXPIRED-7731", 2000, kT0 - 100 * 86400000LL));
    h.append(rowsOf("PT-KEPT-4242", 2000, kT0));
    REQUIRE(h.flush());
    REQUIRE(inFiles("PT-EXPIRED-7731"));  // the probe finds what is there
    h.expire();
    CHECK(h.stats().expiredRows == 2000);
    CHECK_FALSE(inFiles("PT-EXPIRED-7731"));
    CHECK(inFiles("PT-KEPT-4242"));
}

TEST_CASE("a restarted pipeline restores the trails and officers from history", "[tracks][history][pipeline]") {
    TempDir dir;
    HistoryOptions o;
    o.target = dir.file("state");
    PipelineOptions po;
    po.now = [] { return kT0 + 3600000; };
    size_t firstTracks = 0;
    {
        po.history = std::make_shared<HistoryStore>(o);
        FeedPipeline p({}, po);
        for (int k = 0; k < 30; ++k)
            for (int i = 0; i < 4; ++i)
                REQUIRE(p.ingestLine(tracktest::posLine(i, kT0 + k * 10000, 121.40 + k * 1e-4)) ==
                        IngestOutcome::Accepted);
        // A late fix and an exact repeat: the late one is written, the repeat is not.
        REQUIRE(p.ingestLine(tracktest::posLine(0, kT0 + 5000)) == IngestOutcome::Late);
        REQUIRE(p.ingestLine(tracktest::posLine(1, kT0 + 10000, 121.40 + 1e-4)) == IngestOutcome::Duplicate);
        REQUIRE(po.history->flush());
        CHECK(po.history->stats().written == 121);
        const auto snap = p.snapshot();
        REQUIRE(snap->hasHistory);
        CHECK(snap->history.written == 121);
        firstTracks = snap->tracks->stats().points;
        po.history.reset();
    }
    po.history = std::make_shared<HistoryStore>(o);
    FeedPipeline p({}, po);
    std::string err;
    const HistoryLoad ld = p.restoreHistory(kT0 - 3600000, kT0 + 3600000, &err);
    CHECK(err.empty());
    CHECK(ld.stored == 121);
    const auto snap = p.snapshot();
    REQUIRE(snap->officers.size() == 4);
    CHECK(snap->tracks->stats().points == firstTracks);
    const OfficerState* a = snap->find("PT-0000");
    REQUIRE(a);
    CHECK(a->lastSeen == kT0 + 29 * 10000);
    CHECK(a->lon == track::quantiseDeg(121.40 + 29 * 1e-4));
    CHECK(a->fixes == 31);
    CHECK(snap->tracks->fixes(a->slot).size() == 31);
    CHECK(snap->counters.restored == 121);
    CHECK(snap->counters.lines == 0);
    // The timeline's activity histogram shows the restored fixes, by minute.
    REQUIRE(snap->activity);
    uint64_t active = 0;
    for (const auto& [minute, n] : *snap->activity) {
        CHECK(minute >= kT0 / 60000);
        active += n;
    }
    CHECK(active == 121);
    CHECK(snap->activity->size() == 5);  // kT0 .. kT0 + 290 s: minutes :15 to :19
    // Restored fixes are not written again; new ones are, and a repeat of a restored fix
    // is a duplicate.
    CHECK(p.ingestLine(tracktest::posLine(1, kT0 + 10000, 121.40 + 1e-4)) == IngestOutcome::Duplicate);
    CHECK(p.ingestLine(tracktest::posLine(0, kT0 + 300000, 121.40 + 31e-4)) == IngestOutcome::Accepted);
    REQUIRE(po.history->flush());
    CHECK(po.history->stats().written == 1);
}

TEST_CASE("a history that cannot be created fails at start naming it and the reason", "[tracks][history]") {
    TempDir dir;
    {
        std::ofstream f(dir.file("plainfile"));
        f << "x";
    }
    HistoryOptions o;
    o.target = dir.file("plainfile/state");  // a folder below a file
    try {
        HistoryStore h(o);
        FAIL("no exception");
    } catch (const std::runtime_error& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find("plainfile/state") != std::string::npos);
    }
    HistoryOptions ro;
    ro.target = dir.file("missing.gpkg");
    ro.readOnly = true;
    CHECK_THROWS_WITH(HistoryStore(ro), Catch::Contains("missing.gpkg") && Catch::Contains("no such file"));
}

TEST_CASE("a GeoPackage deleted while written: counted, a new file started, no crash", "[tracks][history]") {
    TempDir dir;
    HistoryOptions o;
    o.target = dir.file("state");
    o.batchIntervalMs = 20;
    o.retryMs = 20;
    HistoryStore h(o);
    h.append(makeRows(500, kT0));
    REQUIRE(h.flush());
    const std::string file = dir.file("state/history.gpkg");
    std::filesystem::remove(file);
    std::filesystem::remove(file + "-wal");
    std::filesystem::remove(file + "-shm");
    h.append(makeRows(500, kT0 + 86400000));
    h.flush();
    const HistoryStats s = h.stats();
    CHECK(s.writeErrors >= 1);
    CHECK(s.lastError.find("deleted") != std::string::npos);
    REQUIRE(std::filesystem::exists(file));
    auto ds = openGpkg(file);
    REQUIRE(ds);
    CHECK(countRows(*ds) == 500);  // the rows after the deletion, in the new file
}

namespace {
struct Child {
    pid_t pid = -1;
    int out = -1;
};
Child spawnHelper(const std::vector<std::string>& args) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    Child c;
    REQUIRE(posix_spawn(&c.pid, argv[0], &fa, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    c.out = fds[0];
    return c;
}
// Reads the child's stdout until `stop(text)` holds or it closes.
std::string readUntil(int fd, const std::function<bool(const std::string&)>& stop) {
    std::string text;
    char buf[4096];
    while (!stop(text)) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    return text;
}
uint64_t lastCommitted(const std::string& text) {
    uint64_t n = 0;
    size_t p = 0;
    while ((p = text.find("committed ", p)) != std::string::npos) {
        const size_t e = text.find('\n', p);
        if (e == std::string::npos) break;  // a partial line: not yet reported
        n = std::stoull(text.substr(p + 10, e - p - 10));
        p = e;
    }
    return n;
}
}  // namespace

TEST_CASE("kill -9 during writes loses at most the last batch and the file opens", "[tracks][history][crash]") {
    std::mt19937 rng(11);
    for (int round = 0; round < 3; ++round) {
        TempDir dir;
        const size_t batch = 20000;
        Child c = spawnHelper({SANDTABLE_HISTORY_HELPER, dir.file("state"), std::to_string(batch)});
        // Let it commit a few batches, then kill it at a random moment inside the next ones.
        std::string text = readUntil(c.out, [&](const std::string& t) { return lastCommitted(t) >= 2 * batch; });
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 250)(rng)));
        ::kill(c.pid, SIGKILL);
        text += readUntil(c.out, [](const std::string&) { return false; });  // whatever it printed before dying
        int status = 0;
        ::waitpid(c.pid, &status, 0);
        ::close(c.out);
        REQUIRE(WIFSIGNALED(status));
        const uint64_t reported = lastCommitted(text);
        REQUIRE(reported >= 2 * batch);

        auto ds = openGpkg(dir.file("state/history.gpkg"), true);  // as QGIS opens it
        REQUIRE(ds);
        const int64_t rows = countRows(*ds);
        INFO("round " << round << ": reported " << reported << ", file holds " << rows);
        // Every reported batch survived; at most one more (committed, not yet reported);
        // never a partial batch.
        CHECK(rows >= static_cast<int64_t>(reported));
        CHECK(rows <= static_cast<int64_t>(reported + batch));
        CHECK(rows % static_cast<int64_t>(batch) == 0);
        // Still a usable GeoPackage: integrity and a read of the newest rows.
        OGRLayer* ic = ds->ExecuteSQL("PRAGMA integrity_check", nullptr, nullptr);
        REQUIRE(ic);
        std::string verdict;
        for (auto& f : *ic) verdict = f->GetFieldAsString(0);
        ds->ReleaseResultSet(ic);
        CHECK(verdict == "ok");
        ds.reset();
        HistoryOptions ro;
        ro.target = dir.file("state");
        ro.readOnly = true;
        TrackStore store;
        const HistoryLoad ld = HistoryStore(ro).load(kTimeMin, kTimeMax, store);
        CHECK(ld.error.empty());
        CHECK(static_cast<int64_t>(ld.rows) == rows);
    }
}

TEST_CASE("a full disk: failed batches counted and retried, the file stays readable", "[tracks][history][crash]") {
    TempDir dir;
    // 1 MB of file size allowed (~210 kB a batch of 5000): the first batches fit, the later ones cannot.
    Child c =
        spawnHelper({SANDTABLE_HISTORY_HELPER, dir.file("state"), "5000", "--batches", "12", "--fsize", "1000000"});
    const std::string text = readUntil(c.out, [](const std::string&) { return false; });
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    ::close(c.out);
    INFO(text);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);  // no crash
    const size_t j = text.find('{');
    REQUIRE(j != std::string::npos);
    const std::string json = text.substr(j);
    CHECK(json.find("\"write_errors\": 0") == std::string::npos);
    const uint64_t written = std::stoull(json.substr(json.find("\"written\": ") + 11));
    CHECK(written > 0);
    CHECK(written < 60000);
    auto ds = openGpkg(dir.file("state/history.gpkg"), true);
    REQUIRE(ds);
    CHECK(countRows(*ds) == static_cast<int64_t>(written));
}

namespace {
// The files of `dir` whose names start with `prefix`.
std::vector<std::string> filesStartingWith(const std::string& dir, const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}
}  // namespace

TEST_CASE("an unreadable history file is moved aside and a new one started, with a notice", "[tracks][history]") {
    TempDir dir;
    const std::string gpkg = dir.file("history.gpkg");
    HistoryOptions o;
    o.target = dir.path.string();
    o.retentionDays = 0;
    o.batchIntervalMs = 20;
    {
        HistoryStore h(o);
        h.append(makeRows(3000, kT0));
        REQUIRE(h.flush());
    }
    const auto whole = std::filesystem::file_size(gpkg);
    REQUIRE(whole > 8192);
    std::string expect;
    SECTION("truncated while closed") {
        std::filesystem::resize_file(gpkg, whole / 3);
        expect = "truncated: " + std::to_string(whole / 3) + " of its";
    }
    SECTION("overwritten with other bytes") {
        std::ofstream f(gpkg, std::ios::binary | std::ios::trunc);
        for (int i = 0; i < 10; ++i) f << "this is not a GeoPackage at all, just text that replaced it\n";
        expect = "not an SQLite database";
    }
    SECTION("emptied") {
        std::filesystem::resize_file(gpkg, 0);
        expect = "the file is empty";
    }
    HistoryStore h(o);  // does not throw: the wall keeps its history going
    const HistoryStats st = h.stats();
    INFO(st.notice);
    CHECK(st.quarantined == 1);
    CHECK(st.notice.find(expect) != std::string::npos);
    CHECK(st.notice.find("moved aside to " + gpkg + ".corrupt-") != std::string::npos);
    CHECK(st.noticeAt > 0);
    const auto moved = filesStartingWith(dir.path.string(), "history.gpkg.corrupt-");
    REQUIRE(!moved.empty());
    CHECK(std::filesystem::path(moved[0]).filename().string().size() ==
          std::string("history.gpkg.corrupt-20261201T120000Z").size());
    // The new file takes rows and reads back.
    h.append(makeRows(300, kT0 + 3600000));
    REQUIRE(h.flush());
    auto ds = openGpkg(gpkg);
    REQUIRE(ds);
    CHECK(countRows(*ds) == 300);
}

TEST_CASE("a whole history file is never moved aside, and one without permission fails naming it",
          "[tracks][history]") {
    TempDir dir;
    const std::string gpkg = dir.file("history.gpkg");
    HistoryOptions o;
    o.target = dir.path.string();
    {
        HistoryStore h(o);
        h.append(makeRows(10, kT0));
        REQUIRE(h.flush());
    }
    // A whole file is never moved, however often it is opened.
    for (int i = 0; i < 2; ++i) {
        HistoryStore h(o);
        CHECK(h.stats().quarantined == 0);
        CHECK(h.stats().notice.empty());
    }
    CHECK(filesStartingWith(dir.path.string(), "history.gpkg.corrupt-").empty());
    if (::geteuid() != 0) {  // root reads every file: the permission case needs another user
        std::filesystem::permissions(gpkg, std::filesystem::perms::none);
        CHECK_THROWS_WITH(HistoryStore(o), Catch::Contains("history.gpkg"));
        CHECK(filesStartingWith(dir.path.string(), "history.gpkg.corrupt-").empty());
        std::filesystem::permissions(gpkg, std::filesystem::perms::owner_all);
    }
}

// load() reads a GeoPackage through GDAL's Arrow stream (any row order), read() through a
// query of runs merged into time order: the same fixes, the same bad ones, the same values, in one time
// slice and in several read side by side.
TEST_CASE("a GeoPackage history loads the same through the Arrow stream as through the query", "[tracks][history]") {
    TempDir dir;
    HistoryOptions o;
    o.target = dir.file("state");
    o.batchRows = 5000;
    o.retentionDays = 0;
    // Two days of three officers every 10 s: long enough for the time slices.
    const auto rows = makeRows(3 * 17280, kT0);
    {
        HistoryStore h(o);
        auto copy = rows;
        REQUIRE(h.append(std::move(copy)));
        h.flush();
    }
    {
        // Runs a reader must skip and count: no geometry and an empty multipoint (one bad
        // each), a squad not in the list (its two fixes bad), a fix with no time (bad);
        // and a late run (written last, earlier in time). Officer, t0, t1 and n are NOT
        // NULL columns.
        auto ds = openGpkg(dir.file("state/history.gpkg"), true);
        REQUIRE(ds);
        OGRLayer* l = ds->GetLayerByName("tracks");
        REQUIRE(l);
        auto add = [&](const char* officer, const char* squad, TimeMs t, OGRGeometry* g, int n) {
            OGRFeature f(l->GetLayerDefn());
            f.SetField("officer", officer);
            f.SetField("squad", squad);
            f.SetField("t0", static_cast<GIntBig>(t));
            f.SetField("t1", static_cast<GIntBig>(t + n - 1));
            f.SetField("n", n);
            f.SetField("status", "patrol");
            if (g) f.SetGeometryDirectly(g);
            REQUIRE(l->CreateFeature(&f) == OGRERR_NONE);
        };
        auto points = [](std::initializer_list<std::array<double, 3>> xym) {
            auto* mp = new OGRMultiPoint;
            mp->setMeasured(TRUE);
            for (const auto& p : xym) {
                auto* pt = new OGRPoint(p[0], p[1]);
                pt->setM(p[2]);
                mp->addGeometryDirectly(pt);
            }
            return mp;
        };
        const std::string squad0 = o.squads.empty() ? std::string("caoyang") : o.squads[0];
        const double tb = static_cast<double>(kT0 + 3600000);
        add("PT-0", squad0.c_str(), kT0 + 3600000 + 5, nullptr, 1);
        add("PT-0", squad0.c_str(), kT0 + 3600000 + 6, points({}), 1);
        add("PT-0", "nowhere", kT0 + 3600000 + 8, points({{121.4, 31.2, tb + 8}, {121.4, 31.2, tb + 9}}), 2);
        add("PT-0", squad0.c_str(), kT0 + 3600000 + 10, points({{121.4, 31.2, NAN}}), 1);
        add("PT-9", squad0.c_str(), kT0 + 60000 + 1,
            points({{121.41, 31.21, static_cast<double>(kT0 + 60000 + 1)},
                    {121.42, 31.22, static_cast<double>(kT0 + 60000 + 3)}}),
            2);
    }
    HistoryOptions ro = o;
    ro.readOnly = true;
    // What the time-ordered query gives.
    HistoryLoad viaQuery;
    std::vector<HistoryRecord> queried;
    REQUIRE(HistoryStore(ro).read(
        kTimeMin, kTimeMax, [&](const HistoryRecord& r) { queried.push_back(r); }, &viaQuery));
    CHECK(viaQuery.bad == 5);
    CHECK(queried.size() == rows.size() + 2);
    CHECK(std::is_sorted(queried.begin(), queried.end(),
                         [](const HistoryRecord& a, const HistoryRecord& b) { return a.fix.t < b.fix.t; }));
    for (unsigned threads : {1u, 2u, 3u}) {
        INFO(threads << " reader threads");
        ro.readThreads = threads;
        TrackStore store;
        const HistoryLoad ld = HistoryStore(ro).load(kTimeMin, kTimeMax, store);
        CHECK(ld.error.empty());
        CHECK(ld.rows == viaQuery.rows);
        CHECK(ld.bad == 5);
        CHECK(ld.stored == queried.size());
        CHECK(ld.columnar == threads);  // every slice through the Arrow stream
        // Every accepted row is in the store as the query read it.
        size_t matched = 0;
        for (const HistoryRecord& r : queried) {
            const auto slot = store.slotOf(r.officer);
            REQUIRE(slot);
            const auto f = store.at(*slot, r.fix.t);
            REQUIRE(f);
            matched += f->lon == track::quantiseDeg(r.fix.lon) && f->lat == track::quantiseDeg(r.fix.lat) &&
                       f->status == r.fix.status && std::isnan(f->speed) == std::isnan(r.fix.speed) &&
                       std::isnan(f->heading) == std::isnan(r.fix.heading) &&
                       std::isnan(f->accuracy) == std::isnan(r.fix.accuracy) &&
                       store.squadAt(*slot, r.fix.t) == store.squadIndex(ro.squads[r.squad]);
        }
        CHECK(matched == queried.size());
        // The late row is filed in time order.
        const auto late = store.fixes(*store.slotOf("PT-9"));
        CHECK(late.size() == 2);
    }
}
