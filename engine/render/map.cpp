#include "engine/render/map.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "engine/data/scene.hpp"

#include "engine/geo/projection.hpp"
#include "engine/util/image.hpp"

namespace sandtable {

Map::Map(MapContext ctx) : context(std::move(ctx)) {
    camera.origin = context.origin;
    font_ = std::make_unique<FontAtlas>();
    painter_ = std::make_unique<Painter>(shaders_, *font_);
    toWgs84_ = std::make_unique<Transformer>(context.displayCrs, "wgs84");
    fromWgs84_ = std::make_unique<Transformer>("wgs84", context.displayCrs);
}

Map::~Map() = default;

const Transformer& Map::toWgs84() const { return *toWgs84_; }
const Transformer& Map::fromWgs84() const { return *fromWgs84_; }

void Map::addLayer(LayerPtr layer) {
    layers_.push_back(std::move(layer));
    drawMs_.push_back(0.0);
}

void Map::insertLayer(size_t index, LayerPtr layer) {
    index = std::min(index, layers_.size());
    layers_.insert(layers_.begin() + static_cast<ptrdiff_t>(index), std::move(layer));
    drawMs_.insert(drawMs_.begin() + static_cast<ptrdiff_t>(index), 0.0);
}

Layer* Map::find(const std::string& id) {
    for (auto& l : layers_)
        if (l->id() == id) return l.get();
    return nullptr;
}

void Map::flyTo(Vec2d center, double resolution, double seconds, std::optional<double> rotation) {
    flight_.active = true;
    flight_.from = camera.center;
    flight_.to = center;
    flight_.fromRes = camera.resolution;
    flight_.toRes = resolution > 0 ? resolution : camera.resolution;
    // Far enough to leave the screen: rise so both ends fit (plus a margin) at the top.
    const double dist = std::hypot(center.x - camera.center.x, center.y - camera.center.y);
    const double fit = dist / std::max(1, std::min(camera.width, camera.height)) * 1.4;
    flight_.peakRes = std::max({flight_.fromRes, flight_.toRes, fit});
    flight_.fromRot = camera.rotation;
    // The short way round to the new rotation.
    flight_.toRot = rotation ? camera.rotation + std::remainder(*rotation - camera.rotation, 2 * kPi) : camera.rotation;
    flight_.t = 0;
    flight_.seconds = std::max(0.05, seconds);
}

void Map::advanceFlight(double dt) {
    if (!flight_.active) return;
    flight_.t = std::min(1.0, flight_.t + std::max(0.0, dt) / flight_.seconds);
    const double u = flight_.t * flight_.t * (3 - 2 * flight_.t);  // ease in and out
    camera.center = flight_.from + (flight_.to - flight_.from) * u;
    // log-resolution: the straight line between the ends plus a bump up to the peak.
    const double a = std::log(flight_.fromRes), b = std::log(flight_.toRes), p = std::log(flight_.peakRes);
    const double base = a + (b - a) * u;
    const double bump = std::max(0.0, p - std::max(a, b)) * 4 * u * (1 - u);
    camera.resolution = std::exp(base + bump);
    camera.rotation = flight_.fromRot + (flight_.toRot - flight_.fromRot) * u;
    if (flight_.t >= 1.0) flight_.active = false;
}

void Map::prepare(FrameState frame, int width, int height, float pixelRatio) {
    using clock = std::chrono::steady_clock;
    advanceFlight(frame.dtSeconds);
    camera.width = width;
    camera.height = height;
    camera.origin = context.origin;
    frame.camera = &camera;
    frame.language = language;
    frame.pixelRatio = pixelRatio;
    frame.zoom = resolutionToZoom(camera.resolution * std::min(width, height) / 1080.0, context.refLatitude);

    painter_->begin(width, height);
    labels_.clear();
    // Layers may render into their own targets while uploading (the heatmap's colour
    // cache): the host's framebuffer and viewport are put back once, here, afterwards.
    GLint hostFramebuffer = 0, hostViewport[4] = {0, 0, width, height};
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &hostFramebuffer);
    glGetIntegerv(GL_VIEWPORT, hostViewport);
    UploadContext upload{frame, shaders_};
    for (size_t i = 0; i < layers_.size(); ++i) {
        Layer& l = *layers_[i];
        if (!l.visible || l.opacity <= 0.0f) continue;
        const auto t0 = clock::now();
        l.update(frame);
        l.upload(upload);
        drawMs_[i] = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
        ST_GL_CHECK(("layer " + l.id()).c_str());
    }
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<GLuint>(hostFramebuffer));
    glViewport(hostViewport[0], hostViewport[1], hostViewport[2], hostViewport[3]);
    // The legend once every layer knows its state for this frame (the heat maximum).
    legend_.clear();
    for (const auto& l : layers_) {
        if (!l->visible || l->opacity <= 0.0f || !l->showInLegend) continue;
        LegendBlock b;
        if (l->legend(b)) legend_.push_back(std::move(b));
    }
    frame.legend = &legend_;
    for (size_t i = 0; i < layers_.size(); ++i) {
        Layer& l = *layers_[i];
        if (!l.visible || l.opacity <= 0.0f) continue;
        const auto t0 = clock::now();
        painter_->newBatch();  // a layer's marks cover the layers below it, text included
        l.overlay(frame, *painter_);
        l.collectLabels(frame, labels_);
        drawMs_[i] += std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    }
    painter_->newBatch();
    labels_.place(camera, *painter_, pixelRatio);
    painter_->upload();
    prepared_ = frame;
    prepared_.camera = &camera;
    drawn_ = false;
}

void Map::draw(const PixelRect& r) {
    using clock = std::chrono::steady_clock;
    glViewport(0, 0, r.width, r.height);
    glDisable(GL_SCISSOR_TEST);
    glClearColor(background.r, background.g, background.b, 1.0f);
    glClearStencil(0);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT | GL_STENCIL_BUFFER_BIT);

    // Marks that straddle a seam between two rectangles (point sprites, whose centre
    // decides whether GL draws them at all) must show on both sides: the layers draw into
    // a viewport grown by a margin on every side that borders another part of the canvas;
    // what falls outside the framebuffer is simply not written. Outer canvas edges get no
    // margin, so a rectangle that is the whole canvas draws exactly as before.
    const int m = static_cast<int>(std::ceil(64.0f * prepared_.pixelRatio));
    const int ml = r.x > 0 ? m : 0, mt = r.y > 0 ? m : 0;
    const int mr = r.x + r.width < camera.width ? m : 0, mb = r.y + r.height < camera.height ? m : 0;
    const PixelRect grown{r.x - ml, r.y - mt, r.width + ml + mr, r.height + mt + mb};
    glViewport(-ml, -mb, grown.width, grown.height);
    // The grown rectangle's own camera: the canvas camera moved to its centre.
    Camera view = camera;
    view.width = grown.width;
    view.height = grown.height;
    view.center = camera.screenToWorld({grown.x + grown.width * 0.5, grown.y + grown.height * 0.5});
    RenderContext rc;
    rc.camera = &view;
    rc.viewProjection = view.viewProjection();
    rc.viewport = grown;
    rc.target = r;
    rc.canvasWidth = camera.width;
    rc.canvasHeight = camera.height;
    rc.pixelRatio = prepared_.pixelRatio;
    rc.shaders = &shaders_;
    rc.time = prepared_.time;
    for (size_t i = 0; i < layers_.size(); ++i) {
        Layer& l = *layers_[i];
        if (!l.visible || l.opacity <= 0.0f) continue;
        const auto t0 = clock::now();
        l.draw(rc);
        if (!drawn_) drawMs_[i] += std::chrono::duration<double, std::milli>(clock::now() - t0).count();
        ST_GL_CHECK(("layer " + l.id()).c_str());
    }
    glViewport(0, 0, r.width, r.height);
    painter_->draw(r.x, r.y, r.width, r.height);
    drawn_ = true;
}

void Map::render(FrameState frame, int width, int height, float pixelRatio) {
    prepare(frame, width, height, pixelRatio);
    draw({0, 0, width, height});
}

bool Map::busy() const {
    if (flight_.active) return true;
    for (const auto& l : layers_)
        if (l->visible && l->busy()) return true;
    return false;
}

std::vector<LayerStats> Map::stats() const {
    std::vector<LayerStats> out;
    for (size_t i = 0; i < layers_.size(); ++i) {
        LayerStats s = layers_[i]->stats();
        s.drawMs = drawMs_[i];
        out.push_back(std::move(s));
    }
    return out;
}

void applySceneView(const SceneSpec& scene, Map& map, int width, int height) {
    Vec2d c = scene.viewCenterLonLat;
    map.fromWgs84().forward(c);
    map.camera.center = c;
    map.camera.width = width;
    map.camera.height = height;
    // Zoom levels are defined for a 1080p-class screen; larger outputs show the same
    // area at higher pixel density rather than more area.
    const double density = std::min(width, height) / 1080.0;
    map.camera.resolution = zoomToResolution(scene.viewZoom, scene.viewCenterLonLat.y) / density;
    map.camera.rotation = degToRad(scene.viewRotationDeg);
}

void applyViewString(const std::string& view, Map& map) {
    std::stringstream ss(view);
    std::string a, b, c, d;
    std::getline(ss, a, ',');
    std::getline(ss, b, ',');
    std::getline(ss, c, ',');
    std::getline(ss, d, ',');
    try {
        size_t used = 0;
        const double lon = std::stod(a, &used);
        const double lat = std::stod(b);
        const double zoom = std::stod(c);
        if (std::fabs(lon) > 180 || std::fabs(lat) > 85 || zoom < 0 || zoom > 24) throw std::out_of_range("range");
        Vec2d p{lon, lat};
        if (!map.fromWgs84().forward(p)) throw std::out_of_range("projection");
        map.camera.center = p;
        const double density = std::min(map.camera.width, map.camera.height) / 1080.0;
        map.camera.resolution = zoomToResolution(zoom, lat) / density;
        if (!d.empty()) map.camera.rotation = degToRad(std::stod(d));
    } catch (const std::exception&) {
        throw std::runtime_error("--view '" + view +
                                 "': expected LON,LAT,ZOOM[,ROTATION_DEG] with lon ±180, lat ±85, zoom 0..24");
    }
}

Image readFramebuffer(int width, int height) {
    Image img(width, height);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, img.rgba.data());
    img.flipVertically();
    return img;
}

}  // namespace sandtable
