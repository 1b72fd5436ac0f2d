#pragma once
// The squads' indicators exactly as docs/domain.md defines them (formulas and every
// choice where it is silent: docs/kpi.md): the four complaint rates, check-in and
// inspection completion, case figures and quality, training attendance, the performance
// index with rank and lagging squads, per squad and for the district (pooled counts),
// for any period [from, to) and time of evaluation. Plus what the map and panels show
// live: each checkpoint's current window, overdue inspection objects, an alert list and
// trends over earlier periods of the same length. GL-free; plain result structs.
//
// Local time is Asia/Shanghai, a fixed UTC+8 (no daylight saving since 1991), so a local
// day is always 24 h and the duty day 08:00-24:00 local is 00:00-16:00 UTC.
#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "engine/data/jurisdictions.hpp"
#include "engine/data/squads.hpp"
#include "engine/feed/feed_state.hpp"
#include "engine/indicators/records.hpp"
#include "engine/indicators/weights.hpp"
#include "engine/util/i18n_text.hpp"

namespace sandtable::indicators {

constexpr TimeMs kHourMs = 3600000LL, kDayMs = 24 * kHourMs;
constexpr int kLocalOffsetMinutes = 8 * 60;           // Asia/Shanghai
constexpr TimeMs kFirstContactLimitMs = 2 * kHourMs;  // "within 2 hours": 2 h exactly counts
constexpr TimeMs kDueWarningMs = 30 * 60000LL;        // a window with less than this left is "due"
constexpr double kLaggingPoints = 5.0;                // more than this below the mean: lagging

// Half-open [from, to), instants (ms since the epoch).
struct Period {
    TimeMs from = 0, to = 0;
    bool contains(TimeMs t) const { return t >= from && t < to; }
    bool operator==(const Period&) const = default;
};

// A rate's numerator and denominator; no denominator is "no data", never 0 or 100 %.
struct Ratio {
    double num = 0, den = 0;
    std::optional<double> value() const {
        if (den > 0) return num / den;
        return std::nullopt;
    }
    void add(const Ratio& o) {
        num += o.num;
        den += o.den;
    }
};

// One squad's figures, or the district's (pooled).
struct Figures {
    Ratio firstContact, onTime, resolution, satisfaction, checkin, inspection;
    Ratio caseQuality;  // sum of review scores / reviewed cases: the mean score, 0..100
    int64_t casesOpened = 0, nonSiteCases = 0, casesExcellent = 0, casesGood = 0, casesFailing = 0;
    int64_t missedCheckins = 0, overdueInspections = 0, trainingAttendance = 0;
    std::array<std::optional<double>, kSubScoreCount> subScores{};  // each in [0, 1]; no data: empty
    std::optional<double> index;                                    // 0..100
};

struct SquadFigures : Figures {
    size_t squad = 0;             // index into the catalogue
    std::optional<int> rank;      // 1 = best; empty when the index has no data
    std::optional<bool> lagging;  // empty when the index has no data
};

struct Result {
    Period period;
    TimeMs at = 0;                     // time of evaluation
    std::vector<SquadFigures> squads;  // catalogue order
    Figures district;
    std::optional<double> meanIndex;  // of the squads with an index (the lagging rule's mean)
};

// A checkpoint's duty window at a time T.
enum class WindowState : uint8_t {
    Met,        // a check-in inside the window at or before T
    Due,        // in progress, no check-in yet, less than 30 min left
    NotYetDue,  // in progress, no check-in yet, 30 min or more left
    Missed      // ended without a check-in (only off duty: the day's last window)
};
const char* windowStateName(WindowState s);

struct CheckpointStatus {
    size_t checkpoint = 0;  // index into Records::checkpoints
    std::string id;
    size_t squad = 0;
    int level = 1;
    Vec2d lonLat;
    WindowState state = WindowState::NotYetDue;
    bool onDuty = true;  // T inside 08:00-24:00; else the window is the last one that ended
    TimeMs windowStart = 0, windowEnd = 0;
    std::optional<TimeMs> lastCheckin;  // the latest at or before T (any window)
    int missedToday = 0;                // windows of T's duty day that ended unmet by T
};

struct OverdueObject {
    size_t object = 0;  // index into Records::objects
    std::string id;
    size_t squad = 0;
    ObjectKind kind = ObjectKind::Shop;
    RiskColour colour = RiskColour::Green;
    Vec2d lonLat;
    std::optional<TimeMs> lastInspection;  // at or before T
    TimeMs dueAt = 0;                      // last inspection (or the period start) + cycle
    double daysOverdue = 0;
};

enum class AlertKind : uint8_t { LaggingSquad, MissedCheckin, OverdueInspection, DueCheckin };
const char* alertKindName(AlertKind k);

struct Alert {
    AlertKind kind = AlertKind::MissedCheckin;
    size_t squad = 0;
    std::string subject;          // checkpoint id, object id or squad id
    std::optional<Vec2d> lonLat;  // WGS84; a lagging squad: its jurisdiction's centre when known
    TimeMs since = 0;             // window end (missed), window end (due: the deadline), due date, period end
    I18nText text;                // one line for the wall, both languages
};

// Evaluates indicators over one set of records plus the check-ins that arrive live.
// Build once (it indexes check-ins and inspections by checkpoint and object); queries
// are const and cheap enough to call every second from the render thread.
class Evaluator {
public:
    Evaluator(Records records, SquadCatalogue squads, IndexWeights weights = {});

    // Check-ins from the feed ("type":"checkin"): they count from the moment they are
    // added. One with the same (checkpoint, officer, at) as a recorded or earlier live
    // one counts once; one naming an unknown checkpoint is counted in liveUnknown()
    // and ignored. Returns how many were new.
    size_t addLiveCheckins(std::span<const CheckinRecord> live);
    // Whether this check-in (checkpoint, officer, at) is already counted, or can never
    // count (its checkpoint is not in the records).
    bool knows(const std::string& checkpoint, const std::string& officer, TimeMs at) const {
        return !records_.checkpointIndex(checkpoint) || checkinKeys_.count({checkpoint, officer, at}) > 0;
    }
    size_t liveAccepted() const { return liveAccepted_; }
    size_t liveDuplicates() const { return liveDuplicates_; }
    size_t liveUnknown() const { return liveUnknown_; }

    Result compute(Period period, TimeMs at) const;
    // The same indicators for the `count` periods ending with `period` (oldest first; the
    // last is `period` evaluated at `at`, the earlier ones at their own end). Whole
    // calendar months step by months; any other period by its length.
    std::vector<Result> trends(Period period, TimeMs at, int count) const;
    std::vector<CheckpointStatus> checkpointStatus(TimeMs t) const;
    // Objects overdue at t; `periodStart` is where the cycle of a never-inspected object starts.
    std::vector<OverdueObject> overdueObjects(TimeMs periodStart, TimeMs t) const;
    // Lagging squads, missed and due check-ins of the duty day of `at`, overdue objects at
    // `at`; most serious kind first. `jurisdictions` (optional) place lagging squads.
    std::vector<Alert> alerts(Period period, TimeMs at, const std::vector<Jurisdiction>* jurisdictions = nullptr) const;

    const Records& records() const { return records_; }
    const SquadCatalogue& squads() const { return squads_; }
    const IndexWeights& weights() const { return weights_; }

private:
    void checkinWindows(size_t checkpoint, Period p, TimeMs at, Ratio& r) const;
    bool hasCheckin(size_t checkpoint, TimeMs from, TimeMs toExclusive) const;
    void finish(Figures& f) const;

    Records records_;
    SquadCatalogue squads_;
    IndexWeights weights_;
    std::vector<std::vector<TimeMs>> checkinTimes_;     // per checkpoint, sorted
    std::vector<std::vector<TimeMs>> inspectionTimes_;  // per object, sorted
    std::set<std::tuple<std::string, std::string, TimeMs>> checkinKeys_;
    size_t liveAccepted_ = 0, liveDuplicates_ = 0, liveUnknown_ = 0;
};

// The feed's check-ins (FeedSnapshot::checkins, "type":"checkin") as records for
// Evaluator::addLiveCheckins; adding the whole list again each second is fine (repeats
// count once).
std::vector<CheckinRecord> checkinsFromFeed(std::span<const CheckIn> feed);

// One-shot form: indicators of `records` for `period` evaluated at `at`.
Result compute(const Records& records, const SquadCatalogue& squads, Period period, TimeMs at,
               const IndexWeights& weights = {}, std::span<const CheckinRecord> liveCheckins = {});

// The duty windows of a checkpoint level: 2, 4 or 8 hours; 8, 4 or 2 a day.
constexpr TimeMs windowLengthMs(int level) { return (level == 1 ? 2 : level == 2 ? 4 : 8) * kHourMs; }
// Local (UTC+8) calendar day number of an instant (days since 1970-01-01 local).
int64_t localDay(TimeMs t);
// The instant of local midnight starting local day `day`.
constexpr TimeMs localMidnight(int64_t day) { return day * kDayMs - kLocalOffsetMinutes * 60000LL; }

}  // namespace sandtable::indicators
