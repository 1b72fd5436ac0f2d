#pragma once
// The one layer interface every map layer implements (map data, rasters, officers,
// heatmap, trajectories, squad indicators, decorations). Life cycle, after deck.gl and
// MapLibre, driven by Map (engine/render/map.hpp) for one frame of one canvas:
//
//   construct   load, CPU (a scene entry's config is parsed in the layer's own file)
//   update      CPU work for the frame: time window, style, visibility, what changed
//   upload      GPU side of the frame, once per canvas: transfers of what changed, compute
//               passes, readbacks (e.g. the heatmap's normalisation); GL allowed, no drawing
//               into the host's framebuffer
//   overlay     canvas-space marks (incidents, the legend, the scale bar) and label
//               candidates, queued once per frame in canvas pixels
//   draw        GL draw calls only, for one rectangle of the canvas (a window, a wall
//               tile, a print band); may run several times per frame; sets all the GL
//               state it relies on and reads nothing back
//   drawUi      its ImGui panel section (interactive hosts only; in the layer's *_panel.cpp)
//
// Destruction finalises: members are RAII, GL objects included.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/squads.hpp"
#include "engine/geo/camera.hpp"
#include "engine/util/clock.hpp"
#include "engine/util/i18n_text.hpp"
#include "engine/util/math.hpp"

namespace sandtable {

class ShaderLibrary;
class Painter;
class LabelSet;
class Transformer;
struct LegendBlock;

// A rectangle of the canvas, in canvas pixels (origin top-left).
struct PixelRect {
    int x = 0, y = 0, width = 0, height = 0;
    bool operator==(const PixelRect&) const = default;
};

// A zoom gesture on an interactive frame: the view's scale or rotation changed less than
// this long and this many frames ago, and the view has not been dragged since. Layers and
// the map show cheaper previews of what a zoom step changes meanwhile (the heatmap's
// half-resolution interim, the map's scaled canvas cache) on software GL; the exact pixels
// follow once it settles.
inline constexpr double kGestureSettleSeconds = 0.25;
inline constexpr int kGestureSettleFrames = 8;  // for hosts that give no frame time

// Describes the frame: one instant, one canvas (read-only for layers).
struct FrameState {
    const Camera* camera = nullptr;  // the whole canvas (its width/height are the canvas size)
    TimeMs time = 0;                 // frame time, from the host's time controller
    double dtSeconds = 0.0;          // real time since the previous frame
    uint64_t frameIndex = 0;
    Language language = Language::Chinese;
    // Web-map zoom of the view as a viewer perceives it: resolution scaled to a 1080-pixel
    // screen, so a 4K render of the same area has the same zoom (set by Map::prepare).
    double zoom = 0.0;
    float pixelRatio = 1.0f;  // UI scale: 1 at 1080p, 2 at 4K (every size in px scales by it)
    // Set by hosts that render one still (headless render, exports, tests): layers that
    // load data in the background wait for what this frame needs before drawing.
    bool complete = false;
    // What the frame's time is (the banner says it): a still of a moment, live, or a replay
    // at a speed (paused or playing).
    enum class TimeMode { Still, Live, Replay };
    TimeMode timeMode = TimeMode::Still;
    double speed = 1.0;
    bool paused = false;
    // Canvas pixels along the bottom edge the host keeps for itself (the wall's status
    // strip): map furniture stands above it.
    float insetBottom = 0;
    // A wall read from afar: furniture (the legend) uses its compact metrics, the type at
    // the smallest size a wall allows rather than a desk's.
    bool wall = false;
    // The legend of the visible layers, gathered by the map during prepare (decorations).
    const std::vector<LegendBlock>* legend = nullptr;
    // Set by the map for the layers of its canvas cache while it shows them as a scaled
    // image of their last whole draw (Map::zoomPreview): their draw() is not called this
    // frame, so a layer may skip the work that only draw() would show (the heatmap skips
    // its interim colouring); what decides its drawRevision must still be kept up.
    bool canvasPreview = false;
};

// What upload() gets: the GL resources a layer may need to prepare its GPU state.
struct UploadContext {
    const FrameState& frame;
    ShaderLibrary& shaders;
};

// What draw() gets: only what drawing one rectangle of the canvas needs.
struct RenderContext {
    const Camera* camera = nullptr;  // the camera of this rectangle (same resolution and rotation)
    Mat4f viewProjection;            // (world - origin) -> clip space of this rectangle
    PixelRect viewport;              // the drawn rectangle (grown by seam margins), canvas pixels;
                                     // GL's viewport is this rectangle (its part outside the
                                     // framebuffer is clipped away)
    PixelRect target;                // the rectangle the framebuffer holds, canvas pixels
    int canvasWidth = 0, canvasHeight = 0;
    float pixelRatio = 1.0f;
    ShaderLibrary* shaders = nullptr;
    TimeMs time = 0;
};

// Layer-independent scene context given to constructors.
struct MapContext {
    std::string displayCrs;    // every layer's geometry ends up in this CRS
    Vec2d origin;              // vertices are stored relative to this (float32 precision)
    double refLatitude = 0.0;  // for zoom <-> resolution
    // The scene's squads (sceneSquads): the feed's squad indexes point into it; the officer
    // and trail layers take their squad colours and names from it.
    SquadCatalogue squads = SquadCatalogue::builtIn();
};

// A legend block a layer contributes; the decorations overlay lays them out.
struct LegendEntry {
    enum class Kind { Fill, Line, Marker };
    Kind kind = Kind::Fill;
    Color color;
    Color outline;
    I18nText label;
    uint8_t shape = 0;     // markers: MarkShape (engine/render/painter.hpp), 0 = circle
    bool hatched = false;  // fills: drawn with the hatching that marks them on the map
    float width = 0;       // Line: the stroke's width in px (0: the legend's default)
};
struct LegendRamp {            // a continuous colour ramp with real values at its ends
    std::vector<Color> stops;  // evenly spaced, low to high
    std::string lowLabel, highLabel;
};
struct LegendBlock {
    I18nText title;
    std::vector<LegendEntry> entries;
    std::vector<LegendRamp> ramps;
};

struct LayerStats {
    std::string id;
    size_t features = 0;
    size_t vertices = 0;
    double loadMs = 0.0;
    double drawMs = 0.0;  // CPU time of the last update+upload+overlay+draw
    std::vector<std::string> warnings;
};

class Layer {
public:
    Layer(std::string id, I18nText title) : id_(std::move(id)), title_(std::move(title)) {}
    virtual ~Layer() = default;
    Layer(const Layer&) = delete;
    Layer& operator=(const Layer&) = delete;

    // CPU work for this frame: evaluate style, time window, visibility.
    virtual void update(const FrameState& frame) = 0;
    // GPU preparation for this frame (transfers, compute, readbacks); once per canvas.
    virtual void upload(UploadContext&) {}
    // Canvas-space marks, queued once per frame (canvas pixels, after the map layers).
    virtual void overlay(const FrameState&, Painter&) {}
    // GL draw calls only, for one rectangle of the prepared canvas.
    virtual void draw(const RenderContext& ctx) = 0;
    // Whether the map may keep this layer's pixels between frames (Map::cacheCanvas): a
    // layer whose draw() shows the same for the same camera, and under a pan by whole
    // pixels the same pixels shifted, returns a number that changes whenever anything else
    // in what it draws changes (data, style, a new aggregation, a tile arriving; visibility
    // and opacity are the map's to watch). nullopt, the default: what it draws depends on
    // the frame's time or changes every frame.
    virtual std::optional<uint64_t> drawRevision() const { return std::nullopt; }
    // Its ImGui panel section, if any (interactive hosts only).
    virtual void drawUi(Language) {}
    // Labels this layer wants placed this frame (collision handled across layers, in
    // canvas pixels, so that every tile of a canvas shows the same labels).
    virtual void collectLabels(const FrameState&, LabelSet&) {}
    // Legend block for the decorations overlay, if any.
    virtual bool legend(LegendBlock&) const { return false; }
    // A click (no drag) on the map at canvas pixel `screen`; `modifier` is Ctrl held.
    // Returns true when the layer consumed it (layers are asked top-down).
    virtual bool handleClick(const Camera&, Vec2d /*screen*/, bool /*modifier*/) { return false; }
    // The id of what the operator selected in this layer (e.g. an officer), if anything.
    virtual std::string selection() const { return {}; }
    // Work in flight (tiles loading): the host should draw again soon even if nothing else
    // changed.
    virtual bool busy() const { return false; }
    // A place the operator asked the map to show (an alert clicked in the layer's panel):
    // the host flies the camera there and clears it. `resolution` 0 keeps the zoom.
    struct ViewRequest {
        Vec2d center;  // display CRS
        double resolution = 0;
    };
    virtual std::optional<ViewRequest> takeViewRequest() { return std::nullopt; }
    // A display-CRS point the camera should follow (follow mode), if any.
    virtual std::optional<Vec2d> followTarget() const { return std::nullopt; }
    // Counters for --stats and the UI.
    virtual LayerStats stats() const {
        LayerStats s;
        s.id = id_;
        s.warnings = warnings_;
        return s;
    }

    const std::string& id() const { return id_; }
    const I18nText& title() const { return title_; }
    bool visible = true;
    float opacity = 1.0f;
    bool showInLegend = true;  // the scene's "legend": false keeps a background layer out of it
    const std::vector<std::string>& warnings() const { return warnings_; }

protected:
    void warn(std::string w) { warnings_.push_back(std::move(w)); }
    std::string id_;
    I18nText title_;
    std::vector<std::string> warnings_;
};

using LayerPtr = std::unique_ptr<Layer>;

}  // namespace sandtable
