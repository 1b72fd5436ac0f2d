#pragma once
// Sample records for the indicators (docs/domain.md format, docs/kpi.md): a month and
// the months before it of complaints, cases, check-ins at the Suzhou Creek checkpoints,
// risk-graded inspection objects and their inspections, and training, for every squad,
// placed inside its jurisdiction. Squads differ in quality (so the ranking means
// something) and some drift over the months (so the trends do). A few deliberately bad
// rows, each with a different reason, exercise the bad-row reporting.
//
// Deterministic for a seed: one std::mt19937_64 per table (its output is fixed by the
// C++ standard) and our own uniform/normal/Poisson transforms, as engine/sim/simulator.cpp
// does (the standard distributions differ between libraries). The same inputs give
// byte-identical files.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/jurisdictions.hpp"
#include "engine/data/squads.hpp"

namespace sandtable {

struct RecordsGeneratorConfig {
    int year = 2024, month = 10;  // the last month generated (the report month)
    int months = 6;               // months generated, ending with `month`
    uint64_t seed = 20241031;
    bool badRows = true;  // append the deliberately bad rows (data/README.md lists them)
};

struct RecordsGeneratorStats {
    std::array<size_t, 7> rows{};  // per table, in docs/domain.md order, bad rows included
    size_t badRows = 0;
};

// One bad row written on purpose: its table and why a reader must refuse it.
struct PlannedBadRow {
    std::string table, reason;
};
// The bad rows generateRecords appends (with badRows set), in file order.
const std::vector<PlannedBadRow>& plannedBadRows();

// Writes complaints.csv, cases.csv, checkpoints.csv, checkins.csv, objects.csv,
// inspections.csv and training.csv into `outDir` (created if missing). `checkpoints`
// are written as they are (ids, squads, levels, positions) and get check-ins for every
// day. Throws std::runtime_error naming the file on an I/O error, or when a squad of the
// catalogue has no jurisdiction.
RecordsGeneratorStats generateRecords(const RecordsGeneratorConfig& config, const SquadCatalogue& squads,
                                      const std::vector<Jurisdiction>& jurisdictions,
                                      const std::vector<Checkpoint>& checkpoints, const std::string& outDir);

// checkpoints.csv alone (id, squad, level, lon, lat), for sandtable-mkdata, which places
// the checkpoints along the creek.
void writeCheckpointsCsv(const std::string& path, const std::vector<Checkpoint>& checkpoints);

}  // namespace sandtable
