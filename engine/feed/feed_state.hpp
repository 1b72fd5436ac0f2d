#pragma once
// The officer state the feed maintains: latest fix per officer, every officer's track
// (engine/tracks/track_store.hpp, bounded by a memory budget), check-ins, incidents,
// counters and rejected-line samples. Single-threaded by design:
// FeedPipeline owns one on its ingest thread and publishes copies (FeedSnapshot);
// headless tools and benchmarks use it directly.
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/feed/protocol.hpp"
#include "engine/tracks/track_store.hpp"

namespace sandtable {

constexpr TimeMs kNoCutoff = std::numeric_limits<TimeMs>::max();

struct OfficerState {
    std::string id;
    uint32_t slot = 0;  // stable index: officers are never removed
    uint8_t squad = 0;  // index into FeedConfig::squads
    OfficerStatus status = OfficerStatus::Patrol;
    double lon = 0, lat = 0;                           // WGS84 of the newest fix
    float speed = NAN, heading = NAN, accuracy = NAN;  // NaN: not reported
    TimeMs lastSeen = 0;                               // "t" of the newest fix
    TimeMs receivedAt = 0;                             // wall clock when the newest fix arrived
    uint64_t version = 0;                              // FeedState::version() when the marker last changed
    uint32_t fixes = 0;  // position messages accepted (late ones included) or restored from history

    // Silent for longer than staleAfterMs at scene time `now`. Stale officers stay listed.
    bool stale(TimeMs now, TimeMs staleAfterMs) const { return now - lastSeen > staleAfterMs; }
    // Can be sent to an incident: on duty and heard from recently.
    bool available(TimeMs now, TimeMs staleAfterMs) const {
        return status != OfficerStatus::Offline && status != OfficerStatus::Break && !stale(now, staleAfterMs);
    }
};

struct CheckIn {
    std::string checkpoint, officer;
    TimeMs t = 0;
};

struct Incident {
    std::string id, kind;
    bool open = true;
    bool hasSquad = false;
    uint8_t squad = 0;
    double lon = 0, lat = 0;
    TimeMs t = 0;  // of the newest message about it
    uint64_t version = 0;
};

struct RejectSample {
    RejectReason reason = RejectReason::MalformedJson;
    std::string source;   // transport name or file
    uint64_t lineNo = 0;  // line in file / stream, datagram or message number
    std::string detail;   // which field
    std::string excerpt;  // start of the line (160 bytes at most)
};

struct FeedCounters {
    uint64_t lines = 0;     // every non-empty line seen
    uint64_t accepted = 0;  // positions + checkins + incidents (late ones included)
    uint64_t positions = 0, checkins = 0, incidents = 0;
    uint64_t late = 0;        // older than the newest: track only, marker unchanged
    uint64_t duplicates = 0;  // exact repeats: ignored
    uint64_t skipped = 0;     // valid but after the ingest cutoff (headless --at)
    uint64_t rejected = 0;
    std::array<uint64_t, kRejectReasonCount> rejectedBy{};
    uint64_t restored = 0;  // positions loaded from the history store at start (not lines)
    // Officers re-anchored: two fixes in a row agreed with each other but not with the last
    // accepted one, which was the outlier; the second was accepted (docs/feed.md).
    uint64_t reanchored = 0;
    TimeMs firstMessageTime = 0;  // oldest accepted "t" (0: none yet)
    TimeMs lastMessageTime = 0;   // newest accepted "t"
    TimeMs lastReceivedAt = 0;    // wall clock of the newest accepted line
};

// The same counts for one source (a transport's name, a file; "pipeline" for lines the
// pipeline refused before any parsing, e.g. a full inbox), for the health metrics
// (docs/reliability.md#health-and-metrics). FeedState keeps at most kMaxFeedSources apart;
// any source after those is counted under "other", so that a label stays bounded.
struct SourceCounters {
    std::string source;
    uint64_t lines = 0;     // non-empty lines seen
    uint64_t accepted = 0;  // late ones included
    uint64_t late = 0, duplicates = 0, rejected = 0;
    std::array<uint64_t, kRejectReasonCount> rejectedBy{};
};
constexpr size_t kMaxFeedSources = 32;

enum class IngestOutcome : uint8_t { Accepted, Late, Duplicate, Rejected, Skipped, Empty };

class FeedState {
public:
    explicit FeedState(FeedConfig config = {});

    // Parses, validates and applies one line (a trailing '\r' is ignored, an empty line
    // does nothing). Never throws for bad input: the outcome and counters say what
    // happened. Lines whose "t" (after timeShiftMs) is later than `cutoff` are Skipped.
    IngestOutcome ingestLine(std::string_view line, std::string_view source, uint64_t lineNo, TimeMs now,
                             TimeMs cutoff = kNoCutoff, TimeMs timeShiftMs = 0, TimeMs receivedAt = 0);
    // The same for a message another front end extracted (the CSV importer): validated by
    // FeedParser::validate, then applied like a line. `excerpt` is what a reject sample
    // shows (and what line_too_long measures).
    IngestOutcome ingestMessage(const RawMessage& raw, std::string_view source, uint64_t lineNo,
                                std::string_view excerpt, TimeMs now, TimeMs cutoff = kNoCutoff);
    // Counts a line refused before parsing (e.g. by a full queue).
    void reject(RejectReason reason, std::string_view source, uint64_t lineNo, std::string_view detail,
                std::string_view line);
    // Counts bytes a transport received but could not make a line of (the tail of a reset
    // stream, an empty datagram): one more line seen, refused with `reason`.
    void rejectLine(RejectReason reason, std::string_view source, uint64_t lineNo, std::string_view detail,
                    std::string_view bytes) {
        ++counters_.lines;
        reject(reason, source, lineNo, detail, bytes);
    }

    const FeedConfig& config() const { return config_; }
    uint64_t version() const { return version_; }
    const std::vector<OfficerState>& officers() const { return officers_; }
    std::optional<uint32_t> slotOf(std::string_view officerId) const;
    // Every officer's track (slot = OfficerState::slot), within FeedConfig::trackBudgetBytes.
    const TrackStore& tracks() const { return tracks_; }
    // An immutable view of the tracks for a snapshot (cached while nothing changed).
    std::shared_ptr<const TrackView> tracksView() { return tracks_.view(); }

    // History recording: when on, every accepted position (late ones included, repeats of
    // a held fix excluded) is also queued for the history store; takeHistory() hands the
    // queue over (the pipeline passes it to HistoryStore::append).
    void setRecordHistory(bool on) { recordHistory_ = on; }
    std::vector<HistoryRecord> takeHistory() { return std::exchange(pendingHistory_, {}); }
    size_t pendingHistory() const { return pendingHistory_.size(); }

    // Fills the tracks from the history store (`load` adds fixes to the store it is given,
    // e.g. HistoryStore::load) and brings back the officers it names: a restart keeps the
    // trails, and every officer shows at its last known place (stale until it reports).
    // Restored fixes are not recorded again. Returns the number of fixes stored.
    size_t restore(const std::function<void(TrackStore&)>& load);
    const std::deque<CheckIn>& checkins() const { return checkins_; }
    uint64_t checkinsVersion() const { return checkinsVersion_; }
    const std::vector<Incident>& incidents() const { return incidents_; }
    uint64_t incidentsVersion() const { return incidentsVersion_; }
    const FeedCounters& counters() const { return counters_; }
    const std::array<std::deque<RejectSample>, kRejectReasonCount>& samples() const { return samples_; }
    // Counts per source, in the order the sources were first seen.
    const std::vector<SourceCounters>& sources() const { return sources_; }

    size_t countStale(TimeMs now) const;
    // Accepted position fixes per minute of data time (the timeline's activity), the last
    // kActivityBuckets minutes that have any.
    static constexpr TimeMs kActivityBucketMs = 60 * 1000;
    static constexpr size_t kActivityBuckets = 60 * 24 * 31;
    const std::map<int64_t, uint32_t>& activity() const { return activity_; }
    uint64_t activityVersion() const { return activityVersion_; }

private:
    void countActivity(TimeMs t);
    SourceCounters& sourceCounters(std::string_view source);
    IngestOutcome applyParsed(const ParseResult& r, std::string_view source, uint64_t lineNo, std::string_view line,
                              TimeMs cutoff, TimeMs receivedAt);
    void record(const OfficerState& o, const FeedMessage& m, OfficerStatus status);
    IngestOutcome applyPosition(const FeedMessage& m, std::string_view source, uint64_t lineNo, std::string_view line,
                                TimeMs receivedAt);
    IngestOutcome applyCheckIn(const FeedMessage& m);
    IngestOutcome applyIncident(const FeedMessage& m);

    struct StringHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    FeedConfig config_;
    FeedParser parser_;
    FeedMessage msg_;
    uint64_t version_ = 0;
    std::vector<OfficerState> officers_;
    TrackStore tracks_;
    bool recordHistory_ = false;
    std::vector<HistoryRecord> pendingHistory_;
    std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> slots_;
    // Per officer slot: the newest fix refused as too fast from the last accepted one
    // (the next fix agreeing with it re-anchors the officer).
    std::unordered_map<uint32_t, PositionFix> suspects_;
    std::deque<CheckIn> checkins_;
    std::unordered_set<std::string, StringHash, std::equal_to<>> checkinKeys_;
    uint64_t checkinsVersion_ = 0;
    std::vector<Incident> incidents_;
    uint64_t incidentsVersion_ = 0;
    FeedCounters counters_;
    std::vector<SourceCounters> sources_;
    size_t lastSource_ = 0;  // the source of the previous line (almost always the next one's)
    std::array<std::deque<RejectSample>, kRejectReasonCount> samples_;
    std::map<int64_t, uint32_t> activity_;  // minute -> fixes
    uint64_t activityVersion_ = 0;
};

// Ground distance in metres between nearby WGS84 points by a local equirectangular
// approximation: within 0.1 % of the geodesic over a city, and ~50x cheaper, so it is
// what per-message checks and the spatial index use.
double localDistanceM(double lon1, double lat1, double lon2, double lat2);

}  // namespace sandtable
