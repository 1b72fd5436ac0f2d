#pragma once
// The one layer interface every map layer implements (map data, rasters, officers,
// heatmap, trajectories, squad indicators, decorations). Life cycle, after deck.gl and
// MapLibre: construct (load, CPU) -> per frame: update (CPU) -> upload (CPU->GPU, only
// what changed) -> draw (GL only) -> drawUi (ImGui, interactive hosts only).
// Destruction finalises: members are RAII, GL objects included.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/geo/camera.hpp"
#include "engine/util/clock.hpp"
#include "engine/util/i18n_text.hpp"
#include "engine/util/math.hpp"

namespace sandtable {

class ShaderLibrary;
class Painter;
class LabelSet;
class Transformer;

// Per-frame state shared by all layers (read-only for them).
struct FrameState {
    const Camera* camera = nullptr;
    TimeMs time = 0;         // scene time from the one Clock
    double dtSeconds = 0.0;  // real time since the previous frame
    uint64_t frameIndex = 0;
    Language language = Language::Chinese;
    // Web-map zoom of the view as a viewer perceives it: resolution scaled to a 1080-pixel
    // screen, so a 4K render of the same area has the same zoom (set by Map::render).
    double zoom = 0.0;
    // Set by hosts that render one still (headless render, exports, tests): layers that
    // load data in the background wait for what this frame needs before drawing.
    bool complete = false;
};

// What draw() gets: GL-side context for the current pass.
struct RenderContext {
    const Camera* camera = nullptr;
    Mat4f viewProjection;                       // (world - origin) -> clip
    int viewportWidth = 0, viewportHeight = 0;  // framebuffer pixels
    float pixelRatio = 1.0f;                    // UI scale: 1 at 1080p, 2 at 4K (sizes in px scale by it)
    ShaderLibrary* shaders = nullptr;
    Painter* painter = nullptr;  // screen-space overlay batcher (drawn after the map)
    Language language = Language::Chinese;
    TimeMs time = 0;
};

// Layer-independent scene context given to constructors.
struct MapContext {
    std::string displayCrs;    // every layer's geometry ends up in this CRS
    Vec2d origin;              // vertices are stored relative to this (float32 precision)
    double refLatitude = 0.0;  // for zoom <-> resolution
};

// A legend block a layer contributes; the decorations overlay lays them out.
struct LegendEntry {
    enum class Kind { Fill, Line, Marker };
    Kind kind = Kind::Fill;
    Color color;
    Color outline;
    I18nText label;
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
    double drawMs = 0.0;  // CPU time of the last update+upload+draw
    std::vector<std::string> warnings;
};

class Layer {
public:
    Layer(std::string id, I18nText title) : id_(std::move(id)), title_(std::move(title)) {}
    virtual ~Layer() = default;
    Layer(const Layer&) = delete;
    Layer& operator=(const Layer&) = delete;

    // CPU work for this frame: evaluate style, time window, visibility; queue labels.
    virtual void update(const FrameState& frame) = 0;
    // CPU -> GPU transfer of what changed since the last frame.
    virtual void upload() {}
    // GL calls only; must set all GL state it relies on.
    virtual void draw(const RenderContext& ctx) = 0;
    // Its ImGui panel section, if any (interactive hosts only).
    virtual void drawUi(Language) {}
    // Labels this layer wants placed this frame (collision handled across layers).
    virtual void collectLabels(const FrameState&, LabelSet&) {}
    // Legend block for the decorations overlay, if any.
    virtual bool legend(LegendBlock&) const { return false; }
    // A click (no drag) on the map at screen pixel `screen`; `modifier` is Ctrl held.
    // Returns true when the layer consumed it (layers are asked top-down).
    virtual bool handleClick(const Camera&, Vec2d /*screen*/, bool /*modifier*/) { return false; }
    // The id of what the operator selected in this layer (e.g. an officer), if anything.
    virtual std::string selection() const { return {}; }
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
    const std::vector<std::string>& warnings() const { return warnings_; }

protected:
    void warn(std::string w) { warnings_.push_back(std::move(w)); }
    std::string id_;
    I18nText title_;
    std::vector<std::string> warnings_;
};

using LayerPtr = std::unique_ptr<Layer>;

}  // namespace sandtable
