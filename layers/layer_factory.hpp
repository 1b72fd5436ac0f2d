#pragma once
// Builds a Map from a parsed scene: one layer per scene entry, by type. A bad style or
// option fails the scene (SceneError naming file and key); a layer whose source cannot
// be read is reported in `errors` and left out, and the other layers still draw.
#include <memory>
#include <string>
#include <vector>

#include "engine/data/scene.hpp"
#include "engine/render/map.hpp"

namespace sandtable {

// Requires a current GL context. Throws SceneError for scene mistakes.
std::unique_ptr<Map> buildMap(const SceneSpec& scene, std::vector<std::string>& errors);

}  // namespace sandtable
