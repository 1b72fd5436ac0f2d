#pragma once
// The map camera: where the viewport looks in the display CRS, at what resolution
// (display units per pixel) and rotation. All maths in double; the GPU gets a float
// matrix that applies to origin-relative float vertices, so precision stays far below
// a pixel at street zoom (see tests/unit/camera_test.cpp).
#include "engine/util/math.hpp"

namespace sandtable {

// Web-map style zoom level <-> display units per pixel at a latitude (metre-based CRS).
double zoomToResolution(double zoom, double latDeg);
double resolutionToZoom(double resolution, double latDeg);

class Camera {
public:
    Vec2d center;               // display CRS
    double resolution = 1.0;    // display units per pixel
    double rotation = 0.0;      // radians, counter-clockwise: positive turns the map left
    int width = 1, height = 1;  // viewport, pixels
    Vec2d origin;               // scene origin that vertices are stored relative to

    // Screen pixels: (0,0) top-left, y down; pixel centres at +0.5.
    Vec2d worldToScreen(Vec2d world) const;
    Vec2d screenToWorld(Vec2d screen) const;

    // Column-major matrix taking (world - origin) as float to clip space.
    Mat4f viewProjection() const;

    // Interaction.
    void panPixels(double dx, double dy);              // drag by dx,dy screen pixels
    void zoomAbout(Vec2d screenPoint, double factor);  // factor > 1 zooms in
    void rotateAbout(Vec2d screenPoint, double radians);

    // The world-space bounding box of the viewport (rotation considered).
    BBox visibleBounds() const;
    // Fit a box into the viewport with a margin in pixels.
    void fit(const BBox& box, double marginPx = 20.0);
};

}  // namespace sandtable
