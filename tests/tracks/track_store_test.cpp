// The in-memory track store: encoding, order, late fixes, duplicates, chunk windows,
// the memory budget, squad changes, views (sharing and immutability) and a reader
// thread reading views while ingest continues.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "engine/tracks/track_store.hpp"

using namespace sandtable;

namespace {
const TimeMs kT0 = 1732061700000;  // 2024-11-20T08:15:00+08:00

PositionFix fixAt(TimeMs t, double lon = 121.40, double lat = 31.25, OfficerStatus st = OfficerStatus::Patrol) {
    PositionFix f;
    f.t = t;
    f.lon = lon;
    f.lat = lat;
    f.status = st;
    return f;
}
}  // namespace

TEST_CASE("points are 14 bytes and round-trip to 1e-7 degree, cm/s, 1 degree and 1 m", "[tracks][store]") {
    STATIC_REQUIRE(sizeof(TrackPoint) == 14);
    TrackStore s;
    const uint32_t a = s.addOfficer("PT-0001");
    PositionFix f = fixAt(kT0, 121.4012345678, 31.2509876543, OfficerStatus::Dispatched);
    f.speed = 1.237f;
    f.heading = 359.7f;  // rounds to 360 = 0
    f.accuracy = 8.4f;
    REQUIRE(s.add(a, f, 3) == TrackInsert::Appended);
    PositionFix g = fixAt(kT0 + 1000, 121.3999999, 31.2500001, OfficerStatus::Offline);  // NaNs: absent
    g.accuracy = 1e4f;                                                                   // beyond the range: saturates
    REQUIRE(s.add(a, g, 3) == TrackInsert::Appended);
    const auto v = s.fixes(a);
    REQUIRE(v.size() == 2);
    CHECK(v[0].t == kT0);
    CHECK(std::abs(v[0].lon - 121.4012345678) <= 0.5e-7);
    CHECK(std::abs(v[0].lat - 31.2509876543) <= 0.5e-7);
    CHECK(v[0].lon == track::quantiseDeg(121.4012345678));
    CHECK(v[0].speed == Approx(1.24f));
    CHECK(v[0].heading == 0.0f);
    CHECK(v[0].accuracy == 8.0f);
    CHECK(v[0].status == OfficerStatus::Dispatched);
    CHECK(std::isnan(v[1].speed));
    CHECK(std::isnan(v[1].heading));
    CHECK(v[1].accuracy == 254.0f);
    CHECK(v[1].status == OfficerStatus::Offline);
    CHECK(v[1].lon == track::quantiseDeg(121.3999999));
    CHECK(s.squadAt(a, kT0) == 3);
}

TEST_CASE("late fixes are inserted in order and duplicates (same officer and t) dropped", "[tracks][store]") {
    TrackStoreOptions o;
    o.chunkPoints = 4;
    TrackStore s(defaultSquadIds(), o);
    const uint32_t a = s.addOfficer("A");
    for (int i = 0; i < 10; ++i)
        REQUIRE(s.add(a, fixAt(kT0 + i * 10000, 121.40 + i * 1e-4), 0) == TrackInsert::Appended);
    const auto before = s.view();
    // Late fixes: one in the open chunk, one in a sealed chunk (copy on write), one before all.
    CHECK(s.add(a, fixAt(kT0 + 85000), 0) == TrackInsert::Inserted);
    CHECK(s.add(a, fixAt(kT0 + 15000), 0) == TrackInsert::Inserted);
    CHECK(s.add(a, fixAt(kT0 - 5000), 0) == TrackInsert::Inserted);
    CHECK(s.add(a, fixAt(kT0 + 20000, 1, 1), 0) == TrackInsert::Duplicate);  // same t, even elsewhere
    CHECK(s.add(a, fixAt(kT0 + 90000), 0) == TrackInsert::Duplicate);
    CHECK(s.stats().duplicates == 2);
    const auto v = s.fixes(a);
    REQUIRE(v.size() == 13);
    for (size_t i = 1; i < v.size(); ++i) CHECK(v[i - 1].t < v[i].t);
    CHECK(v.front().t == kT0 - 5000);
    CHECK(v[3].t == kT0 + 15000);
    // The view taken before did not change.
    REQUIRE(before->size(a) == 10);
    const auto old = before->fixes(a);
    CHECK(old.front().t == kT0);
    CHECK(old[2].t == kT0 + 20000);

    // positionAt: last fix at or before T; range: [T0, T1).
    const auto now = s.view();
    CHECK(!now->positionAt(a, kT0 - 5001));
    CHECK(now->positionAt(a, kT0 - 5000)->t == kT0 - 5000);
    CHECK(now->positionAt(a, kT0 + 14999)->t == kT0 + 10000);
    CHECK(now->positionAt(a, kT0 + 15000)->t == kT0 + 15000);
    CHECK(now->positionAt(a, kTimeMax)->t == kT0 + 90000);
    CHECK(now->positionAt(a, kT0 + 86000)->t == kT0 + 85000);
    const auto r = now->range(a, kT0 + 10000, kT0 + 30000);
    REQUIRE(r.size() == 3);
    CHECK(r[0].t == kT0 + 10000);
    CHECK(r[1].t == kT0 + 15000);
    CHECK(r[2].t == kT0 + 20000);
    CHECK(now->range(a, kT0 + 95000, kTimeMax).empty());
    CHECK(now->newestTime() == kT0 + 90000);
    CHECK(now->oldestTime() == kT0 - 5000);
    CHECK(now->stats().points == 13);
}

TEST_CASE("a fix outside a chunk's window (80 km jump, weeks of silence) gets a chunk of its own", "[tracks][store]") {
    TrackStoreOptions o;
    o.chunkPoints = 8;
    TrackStore s(defaultSquadIds(), o);
    const uint32_t a = s.addOfficer("A");
    REQUIRE(s.add(a, fixAt(kT0, 121.40, 31.25), 0) == TrackInsert::Appended);
    REQUIRE(s.add(a, fixAt(kT0 + 10000, 121.40, 31.25), 0) == TrackInsert::Appended);
    REQUIRE(s.add(a, fixAt(kT0 + 20000, 122.40, 31.25), 0) == TrackInsert::Appended);  // 1 degree east
    const TimeMs month = TimeMs{30} * 86400000;
    REQUIRE(s.add(a, fixAt(kT0 + month, 122.40, 31.25), 0) == TrackInsert::Appended);
    // A late fix between, far away from both neighbours' chunk bases.
    REQUIRE(s.add(a, fixAt(kT0 + 5000, 120.10, 30.10), 0) == TrackInsert::Inserted);
    REQUIRE(s.add(a, fixAt(kT0 + month / 2, 121.0, -45.0), 0) == TrackInsert::Inserted);
    const auto v = s.fixes(a);
    REQUIRE(v.size() == 6);
    CHECK(v[0].t == kT0);
    CHECK(v[1].lon == track::quantiseDeg(120.10));
    CHECK(v[1].lat == track::quantiseDeg(30.10));
    CHECK(v[3].lon == track::quantiseDeg(122.40));
    CHECK(v[4].lat == track::quantiseDeg(-45.0));
    CHECK(v[5].t == kT0 + month);
    CHECK(s.stats().chunks >= 3);
}

TEST_CASE("random inserts agree with a sorted model (late, duplicates, COW splits)", "[tracks][store]") {
    std::mt19937_64 rng(7);
    TrackStoreOptions o;
    o.chunkPoints = 16;
    o.budgetBytes = 0;
    TrackStore s(defaultSquadIds(), o);
    std::vector<std::map<TimeMs, double>> model(5);
    for (int i = 0; i < 5; ++i) s.addOfficer("O" + std::to_string(i));
    for (int n = 0; n < 4000; ++n) {
        const auto slot = static_cast<uint32_t>(rng() % 5);
        // Mostly forward in time, a third late by up to 10 minutes.
        const TimeMs t = kT0 + n * 1000 - ((rng() % 3 == 0) ? static_cast<TimeMs>(rng() % 600000) : 0);
        const double lon = 121.3 + static_cast<double>(rng() % 1000000) * 1e-7;
        const TrackInsert r = s.add(slot, fixAt(t, lon), 0);
        if (model[slot].count(t)) {
            CHECK(r == TrackInsert::Duplicate);
        } else {
            CHECK(r != TrackInsert::Duplicate);
            model[slot][t] = lon;
        }
        if (n % 500 == 0) s.view();  // views hold chunks: later inserts must copy them
    }
    const auto v = s.view();
    for (uint32_t slot = 0; slot < 5; ++slot) {
        const auto got = v->fixes(slot);
        REQUIRE(got.size() == model[slot].size());
        size_t i = 0;
        for (const auto& [t, lon] : model[slot]) {
            CHECK(got[i].t == t);
            CHECK(got[i].lon == track::quantiseDeg(lon));
            ++i;
        }
        // positionAt at random times equals the model's predecessor.
        for (int q = 0; q < 200; ++q) {
            const TimeMs t = kT0 - 700000 + static_cast<TimeMs>(rng() % 5000000);
            auto it = model[slot].upper_bound(t);
            const auto p = v->positionAt(slot, t);
            if (it == model[slot].begin()) {
                CHECK(!p);
            } else {
                REQUIRE(p);
                CHECK(p->t == std::prev(it)->first);
            }
        }
    }
    CHECK(v->stats().points == model[0].size() + model[1].size() + model[2].size() + model[3].size() + model[4].size());
}

TEST_CASE("the budget drops the globally oldest chunks first and counts them", "[tracks][store]") {
    TrackStoreOptions o;
    o.chunkPoints = 64;
    o.budgetBytes = 64 * 1024;
    TrackStore s(defaultSquadIds(), o);
    const uint32_t a = s.addOfficer("A"), b = s.addOfficer("B");
    // A reports from kT0, B from one hour later: A's old chunks go first.
    for (int i = 0; i < 3000; ++i) {
        s.add(a, fixAt(kT0 + i * 10000), 0);
        s.add(b, fixAt(kT0 + 3600000 + i * 10000), 1);
    }
    const TrackStats st = s.stats();
    CHECK(st.bytes <= o.budgetBytes);
    CHECK(st.points + st.dropped == 6000);
    CHECK(st.dropped > 0);
    CHECK(st.bytesPerPoint <= 16.0);
    const auto va = s.fixes(a), vb = s.fixes(b);
    REQUIRE(!va.empty());
    REQUIRE(!vb.empty());
    // Nothing older than what is kept of A was kept of B, and vice versa (oldest first).
    CHECK(std::abs(va.front().t - vb.front().t) <= 64 * 10000);
    CHECK(va.back().t == kT0 + 2999 * 10000);
    // A late fix older than everything held is refused, not stored.
    const uint64_t dropped = st.dropped;
    CHECK(s.add(a, fixAt(kT0 + 5000), 0) == TrackInsert::TooOld);
    CHECK(s.stats().dropped == dropped + 1);
    CHECK(s.fixes(a).size() == va.size());
}

TEST_CASE("200 officers for a day at 10 s cost at most 16 bytes a point", "[tracks][store]") {
    TrackStoreOptions o;
    o.budgetBytes = 0;
    TrackStore s(defaultSquadIds(), o);
    for (int i = 0; i < 200; ++i) s.addOfficer("PT-" + std::to_string(i));
    for (int k = 0; k < 8640; ++k)
        for (uint32_t i = 0; i < 200; ++i)
            s.add(i, fixAt(kT0 + k * 10000, 121.35 + i * 1e-3 + k * 1e-6, 31.25), static_cast<uint8_t>(i % 10));
    const TrackStats st = s.stats();
    CHECK(st.points == 1'728'000);
    INFO("bytes per point " << st.bytesPerPoint);
    CHECK(st.bytesPerPoint <= 16.0);
    CHECK(st.bytesPerPoint >= 14.0);
}

TEST_CASE("squad changes follow the fixes, late ones included", "[tracks][store]") {
    TrackStore s;
    const uint32_t a = s.addOfficer("A");
    s.add(a, fixAt(kT0), 2);
    s.add(a, fixAt(kT0 + 10000), 2);
    s.add(a, fixAt(kT0 + 20000), 5);  // reassigned
    s.add(a, fixAt(kT0 + 30000), 5);
    CHECK(s.squadAt(a, kT0 - 1) == 2);  // before the first fix: the first squad
    CHECK(s.squadAt(a, kT0 + 15000) == 2);
    CHECK(s.squadAt(a, kT0 + 20000) == 5);
    // A late fix in squad 7 between the two squad-5 fixes: only its own moment changes.
    s.add(a, fixAt(kT0 + 25000), 7);
    CHECK(s.squadAt(a, kT0 + 25000) == 7);
    CHECK(s.squadAt(a, kT0 + 29999) == 7);
    CHECK(s.squadAt(a, kT0 + 30000) == 5);
    CHECK(s.squadAt(a, kT0 + 20000) == 5);
    const auto v = s.view();
    CHECK(v->squadAt(a, kT0 + 25000) == 7);
    CHECK(v->squadAt(a, kT0 + 40000) == 5);
    CHECK(v->squadAt(9, kT0) == -1);
}

TEST_CASE("views share sealed chunks and unchanged officers, only open tails are copied", "[tracks][store]") {
    TrackStoreOptions o;
    o.chunkPoints = 8;
    TrackStore s(defaultSquadIds(), o);
    const uint32_t a = s.addOfficer("A"), b = s.addOfficer("B");
    for (int i = 0; i < 20; ++i) {
        s.add(a, fixAt(kT0 + i * 1000), 0);
        s.add(b, fixAt(kT0 + i * 1000), 0);
    }
    const auto v1 = s.view();
    CHECK(s.view() == v1);  // nothing changed: the same view
    s.add(a, fixAt(kT0 + 20000), 0);
    const auto v2 = s.view();
    REQUIRE(v2 != v1);
    CHECK(&v2->track(b) == &v1->track(b));                            // B did not change
    CHECK(v2->track(a).chunks[0] == v1->track(a).chunks[0]);          // sealed: shared
    CHECK(v2->track(a).chunks.back() != v1->track(a).chunks.back());  // open tail: copied
    CHECK(v1->size(a) == 20);
    CHECK(v2->size(a) == 21);
    CHECK(v2->officerId(b) == "B");
    CHECK(v2->slotOf("B") == b);
    CHECK(v2->squadIndex("changfeng") == 1);
}

TEST_CASE("a reader thread reads views without a lock while ingest continues", "[tracks][store][thread]") {
    TrackStoreOptions o;
    o.chunkPoints = 32;
    o.budgetBytes = 256 * 1024;  // drops run during the test too
    TrackStore store(defaultSquadIds(), o);
    std::mutex handoff;  // guards only the pointer exchange, never the reading
    std::shared_ptr<const TrackView> latest = store.view();
    std::atomic<bool> done{false};
    std::atomic<uint64_t> viewsRead{0}, problems{0};

    std::thread reader([&] {
        uint64_t lastVersion = 0;
        while (!done.load()) {
            std::shared_ptr<const TrackView> v;
            {
                std::lock_guard lk(handoff);
                v = latest;
            }
            if (v->version() < lastVersion) ++problems;
            lastVersion = v->version();
            uint64_t points = 0;
            for (uint32_t slot = 0; slot < v->slots(); ++slot) {
                TimeMs prev = kTimeMin;
                size_t n = 0;
                v->forEach(slot, kTimeMin, kTimeMax, [&](const PositionFix& f) {
                    if (f.t <= prev) ++problems;
                    prev = f.t;
                    ++n;
                });
                if (n != v->size(slot)) ++problems;
                points += n;
                if (n) {
                    const auto p = v->positionAt(slot, prev);
                    if (!p || p->t != prev) ++problems;
                }
            }
            if (points != v->stats().points) ++problems;
            ++viewsRead;
        }
    });

    std::mt19937_64 rng(3);
    for (int i = 0; i < 20; ++i) store.addOfficer("T" + std::to_string(i));
    for (int n = 0; n < 60000; ++n) {
        const auto slot = static_cast<uint32_t>(rng() % 20);
        const TimeMs t = kT0 + n * 100 - ((rng() % 4 == 0) ? static_cast<TimeMs>(rng() % 100000) : 0);
        store.add(slot, fixAt(t, 121.4 + static_cast<double>(rng() % 1000) * 1e-5), 0);
        if (n % 200 == 0) {
            auto v = store.view();
            std::lock_guard lk(handoff);
            latest = std::move(v);
        }
    }
    // Let the reader see the last views before stopping.
    const uint64_t target = viewsRead.load() + 3;
    while (viewsRead.load() < target) std::this_thread::yield();
    done = true;
    reader.join();
    CHECK(problems.load() == 0);
    CHECK(viewsRead.load() >= 3);
    CHECK(store.stats().dropped > 0);
}
