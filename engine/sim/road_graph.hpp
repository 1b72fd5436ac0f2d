#pragma once
// The walkable road network inside one jurisdiction, for the simulator's patrols
// (docs/feed.md#simulator). Nodes are the road lines' vertices, merged where lines share
// one (the sample's roads are noded at junctions: sandtable-mkdata keeps every line's end
// vertices); edges run along the lines between consecutive vertices, both ends and the
// midpoint inside the jurisdiction, so a beat ends at its boundary. Pieces of network that
// are at most `joinM` apart are joined by a short straight walk (the minor streets the
// major-road extract lacks), closest pairs first; what is left over and shorter than
// `minComponentM` in total is dropped (an officer would pace a stub). Built the same way
// for the same input: node order follows the road file.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/data/jurisdictions.hpp"
#include "engine/data/roads.hpp"

namespace sandtable {

struct RoadGraphOptions {
    double joinM = 150.0;
    double minComponentM = 300.0;
};

class RoadGraph {
public:
    RoadGraph() = default;
    // kx, ky: metres per degree of longitude and latitude (the simulator's flat-earth scale).
    RoadGraph(const Jurisdiction& j, const std::vector<RoadLine>& roads, double kx, double ky,
              const RoadGraphOptions& opts = {});

    // Motorways and trunk roads are not walked: in Shanghai's OSM data the trunk roads are
    // the elevated expressways (中环路, 内环高架路...), and a patrol on foot stays on the
    // surface roads.
    static bool walkable(const std::string& roadClass);

    bool empty() const { return nodes_.empty(); }
    size_t size() const { return nodes_.size(); }
    Vec2d lonLat(uint32_t n) const { return nodes_[n].lonLat; }
    const std::vector<uint32_t>& neighbours(uint32_t n) const { return nodes_[n].next; }
    // The node nearest to a point and its distance in metres ({-1, +inf} when empty).
    std::pair<int32_t, double> nearest(Vec2d lonLat) const;
    // The nodes after `from` up to and including `to` along a shortest path; empty when
    // to == from or `to` cannot be reached.
    std::vector<uint32_t> path(uint32_t from, uint32_t to) const;
    // Metres between two nodes (straight: an edge, or any two for a heuristic).
    double distanceM(uint32_t a, uint32_t b) const;
    double lengthM() const { return lengthM_; }  // every edge once, joins included
    size_t joins() const { return joins_; }      // straight walks added between pieces

private:
    struct Node {
        Vec2d lonLat, m;  // m: metres east/north of origin_
        std::vector<uint32_t> next;
    };
    std::vector<Node> nodes_;
    Vec2d origin_;
    double kx_ = 1, ky_ = 1;
    double lengthM_ = 0;
    size_t joins_ = 0;
};

}  // namespace sandtable
