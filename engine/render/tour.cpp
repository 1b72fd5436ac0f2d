#include "engine/render/tour.hpp"

#include <algorithm>
#include <cmath>

#include "engine/geo/projection.hpp"
#include "engine/util/log.hpp"

namespace sandtable {

TourPlayer::TourPlayer(WallSpec spec, Map& map, const std::vector<Jurisdiction>& jurisdictions)
    : spec_(std::move(spec)), map_(map) {
    Transformer toDisplay("wgs84", map.context.displayCrs);
    for (const Jurisdiction& j : jurisdictions) {
        BBox box;
        for (const auto& ring : j.rings)
            for (Vec2d p : ring)
                if (toDisplay.forward(p)) box.extend(p);
        if (box.valid()) {
            squadBoxes_.emplace_back(j.squad, box);
            district_.merge(box);
        }
    }
    for (const auto& l : map_.layers()) sceneVisibility_.emplace_back(l->id(), l->visible);
    for (const TourStop& s : spec_.tour) {
        for (const auto& [id, on] : s.layers)
            if (!map_.find(id)) log::warn("wall tour: no layer '" + id + "' in the scene (ignored)");
        if (s.kind == TourStop::Kind::Squad &&
            std::none_of(squadBoxes_.begin(), squadBoxes_.end(), [&](const auto& b) { return b.first == s.squad; }))
            log::warn("wall tour: no jurisdiction of squad '" + s.squad + "' (the stop shows the district)");
    }
}

TourPlayer::Target TourPlayer::targetOf(const TourStop& s) const {
    const Camera& cam = map_.camera;
    Target t{cam.center, cam.resolution, 0.0};
    auto fit = [&](const BBox& b) {
        const double w = std::max(1, cam.width), h = std::max(1, cam.height);
        t.center = b.center();
        t.resolution = std::max((b.maxX - b.minX) / (w * 0.8), (b.maxY - b.minY) / (h * 0.8));
    };
    switch (s.kind) {
    case TourStop::Kind::View: {
        Vec2d c = s.centerLonLat;
        Transformer("wgs84", map_.context.displayCrs).forward(c);
        t.center = c;
        const double density = std::min(cam.width, cam.height) / 1080.0;
        t.resolution = zoomToResolution(s.zoom, s.centerLonLat.y) / std::max(density, 1e-6);
        t.rotation = degToRad(s.rotationDeg);
        break;
    }
    case TourStop::Kind::Squad: {
        const auto it =
            std::find_if(squadBoxes_.begin(), squadBoxes_.end(), [&](const auto& b) { return b.first == s.squad; });
        if (it != squadBoxes_.end())
            fit(it->second);
        else if (district_.valid())
            fit(district_);
        break;
    }
    case TourStop::Kind::District:
        if (district_.valid()) fit(district_);
        break;
    }
    return t;
}

void TourPlayer::go(size_t i) {
    if (spec_.tour.empty()) return;
    stop_ = i % spec_.tour.size();
    dwell_ = 0;
    started_ = true;
    const TourStop& s = spec_.tour[stop_];
    // The scene's visibility, then this stop's choices.
    for (const auto& [id, on] : sceneVisibility_)
        if (Layer* l = map_.find(id)) l->visible = on;
    for (const auto& [id, on] : s.layers)
        if (Layer* l = map_.find(id)) l->visible = on;
    const Target t = targetOf(s);
    map_.flyTo(t.center, t.resolution, spec_.flightSeconds, t.rotation);
}

void TourPlayer::advance(double dt, bool operatorActive) {
    if (spec_.tour.empty()) return;
    if (operatorActive) {
        idle_ = 0;
        return;
    }
    const bool wasPaused = paused();
    idle_ += std::max(0.0, dt);
    if (paused()) return;
    if (!started_) {
        go(0);
        return;
    }
    if (wasPaused) {  // the operator has left: back to where the tour was
        go(stop_);
        return;
    }
    if (map_.flying()) return;  // the dwell starts when the camera has arrived
    dwell_ += std::max(0.0, dt);
    if (dwell_ >= spec_.tour[stop_].dwellSeconds) go(stop_ + 1);
}

}  // namespace sandtable
