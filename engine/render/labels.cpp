#include "engine/render/labels.hpp"

#include <algorithm>
#include <numeric>

namespace sandtable {

void LabelSet::place(const Camera& camera, Painter& painter, float pixelRatio) {
    std::vector<size_t> order(candidates_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return candidates_[a].priority > candidates_[b].priority; });
    std::vector<Box> placed = reserved_;
    for (size_t i : order) {
        LabelCandidate& c = candidates_[i];
        c.style.size *= pixelRatio;
        c.style.haloWidth *= pixelRatio;
        c.offsetY *= pixelRatio;
        const Vec2d s = camera.worldToScreen(c.world);
        const float w = painter.textWidth(c.text, c.style.size);
        const float asc = painter.ascender(c.style.size);
        const float h = c.style.size * 1.2f;
        float x0 = static_cast<float>(s.x);
        if (c.style.anchor == TextAnchor::Center)
            x0 -= w * 0.5f;
        else if (c.style.anchor == TextAnchor::Right)
            x0 -= w;
        const float cy = static_cast<float>(s.y) + c.offsetY;
        const float pad = 3.0f * pixelRatio;
        const Box box{x0 - pad, cy - h * 0.5f - pad, x0 + w + pad, cy + h * 0.5f + pad};
        if (box.x0 < 0 || box.y0 < 0 || box.x1 > static_cast<float>(camera.width) ||
            box.y1 > static_cast<float>(camera.height) ||
            std::any_of(placed.begin(), placed.end(), [&](const Box& b) { return b.overlaps(box); })) {
            ++dropped_;
            continue;
        }
        placed.push_back(box);
        ++placed_;
        // Baseline so that the text is vertically centred on the anchor (CJK ideographs
        // fill roughly the ascender height).
        painter.text(c.text, static_cast<float>(s.x), cy + asc * 0.42f, c.style);
    }
}

}  // namespace sandtable
