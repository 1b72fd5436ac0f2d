#pragma once
// Heatmap layer: kernel density of a point set (an OGR source such as complaints
// weighted by severity, or officers' positions pushed incrementally with time stamps),
// drawn as a colourised full-screen pass over the map.
//
// Display path, cost independent of points x radius^2 (docs/heatmap.md):
//   points --(linear binning, 32-bit fixed point)--> bins  --(convolution plan)--> coarse density
//   coarse --(fragment: Catmull-Rom, ramp)--> colour cache --(blit, opacity)--> screen
// The coarse grid is aligned to the world, not to the screen: it covers the view and a
// margin (where there is data) at a cell size chosen from the radius and the zoom, so a
// pan, or a zoom step that keeps the cell size, redraws from it (colour pass only); a pan
// by whole pixels only colours the strips it uncovers in the colour cache. Re-aggregation
// (view out of the margin, a new cell size, new data, time window, kernel) runs as a job of
// the display engine (HeatEngine: GPU compute with a fence on a hardware GPU, the CPU engine
// on its worker thread on software GL) while the previous grid is still drawn; a still
// (FrameState::complete) waits for it. The automatic maximum is taken when a job finishes,
// over the cells in the canvas, so it cannot change while panning over the same grid.
// Streamed points are added to (and points leaving the time window subtracted from) the
// existing bins. Exact path (export): a vectorised multi-threaded CPU scatter on software
// GL, the GPU gather (HeatmapGpu::exact) on a hardware GPU. Definitions and accuracy:
// docs/heatmap.md.
#include <functional>
#include <memory>
#include <optional>
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
#include "engine/render/heat_engine.hpp"
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
    int maxReduction = 1 << 20;               // largest coarse cell in screen pixels (no cap)
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

// Radius limits applied by the layer (kernelFor, so the display and the export): a radius
// under half a screen pixel is raised to it, one over kMaxRadiusScreenPx is lowered to it,
// silently (the settings keep the radius asked for).
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
    // Normalisation maximum of the last drawn frame (0 before the first): changes only when
    // an aggregation finishes.
    double displayMax() const { return displayMax_; }

    // Exact density at the pixel centres of grid for the current time window: on the GPU
    // when shaders is given and the GL is a hardware GPU's (a GL context must be current),
    // else by the multi-threaded CPU scatter (exactKdeFast). progress(done, total) is called
    // now and then during long CPU exports.
    DensityGrid computeExact(const GridSpec& grid, float pixelRatio, ShaderLibrary* shaders,
                             const std::function<void(size_t, size_t)>& progress = {}) const;
    // `sandtable-render --export-heatmap FILE.tif`: computeExact + float32 GeoTIFF in the
    // display CRS. Throws std::runtime_error / std::invalid_argument with the reason, as
    // "heatmap export 'PATH': reason".
    void exportGeoTiff(const std::string& path, const GridSpec& grid, float pixelRatio, ShaderLibrary* shaders,
                       const std::function<void(size_t, size_t)>& progress = {}) const;

    // The next upload aggregates everything again (bins cleared and rebuilt): benchmarks.
    void invalidate() {
        bins_.valid = false;
        dirty_ = true;
    }
    // The display engine (default HeatEngine::preferred(), chosen at the first upload).
    void setEngine(HeatEngine::Kind kind);
    const HeatEngine* engine() const { return engine_.get(); }
    // A job is in flight (the host should draw again soon).
    bool busy() const override { return inFlight_; }
    // A heatmap of a fixed point set draws from its colour cache: the same pixels for the
    // same camera until a colour pass. One over a time window or a feed changes with time.
    std::optional<uint64_t> drawRevision() const override {
        if (feed_ || streaming_ || settings_.windowMs > 0) return std::nullopt;
        return drawRevision_;
    }

    struct Timing {
        double aggregateMs = 0.0;  // the engine's time for the last finished job (bin + convolve + normalise)
        size_t pointsBinned = 0;
        bool incremental = false;
        double cellPx = 0.0;  // coarse cell size in screen pixels, of the grid drawn
        int radiusCells = 0;
        size_t cells = 0;             // coarse cells of the grid drawn
        size_t aggregations = 0;      // finished jobs (full or incremental)
        size_t fullAggregations = 0;  // of which full (bins cleared and rebuilt)
        size_t requests = 0;          // submitted jobs
        size_t colourPasses = 0;      // whole-canvas colour passes
        size_t colourStrips = 0;      // strips coloured after whole-pixel pans
        size_t interimPasses = 0;     // half-resolution passes during a zoom gesture (software GL)
        size_t colouredPixels = 0;    // pixels coloured by the last upload
        std::string plan;             // convolution plan of the last job
    };
    const Timing& timing() const { return timing_; }

private:
    struct AggKey {
        BinnedLayout layout;
        KernelSpec kernel;
        bool valid = false;
    };
    void ensureGpu(ShaderLibrary& shaders);
    void syncPoints();
    void submit();
    void adopt();
    void colorize(ShaderLibrary& shaders, const FrameState& frame);
    // Where a colour pass writes: the framebuffer of a texture (w x h texels) whose texel
    // for pixel (x, y) of `view` is ((x + shiftX) mod w, (y + shiftY) mod h).
    struct ColourTarget {
        GLuint fbo = 0;
        int w = 0, h = 0, shiftX = 0, shiftY = 0;
    };
    void colourRects(ShaderLibrary& shaders, const std::vector<PixelRect>& rects, const GridSpec& view,
                     const ColourTarget& target);
    void pollFeed();
    void recomputeBounds();

    MapContext ctx_;
    HeatmapSettings settings_;
    std::vector<HeatPoint> points_;  // display CRS, sorted by time
    BBox dataBounds_;                // of points_
    bool streaming_ = false;         // points are added (addPoints, a feed): the grid ignores dataBounds_
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
    // Engine state
    std::unique_ptr<HeatEngine> engine_;
    std::optional<HeatEngine::Kind> engineKind_;
    size_t uploaded_ = 0;         // points_ [0, uploaded_) are in the engine
    size_t lateFrom_ = SIZE_MAX;  // late points were inserted at this index
    bool reupload_ = true;
    bool dirty_ = true;  // data or settings changed since the bins were built
    AggKey bins_;        // what the engine's bins hold (the last job submitted)
    std::pair<size_t, size_t> binned_{0, 0};
    bool inFlight_ = false;  // a job submitted, not yet finished
    AggKey flight_;          // its layout and kernel
    std::pair<size_t, size_t> flightRange_{0, 0};
    bool flightIncremental_ = false;
    AggKey shown_;  // the grid drawn (the last finished job's)
    std::pair<size_t, size_t> shownRange_{0, 0};
    GridSpec view_;      // this frame's canvas as a grid (update)
    KernelSpec kernel_;  // this frame's kernel (update)
    bool showing_ = false;
    double displayMax_ = 0.0;
    gl::Texture ramp_;
    ColorRampId rampId_ = ColorRampId::Inferno;
    // The colourised density of the canvas, redrawn whole only when the grid drawn, the
    // normalisation, the ramp, the zoom, the rotation or the canvas changes, or after a pan
    // by a fraction of a pixel; a pan by whole pixels shifts it (texels are addressed modulo
    // the canvas size) and colours only the uncovered strips. draw() is one texel fetch per pixel.
    struct ColorKey {
        uint64_t aggregations = ~uint64_t{0};
        double max = 0;
        ColorRampId ramp = ColorRampId::Inferno;
        float fadeBelow = 0;
        int width = 0, height = 0;
        double resolution = 0, rotation = 0;
        bool operator==(const ColorKey&) const = default;
    };
    ColorKey colorKey_;
    Vec2d colorTopLeft_;                 // canvas top-left (world) when the cache was coloured whole
    int colorOffX_ = 0, colorOffY_ = 0;  // whole pixels the view has moved since (right, down)
    gl::Texture colorCache_;
    gl::Handle<gl::FramebufferTraits> colorFbo_;
    PixelRect gridRect_;  // canvas pixels over the grid drawn (this frame's view): colour pass and blit stop there
    // While a zoom gesture goes on (interactive frames, software GL, the view's scale
    // changed less than kGestureSettleSeconds and kGestureSettleFrames ago, engine/render/layer.hpp),
    // the canvas is coloured at half resolution
    // into `interim_` and drawn from it with bilinear filtering: a quarter of the pixels of
    // a full pass, which at 1080p on llvmpipe is ~20 ms a zoom step. The exact full pass
    // follows once the scale has settled or the view is dragged, and at once for a still.
    // While the map shows its canvas cache scaled instead (FrameState::canvasPreview), no
    // interim is coloured at all.
    gl::Texture interim_;
    gl::Handle<gl::FramebufferTraits> interimFbo_;
    bool showInterim_ = false;
    ColorKey interimKey_;
    Vec2d interimTopLeft_;
    double lastScale_ = 0, lastRotation_ = 0;
    double sinceScaleChange_ = 1e9;  // real seconds since the view's scale or rotation changed
    int framesSinceScaleChange_ = 1 << 30;
    gl::Texture rowTex_;  // the separable colour pass's rows (heatmap_color_rows.frag)
    gl::Handle<gl::FramebufferTraits> rowFbo_;
    gl::VertexArray vao_;
    Timing timing_;
    uint64_t drawRevision_ = 0;
    double drawMs_ = 0.0;
};

// Scene entry of type "heatmap" (docs/scene.md); throws SceneError naming the key.
HeatmapLayerConfig parseHeatmapLayerConfig(const SceneSpec& scene, const LayerSpec& spec);
LayerPtr makeHeatmapLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx);

}  // namespace sandtable
