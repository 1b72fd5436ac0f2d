#pragma once
// Heatmap layer: kernel density of a point set (an OGR source such as complaints
// weighted by severity, or officers' positions pushed incrementally with time stamps),
// drawn as a colourised full-screen pass over the map.
//
// GPU display path (HeatmapGpu::aggregate), cost independent of points x radius^2:
//   points --(compute: linear binning, 32-bit fixed-point atomics)--> bins
//   bins   --(compute: kernel convolution, reduced grid, 4 cells/invocation)--> coarse density
//   coarse --(fragment: Catmull-Rom upsampling, ramp, opacity)-----> screen
// Re-aggregated only when data, time window, kernel or view change; streamed points are
// added to (and points leaving the time window subtracted from) the existing bins.
// Exact path (HeatmapGpu::exact, export): gather of the exact kernel at pixel centres.
// Definitions and accuracy: docs/heatmap.md.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/analysis/color_ramps.hpp"
#include "engine/analysis/heat_io.hpp"
#include "engine/analysis/kde.hpp"
#include "engine/data/scene.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/geo/projection.hpp"
#include "engine/gl/resources.hpp"
#include "engine/render/heatmap_gpu.hpp"
#include "engine/render/layer.hpp"

namespace sandtable {

class ShaderLibrary;

enum class RadiusUnit { Metres, Pixels };  // metres: stable across zoom; pixels: UI px (x pixelRatio)
enum class Normalisation { Auto, Fixed };  // auto: a percentile of the visible nonzero density

struct HeatmapSettings {
    KernelShape kernel = KernelShape::Quartic;
    double radius = 300.0;
    RadiusUnit radiusUnit = RadiusUnit::Metres;
    KdeOutput output = KdeOutput::Raw;
    double decay = 0.0;  // triangular only, [0, 1]
    ColorRampId ramp = ColorRampId::Inferno;
    Normalisation normalisation = Normalisation::Auto;
    double percentile = 0.99;                 // auto: this quantile of the visible nonzero density
    double fixedMax = 1.0;                    // fixed: density shown at the top of the ramp
    float fadeBelow = 0.05f;                  // alpha ramps up over [0, fadeBelow] of the ramp
    TimeMs windowMs = 0;                      // > 0: only points with time in (now - windowMs, now]
    double minRadiusCells = kMinRadiusCells;  // display accuracy vs speed (see kde.hpp)
    int maxReduction = kMaxReduction;
    bool operator==(const HeatmapSettings&) const = default;
};

// What the scene loader fills in (layer type "heatmap").
struct HeatmapLayerConfig {
    std::string id = "heatmap";
    I18nText title{"heatmap", "heatmap"};  // the scene gives the title
    HeatmapSettings settings;
    OgrPointSource source;  // path empty: no file; points come from setPoints/addPoints
    // Scene "source": {"feed": "presence"}: officers' position history from the live feed
    // (attachFeed calls setFeed); the time window then follows the clock.
    bool presenceFeed = false;
    float opacity = 0.8f;
    // The legend shows density x this (e.g. 1e6: scaled output per m^2 -> per km^2, with
    // the unit in the layer title), so the numbers on the wall mean something.
    double legendScale = 1.0;
};

// Radius limits applied by the layer (display path): a radius under half a screen pixel
// is raised to it, one over kMaxRadiusScreenPx is lowered to it; both add a warning.
inline constexpr double kMinRadiusScreenPx = 0.5;
inline constexpr double kMaxRadiusScreenPx = 1024.0;

class HeatmapLayer final : public Layer {
public:
    // Reads cfg.source when it has a path (throws std::runtime_error if it cannot).
    HeatmapLayer(const MapContext& ctx, HeatmapLayerConfig cfg);
    ~HeatmapLayer() override;

    void update(const FrameState& frame) override;
    void upload(UploadContext& ctx) override;
    void draw(const RenderContext& ctx) override;
    void drawUi(Language lang) override;
    bool legend(LegendBlock& out) const override;
    LayerStats stats() const override;

    // Data. Bad points are skipped and counted (inputStats, warnings). Added points are
    // streamed to the GPU incrementally; late ones (older than the newest point) are
    // merged in time order and only the GPU copy after the first of them is re-sent.
    void setPoints(std::vector<HeatPoint> pts);
    void addPoints(std::span<const HeatPoint> pts);
    // Live presence: every frame, the position fixes that reached the feed since the last
    // frame are added (display CRS, weight 1, time = the fix's time). Null detaches.
    void setFeed(std::shared_ptr<FeedPipeline> feed);
    bool wantsPresenceFeed() const { return presenceFeed_; }
    const HeatInputStats& inputStats() const { return input_; }
    size_t pointCount() const { return points_.size(); }

    const HeatmapSettings& settings() const { return settings_; }
    void setSettings(const HeatmapSettings& s);

    // The kernel at a resolution (display units per pixel): the radius converted to display
    // units and clamped (see above).
    KernelSpec kernelFor(double resolution, float pixelRatio) const;
    // The indices of the points inside the time window at time t.
    std::pair<size_t, size_t> windowRange(TimeMs t) const;
    // Normalisation maximum of the last drawn frame (0 before the first).
    double displayMax() const { return displayMax_; }

    // Exact density at the pixel centres of grid for the current time window, on the GPU
    // when shaders is given (a GL context must be current), else on the CPU.
    DensityGrid computeExact(const GridSpec& grid, float pixelRatio, ShaderLibrary* shaders) const;
    // `sandtable-render --export-heatmap FILE.tif`: computeExact + float32 GeoTIFF in the
    // display CRS. Throws std::runtime_error / std::invalid_argument with the reason.
    void exportGeoTiff(const std::string& path, const GridSpec& grid, float pixelRatio, ShaderLibrary* shaders) const;

    struct Timing {
        double aggregateMs = 0.0;  // bin + convolve + normalise of the last re-aggregation
        size_t pointsBinned = 0;
        bool incremental = false;
        int factor = 1, radiusCells = 0;
        size_t aggregations = 0;
    };
    const Timing& timing() const { return timing_; }

private:
    struct AggKey {
        GridSpec grid;
        KernelSpec kernel;
        double minCells = 0;
        int maxRed = 0;
        bool sameLayout(const AggKey& o) const;
    };
    void ensureGpu(ShaderLibrary& shaders);
    void uploadPoints();
    void aggregate();
    void colorize(ShaderLibrary& shaders);
    void pollFeed();

    MapContext ctx_;
    HeatmapSettings settings_;
    std::vector<HeatPoint> points_;  // display CRS, sorted by time
    HeatInputStats input_;
    std::unique_ptr<Transformer> toWgs84_;
    double metresPerUnit_ = 1.0;  // at the data centre (for metre radii)
    TimeMs now_ = 0;
    std::pair<size_t, size_t> range_{0, 0};  // wanted this frame
    double loadMs_ = 0.0;

    // Live presence feed
    bool presenceFeed_ = false;
    double legendScale_ = 1.0;
    std::shared_ptr<FeedPipeline> feed_;
    std::unique_ptr<Transformer> toDisplay_;
    bool haveFeedSnapshot_ = false;
    uint64_t feedVersion_ = 0;
    struct Seen {
        TimeMs t = 0;
        uint32_t fixes = 0;
    };
    std::vector<Seen> seen_;  // per feed slot: newest fix added, fixes counted

    static constexpr size_t kPruneMinPoints = 50000;
    size_t pruned_ = 0;  // times expired points were dropped
    // GPU state
    std::unique_ptr<HeatmapGpu> gpu_;
    size_t uploaded_ = 0;         // points_ [0, uploaded_) are on the GPU
    size_t lateFrom_ = SIZE_MAX;  // late points were inserted at this index
    bool reupload_ = true;
    bool haveAgg_ = false;
    AggKey aggKey_;  // of the aggregation on the GPU
    AggKey wanted_;  // this frame's (set by update)
    bool showing_ = false;
    std::pair<size_t, size_t> binned_{0, 0};
    bool dirty_ = true;
    double displayMax_ = 0.0;
    gl::Texture ramp_;
    ColorRampId rampId_ = ColorRampId::Inferno;
    // The colourised density at screen resolution, redrawn only when the aggregation,
    // the normalisation, the ramp or the viewport changes; otherwise each frame is one
    // texel fetch per pixel (the Catmull-Rom colour pass costs ~30 ms at 1080p on llvmpipe).
    struct ColorKey {
        uint64_t aggregations = ~uint64_t{0};
        double max = 0;
        ColorRampId ramp = ColorRampId::Inferno;
        float fadeBelow = 0;
        int width = 0, height = 0;
        bool operator==(const ColorKey&) const = default;
    };
    ColorKey colorKey_;
    gl::Texture colorCache_;
    gl::Handle<gl::FramebufferTraits> colorFbo_;
    gl::VertexArray vao_;
    Timing timing_;
    double drawMs_ = 0.0;
    std::vector<std::string> radiusWarnings_;
};

// Scene entry of type "heatmap" (docs/scene.md); throws SceneError naming the key.
HeatmapLayerConfig parseHeatmapLayerConfig(const SceneSpec& scene, const LayerSpec& spec);
LayerPtr makeHeatmapLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx);

}  // namespace sandtable
