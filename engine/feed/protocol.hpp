#pragma once
// The live feed's wire protocol: newline-delimited JSON, one message per line (see
// docs/feed.md). This header holds the vocabulary shared by the parser, the officer
// state, the transports and the simulator; parsing itself lives in FeedParser.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/clock.hpp"
#include "engine/util/math.hpp"

namespace sandtable {

enum class OfficerStatus : uint8_t { Patrol, Dispatched, Break, Offline };
constexpr size_t kOfficerStatusCount = 4;
const char* officerStatusName(OfficerStatus s);
bool parseOfficerStatus(std::string_view s, OfficerStatus& out);

enum class FeedMessageType : uint8_t { Position, CheckIn, Incident };

// Every reason a line can be refused, in the order the parser checks them. Each is
// counted separately so the operator can tell a broken sender from a hostile one.
enum class RejectReason : uint8_t {
    LineTooLong,      // longer than FeedConfig::maxLineBytes
    MalformedJson,    // not one JSON object, or trailing garbage
    UnknownType,      // "type" missing or not pos/checkin/incident
    MissingField,     // a required field is absent
    InvalidField,     // a field has the wrong JSON type or an impossible value
    BadTime,          // "t" neither ISO 8601 with offset nor epoch ms after 2000-01-01
    FutureTime,       // "t" later than now + FeedConfig::futureToleranceMs
    BadCoordinate,    // lon/lat not finite or outside [-180,180] x [-90,90]
    UnknownCrs,       // "crs" not wgs84/gcj02/cgcs2000
    OutsideArea,      // position outside FeedConfig::area
    UnknownSquad,     // squad id not in FeedConfig::squads
    UnknownStatus,    // status not patrol/dispatched/break/offline
    BadSpeed,         // reported speed negative or above FeedConfig::maxSpeedMps
    ImpliedSpeed,     // jump from the officer's previous fix faster than maxSpeedMps
    TooManyOfficers,  // a new officer id beyond FeedConfig::maxOfficers
    QueueOverflow,    // the pipeline's inbox was full (network transports only)
    Incomplete,       // a stream broke (connection reset) before the line's '\n'
    Count
};
constexpr size_t kRejectReasonCount = static_cast<size_t>(RejectReason::Count);
const char* rejectReasonName(RejectReason r);

// The ten Putuo squads (docs/domain.md), the default FeedConfig::squads.
const std::vector<std::string>& defaultSquadIds();

// Milliseconds since the epoch from ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|+HHMM)".
// An offset is required: a local time without one is ambiguous. False on any error.
bool parseIsoTime(std::string_view s, TimeMs& out);
// "2024-11-20T08:15:03+08:00" (or with .mmm when ms != 0) in the given offset.
std::string formatIsoTime(TimeMs t, int offsetMinutes = 8 * 60);

// Validation settings shared by the parser and the officer state.
struct FeedConfig {
    // Accepted positions (WGS84). Default: Putuo district with ~20 km margin, so that a
    // sender in the wrong datum or with swapped axes is caught, a neighbour is not.
    BBox area{121.15, 31.05, 121.65, 31.45};
    std::vector<std::string> squads = defaultSquadIds();
    double maxSpeedMps = 50.0;         // reported or implied by consecutive fixes
    double impliedSpeedSlackM = 30.0;  // GPS noise allowance added to speed * dt
    TimeMs futureToleranceMs = 5 * 60 * 1000;
    size_t maxLineBytes = 4096;
    size_t maxOfficers = 20000;
    TimeMs staleAfterMs = 120 * 1000;
    // Officer tracks in memory (engine/tracks/track_store.hpp): beyond this many bytes the
    // globally oldest points are dropped (the history store keeps them on disk).
    size_t trackBudgetBytes = size_t{256} << 20;
    size_t trackChunkPoints = 256;
    size_t maxCheckins = 10000;   // newest kept
    size_t maxIncidents = 2000;   // newest kept
    size_t samplesPerReason = 5;  // rejected lines kept per reason for the operator
};

// One parsed line. String views point into the FeedParser and are valid until its next
// parse() call; nothing here allocates.
struct FeedMessage {
    FeedMessageType type = FeedMessageType::Position;
    TimeMs t = 0;
    std::string_view officer;  // pos, checkin
    uint8_t squad = 0;         // pos (index into FeedConfig::squads); incident if hasSquad
    bool hasSquad = false;
    double lon = 0, lat = 0;  // WGS84 after datum conversion (pos, incident)
    OfficerStatus status = OfficerStatus::Patrol;
    bool hasStatus = false;                            // pos: absent status keeps the officer's previous one
    float speed = NAN, heading = NAN, accuracy = NAN;  // NaN: not reported
    std::string_view checkpoint;                       // checkin
    std::string_view id;                               // incident
    std::string_view kind;                             // incident
    std::string_view incidentState;                    // incident: "open" (default) or "closed"
};

// The fields of one message as a front end found them, before validation: the JSON
// parser fills it from a line, the CSV importer from a row, and FeedParser::validate
// applies the same rules (and the same reject reasons) to both. String views point into
// the caller's buffers.
struct RawMessage {
    std::string_view type, officer, squad, status, crs, checkpoint, id, kind, incidentState;
    bool hasType = false, hasSquad = false, hasStatus = false, hasCrs = false;
    bool hasT = false, tOk = false;  // tOk: "t" parsed (ISO 8601 with offset or integer ms)
    bool hasLon = false, hasLat = false;
    TimeMs t = 0;
    double lon = 0, lat = 0;
    double speed = NAN, heading = NAN, acc = NAN;  // NaN: absent
    // A front end's own finding while extracting (e.g. a CSV cell "abc" for lon is
    // bad_coordinate, as a JSON string there is): validate() reports it first.
    RejectReason extractError = RejectReason::Count;
    const char* extractDetail = "";
};

struct ParseResult {
    bool ok = false;
    RejectReason reason = RejectReason::MalformedJson;
    const char* detail = "";  // static string: which field, for the sample
};

// Parses and validates one line with simdjson (DOM). Stateless apart from buffers:
// checks that need the officer's previous fix (implied speed, duplicates) are done by
// FeedState. One parser per thread.
class FeedParser {
public:
    explicit FeedParser(const FeedConfig& config);
    ~FeedParser();
    FeedParser(const FeedParser&) = delete;
    FeedParser& operator=(const FeedParser&) = delete;

    // `now` is the reference for FutureTime; `timeShiftMs` is added to "t" first (replay
    // loops re-stamp messages that way).
    ParseResult parse(std::string_view line, TimeMs now, FeedMessage& out, TimeMs timeShiftMs = 0);

    // The checks after extraction (required fields, time, coordinates, datum, area, squad,
    // status, speed, heading, accuracy), for a message from another front end.
    ParseResult validate(const RawMessage& raw, TimeMs now, FeedMessage& out, TimeMs timeShiftMs = 0) const;

    // Cheap extraction of "t" only (replay pacing); false when absent or unparseable.
    bool peekTime(std::string_view line, TimeMs& out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    const FeedConfig& config_;
};

}  // namespace sandtable
