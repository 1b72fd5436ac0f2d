#include "engine/analysis/heat_agg.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "engine/util/parallel.hpp"
#include "engine/util/vector_clones.hpp"

namespace sandtable {

// ---------------------------------------------------------------- convolution plans

namespace {

// Cyclic Jacobi eigen-decomposition of a symmetric matrix (n x n, row-major): eigenvalues
// in `values`, eigenvectors in the columns of `vectors`. n is at most a few dozen here.
void jacobiEigen(std::vector<double> a, int n, std::vector<double>& values, std::vector<double>& vectors) {
    vectors.assign(static_cast<size_t>(n) * n, 0.0);
    for (int i = 0; i < n; ++i) vectors[static_cast<size_t>(i) * n + i] = 1.0;
    auto at = [n](std::vector<double>& m, int r, int c) -> double& { return m[static_cast<size_t>(r) * n + c]; };
    double norm = 0.0;
    for (double v : a) norm += v * v;
    for (int sweep = 0; sweep < 60; ++sweep) {
        double off = 0.0;
        for (int p = 0; p < n; ++p)
            for (int q = p + 1; q < n; ++q) off += at(a, p, q) * at(a, p, q);
        if (off <= 1e-30 * norm) break;
        for (int p = 0; p < n; ++p)
            for (int q = p + 1; q < n; ++q) {
                const double apq = at(a, p, q);
                if (std::fabs(apq) < 1e-300) continue;
                const double theta = (at(a, q, q) - at(a, p, p)) / (2.0 * apq);
                const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
                const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < n; ++k) {
                    const double akp = at(a, k, p), akq = at(a, k, q);
                    at(a, k, p) = c * akp - s * akq;
                    at(a, k, q) = s * akp + c * akq;
                }
                for (int k = 0; k < n; ++k) {
                    const double apk = at(a, p, k), aqk = at(a, q, k);
                    at(a, p, k) = c * apk - s * aqk;
                    at(a, q, k) = s * apk + c * aqk;
                }
                for (int k = 0; k < n; ++k) {
                    const double vkp = at(vectors, k, p), vkq = at(vectors, k, q);
                    at(vectors, k, p) = c * vkp - s * vkq;
                    at(vectors, k, q) = s * vkp + c * vkq;
                }
            }
    }
    values.resize(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) values[static_cast<size_t>(i)] = at(a, i, i);
}

// The largest matrix the eigen-decomposition is tried on (larger tables come only from
// capping the reduction; they use the direct table).
constexpr int kMaxSeparableSide = 129;

}  // namespace

int ConvolutionPlan::taps() const {
    const int n = 2 * radius + 1;
    switch (kind) {
    case Kind::Direct: {
        int nz = 0;
        for (float t : table) nz += t != 0.0f;
        return nz;
    }
    case Kind::Separable:
        return 2 * n * static_cast<int>(rows.size());
    case Kind::RowRuns: {
        int c = 0;
        for (const Run& r : runs) c += (r.half >= 0 ? 2 : 0) + static_cast<int>(r.taps.size());
        return c;
    }
    }
    return 0;
}

const char* ConvolutionPlan::name() const {
    switch (kind) {
    case Kind::Direct:
        return "direct";
    case Kind::Separable:
        return "separable";
    case Kind::RowRuns:
        return "row-runs";
    }
    return "?";
}

ConvolutionPlan planConvolution(const BinnedLayout& L, const KernelSpec& k, double tolerance) {
    ConvolutionPlan plan;
    plan.radius = L.radiusCells;
    plan.table = convolutionTable(L, k);
    const int R = plan.radius, n = 2 * R + 1;
    const auto idx = [n](int dy, int dx) { return static_cast<size_t>(dy) * n + dx; };
    if (k.shape == KernelShape::Uniform) {
        // Each row: the run of cells equal to its centre (the disc's inside, exactly the
        // same float everywhere) and the rim cells that the tent averaging made fractional.
        plan.kind = ConvolutionPlan::Kind::RowRuns;
        plan.runs.resize(static_cast<size_t>(n));
        for (int dy = 0; dy < n; ++dy) {
            ConvolutionPlan::Run& run = plan.runs[static_cast<size_t>(dy)];
            const float c = plan.table[idx(dy, R)];
            int half = -1;
            if (c != 0.0f)
                while (half + 1 <= R && plan.table[idx(dy, R + half + 1)] == c &&
                       plan.table[idx(dy, R - half - 1)] == c)
                    ++half;
            run.value = c;
            run.half = c != 0.0f ? std::max(half, 0) : -1;
            for (int dx = -R; dx <= R; ++dx) {
                const float t = plan.table[idx(dy, R + dx)];
                if (run.half >= 0 && std::abs(dx) <= run.half) continue;
                if (t != 0.0f) run.taps.emplace_back(dx, t);
            }
        }
        return plan;
    }
    if (n <= kMaxSeparableSide) {
        std::vector<double> a(plan.table.begin(), plan.table.end()), values, vectors;
        jacobiEigen(a, n, values, vectors);
        std::vector<int> order(static_cast<size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](int x, int y) {
            return std::fabs(values[static_cast<size_t>(x)]) > std::fabs(values[static_cast<size_t>(y)]);
        });
        double tmax = 0.0, tl1 = 0.0;
        for (float t : plan.table) tmax = std::max(tmax, static_cast<double>(std::fabs(t))), tl1 += std::fabs(t);
        std::vector<double> approx(plan.table.size(), 0.0);
        for (int K = 1; 2 * n * K < n * n && tmax > 0.0; ++K) {
            const int e = order[static_cast<size_t>(K - 1)];
            const double lambda = values[static_cast<size_t>(e)];
            std::vector<float> col(static_cast<size_t>(n)), row(static_cast<size_t>(n));
            for (int i = 0; i < n; ++i) {
                const double v = vectors[static_cast<size_t>(i) * n + e];
                col[static_cast<size_t>(i)] = static_cast<float>(lambda * v);
                row[static_cast<size_t>(i)] = static_cast<float>(v);
            }
            plan.columns.push_back(col);
            plan.rows.push_back(row);
            // Residual of the float terms actually used.
            double emax = 0.0, el1 = 0.0;
            for (int dy = 0; dy < n; ++dy)
                for (int dx = 0; dx < n; ++dx) {
                    approx[idx(dy, dx)] +=
                        static_cast<double>(col[static_cast<size_t>(dy)]) * row[static_cast<size_t>(dx)];
                    const double d = std::fabs(approx[idx(dy, dx)] - plan.table[idx(dy, dx)]);
                    emax = std::max(emax, d);
                    el1 += d;
                }
            if (emax <= tolerance * tmax && el1 <= tolerance * tl1) {
                plan.kind = ConvolutionPlan::Kind::Separable;
                plan.maxError = emax / tmax;
                plan.l1Error = el1 / tl1;
                return plan;
            }
        }
    }
    plan.kind = ConvolutionPlan::Kind::Direct;
    plan.columns.clear();
    plan.rows.clear();
    return plan;
}

// ---------------------------------------------------------------- binning

namespace {

struct BinFrame {
    float tlx, tly, rx, ry, dx, dy;
    int w, h, stride;
    float scale;
};

template <int Sign>
void binLoop(const PackedHeatPoint* p, size_t n, const BinFrame& f, uint32_t* bins) {
    auto deposit = [bins](size_t i, float amount) {
        const auto q = static_cast<uint32_t>(amount + 0.5f);
        if constexpr (Sign < 0)
            bins[i] -= q;
        else
            bins[i] += q;
    };
    for (size_t k = 0; k < n; ++k) {
        const float ax = p[k].x - f.tlx, ay = p[k].y - f.tly;
        const float gx = ax * f.rx + ay * f.ry - 0.5f, gy = ax * f.dx + ay * f.dy - 0.5f;
        const float fx = std::floor(gx), fy = std::floor(gy);
        const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
        if (x0 < 0 || y0 < 0 || x0 + 1 >= f.w || y0 + 1 >= f.h) continue;
        const float tx = gx - fx, ty = gy - fy;
        const float w = p[k].w * f.scale;
        const float top = w * (1.0f - ty), bottom = w * ty;
        const size_t i = static_cast<size_t>(y0) * static_cast<size_t>(f.stride) + static_cast<size_t>(x0);
        deposit(i, top * (1.0f - tx));
        deposit(i + 1, top * tx);
        deposit(i + static_cast<size_t>(f.stride), bottom * (1.0f - tx));
        deposit(i + static_cast<size_t>(f.stride) + 1, bottom * tx);
    }
}

}  // namespace

void binPoints(std::span<const PackedHeatPoint> pts, const GridSpec& bg, Vec2d origin, int stride, double scale,
               int sign, uint32_t* out, int threads) {
    if (pts.empty()) return;
    const double c = std::cos(bg.rotation), s = std::sin(bg.rotation);
    BinFrame f;
    f.tlx = static_cast<float>(bg.topLeft.x - origin.x);
    f.tly = static_cast<float>(bg.topLeft.y - origin.y);
    f.rx = static_cast<float>(c / bg.pixelSize);
    f.ry = static_cast<float>(-s / bg.pixelSize);
    f.dx = static_cast<float>(-s / bg.pixelSize);
    f.dy = static_cast<float>(-c / bg.pixelSize);
    f.w = bg.width;
    f.h = bg.height;
    f.stride = stride;
    f.scale = static_cast<float>(scale);
    auto run = [&](const PackedHeatPoint* p, size_t n, uint32_t* bins) {
        if (sign < 0)
            binLoop<-1>(p, n, f, bins);
        else
            binLoop<1>(p, n, f, bins);
    };
    const size_t cells = static_cast<size_t>(stride) * static_cast<size_t>(bg.height);
    // Private grids pay off only when there are many more points than cells to merge.
    const int t = pts.size() < 4 * cells || pts.size() < 200000 ? 1 : threads;
    if (t <= 1) {
        run(pts.data(), pts.size(), out);
        return;
    }
    std::vector<std::vector<uint32_t>> priv(static_cast<size_t>(t - 1));
    parallelFor(pts.size(), t, [&](size_t a, size_t b, int i) {
        uint32_t* target = out;
        if (i > 0) {
            priv[static_cast<size_t>(i - 1)].assign(cells, 0u);
            target = priv[static_cast<size_t>(i - 1)].data();
        }
        run(pts.data() + a, b - a, target);
    });
    // Unsigned sums wrap exactly like the atomics on the GPU.
    parallelFor(cells, t, [&](size_t a, size_t b, int) {
        for (const auto& p : priv)
            for (size_t i = a; i < b; ++i) out[i] += p[i];
    });
}

// ---------------------------------------------------------------- convolution

namespace {

// out[0..n) += c * in[0..n)
ST_VECTOR_CLONES void axpy(float* out, const float* in, float c, int n) {
    for (int i = 0; i < n; ++i) out[i] += c * in[i];
}

ST_VECTOR_CLONES void toFloat(const uint32_t* in, float* out, size_t n, float scale) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(static_cast<int32_t>(in[i])) * scale;
}

// acc[i] += c * (int)(p[i + hi] - p[i + lo]) over a row of prefix sums (wrapping: exact).
ST_VECTOR_CLONES void addRun(double* acc, const uint32_t* p, int lo, int hi, double c, int n) {
    for (int i = 0; i < n; ++i) acc[i] += c * static_cast<double>(p[i + hi] - p[i + lo]);
}

ST_VECTOR_CLONES void addTap(double* acc, const uint32_t* b, double c, int n) {
    for (int i = 0; i < n; ++i) acc[i] += c * static_cast<double>(b[i]);
}

}  // namespace

void convolveBins(const uint32_t* bins, int stride, const BinnedLayout& L, const ConvolutionPlan& plan, double invScale,
                  float* out, int threads) {
    const int CW = L.coarse.width, CH = L.coarse.height, m = L.margin, R = plan.radius, n = 2 * R + 1;
    const int BH = L.binHeight();
    const size_t rowWords = static_cast<size_t>(stride);
    if (CW <= 0 || CH <= 0) return;
    if (plan.kind == ConvolutionPlan::Kind::RowRuns) {
        // Prefix sums of every bin row (uint32, wrapping: a difference is the exact run
        // sum, which is below 2^31 by the choice of the fixed-point scale).
        const size_t pw = rowWords + 1;
        std::vector<uint32_t> prefix(pw * static_cast<size_t>(BH));
        parallelFor(static_cast<size_t>(BH), threads, [&](size_t a, size_t b, int) {
            for (size_t r = a; r < b; ++r) {
                uint32_t* p = &prefix[r * pw];
                const uint32_t* row = bins + r * rowWords;
                p[0] = 0;
                for (size_t i = 0; i < rowWords; ++i) p[i + 1] = p[i] + row[i];
            }
        });
        parallelFor(static_cast<size_t>(CH), threads, [&](size_t a, size_t b, int) {
            std::vector<double> acc(static_cast<size_t>(CW));
            for (size_t j = a; j < b; ++j) {
                std::fill(acc.begin(), acc.end(), 0.0);
                for (int dy = 0; dy < n; ++dy) {
                    const ConvolutionPlan::Run& run = plan.runs[static_cast<size_t>(dy)];
                    const size_t r = j + static_cast<size_t>(m - R + dy);
                    if (run.half >= 0)
                        addRun(acc.data(), &prefix[r * pw], m - run.half, m + run.half + 1, run.value, CW);
                    for (const auto& [dx, t] : run.taps) addTap(acc.data(), bins + r * rowWords + (m + dx), t, CW);
                }
                float* o = out + j * static_cast<size_t>(CW);
                for (int i = 0; i < CW; ++i) o[i] = static_cast<float>(acc[static_cast<size_t>(i)] * invScale);
            }
        });
        return;
    }
    // Direct and separable work on the bins as floats (weights).
    std::vector<float> fb(rowWords * static_cast<size_t>(BH));
    parallelFor(static_cast<size_t>(BH), threads, [&](size_t a, size_t b, int) {
        toFloat(bins + a * rowWords, fb.data() + a * rowWords, (b - a) * rowWords, static_cast<float>(invScale));
    });
    parallelFor(static_cast<size_t>(CH), threads, [&](size_t a, size_t b, int) {
        const int j0 = static_cast<int>(a), j1 = static_cast<int>(b);
        for (int j = j0; j < j1; ++j) std::fill_n(out + static_cast<size_t>(j) * CW, CW, 0.0f);
        if (plan.kind == ConvolutionPlan::Kind::Direct) {
            for (int j = j0; j < j1; ++j) {
                float* o = out + static_cast<size_t>(j) * CW;
                for (int dy = 0; dy < n; ++dy) {
                    const float* brow = fb.data() + static_cast<size_t>(j + m - R + dy) * rowWords + (m - R);
                    const float* t = plan.table.data() + static_cast<size_t>(dy) * n;
                    for (int dx = 0; dx < n; ++dx)
                        if (t[dx] != 0.0f) axpy(o, brow + dx, t[dx], CW);
                }
            }
            return;
        }
        // Separable: per term, a horizontal pass over the bin rows this band reads (its
        // rows plus R above and below), then a vertical pass into the output.
        const int rows = (j1 - j0) + 2 * R;
        std::vector<float> h(static_cast<size_t>(rows) * CW);
        for (size_t term = 0; term < plan.rows.size(); ++term) {
            const std::vector<float>& hr = plan.rows[term];
            const std::vector<float>& vc = plan.columns[term];
            std::fill(h.begin(), h.end(), 0.0f);
            for (int r = 0; r < rows; ++r) {
                const float* brow = fb.data() + static_cast<size_t>(j0 + m - R + r) * rowWords + (m - R);
                float* hrow = h.data() + static_cast<size_t>(r) * CW;
                for (int dx = 0; dx < n; ++dx) axpy(hrow, brow + dx, hr[static_cast<size_t>(dx)], CW);
            }
            for (int j = j0; j < j1; ++j) {
                float* o = out + static_cast<size_t>(j) * CW;
                for (int dy = 0; dy < n; ++dy)
                    axpy(o, h.data() + static_cast<size_t>(j - j0 + dy) * CW, vc[static_cast<size_t>(dy)], CW);
            }
        }
    });
}

// ---------------------------------------------------------------- the engine

HeatAggregator::HeatAggregator(int threads) : threads_(threads > 0 ? threads : cpuThreads()) {
    worker_ = std::thread([this] { run(); });
}

HeatAggregator::~HeatAggregator() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
}

void HeatAggregator::run() {
    // Below the render thread: on a machine whose two cores also rasterise the frames
    // (software GL), a re-aggregation takes the time the frames leave over instead of
    // stretching them. Threads started from here inherit it (Linux: per-thread nice).
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 5);
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait(lock, [this] { return stop_ || job_; });
        if (stop_) return;
        std::function<void()> job = std::move(job_);
        job_ = nullptr;
        lock.unlock();
        job();
        lock.lock();
        running_ = false;
        finished_ = true;
        cv_.notify_all();
    }
}

void HeatAggregator::start(std::function<void()> job) {
    std::lock_guard lock(mutex_);
    running_ = true;
    finished_ = false;
    job_ = std::move(job);
    cv_.notify_all();
}

bool HeatAggregator::busy() const {
    std::lock_guard lock(mutex_);
    return running_;
}

bool HeatAggregator::poll() {
    std::lock_guard lock(mutex_);
    if (!finished_) return false;
    finished_ = false;
    return true;
}

void HeatAggregator::wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return !running_; });
}

void HeatAggregator::setPoints(std::span<const HeatPoint> pts, Vec2d origin) {
    origin_ = origin;
    scale_.reset(pts);
    pts_.resize(pts.size());
    for (size_t i = 0; i < pts.size(); ++i)
        pts_[i] = {static_cast<float>(pts[i].pos.x - origin.x), static_cast<float>(pts[i].pos.y - origin.y),
                   static_cast<float>(pts[i].weight)};
}

bool HeatAggregator::appendPoints(std::span<const HeatPoint> pts) {
    if (!scale_.append(pts, pts_.size())) return false;
    for (const HeatPoint& p : pts)
        pts_.push_back({static_cast<float>(p.pos.x - origin_.x), static_cast<float>(p.pos.y - origin_.y),
                        static_cast<float>(p.weight)});
    return true;
}

void HeatAggregator::aggregate(const KernelSpec& k, const BinnedLayout& L, size_t first, size_t count, Normalise n) {
    validate(k);
    const bool replan = !(L.radiusCells == layout_.radiusCells && L.coarse.pixelSize == layout_.coarse.pixelSize &&
                          k == kernel_ && !plan_.table.empty());
    layout_ = L;
    kernel_ = k;
    first = std::min(first, pts_.size());
    count = std::min(count, pts_.size() - first);
    start([this, replan, first, count, n] {
        const auto t0 = std::chrono::steady_clock::now();
        if (replan) plan_ = planConvolution(layout_, kernel_);
        const size_t cells = static_cast<size_t>(layout_.binWidth()) * static_cast<size_t>(layout_.binHeight());
        bins_.assign(cells, 0u);
        binPoints(std::span<const PackedHeatPoint>(pts_).subspan(first, count), layout_.bins(), origin_,
                  layout_.binWidth(), scale_.scale(), +1, bins_.data(), threads_);
        Result r;
        convolveInto(r, n);
        r.pointsBinned = count;
        r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        result_ = std::move(r);
    });
}

void HeatAggregator::binRange(size_t first, size_t count, int sign) {
    if (bins_.empty() || first >= pts_.size()) return;
    count = std::min(count, pts_.size() - first);
    binPoints(std::span<const PackedHeatPoint>(pts_).subspan(first, count), layout_.bins(), origin_, layout_.binWidth(),
              scale_.scale(), sign, bins_.data(), threads_);
}

void HeatAggregator::convolve(Normalise n) {
    start([this, n] {
        const auto t0 = std::chrono::steady_clock::now();
        Result r;
        convolveInto(r, n);
        r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        result_ = std::move(r);
    });
}

void HeatAggregator::convolveInto(Result& r, const Normalise& n) {
    r.coarse.spec = layout_.coarse;
    r.coarse.values.assign(layout_.coarse.pixelCount(), 0.0f);
    if (!bins_.empty())
        convolveBins(bins_.data(), layout_.binWidth(), layout_, plan_, 1.0 / scale_.scale(), r.coarse.values.data(),
                     threads_);
    r.percentile = positivePercentile(r.coarse, n.region, n.q);
}

}  // namespace sandtable
