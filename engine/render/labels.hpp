#pragma once
// Label placement across all layers: candidates are collected each frame, sorted by
// priority and placed greedily where their box does not collide with a placed label or
// a reserved screen area (legend, scale bar). Dropped labels are counted.
#include <string>
#include <vector>

#include "engine/geo/camera.hpp"
#include "engine/render/painter.hpp"

namespace sandtable {

struct LabelCandidate {
    std::string text;
    Vec2d world;  // anchor in the display CRS
    TextStyle style;
    int priority = 0;   // higher places first
    float offsetY = 0;  // px below (positive) or above (negative) the anchor
};

class LabelSet {
public:
    void clear() {
        candidates_.clear();
        reserved_.clear();
        placed_ = dropped_ = 0;
    }
    void add(LabelCandidate c) { candidates_.push_back(std::move(c)); }
    void reserve(float x, float y, float w, float h) { reserved_.push_back({x, y, x + w, y + h}); }
    // Places and queues the labels into the painter. Sizes, halos and offsets given in
    // px are scaled by the output's pixel ratio (as every other size in px).
    void place(const Camera& camera, Painter& painter, float pixelRatio = 1.0f);
    size_t placed() const { return placed_; }
    size_t dropped() const { return dropped_; }

private:
    struct Box {
        float x0, y0, x1, y1;
        bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
    };
    std::vector<LabelCandidate> candidates_;
    std::vector<Box> reserved_;
    size_t placed_ = 0, dropped_ = 0;
};

}  // namespace sandtable
