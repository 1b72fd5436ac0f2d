#include "engine/render/wall_frame.hpp"

namespace sandtable {

FrameState frameOf(const WallFrameState& s) {
    FrameState f;
    f.time = s.time;
    f.timeMode = s.replay ? FrameState::TimeMode::Replay : FrameState::TimeMode::Live;
    f.speed = s.speed;
    f.paused = s.paused;
    f.frameIndex = s.seq;
    f.insetBottom = static_cast<float>(s.insetBottom);
    f.wall = s.wall;
    return f;
}

WallFrameState wallStateOf(const Map& map) {
    const FrameState& f = map.prepared();
    const Camera& canvas = map.camera;
    WallFrameState s;
    s.seq = f.frameIndex;
    s.time = f.time;
    s.replay = f.timeMode == FrameState::TimeMode::Replay;
    s.paused = f.paused;
    s.speed = f.speed;
    s.centerX = canvas.center.x;
    s.centerY = canvas.center.y;
    s.resolution = canvas.resolution;
    s.rotation = canvas.rotation;
    s.canvasWidth = canvas.width;
    s.canvasHeight = canvas.height;
    s.pixelRatio = f.pixelRatio;
    s.insetBottom = static_cast<int>(f.insetBottom);
    s.wall = f.wall;
    s.english = f.language == Language::English;
    return s;
}

void applyWallState(const WallFrameState& s, Map& map) {
    map.language = s.english ? Language::English : Language::Chinese;
    Camera& c = map.camera;
    c.center = {s.centerX, s.centerY};
    c.resolution = s.resolution;
    c.rotation = s.rotation;
    c.width = s.canvasWidth;
    c.height = s.canvasHeight;
}

}  // namespace sandtable
