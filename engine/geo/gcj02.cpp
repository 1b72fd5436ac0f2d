#include "engine/geo/gcj02.hpp"

#include <cmath>

namespace sandtable::gcj02 {
namespace {

constexpr double kA = 6378245.0;                // Krasovsky 1940 semi-major axis
constexpr double kEE = 0.00669342162296594323;  // its first eccentricity squared

double transformLat(double x, double y) {
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::fabs(x));
    r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
    r += (160.0 * std::sin(y / 12.0 * kPi) + 320.0 * std::sin(y * kPi / 30.0)) * 2.0 / 3.0;
    return r;
}

double transformLon(double x, double y) {
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::fabs(x));
    r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
    r += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
    return r;
}

Vec2d offset(Vec2d wgs) {
    double dLat = transformLat(wgs.x - 105.0, wgs.y - 35.0);
    double dLon = transformLon(wgs.x - 105.0, wgs.y - 35.0);
    const double radLat = wgs.y / 180.0 * kPi;
    double magic = std::sin(radLat);
    magic = 1.0 - kEE * magic * magic;
    const double sqrtMagic = std::sqrt(magic);
    dLat = (dLat * 180.0) / ((kA * (1.0 - kEE)) / (magic * sqrtMagic) * kPi);
    dLon = (dLon * 180.0) / (kA / sqrtMagic * std::cos(radLat) * kPi);
    return {dLon, dLat};
}

}  // namespace

bool inChina(double lon, double lat) { return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271; }

Vec2d fromWgs84(Vec2d lonLat) {
    if (!inChina(lonLat.x, lonLat.y)) return lonLat;
    return lonLat + offset(lonLat);
}

Vec2d toWgs84(Vec2d lonLat) {
    if (!inChina(lonLat.x, lonLat.y)) return lonLat;
    // Fixed-point iteration: wgs = gcj - offset(wgs). The offset varies slowly
    // (its derivative is ~1e-5), so each step gains ~5 digits.
    Vec2d wgs = lonLat - offset(lonLat);
    for (int i = 0; i < 10; ++i) {
        const Vec2d next = lonLat - offset(wgs);
        const double d = std::fabs(next.x - wgs.x) + std::fabs(next.y - wgs.y);
        wgs = next;
        if (d < 1e-12) break;
    }
    return wgs;
}

}  // namespace sandtable::gcj02
