#pragma once
// The indicators' input: the bureau's records in the format of docs/domain.md, read
// through OGR from a folder of CSV files, a GeoPackage (one table per CSV name) or an
// Excel workbook (one sheet per table). A bad row is reported with its file, line and
// reason and left out; the other rows count. Rows are numbered as engine/data/record_table.hpp
// says (CSV: the file's line; XLSX: the sheet's row; GPKG: the fid).
#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/data/squads.hpp"
#include "engine/util/clock.hpp"
#include "engine/util/math.hpp"

namespace sandtable::indicators {

// The seven tables, in the order they are read (check-ins need the checkpoints,
// inspections the objects).
enum class Table : uint8_t { Complaints, Cases, Checkpoints, Checkins, Objects, Inspections, Training, Count };
constexpr size_t kTableCount = static_cast<size_t>(Table::Count);
const char* tableName(Table t);  // "complaints", ... (the CSV is tableName + ".csv")

// A whole source that cannot be read: missing folder or file, missing column.
struct RecordsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct BadRow {
    Table table = Table::Complaints;
    std::string file;  // "DIR/complaints.csv", "records.gpkg:complaints"
    int64_t line = 0;
    std::string reason;
    std::string text() const { return file + ":" + std::to_string(line) + ": " + reason; }
};

enum class Satisfaction : uint8_t { None, Satisfied, Unsatisfied };
enum class ObjectKind : uint8_t { Shop, Site, Heritage };
enum class RiskColour : uint8_t { Red, Yellow, Green };
const char* objectKindName(ObjectKind k);
const char* riskColourName(RiskColour c);
// The inspection cycle of a risk colour: red 7 days, yellow 30, green 90.
constexpr TimeMs cycleMs(RiskColour c) {
    return (c == RiskColour::Red ? 7 : c == RiskColour::Yellow ? 30 : 90) * 86400000LL;
}

// Every record keeps the row it came from, so a figure can be traced to its rows.
struct Complaint {
    std::string id;
    size_t squad = 0;  // index into the catalogue
    TimeMs receivedAt = 0, dueAt = 0;
    std::optional<TimeMs> firstContactAt, closedAt;
    std::optional<bool> resolved;
    Satisfaction satisfaction = Satisfaction::None;
    Vec2d lonLat;  // WGS84
    int64_t line = 0;
};

struct Case {
    std::string id;
    size_t squad = 0;
    TimeMs openedAt = 0;
    std::optional<TimeMs> closedAt;  // empty: still open
    bool nonSite = false;
    std::optional<double> reviewScore;  // 0..100
    Vec2d lonLat;
    int64_t line = 0;
};

struct CheckpointRecord {
    std::string id;
    size_t squad = 0;
    int level = 1;  // 1: every 2 h, 2: every 4 h, 3: every 8 h, from 08:00 to 24:00
    Vec2d lonLat;
    int64_t line = 0;
};

struct CheckinRecord {
    std::string checkpoint, officer;
    TimeMs at = 0;
    int64_t line = 0;  // 0: arrived live on the feed
};

struct InspectionObject {
    std::string id;
    size_t squad = 0;
    ObjectKind kind = ObjectKind::Shop;
    RiskColour colour = RiskColour::Green;
    Vec2d lonLat;
    int64_t line = 0;
};

struct InspectionRecord {
    std::string object;
    TimeMs at = 0;
    int64_t line = 0;
};

struct TrainingRecord {
    size_t squad = 0;
    TimeMs at = 0;
    int64_t attendees = 0;
    int64_t line = 0;
};

struct Records {
    std::string source;  // the folder or file read
    std::vector<Complaint> complaints;
    std::vector<Case> cases;
    std::vector<CheckpointRecord> checkpoints;
    std::vector<CheckinRecord> checkins;
    std::vector<InspectionObject> objects;
    std::vector<InspectionRecord> inspections;
    std::vector<TrainingRecord> training;
    std::vector<BadRow> badRows;
    std::array<size_t, kTableCount> rowsRead{};  // data rows seen per table, bad ones included
    // Check-in rows repeating an earlier (checkpoint, officer, at): one visit, counted once.
    size_t duplicateCheckins = 0;

    std::optional<size_t> checkpointIndex(const std::string& id) const;
    std::optional<size_t> objectIndex(const std::string& id) const;
};

struct ReadOptions {
    // Positions outside this box (WGS84) are bad rows: a swapped or zero lon/lat is caught.
    // Default: Putuo with a ~20 km margin, as the feed's FeedConfig::area.
    BBox area{121.15, 31.05, 121.65, 31.45};
};

// Reads a records source: a folder holding the seven CSV files, a .gpkg or a .xlsx.
// Throws RecordsError naming the folder, file or table and the reason when a table is
// missing or lacks a column; bad rows go to Records::badRows. A squad id not in the
// catalogue is a bad row.
Records readRecords(const std::string& path, const SquadCatalogue& squads, const ReadOptions& options = {});

}  // namespace sandtable::indicators
