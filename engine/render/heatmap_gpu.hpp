#pragma once
// The GPU kernel density engine behind the heatmap layer (needs a current GL 4.5 context).
//   points --(compute: linear binning, 32-bit fixed-point atomics)--> bins
//   bins   --(compute: kernel convolution, reduced grid, 4 cells/invocation)--> coarse density
// The layer then colourises the coarse grid for display. Exact path (exact(), export):
// gather of the exact kernel at pixel centres. Definitions and accuracy: docs/heatmap.md.
#include <span>
#include <utility>
#include <vector>

#include "engine/analysis/kde.hpp"
#include "engine/geo/camera.hpp"
#include "engine/gl/resources.hpp"

namespace sandtable {

class ShaderLibrary;

// The screen of a camera as a density grid (rotation included).
GridSpec gridForCamera(const Camera& cam);

// The GPU kernel density engine. Needs a current GL 4.5 context.
class HeatmapGpu {
public:
    explicit HeatmapGpu(ShaderLibrary& shaders) : shaders_(&shaders) {}

    // Replaces all points (stored origin-relative as float32 on the GPU).
    void setPoints(std::span<const HeatPoint> pts, Vec2d origin);
    // Forgets points [n, size()) (they are appended again after late points were inserted).
    void truncate(size_t n) { count_ = std::min(count_, n); }
    // Appends after the existing points; returns false when a weight is so much larger
    // than the previous maximum that the fixed-point scale must change (call
    // setPoints again with everything).
    bool appendPoints(std::span<const HeatPoint> pts);
    size_t size() const { return count_; }

    // Display path over points [first, first+count): clears the bins, bins, convolves.
    void aggregate(const KernelSpec& k, const BinnedLayout& L, size_t first, size_t count);
    // Incremental: adds (sign +1) or removes (sign -1) points in the current bins, then
    // call convolve(). Same layout and kernel as the last aggregate().
    void binRange(size_t first, size_t count, int sign);
    void convolve();
    // Swaps the coarse grid just computed into `front` (double buffering: the next
    // convolution writes the texture `front` held, while the caller draws this one).
    void takeResult(gl::Texture& front) { std::swap(coarse_, front); }
    const BinnedLayout& layout() const { return layout_; }
    DensityGrid readCoarse() const;  // the coarse grid, for normalisation and tests

    // Exact KDE at the pixel centres of grid (the export path). Points are given again so
    // that any subset (time window) can be exported; sorted into cells on the CPU.
    DensityGrid exact(std::span<const HeatPoint> pts, const GridSpec& grid, const KernelSpec& k);

private:
    ShaderLibrary* shaders_;
    gl::Buffer points_;  // vec4 per point
    size_t count_ = 0;
    size_t capacity_ = 0;  // points the buffer holds
    Vec2d origin_;
    BinScale scale_;  // fixed point of the bins, for all uploaded points
    gl::Buffer bins_, table_;
    int stride_ = 0;  // bin words per row (multiple of 4)
    gl::Texture coarse_;
    BinnedLayout layout_;
};

}  // namespace sandtable
