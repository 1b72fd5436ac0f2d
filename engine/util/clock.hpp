#pragma once
// Time values of the engine: milliseconds since the Unix epoch (UTC). Frame time comes
// from the host's TimeController (engine/time); wallClockMs() is the real clock, for
// what is real: a live feed's "now", receive stamps, the live mode of the controller.
#include <cstdint>

namespace sandtable {

using TimeMs = int64_t;

TimeMs wallClockMs();

}  // namespace sandtable
