#pragma once
// The squads' jurisdictions (polygons) and the NFC patrol checkpoints, read through OGR
// from any vector format: used by the simulator, the indicators and the map.
#include <string>
#include <vector>

#include "engine/util/math.hpp"

namespace sandtable {

struct Jurisdiction {
    std::string squad, name;
    std::vector<std::vector<Vec2d>> rings;  // WGS84 lon/lat; all rings of all parts (even-odd)
    BBox bbox;
    bool contains(Vec2d lonLat) const;
};

struct Checkpoint {
    std::string id, squad;
    int level = 1;
    Vec2d lonLat;
};

// Reads polygons with a `squad` (and optional `name`) property, any OGR vector format,
// reprojected to WGS84 lon/lat when the file says another CRS. Throws std::runtime_error
// naming the file and the reason.
std::vector<Jurisdiction> loadJurisdictions(const std::string& path);
// Reads points with `id`, `squad`, `level`: point features, or rows with lon/lat columns
// (the records' checkpoints.csv). Throws like loadJurisdictions. A row that is not a
// checkpoint (no position, a bad number, outside lon/lat range, no id or squad, a level
// not 1..3) is skipped and logged with its reason, and counted in *skipped.
std::vector<Checkpoint> loadCheckpoints(const std::string& path, size_t* skipped = nullptr);
// Checkpoints every ~spacingM along the district's southern edge (where a step south
// leaves every jurisdiction: Suzhou Creek in Putuo), levels cycling 1, 2, 3.
std::vector<Checkpoint> deriveCheckpoints(const std::vector<Jurisdiction>& jurisdictions, double spacingM = 800.0);
// Rectangles tiling Putuo's bounding box in rows of five, one per squad id (default: the
// ten of defaultSquadIds()), for tests and a scene with no jurisdictions.
std::vector<Jurisdiction> syntheticJurisdictions(const std::vector<std::string>& squads);
std::vector<Jurisdiction> syntheticJurisdictions();

}  // namespace sandtable
