#include "engine/util/clock.hpp"

#include <chrono>

namespace sandtable {

TimeMs wallClockMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace sandtable
