#include "engine/health/frame_stats.hpp"

#include <algorithm>

namespace sandtable::health {

void FrameStats::turn(TimeMs now) {
    ++turns;
    lastTurnAt = now;
}

void FrameStats::frame(double seconds, TimeMs now) {
    seconds = std::max(0.0, seconds);
    ++frames;
    lastSeconds = seconds;
    sumSeconds += seconds;
    lastFrameAt = now;
    const auto it = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);  // first bound >= seconds
    if (it == kBounds.end())
        ++overflow;
    else
        ++counts[static_cast<size_t>(it - kBounds.begin())];
}

}  // namespace sandtable::health
