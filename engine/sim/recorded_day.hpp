#pragma once
// A simulated day that replays the records: the check-ins a records source (docs/kpi.md)
// holds for a time span, as SimConfig::plannedCheckins. The simulator walks each one's
// officer to its checkpoint to arrive at the recorded instant, so replaying the day shows
// the checkpoints turning met when the records say they did (docs/kpi.md#a-simulated-day).
#include <string>
#include <vector>

#include "engine/data/squads.hpp"
#include "engine/sim/simulator.hpp"

namespace sandtable {

struct RecordedCheckins {
    std::vector<PlannedCheckin> checkins;  // at in [from, to), in time order
    std::string source;
    size_t badRows = 0;  // of the whole records source (sandtable-kpi lists them)
};

// Throws indicators::RecordsError naming the source when it cannot be read.
RecordedCheckins recordedCheckins(const std::string& recordsPath, const SquadCatalogue& squads, TimeMs from, TimeMs to);

}  // namespace sandtable
