#pragma once
// Small value types for map and screen math. Map coordinates are double; only
// origin-relative values are narrowed to float for the GPU.
#include <array>
#include <cmath>

namespace sandtable {

struct Vec2d {
    double x = 0.0, y = 0.0;
    constexpr Vec2d operator+(Vec2d o) const { return {x + o.x, y + o.y}; }
    constexpr Vec2d operator-(Vec2d o) const { return {x - o.x, y - o.y}; }
    constexpr Vec2d operator*(double s) const { return {x * s, y * s}; }
    constexpr bool operator==(const Vec2d&) const = default;
    double length() const { return std::hypot(x, y); }
};

struct Vec2f {
    float x = 0.0f, y = 0.0f;
};

struct Color {
    float r = 0, g = 0, b = 0, a = 1;
    static Color fromHex(unsigned rgb, float alpha = 1.0f) {
        return {static_cast<float>((rgb >> 16) & 0xff) / 255.0f, static_cast<float>((rgb >> 8) & 0xff) / 255.0f,
                static_cast<float>(rgb & 0xff) / 255.0f, alpha};
    }
    Color withAlpha(float a2) const { return {r, g, b, a2}; }
};

// Column-major 4x4 matrix, as OpenGL expects.
struct Mat4f {
    std::array<float, 16> m{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    const float* data() const { return m.data(); }
};

struct BBox {
    double minX = INFINITY, minY = INFINITY, maxX = -INFINITY, maxY = -INFINITY;
    void extend(Vec2d p) {
        minX = std::fmin(minX, p.x);
        minY = std::fmin(minY, p.y);
        maxX = std::fmax(maxX, p.x);
        maxY = std::fmax(maxY, p.y);
    }
    void merge(const BBox& b) {
        if (b.valid()) {
            extend(Vec2d{b.minX, b.minY});
            extend(Vec2d{b.maxX, b.maxY});
        }
    }
    bool valid() const { return minX <= maxX && minY <= maxY; }
    Vec2d center() const { return {(minX + maxX) * 0.5, (minY + maxY) * 0.5}; }
    bool contains(Vec2d p) const { return p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY; }
    bool intersects(const BBox& b) const { return !(b.minX > maxX || b.maxX < minX || b.minY > maxY || b.maxY < minY); }
};

constexpr double kPi = 3.14159265358979323846;
constexpr double degToRad(double d) { return d * kPi / 180.0; }
constexpr double radToDeg(double r) { return r * 180.0 / kPi; }
// Metres per degree of latitude on the mean-radius sphere (local distances over a city).
constexpr double kMetresPerDeg = 6371008.8 * kPi / 180.0;

}  // namespace sandtable
