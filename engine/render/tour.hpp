#pragma once
// A wall's tour (the scene's "wall.tour"): the district overview, each squad's
// jurisdiction, the creek... each stop a camera flight, its layers and a dwell time, then
// the next, round and round. An operator's touch pauses it (the map stays where the hand
// left it) until the wall has been left alone for `resumeAfterSeconds`.
#include <optional>
#include <vector>

#include "engine/data/jurisdictions.hpp"
#include "engine/data/scene.hpp"
#include "engine/render/map.hpp"

namespace sandtable {

class TourPlayer {
public:
    // `jurisdictions` (WGS84) place the squad and district stops.
    TourPlayer(WallSpec spec, Map& map, const std::vector<Jurisdiction>& jurisdictions);

    // Advances by real seconds; `operatorActive`: input arrived since the last call.
    void advance(double realSeconds, bool operatorActive);
    bool empty() const { return spec_.tour.empty(); }
    bool paused() const { return idle_ < spec_.resumeAfterSeconds; }
    size_t stopIndex() const { return stop_; }
    const TourStop* current() const { return spec_.tour.empty() ? nullptr : &spec_.tour[stop_]; }
    // Starts stop i now (tests, a wall preset).
    void go(size_t i);

    struct Target {
        Vec2d center;  // display CRS
        double resolution = 1, rotation = 0;
    };
    // Where a stop puts the camera at the map's current viewport size.
    Target targetOf(const TourStop& stop) const;

private:
    WallSpec spec_;
    Map& map_;
    std::vector<std::pair<std::string, BBox>> squadBoxes_;  // display CRS
    BBox district_;
    std::vector<std::pair<std::string, bool>> sceneVisibility_;
    size_t stop_ = 0;
    double dwell_ = 0;   // seconds spent at the current stop
    double idle_ = 1e9;  // seconds since the operator last touched the wall
    bool started_ = false;
};

}  // namespace sandtable
