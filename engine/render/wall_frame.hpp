#pragma once
// A wall node's frame from the leader's frame state and back (engine/time/wall_sync): the
// leader sends what it prepared its canvas with; every follower, headless or windowed,
// prepares the same canvas from it and draws its own tile.
#include "engine/render/layer.hpp"
#include "engine/render/map.hpp"
#include "engine/time/wall_sync.hpp"

namespace sandtable {

// The frame to prepare for a state (time, time mode, strip, theme).
FrameState frameOf(const WallFrameState& s);
// The state of the frame the map last prepared (its camera is the canvas); seq is the
// frame's index.
WallFrameState wallStateOf(const Map& map);
// The canvas camera and the language a state describes, set on the map.
void applyWallState(const WallFrameState& s, Map& map);

}  // namespace sandtable
