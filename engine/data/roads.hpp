#pragma once
// Road centre lines for the simulator's road graph (engine/sim/road_graph.hpp), read
// through OGR from any vector format: the sample's data/putuo/roads.geojson (OSM major
// roads, sandtable-mkdata) or any other line layer.
#include <string>
#include <vector>

#include "engine/util/math.hpp"

namespace sandtable {

struct RoadLine {
    // "motorway", "trunk", "primary", "secondary" in the sample: the `class` property, or
    // OSM's `highway` with "_link" folded into its road; empty when the file has neither.
    std::string roadClass;
    std::vector<Vec2d> points;  // WGS84 lon/lat
};

// Reads every LineString / MultiLineString part of every layer, reprojected to WGS84
// lon/lat when the file says another CRS. Throws std::runtime_error naming the file and
// the reason (cannot be opened, no line features).
std::vector<RoadLine> loadRoads(const std::string& path);

}  // namespace sandtable
