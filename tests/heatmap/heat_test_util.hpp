#pragma once
// Shared helpers of the heatmap tests: deterministic point clouds and grid comparison.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/analysis/kde.hpp"
#include "engine/util/rng.hpp"

namespace sandtable::test {

// Clustered points (like incidents along streets) plus uniform background, in a box.
inline std::vector<HeatPoint> clusteredPoints(size_t n, const BBox& box, uint64_t seed, bool weighted = true) {
    Rng r(seed);
    const int clusters = 7;
    std::vector<Vec2d> centres;
    std::vector<double> spread;
    const double w = box.maxX - box.minX, h = box.maxY - box.minY;
    for (int i = 0; i < clusters; ++i) {
        centres.push_back({box.minX + w * (0.15 + 0.7 * r.uniform()), box.minY + h * (0.15 + 0.7 * r.uniform())});
        spread.push_back(std::min(w, h) * (0.02 + 0.08 * r.uniform()));
    }
    std::vector<HeatPoint> pts;
    pts.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        HeatPoint p;
        if (r.uniform() < 0.2) {
            p.pos = {box.minX + w * r.uniform(), box.minY + h * r.uniform()};
        } else {
            const size_t c = static_cast<size_t>(r.uniform() * clusters) % clusters;
            p.pos = {centres[c].x + spread[c] * r.normal(), centres[c].y + spread[c] * r.normal()};
        }
        p.weight = weighted ? 0.5 + 2.0 * r.uniform() : 1.0;
        p.time = static_cast<TimeMs>(i) * 1000;
        pts.push_back(p);
    }
    return pts;
}

struct GridDiff {
    double maxAbs = 0.0, meanAbs = 0.0, refMax = 0.0;
    double maxRel() const { return refMax > 0 ? maxAbs / refMax : maxAbs; }
    double meanRel() const { return refMax > 0 ? meanAbs / refMax : meanAbs; }
};

inline GridDiff compareGrids(const DensityGrid& ref, const DensityGrid& got) {
    GridDiff d;
    d.refMax = ref.maxValue();
    const size_t n = std::min(ref.values.size(), got.values.size());
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const double e = std::fabs(static_cast<double>(ref.values[i]) - got.values[i]);
        d.maxAbs = std::max(d.maxAbs, e);
        sum += e;
    }
    d.meanAbs = n ? sum / static_cast<double>(n) : 0.0;
    return d;
}

}  // namespace sandtable::test
