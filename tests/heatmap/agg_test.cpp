// The CPU display engine (engine/analysis/heat_agg): convolution plans, the engine against
// the double-precision twin and the exact KDE, incremental updates, and the world-aligned
// grid the layer draws from (coverage under pans and zoom steps, accuracy at any view).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include "engine/analysis/heat_agg.hpp"
#include "engine/analysis/kde.hpp"
#include "tests/heatmap/heat_test_util.hpp"

using namespace sandtable;
using sandtable::test::clusteredPoints;
using sandtable::test::compareGrids;

namespace {
const BBox kBox{0.0, 0.0, 2560.0, 1920.0};

DensityGrid runEngine(HeatAggregator& e, const KernelSpec& k, const BinnedLayout& L, size_t first, size_t count) {
    e.aggregate(k, L, first, count, {});
    e.wait();
    REQUIRE(e.poll());
    return e.result().coarse;
}
}  // namespace

TEST_CASE("convolution plans: separable within tolerance and cheaper, uniform rows exact", "[heatmap][agg]") {
    const GridSpec g = GridSpec::covering(kBox, 10.0);
    for (double radiusPx : {6.0, 24.0, 60.0, 150.0})
        for (KernelShape s : kAllKernelShapes) {
            const KernelSpec k{s, KdeOutput::Raw, radiusPx * g.pixelSize, 0.3};
            const BinnedLayout L = chooseReduction(g, k, kMinRadiusCells, 64);
            const ConvolutionPlan p = planConvolution(L, k);
            const int n = 2 * L.radiusCells + 1;
            std::printf("plan %-12s r=%5.1fpx R=%3d: %-9s %5d taps/cell (direct %5d), residual max %.1e L1 %.1e\n",
                        toString(s), radiusPx, L.radiusCells, p.name(), p.taps(), n * n, p.maxError, p.l1Error);
            INFO(toString(s) << " radius " << radiusPx << " px, R " << L.radiusCells);
            if (s == KernelShape::Uniform) {
                CHECK(p.kind == ConvolutionPlan::Kind::RowRuns);
                // O(R) per cell: a run and a handful of rim cells per row.
                CHECK(p.taps() <= 12 * n);
            } else if (p.kind == ConvolutionPlan::Kind::Separable) {
                CHECK(p.maxError <= kSeparableTolerance);
                CHECK(p.l1Error <= kSeparableTolerance);
                CHECK(p.taps() < n * n);
            }
            // At ten or more cells per radius every smooth kernel is low-rank.
            if (s != KernelShape::Uniform && L.radiusCells >= 10) CHECK(p.kind == ConvolutionPlan::Kind::Separable);
        }
}

TEST_CASE("CPU engine equals the double-precision twin and the exact KDE within 1%", "[heatmap][agg]") {
    const auto pts = clusteredPoints(20000, kBox, 5);
    const GridSpec g = GridSpec::covering(kBox, 10.0);
    HeatAggregator engine;
    engine.setPoints(pts, {1000.0, 1000.0});
    for (double radiusPx : {6.0, 24.0, 60.0})
        for (KernelShape s : kAllKernelShapes) {
            const KernelSpec k{s, KdeOutput::Scaled, radiusPx * g.pixelSize, 0.0};
            const BinnedLayout L = chooseReduction(g, k);
            const DensityGrid up = upsample(runEngine(engine, k, L, 0, pts.size()), L, g);
            const auto dt = compareGrids(binnedKde(pts, g, k, L), up);
            const auto de = compareGrids(exactKde(pts, g, k), up);
            std::printf("cpu engine %-12s r=%4.0fpx factor %d (%s): vs twin %.2e, vs exact max %.3f%% mean %.4f%%\n",
                        toString(s), radiusPx, L.factor, engine.plan().name(), dt.maxRel(), 100 * de.maxRel(),
                        100 * de.meanRel());
            INFO(toString(s) << " radius " << radiusPx << " px, plan " << engine.plan().name());
            // Same algorithm (float + fixed point + the separable residual vs double).
            CHECK(dt.maxRel() <= 1e-3);
            CHECK(de.maxRel() <= (s == KernelShape::Uniform && radiusPx < 16 ? 0.03 : 0.01));
        }
}

TEST_CASE("CPU engine: incremental bins equal a fresh aggregation bit for bit", "[heatmap][agg]") {
    auto pts = clusteredPoints(30000, kBox, 8);
    HeatAggregator e;
    e.setPoints(std::span<const HeatPoint>(pts).first(20000), {0.0, 0.0});
    REQUIRE(e.appendPoints(std::span<const HeatPoint>(pts).subspan(20000)));
    REQUIRE(e.size() == 30000);
    const GridSpec g = GridSpec::covering(kBox, 10.0);
    const KernelSpec k{KernelShape::Quartic, KdeOutput::Raw, 200.0, 0.0};
    const BinnedLayout L = chooseReduction(g, k);
    runEngine(e, k, L, 0, 15000);
    e.binRange(15000, 15000, +1);
    e.binRange(0, 7000, -1);
    e.convolve({});
    e.wait();
    REQUIRE(e.poll());
    const DensityGrid inc = e.result().coarse;
    CHECK_FALSE(e.poll());  // once per job
    const DensityGrid full = runEngine(e, k, L, 7000, 23000);
    CHECK(inc.values == full.values);
    std::vector<HeatPoint> heavy = {{{100, 100}, 1e6, 0}};
    CHECK_FALSE(e.appendPoints(heavy));
}

TEST_CASE("CPU engine computes the normalisation percentile over the requested cells", "[heatmap][agg]") {
    const auto pts = clusteredPoints(5000, kBox, 3);
    const GridSpec g = GridSpec::covering(kBox, 10.0);
    const KernelSpec k{KernelShape::Quartic, KdeOutput::Raw, 300.0, 0.0};
    const BinnedLayout L = chooseReduction(g, k);
    HeatAggregator e(1);
    e.setPoints(pts, {0.0, 0.0});
    HeatAggregator::Normalise n{
        0.99, {kCoarseBorder, kCoarseBorder, L.coarse.width - kCoarseBorder, L.coarse.height - kCoarseBorder}};
    e.aggregate(k, L, 0, pts.size(), n);
    e.wait();
    REQUIRE(e.poll());
    std::vector<float> in;
    const DensityGrid& c = e.result().coarse;
    for (int j = n.region.j0; j < n.region.j1; ++j)
        for (int i = n.region.i0; i < n.region.i1; ++i) in.push_back(c.at(i, j));
    CHECK(e.result().percentile == positivePercentile(in, 0.99));
    CHECK(e.result().percentile > 0.0);
    CHECK(e.result().pointsBinned == pts.size());
}

TEST_CASE("world-aligned grid: pans and zoom steps inside the margin are covered", "[heatmap][agg][world]") {
    const BBox data{0.0, 0.0, 40000.0, 40000.0};  // 40 x 40 km of points
    GridSpec view;
    view.pixelSize = 4.0;  // metres per pixel
    view.width = 1920;
    view.height = 1080;
    view.topLeft = {12000.0, 28000.0};
    const KernelSpec k{KernelShape::Quartic, KdeOutput::Raw, 300.0, 0.0};  // 75 px
    const BinnedLayout L = worldLayout(view, k, data, {0.0, 0.0});
    CHECK(L.coarse.pixelSize == Approx(30.0));  // radius / 10, independent of the zoom
    CHECK(layoutCovers(L, view, k, data));
    // 200 one-pixel pans to the right: still covered (a quarter of the view's margin).
    GridSpec v = view;
    for (int i = 0; i < 200; ++i) v.topLeft.x += view.pixelSize;
    CHECK(layoutCovers(L, v, k, data));
    // A pan by a whole screen width leaves the margin.
    v.topLeft.x += view.width * view.pixelSize;
    CHECK_FALSE(layoutCovers(L, v, k, data));
    // Zooming in about the centre (x1.2 per step, as the wheel does) keeps the cell size and
    // stays covered; two steps out stay within the half-view margin.
    for (double f : {1.2, 1.44, 1.0 / 1.2, 1.0 / 1.44}) {
        GridSpec z = view;
        const Vec2d c = view.toWorld(view.width / 2.0, view.height / 2.0);
        z.pixelSize = view.pixelSize / f;
        z.topLeft = {c.x - z.width / 2.0 * z.pixelSize, c.y + z.height / 2.0 * z.pixelSize};
        INFO("zoom x" << f);
        CHECK(worldCellSize(k, z.pixelSize, kMinRadiusCells, 1 << 20) == L.coarse.pixelSize);
        CHECK(layoutCovers(L, z, k, data));
    }
    // The grid stops where the data (grown by the radius) stops: a small data set is
    // covered whole, whatever the pan.
    const BBox small{13000.0, 24000.0, 15000.0, 26000.0};
    const BinnedLayout S = worldLayout(view, k, small, {0.0, 0.0});
    CHECK(S.coarse.bounds().maxX <= small.maxX + k.radius + 20 * S.coarse.pixelSize);
    CHECK(S.coarse.pixelCount() < L.coarse.pixelCount() / 4);
    GridSpec moved = view;
    moved.topLeft.x -= 2000.0;
    CHECK(layoutCovers(S, moved, k, small));
    // A view away from the data is covered by any grid (nothing to draw there).
    GridSpec far = view;
    far.topLeft = {100000.0, 100000.0};
    CHECK(layoutCovers(L, far, k, data));
}

TEST_CASE("world-aligned grid resampled at any view is within 1% of the exact KDE", "[heatmap][agg][world]") {
    const auto pts = clusteredPoints(20000, kBox, 5);
    BBox data;
    for (const HeatPoint& p : pts) data.extend(p.pos);
    HeatAggregator e;
    e.setPoints(pts, {500.0, 500.0});
    for (double rot : {0.0, 0.4})
        for (double radiusPx : {6.0, 24.0, 60.0})
            for (KernelShape s : kAllKernelShapes) {
                GridSpec view;
                view.pixelSize = 9.3;  // not a divisor of anything
                view.rotation = rot;
                view.width = 220;
                view.height = 170;
                view.topLeft = {330.7, 1700.2};
                const KernelSpec k{s, KdeOutput::Raw, radiusPx * view.pixelSize, 0.0};
                const BinnedLayout L = worldLayout(view, k, data, {500.0, 500.0});
                REQUIRE(layoutCovers(L, view, k, data));
                const DensityGrid got = resample(runEngine(e, k, L, 0, pts.size()), view);
                const auto d = compareGrids(exactKde(pts, view, k), got);
                std::printf("world grid %-12s r=%4.0fpx rot %.1f cell %.2f px: vs exact max %.3f%% mean %.4f%%\n",
                            toString(s), radiusPx, rot, L.coarse.pixelSize / view.pixelSize, 100 * d.maxRel(),
                            100 * d.meanRel());
                INFO(toString(s) << " radius " << radiusPx << " px, rotation " << rot);
                CHECK(d.maxRel() <= (s == KernelShape::Uniform && radiusPx < 16 ? 0.03 : 0.01));
            }
}
