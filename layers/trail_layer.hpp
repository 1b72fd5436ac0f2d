#pragma once
// Officer trails (scene type "trails"): each officer's track over the last `trail`
// seconds before the frame time, fading with age, coloured by squad, status or speed,
// broken where the officer went silent or the fix jumped faster than anyone moves; the
// selected officer's whole day (Shanghai time) drawn over the rest. One instance per
// segment (trail.vert); the frame time is a uniform, so a replay playing forward needs no
// buffer update until the time leaves the window the buffer holds.
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "engine/data/scene.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/gl/resources.hpp"
#include "engine/render/layer.hpp"
#include "layers/officer_focus.hpp"

namespace sandtable {

struct TrailLayerOptions {
    enum class ColorBy { Squad, Status, Speed };
    ColorBy colorBy = ColorBy::Squad;
    double trailSeconds = 15 * 60;
    float widthPx = 2.5f, selectedWidthPx = 4.5f;
    double maxGapSeconds = 120;  // a silence longer than this breaks the trail
    double maxSpeedMps = 40;     // a jump faster than this (GPS error) breaks it too
    double simplifyM = 3;        // a fix closer than this to the last kept one is skipped,
    double simplifyPx = 2;       // ... or closer than this many pixels at the view's zoom step,
                                 // so zoomed out the drawn vertices stay bounded (per officer at
                                 // most its trail's length / the tolerance)
    // Speed classes (m/s): below the first "on foot", below the second "cycling", else "vehicle".
    double walkMps = 2.0, rideMps = 7.0;
};

TrailLayerOptions parseTrailLayerOptions(const JsonReader& r);
LayerPtr makeTrailLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx);

// One segment on the GPU (28 bytes).
struct TrailSegment {
    float x0, y0, x1, y1;  // display CRS minus MapContext::origin
    float t0, t1;          // seconds relative to the layer's epoch
    uint8_t squad, status, flags, speedClass;
};

class TrailLayer final : public Layer {
public:
    TrailLayer(std::string id, I18nText title, const MapContext& ctx, TrailLayerOptions opts);
    ~TrailLayer() override;

    void setFeed(std::shared_ptr<FeedPipeline> feed) { feed_ = std::move(feed); }
    // The officer markers' focus: the selection (its day is drawn) and the filters.
    void setFocus(std::shared_ptr<OfficerFocus> f) { focus_ = std::move(f); }
    TrailLayerOptions& options() { return opts_; }

    void update(const FrameState& frame) override;
    void upload(UploadContext& ctx) override;
    void draw(const RenderContext& ctx) override;
    bool legend(LegendBlock& block) const override;
    LayerStats stats() const override;

    // What the last build kept and broke (tests, --stats).
    struct BuildStats {
        size_t segments = 0, fixes = 0, simplified = 0, gapBreaks = 0, jumpBreaks = 0, selectedSegments = 0;
        size_t ranges = 0;        // officers' runs of segments (each culled by its bounding box)
        TimeMs from = 0, to = 0;  // the window the buffer holds
        double toleranceM = 0;    // the simplification distance it was built with
    };
    // The simplification distance at a resolution (m/px): simplifyPx pixels of the
    // resolution rounded up to a power of two (a zoom step), at least simplifyM.
    double toleranceAt(double resolution) const;
    const BuildStats& buildStats() const { return built_; }
    // Segments the last draw submitted: only officers whose trail's box meets the view.
    size_t drawnSegments() const { return drawnSegments_; }
    // Times the trails were drawn into the canvas cache (the other frames blit it).
    size_t cacheRenders() const { return cacheRenders_; }
    const std::vector<TrailSegment>& segments() const { return segments_; }
    TimeMs epoch() const { return epoch_; }

    // Builds landed since the layer was made (each walks the tracks in the window).
    size_t builds() const { return builds_; }

private:
    // Each officer's segments are contiguous: its run and the run's box (origin-relative),
    // so a draw skips the trails outside the view (llvmpipe runs the vertex shader of every
    // instance submitted, on one thread).
    struct Range {
        uint32_t first = 0, count = 0;
        float minX = 0, minY = 0, maxX = 0, maxY = 0;
    };
    struct Built {
        std::vector<TrailSegment> segments;
        std::vector<Range> ranges;
        BuildStats stats;
    };
    // The trails of every officer in the window around `at` (on a worker thread: reads
    // only its arguments, ctx_, epoch_ and toDisplay_, which no other thread uses).
    Built build(const TrackView& tv, const std::string& selectedId, const TrailLayerOptions& opts, TimeMs at,
                double toleranceM) const;
    void adopt(Built b);
    void drawSegments(ShaderLibrary& shaders, const Camera& cam, const Mat4f& viewProjection, int width, int height,
                      float pixelRatio, TimeMs time);

    MapContext ctx_;
    TrailLayerOptions opts_;
    std::unique_ptr<Transformer> toDisplay_;
    std::shared_ptr<FeedPipeline> feed_;
    std::shared_ptr<OfficerFocus> focus_;
    std::shared_ptr<const TrackView> builtFrom_;
    uint64_t focusVersion_ = 0;
    std::string builtSelection_;
    TimeMs epoch_ = 0, now_ = 0;
    bool epochSet_ = false;
    double sinceBuild_ = 1e9;  // real seconds since the last rebuild
    BuildStats built_;
    std::vector<TrailSegment> segments_;
    std::vector<Range> ranges_, gpuRanges_;
    size_t drawnSegments_ = 0;
    bool dirty_ = false;
    size_t gpuCount_ = 0;
    gl::Buffer buffer_;
    gl::VertexArray vao_;
    // The trails are drawn into a canvas-sized texture (premultiplied alpha) in the upload
    // phase and blitted by draw(): redrawn when the view, the style, the focus or the
    // segments change, when the frame time has moved a second (the cut at "now" and the
    // fade; new fixes are taken once a second anyway) and for every still. A live wall
    // then pays one blit a frame for what cost 40-60 ms at 2,000 officers with 15-minute
    // trails on llvmpipe (78,000 small blended triangles).
    struct CacheKey {
        Vec2d center;
        double resolution = 0, rotation = 0;
        int width = 0, height = 0;
        float pixelRatio = 0, opacity = -1, widthPx = 0, selectedWidthPx = 0;
        double trailSeconds = 0;
        TrailLayerOptions::ColorBy colorBy = TrailLayerOptions::ColorBy::Squad;
        uint32_t squadMask = 0, statusMask = 0;
        uint64_t uploads = 0;
        bool operator==(const CacheKey&) const = default;
    };
    static constexpr TimeMs kCacheRefreshMs = 1000;
    CacheKey cacheKey_;
    TimeMs cacheTime_ = 0;
    uint64_t uploads_ = 0;
    size_t cacheRenders_ = 0;
    bool cacheShown_ = false;
    gl::Texture cache_;
    gl::Handle<gl::FramebufferTraits> cacheFbo_;
    size_t builds_ = 0;
    std::future<Built> job_;  // the build in flight (last: it finishes before the members it reads go)
    std::vector<float> statusPalette_, squadPalette_, speedPalette_;
};

}  // namespace sandtable
