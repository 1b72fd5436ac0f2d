// Coverage per squad with worked answers: a 500 m square jurisdiction (100 cells of 50 m)
// in the metric CRS, officers walking known paths, silences, GPS jumps, other squads,
// reassignments, the period's edges; a diamond for lengths inside a slanted boundary;
// the cell walk against a brute-force test.
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "engine/tracks/coverage.hpp"

using namespace sandtable;

namespace {
const TimeMs kT = 1732061700000;  // 2024-11-20T08:15:00+08:00

struct Frame {
    Transformer t{"EPSG:4326", "EPSG:4549"};
    Vec2d o;  // metric corner: a multiple of 50 m near Putuo's centre
    Frame() {
        Vec2d c{121.40, 31.25};
        REQUIRE(t.forward(c));
        o = {std::floor(c.x / 50) * 50, std::floor(c.y / 50) * 50};
    }
    Vec2d ll(double x, double y) const {
        Vec2d p{o.x + x, o.y + y};
        REQUIRE(t.inverse(p));
        return p;
    }
    Jurisdiction polygon(const std::string& squad, const std::vector<Vec2d>& metric) const {
        Jurisdiction j;
        j.squad = squad;
        std::vector<Vec2d> ring;
        for (Vec2d m : metric) ring.push_back(ll(m.x, m.y));
        ring.push_back(ring.front());
        for (Vec2d p : ring) j.bbox.extend(p);
        j.rings.push_back(ring);
        return j;
    }
};

PositionFix at(const Frame& f, TimeMs t, double x, double y) {
    const Vec2d p = f.ll(x, y);
    PositionFix fx;
    fx.t = t;
    fx.lon = p.x;
    fx.lat = p.y;
    return fx;
}
}  // namespace

TEST_CASE("coverage of a squad: km inside, cells visited, silences, jumps, squads and the period",
          "[tracks][coverage]") {
    Frame f;
    const Jurisdiction square = f.polygon("changfeng", {{0, 0}, {500, 0}, {500, 500}, {0, 500}});
    TrackStore store;
    const uint8_t changfeng = 1, wanli = 6;
    const uint32_t a = store.addOfficer("A"), b = store.addOfficer("B"), c = store.addOfficer("C"),
                   d = store.addOfficer("D");
    // A: east along row 2 (y = 125), 50 m every 10 s: 9 segments, 450 m, cells (0..9, 2).
    for (int k = 0; k < 10; ++k) store.add(a, at(f, kT + k * 10000, 25 + 50 * k, 125), changfeng);
    // Silent for 200 s (> 120 s): the segment is not counted, the fix marks (9, 7).
    store.add(a, at(f, kT + 290000, 475, 375), changfeng);
    // 100 m east in 10 s, half... a quarter inside: 25 m; then 100 m wholly outside.
    store.add(a, at(f, kT + 300000, 575, 375), changfeng);
    store.add(a, at(f, kT + 310000, 575, 475), changfeng);
    // At the period's end (t1 is excluded): would mark (0, 0).
    store.add(a, at(f, kT + 400000, 25, 25), changfeng);
    // B is in another squad: nothing of it counts.
    for (int k = 0; k < 10; ++k) store.add(b, at(f, kT + k * 10000, 25 + 50 * k, 275), wanli);
    // C: one fix before the period, then a 636 m jump in 10 s (63.6 m/s): two cells, no km.
    store.add(c, at(f, kT - 10000, 25, 425), changfeng);
    store.add(c, at(f, kT + 5000, 25, 475), changfeng);
    store.add(c, at(f, kT + 15000, 475, 25), changfeng);
    // D: in wanli, then reassigned to changfeng: only the changfeng fixes and the segment
    // between them (50 m, cells (4, 5) and (5, 5)) count.
    store.add(d, at(f, kT + 0, 225, 225), wanli);
    store.add(d, at(f, kT + 20000, 225, 225), wanli);
    store.add(d, at(f, kT + 30000, 225, 275), changfeng);
    store.add(d, at(f, kT + 40000, 275, 275), changfeng);

    const auto view = store.view();
    const CoverageResult r = coverage(*view, changfeng, square, kT, kT + 400000);
    CHECK(r.cellsTotal == 100);
    CHECK(r.km == Approx(0.450 + 0.025 + 0.050).margin(0.001));
    CHECK(r.cellsVisited == 10 + 1 + 2 + 2);
    CHECK(r.share == Approx(0.15));
    CHECK(r.segments == 9 + 2 + 1);
    CHECK(r.gapsSkipped == 1);
    CHECK(r.fastSkipped == 1);
    CHECK(r.officers == 3);
    CHECK(r.fixes == 13 + 2 + 2);
    CHECK(r.squad == "changfeng");

    // A period that starts later drops A's first walk.
    const CoverageResult late = coverage(*view, changfeng, square, kT + 100000, kT + 400000);
    CHECK(late.km == Approx(0.025).margin(0.001));
    CHECK(late.cellsVisited == 1);  // (9, 7); A's fix at (575, 475) lies outside
    // By squad: the jurisdictions the view knows.
    const auto all =
        coverageBySquad(*view, {square, f.polygon("atlantis", {{0, 0}, {50, 0}, {0, 50}})}, kT, kT + 400000);
    REQUIRE(all.size() == 1);
    CHECK(all[0].cellsVisited == r.cellsVisited);
}

TEST_CASE("coverage km follows a slanted boundary and cells are those whose centre is inside", "[tracks][coverage]") {
    Frame f;
    // A diamond with half-diagonals of 290 m around (1000, 1000) (not 300: cell centres
    // would lie exactly on its edges).
    const Jurisdiction diamond = f.polygon("wanli", {{710, 1000}, {1000, 710}, {1290, 1000}, {1000, 1290}});
    // Through the centre: 580 m inside; 100 m above it: 2 * (290 - 100) = 380 m inside.
    const std::vector<std::vector<PositionFix>> runs{
        {at(f, kT, 600, 1000), at(f, kT + 20000, 1400, 1000)},
        {at(f, kT, 600, 1100), at(f, kT + 20000, 1400, 1100)},
    };
    const CoverageResult r = coverage(runs, diamond);
    CHECK(r.km == Approx(0.96).margin(0.001));
    CHECK(r.segments == 2);
    // Centres (25 + 50 i, 25 + 50 j) with |x - 1000| + |y - 1000| < 290: 60 cells (its
    // 168 200 m2 would be 67 cells; the ones straddling the edges go by their centres).
    CHECK(r.cellsTotal == 60);
    // The rows crossed: centres at |x - 1000| < 265 (10 cells) and < 165 (6 cells).
    CHECK(r.cellsVisited == 10 + 6);
}

TEST_CASE("the cell walk visits exactly the cells a segment crosses", "[tracks][coverage]") {
    Frame f;
    const Jurisdiction box = f.polygon("caoyang", {{0, 0}, {1000, 0}, {1000, 1000}, {0, 1000}});
    CoverageGrid grid(box);
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> u(-200.0, 1200.0);
    const Vec2d o = grid.origin();
    for (int n = 0; n < 2000; ++n) {
        const Vec2d a{o.x + u(rng), o.y + u(rng)}, b{o.x + u(rng), o.y + u(rng)};
        std::set<std::pair<int, int>> walked;
        double covered = 0;
        grid.walk(a, b, [&](int ix, int iy, double ta, double tb) {
            walked.insert({ix, iy});
            covered += tb - ta;
        });
        // Brute force: every cell whose rectangle the segment enters (Liang-Barsky).
        std::set<std::pair<int, int>> want;
        double inGrid = 0;
        auto clip = [&](double x0, double y0, double x1, double y1, double& t0, double& t1) {
            t0 = 0;
            t1 = 1;
            const double dx = b.x - a.x, dy = b.y - a.y;
            const double p[4] = {-dx, dx, -dy, dy}, q[4] = {a.x - x0, x1 - a.x, a.y - y0, y1 - a.y};
            for (int i = 0; i < 4; ++i) {
                if (p[i] == 0) {
                    if (q[i] < 0) return false;
                    continue;
                }
                const double t = q[i] / p[i];
                if (p[i] < 0)
                    t0 = std::max(t0, t);
                else
                    t1 = std::min(t1, t);
            }
            return t0 < t1;
        };
        double g0, g1;
        if (clip(o.x, o.y, o.x + grid.width() * grid.cell(), o.y + grid.height() * grid.cell(), g0, g1))
            inGrid = g1 - g0;
        for (int iy = 0; iy < grid.height(); ++iy)
            for (int ix = 0; ix < grid.width(); ++ix) {
                double t0, t1;
                if (clip(o.x + ix * grid.cell(), o.y + iy * grid.cell(), o.x + (ix + 1) * grid.cell(),
                         o.y + (iy + 1) * grid.cell(), t0, t1) &&
                    t1 - t0 > 1e-9)
                    want.insert({ix, iy});
            }
        INFO("segment " << n);
        CHECK(walked == want);
        CHECK(covered == Approx(inGrid).margin(1e-9));
    }
}
