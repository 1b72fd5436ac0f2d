#pragma once
// Dispatch assist: the K nearest available officers to a point, with geodesic distance
// and a walking-time estimate. Backed by a uniform grid in local metres over the feed
// area, built from a snapshot's officers in O(N); queries visit grid rings outwards and
// stop once no unvisited cell can hold a closer officer.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/feed/feed_state.hpp"

namespace sandtable {

struct WalkModel {
    double speedMps = 1.3;      // urban walking pace of an officer on foot
    double detourFactor = 1.3;  // street network vs straight line, typical for a city grid
    double seconds(double geodesicM) const { return geodesicM * detourFactor / speedMps; }
};

struct DispatchCandidate {
    uint32_t slot = 0;  // OfficerState::slot
    std::string officer;
    uint8_t squad = 0;
    OfficerStatus status = OfficerStatus::Patrol;
    double lon = 0, lat = 0;
    double distanceM = 0;  // geodesic (WGS84 ellipsoid)
    double walkSeconds = 0;
    TimeMs lastSeen = 0;
};

class DispatchIndex {
public:
    // Indexes the officers that are available at `now` (status not offline/break, not
    // stale). `area` is the grid extent (FeedConfig::area); points outside are clamped
    // into the border cells, so correctness does not depend on it.
    DispatchIndex(const std::vector<OfficerState>& officers, TimeMs now, TimeMs staleAfterMs, const BBox& area,
                  double cellMetres = 250.0);

    // Up to k candidates, nearest first (ties by slot). `accept` optionally filters
    // (e.g. one squad).
    std::vector<DispatchCandidate> nearest(Vec2d lonLat, size_t k,
                                           const std::function<bool(const OfficerState&)>& accept = {},
                                           const WalkModel& walk = {}) const;

    size_t size() const { return points_.size(); }

private:
    struct Point {
        double x, y;     // local metres
        uint32_t index;  // into officers_
    };
    Vec2d toLocal(Vec2d lonLat) const;
    int cellX(double x) const;
    int cellY(double y) const;

    const std::vector<OfficerState>* officers_;
    double lon0_, lat0_, kx_, ky_, cell_;
    int nx_ = 1, ny_ = 1;
    std::vector<uint32_t> cellStart_;  // CSR: points of cell c are points_[cellStart_[c] .. cellStart_[c+1])
    std::vector<Point> points_;
};

// Reference implementation for tests: a linear scan with the same rules.
std::vector<DispatchCandidate> nearestBruteForce(const std::vector<OfficerState>& officers, TimeMs now,
                                                 TimeMs staleAfterMs, Vec2d lonLat, size_t k,
                                                 const WalkModel& walk = {});

}  // namespace sandtable
