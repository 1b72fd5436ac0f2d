#include "engine/analysis/kde.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace sandtable {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// Normalising constants: k such that k * integral over the unit-radius disc of the
// profile is 1, divided by r^2 later. These are QGIS's constants written out:
//   uniform      2/(pi r) * 0.5/r           = 1/(pi r^2)
//   quartic      16/(5 pi r^2) * 15/16      = 3/(pi r^2)   (QGIS <= 3.40.3 had 116/5,
//                                              a typo fixed by QGIS PR #60631)
//   triweight    128/(35 pi r^2) * 35/32    = 4/(pi r^2)
//   epanechnikov 8/(3 pi r^2) * 3/4         = 2/(pi r^2)
//   triangular   3/((1 + 2 decay) pi r^2)
// (Evaluated in a different order than QGIS, so values agree to a few ulps, not bits.)
double unitScale(KernelShape s, double decay) {
    switch (s) {
    case KernelShape::Uniform:
        return (2.0 / kPi) * 0.5;
    case KernelShape::Quartic:
        return (16.0 / (5.0 * kPi)) * (15.0 / 16.0);
    case KernelShape::Triweight:
        return (128.0 / (35.0 * kPi)) * (35.0 / 32.0);
    case KernelShape::Epanechnikov:
        return (8.0 / (3.0 * kPi)) * (3.0 / 4.0);
    case KernelShape::Triangular:
        return 3.0 / ((1.0 + 2.0 * decay) * kPi);
    case KernelShape::Gaussian: {
        // exp(-u^2 s^2 / 2) over the unit disc integrates to (2 pi / s^2)(1 - exp(-s^2/2)).
        const double s2 = kGaussianSigmasPerRadius * kGaussianSigmasPerRadius;
        return s2 / (2.0 * kPi * (1.0 - std::exp(-0.5 * s2)));
    }
    }
    return 1.0;
}

}  // namespace

const char* toString(KernelShape s) {
    switch (s) {
    case KernelShape::Quartic:
        return "quartic";
    case KernelShape::Triangular:
        return "triangular";
    case KernelShape::Uniform:
        return "uniform";
    case KernelShape::Triweight:
        return "triweight";
    case KernelShape::Epanechnikov:
        return "epanechnikov";
    case KernelShape::Gaussian:
        return "gaussian";
    }
    return "?";
}

const char* toString(KdeOutput o) { return o == KdeOutput::Raw ? "raw" : "scaled"; }

bool parseKernelShape(std::string_view s, KernelShape& out) {
    for (KernelShape k : kAllKernelShapes)
        if (equalsIgnoreCase(s, toString(k))) {
            out = k;
            return true;
        }
    if (equalsIgnoreCase(s, "biweight")) {
        out = KernelShape::Quartic;
        return true;
    }  // same kernel
    return false;
}

bool parseKdeOutput(std::string_view s, KdeOutput& out) {
    if (equalsIgnoreCase(s, "raw")) {
        out = KdeOutput::Raw;
        return true;
    }
    if (equalsIgnoreCase(s, "scaled")) {
        out = KdeOutput::Scaled;
        return true;
    }
    return false;
}

void validate(const KernelSpec& k) {
    if (!std::isfinite(k.radius) || k.radius <= 0.0) {
        std::ostringstream os;
        os << "heatmap: kernel radius must be a finite number > 0 (got " << k.radius << ")";
        throw std::invalid_argument(os.str());
    }
    if (k.shape == KernelShape::Triangular && !(k.decay >= 0.0 && k.decay <= 1.0)) {
        std::ostringstream os;
        os << "heatmap: triangular decay ratio must be in [0, 1] (got " << k.decay
           << "); negative decays give negative densities";
        throw std::invalid_argument(os.str());
    }
}

double kernelProfile(KernelShape shape, double u, double decay) {
    if (!(u <= 1.0)) return 0.0;  // also catches NaN
    // QGIS writes std::pow(1 - std::pow(u, 2), n); identical values, cheaper here.
    const double a = 1.0 - u * u;
    switch (shape) {
    case KernelShape::Uniform:
        return 1.0;
    case KernelShape::Quartic:
        return a * a;
    case KernelShape::Triweight:
        return a * a * a;
    case KernelShape::Epanechnikov:
        return a;
    case KernelShape::Triangular:
        return 1.0 - (1.0 - decay) * u;
    case KernelShape::Gaussian: {
        const double s = kGaussianSigmasPerRadius * u;
        return std::exp(-0.5 * s * s);
    }
    }
    return 0.0;
}

double kernelScale(const KernelSpec& k) {
    if (k.output == KdeOutput::Raw) return 1.0;
    return unitScale(k.shape, k.decay) / (k.radius * k.radius);
}

double kernelValue(const KernelSpec& k, double distance) {
    if (!(distance <= k.radius)) return 0.0;  // QGIS: "distance > radius" is outside
    return kernelScale(k) * kernelProfile(k.shape, distance / k.radius, k.decay);
}

HeatInputStats& HeatInputStats::operator+=(const HeatInputStats& o) {
    accepted += o.accepted;
    noCoordinates += o.noCoordinates;
    badWeight += o.badWeight;
    negativeWeight += o.negativeWeight;
    transformFailed += o.transformFailed;
    notPoint += o.notPoint;
    return *this;
}

std::string HeatInputStats::summary() const {
    std::ostringstream os;
    os << accepted << " points";
    if (noCoordinates) os << ", " << noCoordinates << " skipped without valid coordinates";
    if (badWeight) os << ", " << badWeight << " skipped with a NaN/invalid weight";
    if (negativeWeight) os << ", " << negativeWeight << " refused with a negative weight";
    if (transformFailed) os << ", " << transformFailed << " skipped (CRS transform failed)";
    if (notPoint) os << ", " << notPoint << " skipped (not a point geometry)";
    return os.str();
}

HeatInputStats sanitize(std::vector<HeatPoint>& pts) {
    HeatInputStats st;
    auto keep = [&st](const HeatPoint& p) {
        if (!std::isfinite(p.pos.x) || !std::isfinite(p.pos.y)) {
            ++st.noCoordinates;
            return false;
        }
        if (!std::isfinite(p.weight)) {
            ++st.badWeight;
            return false;
        }
        if (p.weight < 0.0) {
            ++st.negativeWeight;
            return false;
        }
        return true;
    };
    pts.erase(std::remove_if(pts.begin(), pts.end(), [&](const HeatPoint& p) { return !keep(p); }), pts.end());
    st.accepted = pts.size();
    return st;
}

Vec2d GridSpec::toWorld(double gx, double gy) const {
    const double c = std::cos(rotation), s = std::sin(rotation);
    // right = (c, -s), up = (s, c); grid y runs down.
    const double a = gx * pixelSize, b = gy * pixelSize;
    return {topLeft.x + c * a - s * b, topLeft.y - s * a - c * b};
}

Vec2d GridSpec::toGrid(Vec2d w) const {
    const double c = std::cos(rotation), s = std::sin(rotation);
    const Vec2d d = w - topLeft;
    return {(c * d.x - s * d.y) / pixelSize, -(s * d.x + c * d.y) / pixelSize};
}

BBox GridSpec::bounds() const {
    BBox b;
    b.extend(toWorld(0, 0));
    b.extend(toWorld(width, 0));
    b.extend(toWorld(0, height));
    b.extend(toWorld(width, height));
    return b;
}

std::array<double, 6> GridSpec::geoTransform() const {
    const double c = std::cos(rotation), s = std::sin(rotation);
    return {topLeft.x, pixelSize * c, -pixelSize * s, topLeft.y, -pixelSize * s, -pixelSize * c};
}

GridSpec GridSpec::covering(const BBox& box, double pixelSize) {
    GridSpec g;
    g.pixelSize = pixelSize;
    if (!box.valid() || !(pixelSize > 0)) {
        g.width = g.height = 1;
        return g;
    }
    g.topLeft = {box.minX, box.maxY};
    g.width = std::max(1, static_cast<int>(std::ceil((box.maxX - box.minX) / pixelSize - 1e-9)));
    g.height = std::max(1, static_cast<int>(std::ceil((box.maxY - box.minY) / pixelSize - 1e-9)));
    return g;
}

float DensityGrid::maxValue() const {
    float m = 0.0f;
    for (float v : values) m = std::max(m, v);
    return m;
}

double exactRadiusPixels(const KernelSpec& k, const GridSpec& grid) {
    validate(k);
    const double rp = k.radius / grid.pixelSize;
    if (rp > kMaxRadiusPixels) {
        std::ostringstream os;
        os << "heatmap: radius is " << rp << " pixels, over the limit of " << kMaxRadiusPixels
           << "; use a larger pixel size";
        throw std::invalid_argument(os.str());
    }
    return rp;
}

DensityGrid exactKde(std::span<const HeatPoint> pts, const GridSpec& grid, const KernelSpec& k) {
    const double rp = exactRadiusPixels(k, grid);
    DensityGrid out;
    out.spec = grid;
    std::vector<double> acc(grid.pixelCount(), 0.0);
    const double scale = kernelScale(k);
    const double r2 = k.radius * k.radius;
    for (const HeatPoint& p : pts) {
        const Vec2d g = grid.toGrid(p.pos);
        // Pixels whose centre (c + 0.5) lies within rp of g (rotation does not matter:
        // distances are measured in the grid's own orthonormal frame).
        const int c0 = std::max(0, static_cast<int>(std::ceil(g.x - rp - 0.5)));
        const int c1 = std::min(grid.width - 1, static_cast<int>(std::floor(g.x + rp - 0.5)));
        const int r0 = std::max(0, static_cast<int>(std::ceil(g.y - rp - 0.5)));
        const int r1 = std::min(grid.height - 1, static_cast<int>(std::floor(g.y + rp - 0.5)));
        for (int row = r0; row <= r1; ++row) {
            const double dy = (row + 0.5 - g.y) * grid.pixelSize;
            double* line = &acc[static_cast<size_t>(row) * grid.width];
            for (int col = c0; col <= c1; ++col) {
                const double dx = (col + 0.5 - g.x) * grid.pixelSize;
                const double d2 = dx * dx + dy * dy;
                if (d2 > r2) continue;
                line[col] += p.weight * scale * kernelProfile(k.shape, std::sqrt(d2) / k.radius, k.decay);
            }
        }
    }
    out.values.resize(acc.size());
    for (size_t i = 0; i < acc.size(); ++i) out.values[i] = static_cast<float>(acc[i]);
    return out;
}

GridSpec BinnedLayout::bins() const {
    GridSpec b = coarse;
    b.topLeft = coarse.toWorld(-margin, -margin);
    b.width = binWidth();
    b.height = binHeight();
    return b;
}

BinnedLayout chooseReduction(const GridSpec& output, const KernelSpec& k, double minRadiusCells, int maxFactor) {
    BinnedLayout L;
    const double rp = k.radius / output.pixelSize;
    if (k.shape == KernelShape::Uniform) maxFactor = 1;
    // The Gaussian's width is a third of its radius (sigma = r / 3), so the same number of
    // coarse cells per sigma as the compact kernels have per half-radius takes 1.5x the
    // cells per radius (at 10 its error reached 1.3% of the max on clustered points).
    const double cells = std::max(1.0, minRadiusCells) * (k.shape == KernelShape::Gaussian ? 1.5 : 1.0);
    L.factor = std::clamp(static_cast<int>(std::floor(rp / cells)), 1, std::max(1, maxFactor));
    L.coarse = output;
    L.coarse.pixelSize = output.pixelSize * L.factor;
    // Extra coarse cells on every side so the cubic upsampling never clamps.
    L.coarse.topLeft = output.toWorld(-L.factor * kCoarseBorder, -L.factor * kCoarseBorder);
    L.coarse.width = (output.width + L.factor - 1) / L.factor + 2 * kCoarseBorder;
    L.coarse.height = (output.height + L.factor - 1) / L.factor + 2 * kCoarseBorder;
    L.radiusCells = static_cast<int>(std::ceil(rp / L.factor));
    // At least R + 1 (a point's 2x2 footprint within reach of a cell); a multiple of 4 so
    // that the GPU convolution reads whole aligned uvec4 chunks of bins.
    L.margin = (L.radiusCells + 1 + 3) / 4 * 4;
    return L;
}

std::vector<float> convolutionTable(const BinnedLayout& L, const KernelSpec& k) {
    const int R = L.radiusCells, n = 2 * R + 1;
    std::vector<float> t(static_cast<size_t>(n) * n);
    // The uniform kernel is discontinuous at its rim: point-sampling it makes the binned
    // disc jump by whole cells. Its table entries are instead the kernel averaged over a
    // tent (the footprint of linear binning), i.e. the expected value for a point whose
    // sub-cell position is unknown. Smooth kernels are point-sampled (averaging them
    // would add a blur the exact KDE does not have).
    const bool average = k.shape == KernelShape::Uniform;
    const int ss = 16;
    for (int dy = -R; dy <= R; ++dy)
        for (int dx = -R; dx <= R; ++dx) {
            double v = 0.0;
            if (!average) {
                v = kernelValue(k, L.coarse.pixelSize * std::hypot(dx, dy));
            } else {
                double wsum = 0.0;
                for (int b = 0; b < ss; ++b)
                    for (int a = 0; a < ss; ++a) {
                        const double ox = (a + 0.5) / ss * 2.0 - 1.0, oy = (b + 0.5) / ss * 2.0 - 1.0;
                        const double w = (1.0 - std::fabs(ox)) * (1.0 - std::fabs(oy));
                        v += w * kernelValue(k, L.coarse.pixelSize * std::hypot(dx + ox, dy + oy));
                        wsum += w;
                    }
                v /= wsum;
            }
            t[static_cast<size_t>(dy + R) * n + (dx + R)] = static_cast<float>(v);
        }
    return t;
}

DensityGrid binnedKde(std::span<const HeatPoint> pts, const GridSpec& output, const KernelSpec& k,
                      const BinnedLayout& L) {
    validate(k);
    const GridSpec bg = L.bins();
    const int bw = bg.width, bh = bg.height;
    std::vector<double> bins(static_cast<size_t>(bw) * bh, 0.0);
    // Linear binning: each point's weight goes to the four bin centres around it with
    // bilinear weights (Wand & Jones 1995, "linear binning"); exact in the mean, and the
    // convolution below then evaluates the kernel bilinearly interpolated between nodes.
    for (const HeatPoint& p : pts) {
        const Vec2d g = bg.toGrid(p.pos);
        const double fx = g.x - 0.5, fy = g.y - 0.5;
        const double ix = std::floor(fx), iy = std::floor(fy);
        const double tx = fx - ix, ty = fy - iy;
        const int x0 = static_cast<int>(ix), y0 = static_cast<int>(iy);
        if (x0 < 0 || y0 < 0 || x0 + 1 >= bw || y0 + 1 >= bh) continue;  // too far to matter
        double* b = &bins[static_cast<size_t>(y0) * bw + x0];
        b[0] += p.weight * (1 - tx) * (1 - ty);
        b[1] += p.weight * tx * (1 - ty);
        b[bw] += p.weight * (1 - tx) * ty;
        b[bw + 1] += p.weight * tx * ty;
    }
    const std::vector<float> table = convolutionTable(L, k);
    const int R = L.radiusCells, n = 2 * R + 1;
    DensityGrid coarse;
    coarse.spec = L.coarse;
    coarse.values.assign(L.coarse.pixelCount(), 0.0f);
    for (int j = 0; j < L.coarse.height; ++j)
        for (int i = 0; i < L.coarse.width; ++i) {
            double s = 0.0;
            for (int dy = -R; dy <= R; ++dy) {
                const double* brow = &bins[static_cast<size_t>(j + L.margin + dy) * bw + (i + L.margin)];
                const float* trow = &table[static_cast<size_t>(dy + R) * n + R];
                for (int dx = -R; dx <= R; ++dx) s += trow[dx] * brow[dx];
            }
            coarse.at(i, j) = static_cast<float>(s);
        }
    return upsample(coarse, L, output);
}

namespace {
// Catmull-Rom weights for the 4 taps around t in [0,1) (taps at -1, 0, 1, 2).
void catmullRom(double t, double w[4]) {
    const double t2 = t * t, t3 = t2 * t;
    w[0] = 0.5 * (-t3 + 2 * t2 - t);
    w[1] = 0.5 * (3 * t3 - 5 * t2 + 2);
    w[2] = 0.5 * (-3 * t3 + 4 * t2 + t);
    w[3] = 0.5 * (t3 - t2);
}

// Catmull-Rom interpolation of c at continuous cell coordinates (u, v), cell centres at
// integers: the 16 taps around, clamped to the grid (the sum heatmap_color.frag makes).
double catmullRomAt(const DensityGrid& c, double u, double v) {
    const int cw = c.spec.width, ch = c.spec.height;
    const int i0 = static_cast<int>(std::floor(u)), j0 = static_cast<int>(std::floor(v));
    double wx[4], wy[4];
    catmullRom(u - i0, wx);
    catmullRom(v - j0, wy);
    double s = 0.0;
    for (int b = 0; b < 4; ++b) {
        const int j = std::clamp(j0 - 1 + b, 0, ch - 1);
        double line = 0.0;
        for (int a = 0; a < 4; ++a) line += wx[a] * c.at(std::clamp(i0 - 1 + a, 0, cw - 1), j);
        s += wy[b] * line;
    }
    return s;
}
}  // namespace

DensityGrid upsample(const DensityGrid& coarse, const BinnedLayout& L, const GridSpec& output) {
    DensityGrid out;
    out.spec = output;
    out.values.assign(output.pixelCount(), 0.0f);
    for (int row = 0; row < output.height; ++row)
        for (int col = 0; col < output.width; ++col) {
            // Coarse continuous coordinate of this pixel centre (coarse cell centres at +0.5,
            // coarse origin one cell before the output's). Catmull-Rom (cubic, interpolating)
            // rather than bilinear: its error is O(h^3), so the coarse grid can be coarser.
            const double u = (col + 0.5) / L.factor + kCoarseBorder - 0.5;
            const double v = (row + 0.5) / L.factor + kCoarseBorder - 0.5;
            // Cubic overshoot can dip below 0 next to empty areas; density cannot.
            out.at(col, row) = static_cast<float>(std::max(0.0, catmullRomAt(coarse, u, v)));
        }
    return out;
}

// ---------------------------------------------------------------- world-aligned display grid

double worldCellSize(const KernelSpec& k, double pixelSize, double minRadiusCells, int maxReduction) {
    // The uniform kernel is discontinuous: interpolating it between coarse cells would
    // smear its rim, so its cells are the screen's pixels (as with chooseReduction).
    if (k.shape == KernelShape::Uniform) return pixelSize;
    const double cells = std::max(1.0, minRadiusCells) * (k.shape == KernelShape::Gaussian ? 1.5 : 1.0);
    const double s0 = k.radius / cells;
    // Steps of 2^(1/4) from s0: a radius in metres keeps s0 at every zoom where s0 is at
    // least a pixel; below that the smallest step of at least one pixel (at most 19 % over a
    // pixel: at most ~19 % fewer cells per radius than the screen offers), above the cap
    // the largest step under it.
    const double lo = std::ceil(4.0 * std::log2(pixelSize / s0) - 1e-9);
    const double hi = std::floor(4.0 * std::log2(std::max(1, maxReduction) * pixelSize / s0) + 1e-9);
    const double step = std::max(lo, std::min(0.0, hi));
    return s0 * std::exp2(step / 4.0);
}

namespace {

// A world point in the lattice frame of (anchor, rotation, cell): continuous cell coordinates.
struct LatticeFrame {
    Vec2d anchor;
    double cell = 1.0, c = 1.0, s = 0.0;
    LatticeFrame(Vec2d a, double rotation, double cellSize)
        : anchor(a), cell(cellSize), c(std::cos(rotation)), s(std::sin(rotation)) {}
    Vec2d toFrame(Vec2d w) const {
        const Vec2d d = w - anchor;
        return {(c * d.x - s * d.y) / cell, -(s * d.x + c * d.y) / cell};
    }
    Vec2d toWorld(double a, double b) const {
        const double x = a * cell, y = b * cell;
        return {anchor.x + c * x - s * y, anchor.y - s * x - c * y};
    }
};

struct FrameBox {
    double a0 = INFINITY, b0 = INFINITY, a1 = -INFINITY, b1 = -INFINITY;
    void add(Vec2d p) {
        a0 = std::min(a0, p.x), a1 = std::max(a1, p.x);
        b0 = std::min(b0, p.y), b1 = std::max(b1, p.y);
    }
    bool empty() const { return !(a0 < a1 && b0 < b1); }
    FrameBox intersect(const FrameBox& o) const {
        return {std::max(a0, o.a0), std::max(b0, o.b0), std::min(a1, o.a1), std::min(b1, o.b1)};
    }
};

FrameBox viewBox(const LatticeFrame& f, const GridSpec& view) {
    FrameBox b;
    for (Vec2d corner : {view.toWorld(0, 0), view.toWorld(view.width, 0), view.toWorld(0, view.height),
                         view.toWorld(view.width, view.height)})
        b.add(f.toFrame(corner));
    return b;
}

// The data bounds grown by the radius (where the density can be nonzero), in the frame.
FrameBox dataBox(const LatticeFrame& f, const BBox& data, double radius) {
    FrameBox b;
    if (!data.valid()) return b;
    const double r = radius * 1.0001 + f.cell;
    for (Vec2d corner : {Vec2d{data.minX - r, data.minY - r}, Vec2d{data.maxX + r, data.minY - r},
                         Vec2d{data.minX - r, data.maxY + r}, Vec2d{data.maxX + r, data.maxY + r}})
        b.add(f.toFrame(corner));
    return b;
}

}  // namespace

BinnedLayout worldLayout(const GridSpec& view, const KernelSpec& k, const BBox& dataBounds, Vec2d anchor,
                         const WorldGridOptions& o) {
    const double cell = worldCellSize(k, view.pixelSize, o.minRadiusCells, o.maxReduction);
    // The uniform kernel's cells are the pixels of this view (see worldCellSize), so its
    // lattice is anchored at the view's corner: pixel centres fall on cell centres.
    if (k.shape == KernelShape::Uniform) anchor = view.topLeft;
    const LatticeFrame f(anchor, view.rotation, cell);
    const FrameBox v = viewBox(f, view);
    // The margin shrinks where the grid would grow past maxCells (small cells on a big screen).
    const double viewCells = std::max(1.0, (v.a1 - v.a0) * (v.b1 - v.b0));
    const double fit = (std::sqrt(static_cast<double>(o.maxCells) / viewCells) - 1.0) / 2.0;
    const double margin = std::clamp(std::min(o.margin, fit), 0.0, o.margin);
    const double ma = margin * (v.a1 - v.a0), mb = margin * (v.b1 - v.b0);
    FrameBox want = FrameBox{v.a0 - ma, v.b0 - mb, v.a1 + ma, v.b1 + mb}.intersect(dataBox(f, dataBounds, k.radius));
    const double snap = std::max(1, o.snapCells);
    int ia0, ib0, ia1, ib1;
    if (want.empty()) {
        // No data near the view: a token grid at the view's corner (all zero).
        ia0 = static_cast<int>(std::floor(v.a0)), ib0 = static_cast<int>(std::floor(v.b0));
        ia1 = ia0 + 1, ib1 = ib0 + 1;
    } else {
        ia0 = static_cast<int>(std::floor(want.a0 / snap) * snap);
        ib0 = static_cast<int>(std::floor(want.b0 / snap) * snap);
        ia1 = static_cast<int>(std::ceil(want.a1 / snap) * snap);
        ib1 = static_cast<int>(std::ceil(want.b1 / snap) * snap);
    }
    BinnedLayout L;
    L.factor = 1;  // not tied to the screen: the colour pass maps pixels to cells itself
    L.coarse.pixelSize = cell;
    L.coarse.rotation = view.rotation;
    L.coarse.topLeft = f.toWorld(ia0 - kCoarseBorder, ib0 - kCoarseBorder);
    L.coarse.width = ia1 - ia0 + 2 * kCoarseBorder;
    L.coarse.height = ib1 - ib0 + 2 * kCoarseBorder;
    L.radiusCells = static_cast<int>(std::ceil(k.radius / cell - 1e-9));
    L.margin = (L.radiusCells + 1 + 3) / 4 * 4;
    return L;
}

bool layoutCovers(const BinnedLayout& L, const GridSpec& view, const KernelSpec& k, const BBox& dataBounds) {
    // In the grid's own cell coordinates (grid corner at 0).
    const LatticeFrame f(L.coarse.topLeft, L.coarse.rotation, L.coarse.pixelSize);
    const FrameBox need = viewBox(f, view).intersect(dataBox(f, dataBounds, k.radius));
    if (need.empty()) return true;  // nothing to show here: any grid will do
    const double lo = kCoarseBorder - 1e-6;
    return need.a0 >= lo && need.b0 >= lo && need.a1 <= L.coarse.width - lo && need.b1 <= L.coarse.height - lo;
}

CellRect cellsInView(const BinnedLayout& L, const GridSpec& view) {
    const LatticeFrame f(L.coarse.topLeft, L.coarse.rotation, L.coarse.pixelSize);
    const FrameBox v = viewBox(f, view);
    CellRect r;
    // Cells whose centre (i + 0.5) lies inside the view's box.
    r.i0 = std::clamp(static_cast<int>(std::ceil(v.a0 - 0.5)), 0, L.coarse.width);
    r.j0 = std::clamp(static_cast<int>(std::ceil(v.b0 - 0.5)), 0, L.coarse.height);
    r.i1 = std::clamp(static_cast<int>(std::floor(v.a1 - 0.5)) + 1, 0, L.coarse.width);
    r.j1 = std::clamp(static_cast<int>(std::floor(v.b1 - 0.5)) + 1, 0, L.coarse.height);
    return r;
}

DensityGrid resample(const DensityGrid& coarse, const GridSpec& output) {
    DensityGrid out;
    out.spec = output;
    out.values.assign(output.pixelCount(), 0.0f);
    const int cw = coarse.spec.width, ch = coarse.spec.height;
    if (cw <= 0 || ch <= 0) return out;
    for (int row = 0; row < output.height; ++row)
        for (int col = 0; col < output.width; ++col) {
            const Vec2d g = coarse.spec.toGrid(output.pixelCenter(col, row));
            const double u = g.x - 0.5, v = g.y - 0.5;  // cell centres at integers
            const int i0 = static_cast<int>(std::floor(u)), j0 = static_cast<int>(std::floor(v));
            if (i0 < -2 || j0 < -2 || i0 > cw + 1 || j0 > ch + 1) continue;  // outside the grid: no density
            out.at(col, row) = static_cast<float>(std::max(0.0, catmullRomAt(coarse, u, v)));
        }
    return out;
}

// ---------------------------------------------------------------- fixed-point bins

namespace {
constexpr double kUnitsForMaxWeight = 65536.0;
constexpr double kMaxUnits = 2147483648.0;
constexpr double kStreamHeadroom = 4.0;

double binScaleFor(double maxWeight, double totalWeight, size_t points) {
    if (!(maxWeight > 0.0)) return 1.0;
    return std::min(kUnitsForMaxWeight / maxWeight,
                    kMaxUnits / (kStreamHeadroom * (totalWeight + 2.0 * static_cast<double>(points))));
}

bool binScaleFits(double totalWeight, double scale, size_t points) {
    // A bin's true sum is at most the total weight plus 2 units of rounding per point.
    return totalWeight * scale + 2.0 * static_cast<double>(points) < kMaxUnits;
}
}  // namespace

void BinScale::reset(std::span<const HeatPoint> pts) {
    maxWeight_ = totalWeight_ = 0.0;
    for (const HeatPoint& p : pts) {
        maxWeight_ = std::max(maxWeight_, p.weight);
        totalWeight_ += p.weight;
    }
    scale_ = binScaleFor(maxWeight_, totalWeight_, pts.size());
}

bool BinScale::append(std::span<const HeatPoint> pts, size_t held) {
    if (pts.empty()) return true;
    double w = 0.0, total = totalWeight_;
    for (const HeatPoint& p : pts) {
        w = std::max(w, p.weight);
        total += p.weight;
    }
    if (maxWeight_ <= 0.0 || !binScaleFits(total, scale_, held + pts.size())) return false;
    maxWeight_ = std::max(maxWeight_, w);
    totalWeight_ = total;
    return true;
}

double positivePercentile(std::span<const float> values, double q) {
    std::vector<float> pos;
    pos.reserve(values.size());
    for (float v : values)
        if (v > 0.0f && std::isfinite(v)) pos.push_back(v);
    if (pos.empty()) return 0.0;
    q = std::clamp(q, 0.0, 1.0);
    const size_t idx =
        std::min(pos.size() - 1, static_cast<size_t>(std::floor(q * static_cast<double>(pos.size() - 1) + 0.5)));
    std::nth_element(pos.begin(), pos.begin() + static_cast<std::ptrdiff_t>(idx), pos.end());
    return pos[idx];
}

double positivePercentile(const DensityGrid& g, const CellRect& region, double q) {
    if (q <= 0.0 || region.empty()) return 0.0;
    std::vector<float> in;
    in.reserve(static_cast<size_t>(region.i1 - region.i0) * static_cast<size_t>(region.j1 - region.j0));
    for (int j = region.j0; j < region.j1; ++j)
        for (int i = region.i0; i < region.i1; ++i) in.push_back(g.at(i, j));
    return positivePercentile(in, q);
}

}  // namespace sandtable
