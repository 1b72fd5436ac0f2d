#pragma once
// Kernel density estimation ("heatmap") on the CPU: the kernels with QGIS's definitions
// (src/analysis/raster/qgskde.cpp), the raster grid the density is evaluated on, the
// exact reference (kernel evaluated at every pixel centre) and a CPU twin of the GPU
// display path (linear binning + kernel convolution on a reduced grid + bilinear
// upsampling), so the approximation can be measured without a GPU.
// See docs/heatmap.md for the definitions and the differences to QGIS.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/clock.hpp"
#include "engine/util/math.hpp"

namespace sandtable {

// QGIS's five shapes plus a truncated Gaussian (QGIS has none; our convention, see below).
enum class KernelShape { Quartic, Triangular, Uniform, Triweight, Epanechnikov, Gaussian };
// Raw: sum of weight x kernel profile (1 at the centre). Scaled: each kernel integrates
// to 1 over its disc, so the sum is a density (weight per square display-CRS unit).
enum class KdeOutput { Raw, Scaled };

inline constexpr std::array<KernelShape, 6> kAllKernelShapes = {KernelShape::Quartic,      KernelShape::Triangular,
                                                                KernelShape::Uniform,      KernelShape::Triweight,
                                                                KernelShape::Epanechnikov, KernelShape::Gaussian};

const char* toString(KernelShape s);  // "quartic", "triangular", ...
const char* toString(KdeOutput o);    // "raw", "scaled"
// Case-insensitive; false when unknown.
bool parseKernelShape(std::string_view s, KernelShape& out);
bool parseKdeOutput(std::string_view s, KdeOutput& out);

// The Gaussian is truncated at the radius with sigma = radius / 3 (99% of the untruncated
// mass lies inside), and "scaled" renormalises the truncated disc to integrate to 1.
inline constexpr double kGaussianSigmasPerRadius = 3.0;

struct KernelSpec {
    KernelShape shape = KernelShape::Quartic;
    KdeOutput output = KdeOutput::Raw;
    double radius = 1.0;  // display-CRS units (the caller converts metres / pixels)
    double decay = 0.0;   // triangular only (QGIS's "decay ratio"), accepted range [0, 1]
    bool operator==(const KernelSpec&) const = default;
};

// Throws std::invalid_argument with a readable reason for a radius that is not finite
// and > 0, or a decay outside [0, 1].
void validate(const KernelSpec& k);

// value = scale * profile(distance / radius) for distance <= radius, 0 beyond; scale is
// 1 for raw output and the normalising constant for scaled. Split this way so shaders
// get the same numbers (kernelScale) and only evaluate the profile.
double kernelProfile(KernelShape shape, double u, double decay);  // u = d / r in [0, 1]
double kernelScale(const KernelSpec& k);
double kernelValue(const KernelSpec& k, double distance);

// One input point: display-CRS position, weight and (optional) time stamp.
struct HeatPoint {
    Vec2d pos;
    double weight = 1.0;
    TimeMs time = 0;
};

// Why input points were dropped (reported in stats and warnings, never silently).
struct HeatInputStats {
    size_t accepted = 0;
    size_t noCoordinates = 0;    // missing geometry, NaN or infinite coordinates
    size_t badWeight = 0;        // NaN or infinite weight (or a non-numeric attribute)
    size_t negativeWeight = 0;   // refused: a density cannot be negative
    size_t transformFailed = 0;  // the CRS transform failed
    size_t notPoint = 0;         // a line or polygon feature in a point source
    size_t dropped() const { return noCoordinates + badWeight + negativeWeight + transformFailed + notPoint; }
    HeatInputStats& operator+=(const HeatInputStats& o);
    std::string summary() const;  // "1000 points, 3 without coordinates, ..." (English)
};

// Removes points with non-finite coordinates, non-finite or negative weights, counting each.
HeatInputStats sanitize(std::vector<HeatPoint>& pts);

// A raster grid in the display CRS, possibly rotated (the display path uses the screen).
// Pixel (col,row), rows top to bottom like GDAL, covers the square whose top-left corner
// is topLeft + right*col*pixelSize - up*row*pixelSize, with right = (cos r, -sin r) and
// up = (sin r, cos r) (the Camera's rotation convention). Pixel centres are at +0.5.
struct GridSpec {
    Vec2d topLeft;
    double pixelSize = 1.0;
    double rotation = 0.0;
    int width = 0, height = 0;

    Vec2d pixelCenter(int col, int row) const { return toWorld(col + 0.5, row + 0.5); }
    Vec2d toWorld(double gx, double gy) const;  // continuous pixel coordinates -> world
    Vec2d toGrid(Vec2d world) const;            // world -> continuous pixel coordinates
    BBox bounds() const;
    size_t pixelCount() const { return static_cast<size_t>(width) * static_cast<size_t>(height); }
    // GDAL geotransform (rotation terms set when rotated).
    std::array<double, 6> geoTransform() const;
    // North-up grid covering box (extended to whole pixels, at least 1x1).
    static GridSpec covering(const BBox& box, double pixelSize);
};

struct DensityGrid {
    GridSpec spec;
    std::vector<float> values;  // width*height, rows top to bottom
    float& at(int col, int row) { return values[static_cast<size_t>(row) * spec.width + col]; }
    float at(int col, int row) const { return values[static_cast<size_t>(row) * spec.width + col]; }
    float maxValue() const;
};

// Exact KDE: every pixel centre sums weight * kernel(distance) over all points (double
// accumulation). The reference all other paths are tested against. Cost: points x
// (radius / pixelSize)^2. Throws std::invalid_argument for an invalid kernel or a radius
// over kMaxRadiusPixels pixels.
inline constexpr double kMaxRadiusPixels = 2048.0;
// The radius in pixels of grid for the exact paths (exactKde, exactKdeFast, the GPU gather),
// after validate(k); throws std::invalid_argument when it is over kMaxRadiusPixels.
double exactRadiusPixels(const KernelSpec& k, const GridSpec& grid);
DensityGrid exactKde(std::span<const HeatPoint> pts, const GridSpec& grid, const KernelSpec& k);
// The same exact KDE as a vectorised, multi-threaded scatter in float32 (the export path on
// machines without a real GPU; within ~1e-5 of the maximum of exactKde): points sorted by
// row, bands of rows shared out to `threads` threads (0: every core), each point's disc
// rows bounded in double so that the rim is exactly exactKde's, the kernel evaluated on
// whole row spans. progress(rows done, rows) is called from the calling thread.
DensityGrid exactKdeFast(std::span<const HeatPoint> pts, const GridSpec& grid, const KernelSpec& k, int threads = 0,
                         const std::function<void(size_t, size_t)>& progress = {});

// The display path's parameters: the density is computed on a grid `factor` times
// coarser than the output and upsampled with Catmull-Rom cubics. chooseReduction picks the largest
// factor that keeps at least minRadiusCells coarse cells in the radius (error within ~1%
// of the max for the continuous kernels, see docs/heatmap.md). The uniform kernel is
// discontinuous, so reducing would smear its rim over a coarse cell: it gets factor 1.
inline constexpr int kCoarseBorder = 2;  // coarse cells around the output (cubic upsampling taps)
struct BinnedLayout {
    GridSpec coarse;      // conv output grid: output grid reduced, with kCoarseBorder cells each side
    int factor = 1;       // output pixels per coarse cell
    int radiusCells = 0;  // kernel half-width in coarse cells (ceil of radius / coarse pixel)
    int margin = 0;       // bin grid border around `coarse`: radiusCells + 1 rounded up to a multiple of 4
    int binWidth() const { return coarse.width + 2 * margin; }
    int binHeight() const { return coarse.height + 2 * margin; }
    GridSpec bins() const;  // the bin grid (coarse grid grown by margin cells)
};
inline constexpr double kMinRadiusCells = 10.0;
inline constexpr int kMaxReduction = 8;
BinnedLayout chooseReduction(const GridSpec& output, const KernelSpec& k, double minRadiusCells = kMinRadiusCells,
                             int maxFactor = kMaxReduction);
// Kernel weights of the convolution, (2R+1)^2 row-major, R = layout.radiusCells.
std::vector<float> convolutionTable(const BinnedLayout& layout, const KernelSpec& k);

// The layer's display grid, aligned to the world rather than to the screen: square cells
// of worldCellSize() display units on a lattice anchored at `anchor` (axes in the view's
// rotation), covering the view grown by `margin` (a fraction of the view's size on every
// side) wherever there is data (dataBounds grown by the radius), snapped outwards to whole
// `snapCells` blocks and bordered by kCoarseBorder cells for the cubic taps. A pan, or a zoom
// step that keeps the cell size, redraws from the same grid while layoutCovers() holds.
struct WorldGridOptions {
    double minRadiusCells = kMinRadiusCells;
    int maxReduction = 1 << 20;  // cell size at most this many screen pixels (no cap by default)
    double margin = 0.5;         // of the view's width/height, each side
    size_t maxCells = 4u << 20;  // the margin shrinks so that the grid stays under this
    int snapCells = 16;
};
// Cell size: radius / minRadiusCells (x1.5 for the Gaussian) when that is at least a screen
// pixel, so it does not depend on the zoom for a radius in metres; otherwise raised in
// steps of 2^(1/4) to the first size of at least a pixel (no finer than the screen). The
// uniform kernel (discontinuous) gets exactly one screen pixel, never reduced.
double worldCellSize(const KernelSpec& k, double pixelSize, double minRadiusCells, int maxReduction);
BinnedLayout worldLayout(const GridSpec& view, const KernelSpec& k, const BBox& dataBounds, Vec2d anchor,
                         const WorldGridOptions& opts = {});
// Whether the grid of L holds every cell the view needs (the part of the view within the
// radius of dataBounds, with the cubic taps' border): then no re-aggregation is needed.
bool layoutCovers(const BinnedLayout& L, const GridSpec& view, const KernelSpec& k, const BBox& dataBounds);
// The cells of L's coarse grid whose centres lie in the view (for the normalisation):
// [i0, i1) x [j0, j1), clamped to the grid.
struct CellRect {
    int i0 = 0, j0 = 0, i1 = 0, j1 = 0;
    bool empty() const { return i1 <= i0 || j1 <= j0; }
};
CellRect cellsInView(const BinnedLayout& L, const GridSpec& view);
// Catmull-Rom interpolation of a coarse grid at the pixel centres of any output grid
// (rotation included): the CPU twin of heatmap_color.frag for world-aligned grids.
DensityGrid resample(const DensityGrid& coarse, const GridSpec& output);

// Fixed-point scale of the display bins (32-bit sums), with the weights it was chosen for;
// the GPU and CPU engines both keep one. reset() chooses it for a whole point set: 2^16
// units for the largest weight, lowered so that 4 x (total weight x scale + 2 units of
// rounding per point) stays under 2^31. append() accounts for streamed points while every
// bin sum still fits under 2^31 at the current scale (bounded by the total weight of all
// points plus the rounding, at most 2 units per point over its 4 deposits); it returns
// false and changes nothing when they do not, or when no positive weight has set a scale
// yet: then reset() with every point.
class BinScale {
public:
    void reset(std::span<const HeatPoint> pts);
    // `held`: points the engine holds before these.
    bool append(std::span<const HeatPoint> pts, size_t held);
    double scale() const { return scale_; }

private:
    double maxWeight_ = 0.0;
    double totalWeight_ = 0.0;  // of every point accounted for (bounds every bin sum)
    double scale_ = 1.0;        // fixed-point units per unit of weight
};

// CPU twin of the GPU display path (same layout and maths, double precision).
DensityGrid binnedKde(std::span<const HeatPoint> pts, const GridSpec& output, const KernelSpec& k,
                      const BinnedLayout& layout);
// Catmull-Rom upsampling of the coarse grid to the output (the fragment shader does the same).
DensityGrid upsample(const DensityGrid& coarse, const BinnedLayout& layout, const GridSpec& output);

// The q-quantile (0..1) of the strictly positive values; 0 when there are none.
double positivePercentile(std::span<const float> values, double q);
// The same over the cells of `region` in g (the auto normalisation of the view's cells,
// both display engines); 0 when q <= 0 or the region is empty.
double positivePercentile(const DensityGrid& g, const CellRect& region, double q);

}  // namespace sandtable
