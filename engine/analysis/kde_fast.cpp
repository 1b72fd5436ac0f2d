// exactKdeFast: the exact KDE as a multi-threaded scatter whose inner loops vectorise
// (this file is compiled with -fno-math-errno so that sqrtf becomes one instruction).
#include <algorithm>
#include <atomic>
#include <cmath>

#include "engine/analysis/kde.hpp"
#include "engine/util/parallel.hpp"
#include "engine/util/vector_clones.hpp"

namespace sandtable {

namespace {

// The Gaussian's profile exp(-0.5 (3u)^2) as a table over t = u^2, linearly interpolated:
// 4096 intervals keep the error under 2e-7 of the peak (second derivative <= 20.25).
constexpr int kGaussTable = 4096;
const std::vector<float>& gaussTable() {
    static const std::vector<float> t = [] {
        std::vector<float> v(kGaussTable + 2);
        for (int i = 0; i <= kGaussTable + 1; ++i) {
            const double u2 = static_cast<double>(i) / kGaussTable;
            v[static_cast<size_t>(i)] =
                static_cast<float>(std::exp(-0.5 * kGaussianSigmasPerRadius * kGaussianSigmasPerRadius * u2));
        }
        return v;
    }();
    return t;
}

// One row span of one point: acc[i] += w * profile((x0 + i)^2 + dy2) / r^2) for i < n.
// Every column of the span is inside the disc (bounded in double by the caller), so the
// profile's argument only needs clamping against rounding.
ST_VECTOR_CLONES void spanQuartic(float* acc, int n, float x0, float dy2, float invR2, float w) {
    for (int i = 0; i < n; ++i) {
        const float dx = x0 + static_cast<float>(i);
        const float a = std::max(0.0f, 1.0f - (dx * dx + dy2) * invR2);
        acc[i] += w * a * a;
    }
}
ST_VECTOR_CLONES void spanTriweight(float* acc, int n, float x0, float dy2, float invR2, float w) {
    for (int i = 0; i < n; ++i) {
        const float dx = x0 + static_cast<float>(i);
        const float a = std::max(0.0f, 1.0f - (dx * dx + dy2) * invR2);
        acc[i] += w * a * a * a;
    }
}
ST_VECTOR_CLONES void spanEpanechnikov(float* acc, int n, float x0, float dy2, float invR2, float w) {
    for (int i = 0; i < n; ++i) {
        const float dx = x0 + static_cast<float>(i);
        acc[i] += w * std::max(0.0f, 1.0f - (dx * dx + dy2) * invR2);
    }
}
ST_VECTOR_CLONES void spanUniform(float* acc, int n, float w) {
    for (int i = 0; i < n; ++i) acc[i] += w;
}
ST_VECTOR_CLONES void spanTriangular(float* acc, int n, float x0, float dy2, float invR2, float w, float slope) {
    for (int i = 0; i < n; ++i) {
        const float dx = x0 + static_cast<float>(i);
        const float u = std::min(1.0f, std::sqrt((dx * dx + dy2) * invR2));
        acc[i] += w * (1.0f - slope * u);
    }
}
ST_VECTOR_CLONES void spanGaussian(float* acc, int n, float x0, float dy2, float invR2, float w, const float* table) {
    for (int i = 0; i < n; ++i) {
        const float dx = x0 + static_cast<float>(i);
        const float t = std::min(1.0f, (dx * dx + dy2) * invR2) * static_cast<float>(kGaussTable);
        const int j = static_cast<int>(t);
        const float f = t - static_cast<float>(j);
        acc[i] += w * (table[j] + f * (table[j + 1] - table[j]));
    }
}

}  // namespace

DensityGrid exactKdeFast(std::span<const HeatPoint> pts, const GridSpec& grid, const KernelSpec& k, int threads,
                         const std::function<void(size_t, size_t)>& progress) {
    const double rp = exactRadiusPixels(k, grid);
    DensityGrid out;
    out.spec = grid;
    out.values.assign(grid.pixelCount(), 0.0f);
    if (grid.pixelCount() == 0 || pts.empty()) return out;
    // Grid coordinates of the points that reach the grid, sorted by row (counting sort), so
    // that a band of rows reads one contiguous range of points.
    struct P {
        double x, y;
        float w;
    };
    const int H = grid.height, W = grid.width;
    std::vector<uint32_t> rowStart(static_cast<size_t>(H) + 2, 0);
    std::vector<int> rowOf(pts.size(), -1);
    std::vector<Vec2d> g(pts.size());
    for (size_t i = 0; i < pts.size(); ++i) {
        g[i] = grid.toGrid(pts[i].pos);
        if (!(g[i].x >= -rp - 1 && g[i].x <= W + rp + 1 && g[i].y >= -rp - 1 && g[i].y <= H + rp + 1)) continue;
        if (!(pts[i].weight != 0.0)) continue;
        rowOf[i] = std::clamp(static_cast<int>(std::floor(g[i].y)), -1, H) + 1;  // 0..H+1
        ++rowStart[static_cast<size_t>(rowOf[i])];
    }
    std::vector<uint32_t> first(rowStart.size() + 1, 0);
    for (size_t r = 0; r < rowStart.size(); ++r) first[r + 1] = first[r] + rowStart[r];
    std::vector<P> sorted(first.back());
    {
        std::vector<uint32_t> fill(first.begin(), first.end() - 1);
        for (size_t i = 0; i < pts.size(); ++i)
            if (rowOf[i] >= 0)
                sorted[fill[static_cast<size_t>(rowOf[i])]++] = {g[i].x, g[i].y, static_cast<float>(pts[i].weight)};
    }
    const double scale = kernelScale(k);
    const double r2 = rp * rp;
    const float invR2 = static_cast<float>(1.0 / r2);
    const float slope = static_cast<float>(1.0 - k.decay);
    const float* gauss = gaussTable().data();
    // Bands of rows handed out in turn (clustered points make some rows far costlier).
    const int t = threads > 0 ? threads : cpuThreads();
    const int bandRows = std::max(4, std::min(32, H / (8 * t) + 1));
    const int bands = (H + bandRows - 1) / bandRows;
    std::atomic<int> next{0};
    std::atomic<size_t> rowsDone{0};
    parallelFor(static_cast<size_t>(t), t, [&](size_t, size_t, int index) {
        for (int b; (b = next.fetch_add(1)) < bands;) {
            const int r0 = b * bandRows, r1 = std::min(H, r0 + bandRows);
            // Points whose disc can reach rows [r0, r1): floor(y) within rp + 1 of them.
            const int lo = std::clamp(static_cast<int>(std::floor(r0 - rp - 1)), -1, H) + 1;
            const int hi = std::clamp(static_cast<int>(std::ceil(r1 + rp + 1)), -1, H) + 1;
            for (uint32_t q = first[static_cast<size_t>(lo)]; q < first[static_cast<size_t>(hi) + 1]; ++q) {
                const P& p = sorted[q];
                const float w = static_cast<float>(p.w * scale);
                const int rowA = std::max(r0, static_cast<int>(std::ceil(p.y - rp - 0.5)));
                const int rowB = std::min(r1 - 1, static_cast<int>(std::floor(p.y + rp - 0.5)));
                for (int row = rowA; row <= rowB; ++row) {
                    const double dy = row + 0.5 - p.y;
                    const double d = r2 - dy * dy;
                    if (d < 0.0) continue;
                    // Columns whose centre is within the radius (as exactKde decides it).
                    const double hw = std::sqrt(d);
                    int c0 = std::max(0, static_cast<int>(std::ceil(p.x - hw - 0.5)));
                    int c1 = std::min(W - 1, static_cast<int>(std::floor(p.x + hw - 0.5)));
                    auto inside = [&](int c) {
                        const double dx = c + 0.5 - p.x;
                        return dx * dx + dy * dy <= r2;
                    };
                    while (c0 <= c1 && !inside(c0)) ++c0;
                    while (c1 >= c0 && !inside(c1)) --c1;
                    while (c0 > 0 && inside(c0 - 1)) --c0;
                    while (c1 < W - 1 && inside(c1 + 1)) ++c1;
                    if (c0 > c1) continue;
                    float* acc =
                        &out.values[static_cast<size_t>(row) * static_cast<size_t>(W) + static_cast<size_t>(c0)];
                    const int n = c1 - c0 + 1;
                    const auto x0 = static_cast<float>(c0 + 0.5 - p.x);
                    const auto dy2 = static_cast<float>(dy * dy);
                    switch (k.shape) {
                    case KernelShape::Quartic:
                        spanQuartic(acc, n, x0, dy2, invR2, w);
                        break;
                    case KernelShape::Triweight:
                        spanTriweight(acc, n, x0, dy2, invR2, w);
                        break;
                    case KernelShape::Epanechnikov:
                        spanEpanechnikov(acc, n, x0, dy2, invR2, w);
                        break;
                    case KernelShape::Uniform:
                        spanUniform(acc, n, w);
                        break;
                    case KernelShape::Triangular:
                        spanTriangular(acc, n, x0, dy2, invR2, w, slope);
                        break;
                    case KernelShape::Gaussian:
                        spanGaussian(acc, n, x0, dy2, invR2, w, gauss);
                        break;
                    }
                }
            }
            const size_t done = rowsDone.fetch_add(static_cast<size_t>(r1 - r0)) + static_cast<size_t>(r1 - r0);
            if (index == 0 && progress) progress(done, static_cast<size_t>(H));
        }
    });
    if (progress) progress(static_cast<size_t>(H), static_cast<size_t>(H));
    return out;
}

}  // namespace sandtable
