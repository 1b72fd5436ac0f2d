#pragma once
// The heatmap's display aggregation on the CPU (no GL). The same maths as the GPU engine
// (engine/render/heatmap_gpu: linear binning into 32-bit fixed-point sums, then the kernel
// table convolved onto the coarse grid), for machines whose GL is software (Mesa
// llvmpipe): there a compute dispatch runs to its end inside the GL call, blocking the
// render thread, and its SSBO loops run several times slower than these vectorised ones.
// Jobs run on a worker thread, so a frame never waits for a re-aggregation (a still asks
// to wait). Definitions and measurements: docs/heatmap.md.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/analysis/kde.hpp"

namespace sandtable {

// A point as the engines hold it: origin-relative float32 position and weight.
struct PackedHeatPoint {
    float x = 0, y = 0, w = 0;
};

// How the coarse grid is computed from the bins; planConvolution picks one per table so
// that the cost per cell does not grow with the radius squared:
//  - Separable: the table (radially symmetric, so a symmetric matrix) as a sum of K
//    rank-one terms from its eigen-decomposition, each a vertical then a horizontal 1D
//    pass: 2 (2R+1) K taps per cell instead of (2R+1)^2. K is the smallest rank whose
//    residual is within `tolerance` of the table's maximum and of its L1 norm.
//  - RowRuns (uniform kernel, discontinuous, so not low-rank): each table row is one
//    constant over a run of cells, summed exactly from integer prefix sums of the bin row,
//    plus the few tent-averaged cells at the rim: O(R) per cell, exact.
//  - Direct: the full table, where it is cheaper (small R) or no rank is good enough.
inline constexpr double kSeparableTolerance = 2e-4;
struct ConvolutionPlan {
    enum class Kind { Direct, Separable, RowRuns };
    Kind kind = Kind::Direct;
    int radius = 0;            // R: the table is (2R+1) x (2R+1)
    std::vector<float> table;  // row-major, dy then dx (convolutionTable)
    // Separable: table[dy][dx] ~ sum_k columns[k][dy] * rows[k][dx].
    std::vector<std::vector<float>> columns, rows;
    // RowRuns: table row dy = runs[dy].value on [-half, half] plus runs[dy].taps (dx, value).
    struct Run {
        float value = 0.0f;
        int half = -1;  // -1: no run
        std::vector<std::pair<int, float>> taps;
    };
    std::vector<Run> runs;
    double maxError = 0.0, l1Error = 0.0;  // residual of the plan / the table's max and L1 norm
    int taps() const;                      // multiply-adds (or prefix-sum lookups) per cell
    const char* name() const;              // "direct", "separable", "row-runs"
};
ConvolutionPlan planConvolution(const BinnedLayout& L, const KernelSpec& k, double tolerance = kSeparableTolerance);

// Linear binning of points (origin-relative) into fixed-point bins of grid `bins` (row
// stride `stride` words): the arithmetic of heatmap_bin.comp, sign -1 removes exactly.
void binPoints(std::span<const PackedHeatPoint> pts, const GridSpec& bins, Vec2d origin, int stride, double scale,
               int sign, uint32_t* out, int threads);
// Coarse values (L.coarse, row-major) from fixed-point bins of L.bins() with row stride
// `stride`, scaled back to weights by invScale.
void convolveBins(const uint32_t* bins, int stride, const BinnedLayout& L, const ConvolutionPlan& plan, double invScale,
                  float* out, int threads);

// The CPU display engine: the interface of HeatmapGpu (points, aggregate, incremental bin
// updates, convolve) with the jobs on a worker thread. Every call except busy(), poll() and
// wait() is made while no job runs (the layer submits only when idle); result() stays
// valid until the next aggregate() or convolve().
class HeatAggregator {
public:
    explicit HeatAggregator(int threads = 0);  // 0: every core
    ~HeatAggregator();
    HeatAggregator(const HeatAggregator&) = delete;
    HeatAggregator& operator=(const HeatAggregator&) = delete;

    void setPoints(std::span<const HeatPoint> pts, Vec2d origin);
    // false: a weight too large for the fixed-point scale; call setPoints with everything.
    bool appendPoints(std::span<const HeatPoint> pts);
    void truncate(size_t n) { pts_.resize(std::min(pts_.size(), n)); }
    size_t size() const { return pts_.size(); }

    // What the job also computes for the normalisation: the q-quantile of the positive
    // coarse values in `region` (q <= 0: none).
    struct Normalise {
        double q = 0.0;
        CellRect region;
    };
    // Starts a job: clear the bins, bin points [first, first + count), convolve.
    void aggregate(const KernelSpec& k, const BinnedLayout& L, size_t first, size_t count, Normalise n);
    // On the calling thread: adds (sign +1) or removes (-1) points in the current bins.
    void binRange(size_t first, size_t count, int sign);
    // Starts a job: convolve the current bins (after binRange).
    void convolve(Normalise n);

    bool busy() const;
    bool poll();  // true once after each finished job
    void wait();

    struct Result {
        DensityGrid coarse;
        double percentile = 0.0;  // of Normalise
        double ms = 0.0;          // the job's own time (bin + convolve + percentile)
        size_t pointsBinned = 0;
    };
    const Result& result() const { return result_; }
    const BinnedLayout& layout() const { return layout_; }
    const ConvolutionPlan& plan() const { return plan_; }
    double scale() const { return scale_.scale(); }

private:
    void start(std::function<void()> job);
    void run();
    void convolveInto(Result& r, const Normalise& n);

    int threads_;
    std::vector<PackedHeatPoint> pts_;
    Vec2d origin_;
    BinScale scale_;
    BinnedLayout layout_;
    KernelSpec kernel_;
    ConvolutionPlan plan_;
    std::vector<uint32_t> bins_;
    Result result_;

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::function<void()> job_;
    bool running_ = false, finished_ = false, stop_ = false;
    std::thread worker_;
};

}  // namespace sandtable
