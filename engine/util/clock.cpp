#include "engine/util/clock.hpp"

#include <cmath>

namespace sandtable {

TimeMs wallClockMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void Clock::tick(double realSeconds) {
    if (mode_ == Mode::Live) {
        now_ = wallClockMs();
        return;
    }
    if (paused_) return;
    fracMs_ += realSeconds * 1000.0 * scale_;
    const double whole = std::floor(fracMs_);
    now_ += static_cast<TimeMs>(whole);
    fracMs_ -= whole;
}

}  // namespace sandtable
