// Dispatch assist: grid index vs brute force on seeded random officers.
#include <catch2/catch.hpp>

#include <random>

#include "engine/feed/dispatch.hpp"
#include "engine/geo/projection.hpp"

using namespace sandtable;

namespace {
const TimeMs kNow = 1732061700000;

std::vector<OfficerState> randomOfficers(std::mt19937_64& rng, size_t n, const BBox& area) {
    std::uniform_real_distribution<double> lon(area.minX, area.maxX), lat(area.minY, area.maxY);
    std::uniform_int_distribution<int> status(0, 3), age(0, 200);
    std::vector<OfficerState> v(n);
    for (size_t i = 0; i < n; ++i) {
        v[i].id = "PT-" + std::to_string(i);
        v[i].slot = static_cast<uint32_t>(i);
        v[i].lon = lon(rng);
        v[i].lat = lat(rng);
        v[i].status = static_cast<OfficerStatus>(status(rng));
        v[i].lastSeen = kNow - age(rng) * 1000;
    }
    return v;
}
}  // namespace

TEST_CASE("nearest officers match brute force", "[feed][dispatch]") {
    std::mt19937_64 rng(20241120);
    const BBox area{121.15, 31.05, 121.65, 31.45};
    // Clustered (Putuo only) and sparse sets; queries inside, at the edge and outside the grid.
    const BBox putuo{121.33, 31.21, 121.47, 31.30};
    for (size_t n : {0, 1, 7, 300, 3000}) {
        const auto officers = randomOfficers(rng, n, n == 300 ? area : putuo);
        const DispatchIndex idx(officers, kNow, 120000, area);
        std::uniform_real_distribution<double> qlon(121.10, 121.70), qlat(31.00, 31.50);
        for (int q = 0; q < 200; ++q) {
            const Vec2d p{qlon(rng), qlat(rng)};
            for (size_t k : {1, 5, 20}) {
                const auto got = idx.nearest(p, k);
                const auto want = nearestBruteForce(officers, kNow, 120000, p, k);
                REQUIRE(got.size() == want.size());
                for (size_t i = 0; i < got.size(); ++i) {
                    CHECK(got[i].slot == want[i].slot);
                    CHECK(got[i].distanceM == want[i].distanceM);
                }
            }
        }
    }
}

TEST_CASE("only available officers are proposed, with walking time", "[feed][dispatch]") {
    std::vector<OfficerState> v(4);
    const char* ids[] = {"on-patrol", "on-break", "offline", "silent"};
    for (uint32_t i = 0; i < 4; ++i) {
        v[i].id = ids[i];
        v[i].slot = i;
        v[i].lon = 121.40 + i * 0.001;
        v[i].lat = 31.25;
        v[i].lastSeen = kNow;
    }
    v[1].status = OfficerStatus::Break;
    v[2].status = OfficerStatus::Offline;
    v[3].lastSeen = kNow - 121000;  // stale
    const DispatchIndex idx(v, kNow, 120000, BBox{121.15, 31.05, 121.65, 31.45});
    CHECK(idx.size() == 1);
    const auto r = idx.nearest({121.41, 31.25}, 3);
    REQUIRE(r.size() == 1);
    CHECK(r[0].officer == "on-patrol");
    CHECK(r[0].distanceM == Approx(geodesicDistance({121.41, 31.25}, {121.40, 31.25})));
    CHECK(r[0].distanceM == Approx(952).epsilon(0.01));
    CHECK(r[0].walkSeconds == Approx(r[0].distanceM * 1.3 / 1.3));
    // Filters (e.g. one squad) are applied inside the search.
    CHECK(idx.nearest({121.41, 31.25}, 3, [](const OfficerState& o) { return o.id != "on-patrol"; }).empty());
}
