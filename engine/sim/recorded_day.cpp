#include "engine/sim/recorded_day.hpp"

#include <algorithm>

#include "engine/indicators/records.hpp"

namespace sandtable {

RecordedCheckins recordedCheckins(const std::string& recordsPath, const SquadCatalogue& squads, TimeMs from,
                                  TimeMs to) {
    const indicators::Records r = indicators::readRecords(recordsPath, squads);
    RecordedCheckins out;
    out.source = r.source;
    out.badRows = r.badRows.size();
    for (const indicators::CheckinRecord& c : r.checkins)
        if (c.at >= from && c.at < to) out.checkins.push_back({c.checkpoint, c.officer, c.at});
    std::stable_sort(out.checkins.begin(), out.checkins.end(),
                     [](const PlannedCheckin& a, const PlannedCheckin& b) { return a.at < b.at; });
    return out;
}

}  // namespace sandtable
