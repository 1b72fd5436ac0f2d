#pragma once
// Builds a Map from a parsed scene: one layer per scene entry, by type (each layer's own
// file parses its entry). A bad style or option fails the scene (SceneError naming file
// and key); a layer whose source cannot be read is reported in `errors` and left out, and
// the other layers still draw.
#include <memory>
#include <string>
#include <vector>

#include "engine/data/scene.hpp"
#include "engine/render/map.hpp"

namespace sandtable {

class FeedPipeline;

// Points every officers layer (and the presence heatmaps) of the map at the feed; adds an
// officers layer (below the last layer, the decorations) when the scene has none, and a
// dispatch layer (dispatch assist, incidents) right above each officers layer.
void attachFeed(Map& map, const std::shared_ptr<FeedPipeline>& feed, int64_t staleAfterMs = 120000);

// Requires a current GL context. Throws SceneError for scene mistakes.
std::unique_ptr<Map> buildMap(const SceneSpec& scene, std::vector<std::string>& errors);

}  // namespace sandtable
