#pragma once
// The display aggregation behind the heatmap layer, chosen by device: on a hardware GPU
// the compute passes of HeatmapGpu, on software GL (Mesa llvmpipe, where a dispatch blocks
// the render thread until it is done and runs slower than plain vectorised loops) the CPU
// engine HeatAggregator on its worker thread. Both run one job at a time asynchronously:
// submit while idle, poll() in the upload phase until the job is done, then the result
// (a coarse density texture and the normalisation percentile) is the one drawn; the
// previous result is drawn until then. Needs a current GL 4.5 context.
#include <memory>
#include <span>
#include <string>

#include "engine/analysis/heat_agg.hpp"
#include "engine/gl/resources.hpp"

namespace sandtable {

class ShaderLibrary;

// GL_RENDERER of the current context names a software rasteriser (llvmpipe, softpipe,
// swrast, SwiftShader).
bool softwareRenderer();

class HeatEngine {
public:
    enum class Kind { Gpu, Cpu };
    // SANDTABLE_HEAT_ENGINE=cpu|gpu forces one (another non-empty value is ignored with a
    // warning); otherwise Cpu on software GL, else Gpu.
    static Kind preferred();
    static std::unique_ptr<HeatEngine> create(ShaderLibrary& shaders, Kind kind);
    virtual ~HeatEngine() = default;
    virtual Kind kind() const = 0;
    const char* name() const { return kind() == Kind::Gpu ? "gpu" : "cpu"; }

    // Points and bins (only while idle).
    virtual void setPoints(std::span<const HeatPoint> pts, Vec2d origin) = 0;
    virtual bool appendPoints(std::span<const HeatPoint> pts) = 0;  // false: call setPoints again
    virtual void truncate(size_t n) = 0;
    virtual size_t size() const = 0;
    using Normalise = HeatAggregator::Normalise;
    // Jobs: a full aggregation, or a convolution of the bins after binRange() updates.
    virtual void aggregate(const KernelSpec& k, const BinnedLayout& L, size_t first, size_t count, Normalise n) = 0;
    virtual void binRange(size_t first, size_t count, int sign) = 0;
    virtual void convolve(Normalise n) = 0;

    virtual bool busy() = 0;  // a job is in flight
    virtual bool poll() = 0;  // true once, when the job in flight has finished: its result is current
    virtual void wait() = 0;  // until the job in flight has finished (poll() then returns true)

    // The current result (of the last job poll() reported).
    virtual const gl::Texture& coarse() const = 0;
    virtual GridSpec coarseSpec() const = 0;
    virtual double percentile() const = 0;
    virtual double jobMs() const = 0;      // the job's own time where known (CPU), else submit-to-done
    virtual std::string plan() const = 0;  // the convolution used ("direct", "separable", ...)
};

}  // namespace sandtable
