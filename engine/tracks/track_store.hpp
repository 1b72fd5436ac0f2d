#pragma once
// Officer tracks in memory (docs/history.md): per officer, time-ordered chunks of 14-byte
// points. TrackStore is single-threaded and owned by the feed's ingest side; it publishes
// TrackView objects, immutable and cheap to make (sealed chunks are shared by
// shared_ptr<const TrackChunk>, only each officer's open tail chunk is copied), so the
// render thread reads a view with no lock while ingest carries on.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/feed/protocol.hpp"

namespace sandtable {

constexpr TimeMs kTimeMin = std::numeric_limits<TimeMs>::min();
constexpr TimeMs kTimeMax = std::numeric_limits<TimeMs>::max();

// One decoded fix. Coordinates are WGS84; speed/heading/accuracy NaN when not reported.
struct PositionFix {
    TimeMs t = 0;
    double lon = 0, lat = 0;
    float speed = NAN, heading = NAN, accuracy = NAN;
    OfficerStatus status = OfficerStatus::Patrol;
};

// A fix with its officer and squad as the history store keeps them (squad: index into
// the store's squad list).
struct HistoryRecord {
    std::string officer;
    uint8_t squad = 0;
    PositionFix fix;
};

// ---- point encoding ----
// 14 bytes (seven uint16, so an array of points has no padding):
//   dt       int32   ms from the chunk's base time (a chunk spans at most +-24.8 days)
//   dlon,dlat int24  1e-7 degree (~1 cm) from the chunk's base position (+-0.84 degree)
//   attrs    uint32  speed 13 bits (cm/s, 8191 = absent), heading 9 bits (whole degrees,
//                    511 = absent), status 2 bits, accuracy 8 bits (metres, 254 = 254 m
//                    or more, 255 = absent)
// A point that does not fit its chunk's window (a silence of weeks, a jump of 80 km)
// starts a new chunk, so nothing is ever clamped except speed/accuracy beyond their range.
namespace track {
constexpr double kDegScale = 1e7;
inline int64_t encodeDeg(double deg) { return std::llround(deg * kDegScale); }
inline double decodeDeg(int64_t v) { return static_cast<double>(v) / kDegScale; }
// The value a coordinate has after a round trip through the store.
inline double quantiseDeg(double deg) { return decodeDeg(encodeDeg(deg)); }
constexpr int32_t kDeltaMax = (1 << 23) - 1, kDeltaMin = -(1 << 23);
constexpr uint32_t kSpeedAbsent = 8191, kHeadingAbsent = 511, kAccAbsent = 255;
uint32_t encodeAttrs(float speed, float heading, float accuracy, OfficerStatus status);
}  // namespace track

struct TrackPoint {
    uint16_t w[7];

    int32_t dt() const {
        return static_cast<int32_t>(static_cast<uint32_t>(w[0]) | (static_cast<uint32_t>(w[1]) << 16));
    }
    int32_t dlon() const {
        return signExtend24(static_cast<uint32_t>(w[2]) | (static_cast<uint32_t>(w[4] & 0xff) << 16));
    }
    int32_t dlat() const {
        return signExtend24(static_cast<uint32_t>(w[3]) | (static_cast<uint32_t>(w[4] >> 8) << 16));
    }
    uint32_t attrs() const { return static_cast<uint32_t>(w[5]) | (static_cast<uint32_t>(w[6]) << 16); }

    static TrackPoint make(int32_t dt, int32_t dlon, int32_t dlat, uint32_t attrs) {
        TrackPoint p;
        const auto udt = static_cast<uint32_t>(dt), ulon = static_cast<uint32_t>(dlon) & 0xffffffu,
                   ulat = static_cast<uint32_t>(dlat) & 0xffffffu;
        p.w[0] = static_cast<uint16_t>(udt & 0xffff);
        p.w[1] = static_cast<uint16_t>(udt >> 16);
        p.w[2] = static_cast<uint16_t>(ulon & 0xffff);
        p.w[3] = static_cast<uint16_t>(ulat & 0xffff);
        p.w[4] = static_cast<uint16_t>((ulon >> 16) | ((ulat >> 16) << 8));
        p.w[5] = static_cast<uint16_t>(attrs & 0xffff);
        p.w[6] = static_cast<uint16_t>(attrs >> 16);
        return p;
    }

private:
    static int32_t signExtend24(uint32_t v) { return static_cast<int32_t>(v & 0x800000u ? v | 0xff000000u : v); }
};
static_assert(sizeof(TrackPoint) == 14, "a track point is 14 bytes");

// A run of one officer's points in time order with its base time and position.
struct TrackChunk {
    TimeMs baseT = 0;
    int64_t baseLon = 0, baseLat = 0;  // 1e-7 degree
    std::vector<TrackPoint> points;

    size_t size() const { return points.size(); }
    bool empty() const { return points.empty(); }
    TimeMs timeAt(size_t i) const { return baseT + points[i].dt(); }
    TimeMs firstT() const { return timeAt(0); }
    TimeMs lastT() const { return timeAt(points.size() - 1); }
    PositionFix fix(size_t i) const;
    // First index with time >= t.
    size_t lowerBound(TimeMs t) const;
};

// A squad (re)assignment: from `t` on (until the next change) the officer is in `squad`.
struct SquadChange {
    TimeMs t = 0;
    uint8_t squad = 0;
};

// One officer's track as published: immutable.
struct OfficerTrack {
    std::vector<std::shared_ptr<const TrackChunk>> chunks;  // time order, not overlapping
    std::vector<SquadChange> squads;                        // time order
    size_t points = 0;
};

struct TrackStats {
    uint64_t points = 0;      // held now
    uint64_t bytes = 0;       // heap bytes of points (capacity) and chunk headers
    uint64_t chunks = 0;      // sealed + open
    uint64_t dropped = 0;     // points dropped for the budget, or refused as older than all held after it was reached
    uint64_t duplicates = 0;  // refused: same officer and t as a held point
    double bytesPerPoint = 0;
};

// Queries shared by TrackStore (its own chunks) and TrackView (published ones).
namespace track_detail {
// `get(i)` returns the i-th chunk (const TrackChunk&) of `n`, in time order.
template <class Get>
size_t firstChunkEndingAtOrAfter(size_t n, const Get& get, TimeMs t) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (get(mid).lastT() < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
template <class Get, class F>
void forEach(size_t n, const Get& get, TimeMs t0, TimeMs t1, F&& f) {
    for (size_t c = firstChunkEndingAtOrAfter(n, get, t0); c < n; ++c) {
        const TrackChunk& ch = get(c);
        if (ch.firstT() >= t1) return;
        for (size_t i = ch.lowerBound(t0); i < ch.size(); ++i) {
            if (ch.timeAt(i) >= t1) return;
            f(ch.fix(i));
        }
    }
}
// Last fix at or before t.
template <class Get>
std::optional<PositionFix> positionAt(size_t n, const Get& get, TimeMs t) {
    if (t == kTimeMax) return n ? std::optional<PositionFix>(get(n - 1).fix(get(n - 1).size() - 1)) : std::nullopt;
    size_t c = firstChunkEndingAtOrAfter(n, get, t + 1);  // first chunk with a point > t
    // The answer is in chunk c (a point <= t before its first point > t) or ends chunk c-1.
    if (c < n) {
        const TrackChunk& ch = get(c);
        const size_t i = ch.lowerBound(t + 1);
        if (i > 0) return ch.fix(i - 1);
    }
    if (c == 0) return std::nullopt;
    const TrackChunk& prev = get(c - 1);
    return prev.fix(prev.size() - 1);
}
int squadAt(const std::vector<SquadChange>& squads, TimeMs t);
}  // namespace track_detail

// An immutable snapshot of every officer's track. Safe to read from any thread.
class TrackView {
public:
    size_t slots() const { return tracks_.size(); }
    const std::string& officerId(uint32_t slot) const { return (*ids_)[slot]; }
    std::optional<uint32_t> slotOf(std::string_view officerId) const;  // linear
    const std::vector<std::string>& squadNames() const { return *squadNames_; }
    int squadIndex(std::string_view name) const;  // -1 when unknown

    size_t size(uint32_t slot) const { return slot < tracks_.size() ? tracks_[slot]->points : 0; }
    // The officer's last fix at or before t.
    std::optional<PositionFix> positionAt(uint32_t slot, TimeMs t) const;
    // Fixes with t0 <= t < t1, oldest first.
    std::vector<PositionFix> range(uint32_t slot, TimeMs t0, TimeMs t1) const;
    std::vector<PositionFix> fixes(uint32_t slot) const { return range(slot, kTimeMin, kTimeMax); }
    // Calls f(const PositionFix&) for each fix with t0 <= t < t1, oldest first (no copy).
    template <class F>
    void forEach(uint32_t slot, TimeMs t0, TimeMs t1, F&& f) const {
        if (slot >= tracks_.size()) return;
        const auto& cs = tracks_[slot]->chunks;
        track_detail::forEach(
            cs.size(), [&](size_t i) -> const TrackChunk& { return *cs[i]; }, t0, t1, f);
    }
    // The officer's squad at time t (index into squadNames()), -1 if it has no fix.
    int squadAt(uint32_t slot, TimeMs t) const {
        return slot < tracks_.size() ? track_detail::squadAt(tracks_[slot]->squads, t) : -1;
    }
    const OfficerTrack& track(uint32_t slot) const { return *tracks_[slot]; }

    TimeMs newestTime() const { return newest_; }  // kTimeMin when empty
    TimeMs oldestTime() const { return oldest_; }  // kTimeMax when empty
    const TrackStats& stats() const { return stats_; }
    uint64_t version() const { return version_; }  // TrackStore::version() when made

private:
    friend class TrackStore;
    std::vector<std::shared_ptr<const OfficerTrack>> tracks_;
    std::shared_ptr<const std::vector<std::string>> ids_;
    std::shared_ptr<const std::vector<std::string>> squadNames_;
    TimeMs newest_ = kTimeMin, oldest_ = kTimeMax;
    TrackStats stats_;
    uint64_t version_ = 0;
};

struct TrackStoreOptions {
    // Memory for points and chunk headers; beyond it the globally oldest chunks are
    // dropped first. 0: unlimited. The default holds ~18 M points (4 days of 400
    // officers reporting every 10 s).
    size_t budgetBytes = size_t{256} << 20;
    size_t chunkPoints = 256;  // points per chunk when sealed (>= 2)
};

enum class TrackInsert : uint8_t {
    Appended,   // newer than the officer's newest point
    Inserted,   // a late fix, placed in time order
    Duplicate,  // the officer already has a point at this t: dropped
    TooOld,     // the budget was reached and this is older than every point held: dropped
};

class TrackStore {
public:
    explicit TrackStore(std::vector<std::string> squadNames = defaultSquadIds(), TrackStoreOptions options = {});

    // A new officer's slot: 0, 1, 2... (the feed's OfficerState::slot). Ids must be new.
    uint32_t addOfficer(std::string_view id);
    // The officer's slot, added when unknown.
    uint32_t slotFor(std::string_view id);
    std::optional<uint32_t> slotOf(std::string_view id) const;
    size_t slots() const { return slots_.size(); }
    const std::string& officerId(uint32_t slot) const { return (*ids_)[slot]; }
    const std::vector<std::string>& squadNames() const { return *squadNames_; }
    int squadIndex(std::string_view name) const;

    TrackInsert add(uint32_t slot, const PositionFix& fix, uint8_t squad);

    size_t size(uint32_t slot) const;
    std::optional<PositionFix> last(uint32_t slot) const;
    std::optional<PositionFix> at(uint32_t slot, TimeMs t) const;          // exactly at t
    std::optional<PositionFix> before(uint32_t slot, TimeMs t) const;      // last with time < t
    std::optional<PositionFix> atOrAfter(uint32_t slot, TimeMs t) const;   // first with time >= t
    std::optional<PositionFix> positionAt(uint32_t slot, TimeMs t) const;  // last with time <= t
    std::vector<PositionFix> range(uint32_t slot, TimeMs t0, TimeMs t1) const;
    std::vector<PositionFix> fixes(uint32_t slot) const { return range(slot, kTimeMin, kTimeMax); }
    int squadAt(uint32_t slot, TimeMs t) const;

    TimeMs newestTime() const { return newest_; }
    TimeMs oldestTime() const { return oldestByOfficer_.empty() ? kTimeMax : oldestByOfficer_.begin()->first; }
    TrackStats stats() const;
    uint64_t version() const { return version_; }  // changes with every stored point or drop
    const TrackStoreOptions& options() const { return options_; }

    // The current state as an immutable view (cached while nothing changes). Only
    // officers changed since the last view get a new OfficerTrack; only their open
    // chunks are copied.
    std::shared_ptr<const TrackView> view();

private:
    struct Slot {
        std::vector<std::shared_ptr<const TrackChunk>> sealed;
        TrackChunk open;  // newest points, not yet shared
        std::vector<SquadChange> squads;
        size_t points = 0;
        TimeMs key = kTimeMax;  // first time, as filed in oldestByOfficer_
        bool dirty = true;
        std::shared_ptr<const OfficerTrack> published;
        size_t chunkCount() const { return sealed.size() + (open.empty() ? 0 : 1); }
        const TrackChunk& chunk(size_t i) const { return i < sealed.size() ? *sealed[i] : open; }
    };

    TrackInsert insertOpen(Slot& s, const PositionFix& f, int64_t lon, int64_t lat, uint32_t attrs);
    TrackInsert insertSealed(Slot& s, size_t k, const PositionFix& f, int64_t lon, int64_t lat, uint32_t attrs);
    void seal(Slot& s);
    void updateSquads(uint32_t slot, TimeMs t, uint8_t squad);
    void refile(uint32_t slot);
    void enforceBudget();
    size_t chunkBytes(const TrackChunk& c, bool sealed) const;

    std::shared_ptr<const std::vector<std::string>> squadNames_;
    TrackStoreOptions options_;
    std::vector<Slot> slots_;
    std::shared_ptr<std::vector<std::string>> ids_;
    bool idsShared_ = false;  // ids_ handed to a view: copy before adding
    struct StringHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> bySlotId_;
    std::set<std::pair<TimeMs, uint32_t>> oldestByOfficer_;  // (first time, slot) of officers with points
    uint64_t points_ = 0, bytes_ = 0, chunks_ = 0, dropped_ = 0, duplicates_ = 0;
    bool budgetReached_ = false;
    TimeMs newest_ = kTimeMin;
    uint64_t version_ = 0;
    std::shared_ptr<const TrackView> view_;
};

}  // namespace sandtable
