#pragma once
// Renders a map frame into an offscreen target and reads it back: the path used by the
// headless renderer, briefing exports, golden-image tests and benchmarks.
#include <functional>

#include "engine/render/map.hpp"
#include "engine/util/image.hpp"

namespace sandtable {

// UI/pixel scale for an output size: 1 at 1080p-class outputs, 2 at 4K.
float pixelRatioFor(int width, int height);
// A wall monitor's: type readable from 5 m (12 px labels x ratio >= 1/45 of the monitor's
// height), never below pixelRatioFor.
float wallPixelRatio(int monitorWidth, int monitorHeight);
// The share of a wall monitor's height kept at the bottom for its status strip.
inline constexpr float kWallStripFraction = 0.045f;

// Renders one frame at width x height and returns the image (top row first).
// Calls glFinish so that timings around it include the GPU work.
Image renderOffscreen(Map& map, const FrameState& frame, int width, int height);
// The frame as given, not made a still: an interactive frame as a window draws it
// (previews, interims and background loads show as they would there).
Image renderInteractive(Map& map, const FrameState& frame, int width, int height);

// One rectangle of a canvas: the frame prepared for the whole canvasWidth x canvasHeight
// (labels, legend, heat normalisation placed on the canvas) and only `rect` drawn (a wall
// node's monitor, bezels left out), at pixelRatio (0: pixelRatioFor the canvas). Returns
// rect's pixels.
Image renderCanvasRect(Map& map, const FrameState& frame, int canvasWidth, int canvasHeight, const PixelRect& rect,
                       float pixelRatio = 0);

// The same frame, prepared once for the whole width x height canvas and drawn tile by
// tile (at most tileWidth x tileHeight each) into one image: canvases larger than the
// GPU's largest framebuffer, and the proof that any rectangle of a prepared canvas draws
// as the single render does (labels, legend, heat normalisation included).
// `progress`, if set, is called after each tile with (tiles done, tiles in all).
Image renderTiled(Map& map, const FrameState& frame, int width, int height, int tileWidth, int tileHeight,
                  const std::function<void(int, int)>& progress = {});

}  // namespace sandtable
