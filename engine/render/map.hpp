#pragma once
// The map: camera, layers and the per-frame pipeline shared by every host (window,
// headless render, wall tiles, benchmark). A frame is prepared once for a whole canvas
// (every layer's update, upload and overlay; the legend; label placement in canvas
// pixels), then any rectangle of that canvas is drawn (a window, a wall tile, a print
// band): the same labels, the same heat normalisation, the same legend in every tile.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/gl/shader.hpp"
#include "engine/render/labels.hpp"
#include "engine/render/layer.hpp"
#include "engine/render/painter.hpp"
#include "engine/render/text.hpp"

namespace sandtable {

class Map {
public:
    explicit Map(MapContext ctx);
    ~Map();

    MapContext context;
    Camera camera;
    Color background = Color::fromHex(0x0d1b2a);
    I18nText title;
    I18nText attribution;
    Language language = Language::Chinese;
    // Interactive hosts (the cockpit, a wall node) set this: the pixels of the bottom run of
    // layers whose drawing depends only on the camera (Layer::drawRevision) are kept in a
    // canvas-sized texture between frames. While none of them changed, a pan by whole
    // pixels shifts that texture (addressed modulo its size) and draws those layers only
    // into the strips it uncovered; the layers above are drawn over it every frame. The
    // texture is drawn whole again when a layer's revision, the zoom, the rotation, the
    // canvas or the drawn rectangle changes, or after a fractional pan. Stills leave it off.
    bool cacheCanvas = false;
    // With cacheCanvas, on software GL (where drawing the cached layers whole is the cost of
    // a zoom step; Always: on any GL, for tests): during a zoom gesture
    // (kGestureSettleSeconds, engine/render/layer.hpp) the cached layers are shown as their
    // last whole draw, scaled and moved to the view (bilinear), instead of being drawn again
    // at every wheel notch; what that draw did not cover (zooming out) shows the
    // background. The layers above the cache and the labels are drawn as ever. The cache is
    // drawn whole again, sharp, once the gesture settles, when the view is dragged, or when
    // the scale has moved past 2x either way since the last whole draw. Stills
    // (FrameState::complete) never see a preview.
    enum class ZoomPreview { Off, SoftwareGl, Always };
    ZoomPreview zoomPreview = ZoomPreview::SoftwareGl;
    struct CanvasCacheStats {
        size_t wholeDraws = 0;    // frames that drew the cached layers whole into the cache
        size_t shifts = 0;        // frames that shifted it and drew only the uncovered strips
        size_t reuses = 0;        // frames that drew it as it was
        size_t direct = 0;        // frames that drew every layer directly (nothing to cache)
        size_t previews = 0;      // frames that drew it scaled (zoomPreview)
        size_t stripPixels = 0;   // pixels drawn into strips
        size_t cachedLayers = 0;  // layers drawn from the cache in the last frame
    };
    const CanvasCacheStats& canvasCacheStats() const { return cacheStats_; }

    void addLayer(LayerPtr layer);
    void insertLayer(size_t index, LayerPtr layer);
    Layer* find(const std::string& id);
    const std::vector<LayerPtr>& layers() const { return layers_; }

    // Prepares one frame for a canvas of (width, height) pixels: the camera's size is set
    // to the canvas. pixelRatio scales every size given in px (1 at 1080p, 2 for a 4K wall).
    void prepare(FrameState frame, int width, int height, float pixelRatio = 1.0f);
    // Draws a rectangle of the prepared canvas into the bound framebuffer (whose size is
    // the rectangle's): clears it, draws the visible layers, then the overlay and labels.
    void draw(const PixelRect& rect);
    // prepare() and draw() of the whole canvas.
    void render(FrameState frame, int width, int height, float pixelRatio = 1.0f);
    // The frame last prepared.
    const FrameState& prepared() const { return prepared_; }
    const std::vector<LegendBlock>& legend() const { return legend_; }

    std::vector<LayerStats> stats() const;
    // A visible layer has work in flight, or the camera is flying: another frame soon.
    bool busy() const;
    // Flies the camera to `center` (display CRS) at `resolution` (0: the current one) over
    // `seconds` of frames (FrameState::dtSeconds), zooming out and back in on long
    // flights so the operator sees where the map went (van Wijk and Nuij's smooth path, in
    // its simple form: log-resolution follows a parabola over the distance).
    void flyTo(Vec2d center, double resolution, double seconds = 1.5, std::optional<double> rotation = {});
    bool flying() const { return flight_.active; }
    // The hand takes the map: a flight stops where it is.
    void stopFlight() { flight_.active = false; }
    // CPU ms of layer i's last update+upload+draw (cheap: for per-frame UI).
    double drawMs(size_t i) const { return i < drawMs_.size() ? drawMs_[i] : 0.0; }
    ShaderLibrary& shaders() { return shaders_; }
    Painter& painter() { return *painter_; }
    FontAtlas& font() { return *font_; }
    LabelSet& labels() { return labels_; }
    const Transformer& toWgs84() const;    // display CRS -> WGS84 lon/lat
    const Transformer& fromWgs84() const;  // WGS84 lon/lat -> display CRS

private:
    std::vector<LayerPtr> layers_;
    std::vector<double> drawMs_;
    std::vector<LegendBlock> legend_;
    FrameState prepared_;
    struct Flight {
        bool active = false;
        Vec2d from, to;
        double fromRes = 1, toRes = 1, peakRes = 1;
        double fromRot = 0, toRot = 0;
        double t = 0, seconds = 1;
    } flight_;
    void advanceFlight(double dt);
    // Draws layers [begin, end) for rectangle r of the canvas into the bound framebuffer,
    // whose size is the rectangle's (no clear).
    void drawLayers(const PixelRect& r, size_t begin, size_t end);
    // With cacheCanvas: brings the canvas cache up to date for r, draws it into the bound
    // framebuffer and returns how many layers (from the bottom) it holds; 0 when none.
    size_t drawCached(const PixelRect& r);
    // With previewEnd_: draws the cache scaled to the view into the bound framebuffer (the
    // whole canvas) and returns how many layers it holds.
    size_t drawPreview(const PixelRect& r);
    // Whether this frame may show the cache scaled (before the layers' uploads: the layers
    // it holds are told, FrameState::canvasPreview), and how many layers it holds.
    size_t previewRun(const FrameState& frame) const;
    struct CanvasCache;
    std::unique_ptr<CanvasCache> cache_;
    CanvasCacheStats cacheStats_;
    // The view's zoom gesture, as the heatmap judges it (kGestureSettleSeconds).
    struct Gesture {
        double resolution = 0, rotation = 0;
        Vec2d center;              // where the view was when its scale last changed
        double sinceChange = 1e9;  // real seconds since then
        int framesSinceChange = 1 << 30;
        bool active() const;
    } gesture_;
    size_t previewEnd_ = 0;              // this prepared frame shows the cache scaled: the layers it holds
    int drawsSincePrepare_ = 0;          // draw() calls of the prepared frame
    bool drewWholeCanvas_ = false;       // the last of them drew the whole canvas
    bool lastFrameWholeCanvas_ = false;  // the previous frame drew one rectangle, the whole canvas
    bool drawn_ = false;                 // draw() of the prepared frame has run once (draw times counted once)
    ShaderLibrary shaders_;
    std::unique_ptr<FontAtlas> font_;
    std::unique_ptr<Painter> painter_;
    LabelSet labels_;
    std::unique_ptr<Transformer> toWgs84_, fromWgs84_;
};

struct SceneSpec;
// The camera of the scene's initial view at a viewport size. Zoom levels are defined for
// a 1080p-class screen; larger outputs show the same area at higher pixel density.
void applySceneView(const SceneSpec& scene, Map& map, int width, int height);
// Parses "LON,LAT,ZOOM[,ROTATION_DEG]" (the --view option) into the map's camera.
// Throws std::runtime_error on bad input.
void applyViewString(const std::string& view, Map& map);

// Reads the bound framebuffer's colour into an image (top row first).
struct Image;
Image readFramebuffer(int width, int height);

}  // namespace sandtable
