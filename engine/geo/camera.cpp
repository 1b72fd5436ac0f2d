#include "engine/geo/camera.hpp"

#include <algorithm>
#include <cmath>

namespace sandtable {

namespace {
constexpr double kWebMercatorZ0 = 156543.03392804097;  // metres per pixel at zoom 0, equator
}

double zoomToResolution(double zoom, double latDeg) {
    return kWebMercatorZ0 * std::cos(degToRad(latDeg)) / std::pow(2.0, zoom);
}

double resolutionToZoom(double resolution, double latDeg) {
    return std::log2(kWebMercatorZ0 * std::cos(degToRad(latDeg)) / resolution);
}

Vec2d Camera::worldToScreen(Vec2d w) const {
    const Vec2d d = w - center;
    const double c = std::cos(rotation), s = std::sin(rotation);
    const double rx = (c * d.x - s * d.y) / resolution;
    const double ry = (s * d.x + c * d.y) / resolution;
    return {width * 0.5 + rx, height * 0.5 - ry};
}

Vec2d Camera::screenToWorld(Vec2d p) const {
    const double rx = (p.x - width * 0.5) * resolution;
    const double ry = (height * 0.5 - p.y) * resolution;
    const double c = std::cos(rotation), s = std::sin(rotation);
    return center + Vec2d{c * rx + s * ry, -s * rx + c * ry};
}

Mat4f Camera::viewProjection() const {
    // clip = S * R * (v - (center - origin)); S maps units to NDC.
    const double c = std::cos(rotation), s = std::sin(rotation);
    const double sx = 2.0 / (resolution * width), sy = 2.0 / (resolution * height);
    const Vec2d t = center - origin;  // computed in double, small after subtraction
    Mat4f m;
    m.m = {static_cast<float>(sx * c),
           static_cast<float>(sy * s),
           0,
           0,
           static_cast<float>(-sx * s),
           static_cast<float>(sy * c),
           0,
           0,
           0,
           0,
           1,
           0,
           static_cast<float>(-sx * (c * t.x - s * t.y)),
           static_cast<float>(-sy * (s * t.x + c * t.y)),
           0,
           1};
    return m;
}

void Camera::panPixels(double dx, double dy) {
    const Vec2d a = screenToWorld({width * 0.5, height * 0.5});
    const Vec2d b = screenToWorld({width * 0.5 + dx, height * 0.5 + dy});
    center = center - (b - a);
}

void Camera::zoomAbout(Vec2d p, double factor) {
    if (!(factor > 0)) return;
    const Vec2d before = screenToWorld(p);
    resolution = std::clamp(resolution / factor, 1e-4, 1e6);
    const Vec2d after = screenToWorld(p);
    center = center + (before - after);
}

void Camera::rotateAbout(Vec2d p, double radians) {
    const Vec2d before = screenToWorld(p);
    rotation = std::remainder(rotation + radians, 2.0 * kPi);
    const Vec2d after = screenToWorld(p);
    center = center + (before - after);
}

BBox Camera::visibleBounds() const {
    BBox b;
    b.extend(screenToWorld({0, 0}));
    b.extend(screenToWorld({static_cast<double>(width), 0}));
    b.extend(screenToWorld({0, static_cast<double>(height)}));
    b.extend(screenToWorld({static_cast<double>(width), static_cast<double>(height)}));
    return b;
}

void Camera::fit(const BBox& box, double marginPx) {
    if (!box.valid()) return;
    center = box.center();
    const double w = std::max(1.0, width - 2 * marginPx), h = std::max(1.0, height - 2 * marginPx);
    resolution = std::max((box.maxX - box.minX) / w, (box.maxY - box.minY) / h);
    if (!(resolution > 0)) resolution = 1.0;
}

}  // namespace sandtable
