#include "engine/render/heat_engine.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <string>

#include "engine/gl/shader.hpp"
#include "engine/render/heatmap_gpu.hpp"
#include "engine/util/log.hpp"

namespace sandtable {

bool softwareRenderer() {
    const auto* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
    if (!r) return false;
    std::string s(r);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* soft : {"llvmpipe", "softpipe", "swrast", "swiftshader", "software"})
        if (s.find(soft) != std::string::npos) return true;
    return false;
}

HeatEngine::Kind HeatEngine::preferred() {
    if (const char* e = std::getenv("SANDTABLE_HEAT_ENGINE")) {
        const std::string v(e);
        if (v == "cpu") return Kind::Cpu;
        if (v == "gpu") return Kind::Gpu;
        if (!v.empty())
            log::warn("SANDTABLE_HEAT_ENGINE='" + v + "' is not one of cpu, gpu: ignored (choosing by the renderer)");
    }
    return softwareRenderer() ? Kind::Cpu : Kind::Gpu;
}

namespace {

using SteadyClock = std::chrono::steady_clock;

// GPU: the passes are submitted at once; a fence says when they are done, and only then is
// the coarse grid read back (for the percentile) and swapped in, so a real GPU never
// stalls the frame. (On llvmpipe the dispatches themselves run to the end inside the GL
// calls: that is why software GL gets the CPU engine.)
class GpuEngine final : public HeatEngine {
public:
    explicit GpuEngine(ShaderLibrary& shaders) : gpu_(shaders) {}
    ~GpuEngine() override {
        if (fence_) glDeleteSync(fence_);
    }
    Kind kind() const override { return Kind::Gpu; }
    void setPoints(std::span<const HeatPoint> pts, Vec2d origin) override { gpu_.setPoints(pts, origin); }
    bool appendPoints(std::span<const HeatPoint> pts) override { return gpu_.appendPoints(pts); }
    void truncate(size_t n) override { gpu_.truncate(n); }
    size_t size() const override { return gpu_.size(); }
    void aggregate(const KernelSpec& k, const BinnedLayout& L, size_t first, size_t count, Normalise n) override {
        t0_ = SteadyClock::now();
        gpu_.aggregate(k, L, first, count);
        submitted(n);
    }
    void binRange(size_t first, size_t count, int sign) override { gpu_.binRange(first, count, sign); }
    void convolve(Normalise n) override {
        t0_ = SteadyClock::now();
        gpu_.convolve();
        submitted(n);
    }
    bool busy() override { return fence_ != nullptr; }
    bool poll() override {
        if (!done_) finish(0);
        const bool d = done_;
        done_ = false;
        return d;
    }
    void wait() override {
        while (fence_ && !finish(1000000000ull)) {}
    }
    const gl::Texture& coarse() const override { return front_; }
    GridSpec coarseSpec() const override { return spec_; }
    double percentile() const override { return percentile_; }
    double jobMs() const override { return ms_; }
    std::string plan() const override { return "direct (gpu)"; }

private:
    void submitted(Normalise n) {
        normalise_ = n;
        pendingSpec_ = gpu_.layout().coarse;
        if (fence_) glDeleteSync(fence_);
        fence_ = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
        glFlush();  // the fence must reach the GPU, or a zero-timeout poll never sees it
    }
    bool finish(GLuint64 timeoutNs) {
        if (!fence_) return false;
        const GLenum r = glClientWaitSync(fence_, GL_SYNC_FLUSH_COMMANDS_BIT, timeoutNs);
        if (r != GL_ALREADY_SIGNALED && r != GL_CONDITION_SATISFIED) return false;
        glDeleteSync(fence_);
        fence_ = nullptr;
        percentile_ = normalise_.q > 0.0 ? positivePercentile(gpu_.readCoarse(), normalise_.region, normalise_.q) : 0.0;
        gpu_.takeResult(front_);
        spec_ = pendingSpec_;
        ms_ = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0_).count();
        done_ = true;
        return true;
    }
    HeatmapGpu gpu_;
    gl::Texture front_;
    GridSpec spec_, pendingSpec_;
    GLsync fence_ = nullptr;
    bool done_ = false;  // finished, not yet reported by poll()
    Normalise normalise_;
    double percentile_ = 0.0, ms_ = 0.0;
    SteadyClock::time_point t0_;
};

// CPU: the job runs on the aggregator's worker; when it is done, the coarse grid is copied
// into the texture that the colour pass samples (a memcpy on software GL).
class CpuEngine final : public HeatEngine {
public:
    Kind kind() const override { return Kind::Cpu; }
    void setPoints(std::span<const HeatPoint> pts, Vec2d origin) override { agg_.setPoints(pts, origin); }
    bool appendPoints(std::span<const HeatPoint> pts) override { return agg_.appendPoints(pts); }
    void truncate(size_t n) override { agg_.truncate(n); }
    size_t size() const override { return agg_.size(); }
    void aggregate(const KernelSpec& k, const BinnedLayout& L, size_t first, size_t count, Normalise n) override {
        agg_.aggregate(k, L, first, count, n);
    }
    void binRange(size_t first, size_t count, int sign) override { agg_.binRange(first, count, sign); }
    void convolve(Normalise n) override { agg_.convolve(n); }
    bool busy() override { return agg_.busy(); }
    bool poll() override {
        if (!agg_.poll()) return false;
        const DensityGrid& c = agg_.result().coarse;
        spec_ = c.spec;
        if (!front_ || front_.width() != spec_.width || front_.height() != spec_.height) {
            front_ = gl::Texture::create2D(GL_R32F, std::max(1, spec_.width), std::max(1, spec_.height));
            front_.setFilter(GL_NEAREST, GL_NEAREST);
        }
        if (!c.values.empty()) {
            glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
            glTextureSubImage2D(front_.id(), 0, 0, 0, spec_.width, spec_.height, GL_RED, GL_FLOAT, c.values.data());
        }
        ST_GL_CHECK("HeatEngine(cpu)::poll");
        return true;
    }
    void wait() override { agg_.wait(); }
    const gl::Texture& coarse() const override { return front_; }
    GridSpec coarseSpec() const override { return spec_; }
    double percentile() const override { return agg_.result().percentile; }
    double jobMs() const override { return agg_.result().ms; }
    std::string plan() const override { return agg_.plan().name(); }

private:
    HeatAggregator agg_;
    gl::Texture front_;
    GridSpec spec_;
};

}  // namespace

std::unique_ptr<HeatEngine> HeatEngine::create(ShaderLibrary& shaders, Kind kind) {
    if (kind == Kind::Cpu) return std::make_unique<CpuEngine>();
    return std::make_unique<GpuEngine>(shaders);
}

}  // namespace sandtable
