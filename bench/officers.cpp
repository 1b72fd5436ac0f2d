#include "bench/officers.hpp"

#include "engine/util/i18n.hpp"

#include <cmath>

#include "engine/render/map.hpp"

namespace sandtable::bench {

OfficerCrowd::OfficerCrowd(size_t n, const BBox& box, Vec2d origin, uint64_t seed) : rng_(seed) {
    box_ = BBox{box.minX - origin.x, box.minY - origin.y, box.maxX - origin.x, box.maxY - origin.y};
    Hotspots spots(box, rng_, 40);
    inst_.resize(n);
    vx_.resize(n);
    vy_.resize(n);
    for (size_t i = 0; i < n; ++i) {
        const Vec2d p = spots.sample(rng_);
        OfficerInstance& o = inst_[i];
        o.x = static_cast<float>(p.x - origin.x);
        o.y = static_cast<float>(p.y - origin.y);
        const double a = rng_.uniform(0.0, 2.0 * kPi);
        vx_[i] = static_cast<float>(1.4 * std::sin(a));  // ~1.4 m per frame: a brisk walk at 1 fps
        vy_[i] = static_cast<float>(1.4 * std::cos(a));
        o.heading = static_cast<float>(radToDeg(a));
        o.lastSeenSec = 0.0f;
        o.squad = static_cast<uint8_t>(i % 10);
        o.status = static_cast<uint8_t>(rng_.below(100) < 85 ? 0 : 1 + rng_.below(3));
    }
}

void OfficerCrowd::step() {
    const auto minX = static_cast<float>(box_.minX), maxX = static_cast<float>(box_.maxX);
    const auto minY = static_cast<float>(box_.minY), maxY = static_cast<float>(box_.maxY);
    for (size_t i = 0; i < inst_.size(); ++i) {
        OfficerInstance& o = inst_[i];
        o.x += vx_[i];
        o.y += vy_[i];
        // Bounce off the box edges (keeps everyone inside Putuo without random draws).
        if (o.x < minX || o.x > maxX) vx_[i] = -vx_[i];
        if (o.y < minY || o.y > maxY) vy_[i] = -vy_[i];
        o.heading = std::fmod(o.heading + 0.5f, 360.0f);
    }
}

OfficerLayer* addOfficerLayer(Map& map, const std::string& id) {
    OfficerLayerOptions opts;
    auto layer = std::make_unique<OfficerLayer>(id, text("layer.officers"), map.context, opts);
    OfficerLayer* raw = layer.get();
    map.addLayer(std::move(layer));
    return raw;
}

}  // namespace sandtable::bench
