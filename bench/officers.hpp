#pragma once
// Officer markers for the benchmarks: an OfficerLayer on a map, fed either by code
// (scatter, scene: N officers walking every frame) or by its live feed path (ingest).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench/bench.hpp"
#include "layers/officer_layer.hpp"

namespace sandtable::bench {

// N officers walking inside a box (display CRS), moved by step() every frame.
class OfficerCrowd {
public:
    OfficerCrowd(size_t n, const BBox& box, Vec2d origin, uint64_t seed);
    // Moves every officer ~1.4 m (a walking step per frame) and turns some.
    void step();
    std::span<const OfficerInstance> instances() const { return inst_; }
    size_t size() const { return inst_.size(); }

private:
    Rng rng_;
    BBox box_;  // origin-relative
    std::vector<OfficerInstance> inst_;
    std::vector<float> vx_, vy_;
};

// Adds an OfficerLayer to map and returns it (owned by the map).
OfficerLayer* addOfficerLayer(Map& map, const std::string& id = "bench-officers");

}  // namespace sandtable::bench
