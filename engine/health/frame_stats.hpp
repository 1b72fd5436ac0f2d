#pragma once
// What the frame loop did, counted on the render thread without locks: frames drawn, the
// last frame's seconds, a histogram of frame seconds since the start, and when the loop
// last turned (it turns at least once a second, drawing or not: a stalled loop stops
// turning). A plain value: WallHealth copies it for the metrics endpoint.
#include <array>
#include <cstdint>

#include "engine/util/clock.hpp"

namespace sandtable::health {

struct FrameStats {
    // Upper bounds of the frame-seconds histogram's buckets: 60 and 30 fps, a stutter, a stall.
    static constexpr std::array<double, 11> kBounds{0.005, 0.010, 0.0167, 0.025, 0.0333, 0.050,
                                                    0.100, 0.250, 0.500,  1.0,   2.5};

    uint64_t frames = 0;                            // frames drawn
    double lastSeconds = 0;                         // the newest frame's time, from the end of the wait to the swap
    double sumSeconds = 0;                          // all frames' times added up
    std::array<uint64_t, kBounds.size()> counts{};  // frames per bucket (not cumulative)
    uint64_t overflow = 0;                          // frames above the last bound
    uint64_t turns = 0;                             // loop turns (drawn or not)
    TimeMs lastTurnAt = 0;                          // wall clock of the newest turn
    TimeMs lastFrameAt = 0;                         // wall clock of the newest frame
    // The engine's GPU buffers and textures (gl::memoryStats, set by the GL host each
    // turn); -1: not known (a host that does not set them).
    int64_t gpuBufferBytes = -1, gpuTextureBytes = -1;

    void turn(TimeMs now);
    void frame(double seconds, TimeMs now);
};

}  // namespace sandtable::health
