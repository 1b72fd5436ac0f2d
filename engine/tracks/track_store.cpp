#include "engine/tracks/track_store.hpp"

#include <algorithm>
#include <cassert>

namespace sandtable {

// ---- encoding ----

uint32_t track::encodeAttrs(float speed, float heading, float accuracy, OfficerStatus status) {
    uint32_t sp = kSpeedAbsent;
    if (!std::isnan(speed)) sp = static_cast<uint32_t>(std::clamp(std::lround(speed * 100.0f), 0L, 8190L));
    uint32_t hd = kHeadingAbsent;
    if (!std::isnan(heading)) {
        long h = std::lround(heading) % 360;
        if (h < 0) h += 360;
        hd = static_cast<uint32_t>(h);
    }
    uint32_t ac = kAccAbsent;
    if (!std::isnan(accuracy)) ac = static_cast<uint32_t>(std::clamp(std::lround(accuracy), 0L, 254L));
    return sp | (hd << 13) | ((static_cast<uint32_t>(status) & 3u) << 22) | (ac << 24);
}

PositionFix TrackChunk::fix(size_t i) const {
    const TrackPoint& p = points[i];
    PositionFix f;
    f.t = baseT + p.dt();
    f.lon = track::decodeDeg(baseLon + p.dlon());
    f.lat = track::decodeDeg(baseLat + p.dlat());
    const uint32_t a = p.attrs();
    const uint32_t sp = a & 0x1fff, hd = (a >> 13) & 0x1ff, st = (a >> 22) & 3, ac = a >> 24;
    f.speed = sp == track::kSpeedAbsent ? NAN : static_cast<float>(sp) / 100.0f;
    f.heading = hd == track::kHeadingAbsent ? NAN : static_cast<float>(hd);
    f.accuracy = ac == track::kAccAbsent ? NAN : static_cast<float>(ac);
    f.status = static_cast<OfficerStatus>(st);
    return f;
}

size_t TrackChunk::lowerBound(TimeMs t) const {
    // Compare in offsets: every point's dt fits int32, t may not.
    if (t <= baseT + std::numeric_limits<int32_t>::min()) return 0;
    if (t > baseT + std::numeric_limits<int32_t>::max()) return points.size();
    const auto dt = static_cast<int32_t>(t - baseT);
    return static_cast<size_t>(
        std::lower_bound(points.begin(), points.end(), dt, [](const TrackPoint& p, int32_t v) { return p.dt() < v; }) -
        points.begin());
}

int track_detail::squadAt(const std::vector<SquadChange>& squads, TimeMs t) {
    if (squads.empty()) return -1;
    auto it = std::upper_bound(squads.begin(), squads.end(), t, [](TimeMs v, const SquadChange& c) { return v < c.t; });
    // Before the first change point: the officer's first known squad.
    return it == squads.begin() ? squads.front().squad : std::prev(it)->squad;
}

// ---- view ----

std::optional<uint32_t> TrackView::slotOf(std::string_view id) const {
    for (size_t i = 0; i < ids_->size(); ++i)
        if ((*ids_)[i] == id) return static_cast<uint32_t>(i);
    return std::nullopt;
}

int TrackView::squadIndex(std::string_view name) const {
    for (size_t i = 0; i < squadNames_->size(); ++i)
        if ((*squadNames_)[i] == name) return static_cast<int>(i);
    return -1;
}

std::optional<PositionFix> TrackView::positionAt(uint32_t slot, TimeMs t) const {
    if (slot >= tracks_.size()) return std::nullopt;
    const auto& cs = tracks_[slot]->chunks;
    return track_detail::positionAt(
        cs.size(), [&](size_t i) -> const TrackChunk& { return *cs[i]; }, t);
}

std::vector<PositionFix> TrackView::range(uint32_t slot, TimeMs t0, TimeMs t1) const {
    std::vector<PositionFix> out;
    forEach(slot, t0, t1, [&](const PositionFix& f) { out.push_back(f); });
    return out;
}

// ---- store ----

namespace {
// A sealed chunk also costs its shared_ptr control block and its entry in the list.
constexpr size_t kSealedOverhead = 2 * sizeof(void*) + sizeof(std::shared_ptr<const TrackChunk>);

bool fits(const TrackChunk& c, TimeMs t, int64_t lon, int64_t lat) {
    const TimeMs dt = t - c.baseT;
    const int64_t dlon = lon - c.baseLon, dlat = lat - c.baseLat;
    return dt >= std::numeric_limits<int32_t>::min() && dt <= std::numeric_limits<int32_t>::max() &&
           dlon >= track::kDeltaMin && dlon <= track::kDeltaMax && dlat >= track::kDeltaMin && dlat <= track::kDeltaMax;
}

TrackPoint encodeIn(const TrackChunk& c, TimeMs t, int64_t lon, int64_t lat, uint32_t attrs) {
    return TrackPoint::make(static_cast<int32_t>(t - c.baseT), static_cast<int32_t>(lon - c.baseLon),
                            static_cast<int32_t>(lat - c.baseLat), attrs);
}

// Grows an open chunk by an eighth (at least 4 points) rather than doubling: the spare
// capacity of open chunks is at most ~12 % of their points, so a store of a few hundred
// points per officer still costs under 16 bytes a point.
void reserveOne(TrackChunk& c, size_t chunkPoints) {
    const size_t n = c.points.size();
    if (n < c.points.capacity()) return;
    c.points.reserve(std::min(std::max(n + 1, chunkPoints), n + std::max<size_t>(4, n / 8)));
}

TrackChunk singlePoint(TimeMs t, int64_t lon, int64_t lat, uint32_t attrs) {
    TrackChunk c;
    c.baseT = t;
    c.baseLon = lon;
    c.baseLat = lat;
    c.points.push_back(TrackPoint::make(0, 0, 0, attrs));
    return c;
}

// Points [from, to) of c, with c's base (their offsets stay valid).
TrackChunk slice(const TrackChunk& c, size_t from, size_t to) {
    TrackChunk out;
    out.baseT = c.baseT;
    out.baseLon = c.baseLon;
    out.baseLat = c.baseLat;
    out.points.assign(c.points.begin() + static_cast<ptrdiff_t>(from), c.points.begin() + static_cast<ptrdiff_t>(to));
    return out;
}
}  // namespace

TrackStore::TrackStore(std::vector<std::string> squadNames, TrackStoreOptions options)
    : squadNames_(std::make_shared<const std::vector<std::string>>(std::move(squadNames))),
      options_(options),
      ids_(std::make_shared<std::vector<std::string>>()) {
    options_.chunkPoints = std::max<size_t>(options_.chunkPoints, 2);
}

int TrackStore::squadIndex(std::string_view name) const {
    for (size_t i = 0; i < squadNames_->size(); ++i)
        if ((*squadNames_)[i] == name) return static_cast<int>(i);
    return -1;
}

uint32_t TrackStore::addOfficer(std::string_view id) {
    if (idsShared_) {
        // A published view holds the old list: the ids it shows must not change.
        ids_ = std::make_shared<std::vector<std::string>>(*ids_);
        idsShared_ = false;
    }
    const auto slot = static_cast<uint32_t>(slots_.size());
    ids_->emplace_back(id);
    slots_.emplace_back();
    bySlotId_.emplace(std::string(id), slot);
    view_.reset();
    return slot;
}

uint32_t TrackStore::slotFor(std::string_view id) {
    auto it = bySlotId_.find(id);
    return it != bySlotId_.end() ? it->second : addOfficer(id);
}

std::optional<uint32_t> TrackStore::slotOf(std::string_view id) const {
    auto it = bySlotId_.find(id);
    if (it == bySlotId_.end()) return std::nullopt;
    return it->second;
}

size_t TrackStore::chunkBytes(const TrackChunk& c, bool sealed) const {
    return c.points.capacity() * sizeof(TrackPoint) + (sealed ? sizeof(TrackChunk) + kSealedOverhead : 0);
}

void TrackStore::seal(Slot& s) {
    bytes_ -= chunkBytes(s.open, false);
    s.open.points.shrink_to_fit();
    auto c = std::make_shared<const TrackChunk>(std::move(s.open));
    bytes_ += chunkBytes(*c, true);
    s.sealed.push_back(std::move(c));
    s.open = TrackChunk{};
    ++chunks_;  // the open chunk was not counted as a chunk
}

TrackInsert TrackStore::add(uint32_t slot, const PositionFix& f, uint8_t squad) {
    if (slot >= slots_.size()) return TrackInsert::TooOld;
    Slot& s = slots_[slot];
    if (budgetReached_ && f.t < oldestTime()) {
        // It would be the first point dropped again: the newest data is what the budget keeps.
        ++dropped_;
        return TrackInsert::TooOld;
    }
    const int64_t lon = track::encodeDeg(f.lon), lat = track::encodeDeg(f.lat);
    const uint32_t attrs = track::encodeAttrs(f.speed, f.heading, f.accuracy, f.status);
    TrackInsert r;
    if (s.sealed.empty() || f.t > s.sealed.back()->lastT()) {
        r = insertOpen(s, f, lon, lat, attrs);
    } else {
        // The last sealed chunk starting at or before t (or the first one).
        auto it =
            std::upper_bound(s.sealed.begin(), s.sealed.end(), f.t,
                             [](TimeMs t, const std::shared_ptr<const TrackChunk>& c) { return t < c->firstT(); });
        const size_t k = it == s.sealed.begin() ? 0 : static_cast<size_t>(it - s.sealed.begin()) - 1;
        r = insertSealed(s, k, f, lon, lat, attrs);
    }
    if (r == TrackInsert::Duplicate) {
        ++duplicates_;
        return r;
    }
    ++s.points;
    ++points_;
    ++version_;
    s.dirty = true;
    view_.reset();
    newest_ = std::max(newest_, f.t);
    updateSquads(slot, f.t, squad);
    refile(slot);
    enforceBudget();
    return r;
}

TrackInsert TrackStore::insertOpen(Slot& s, const PositionFix& f, int64_t lon, int64_t lat, uint32_t attrs) {
    TrackChunk& o = s.open;
    if (o.empty()) {
        o.baseT = f.t;
        o.baseLon = lon;
        o.baseLat = lat;
        const size_t before = chunkBytes(o, false);
        reserveOne(o, options_.chunkPoints);
        o.points.push_back(TrackPoint::make(0, 0, 0, attrs));
        bytes_ += chunkBytes(o, false) - before;
        return TrackInsert::Appended;
    }
    const size_t i = o.lowerBound(f.t);
    if (i < o.size() && o.timeAt(i) == f.t) return TrackInsert::Duplicate;
    const TrackInsert r = i == o.size() ? TrackInsert::Appended : TrackInsert::Inserted;
    if (!fits(o, f.t, lon, lat)) {
        // Outside the chunk's window: the points before it are sealed, the point gets a
        // chunk of its own, the points after it stay open.
        if (i == o.size()) {
            seal(s);
            return insertOpen(s, f, lon, lat, attrs);
        }
        bytes_ -= chunkBytes(o, false);
        TrackChunk head = slice(o, 0, i), tail = slice(o, i, o.size());
        if (!head.empty()) {
            bytes_ += chunkBytes(head, true);
            s.sealed.push_back(std::make_shared<const TrackChunk>(std::move(head)));
            ++chunks_;
        }
        TrackChunk one = singlePoint(f.t, lon, lat, attrs);
        bytes_ += chunkBytes(one, true);
        s.sealed.push_back(std::make_shared<const TrackChunk>(std::move(one)));
        ++chunks_;
        o = std::move(tail);
        bytes_ += chunkBytes(o, false);
        return r;
    }
    const size_t before = chunkBytes(o, false);
    reserveOne(o, options_.chunkPoints);
    o.points.insert(o.points.begin() + static_cast<ptrdiff_t>(i), encodeIn(o, f.t, lon, lat, attrs));
    bytes_ += chunkBytes(o, false) - before;
    if (o.size() >= options_.chunkPoints) seal(s);
    return r;
}

TrackInsert TrackStore::insertSealed(Slot& s, size_t k, const PositionFix& f, int64_t lon, int64_t lat,
                                     uint32_t attrs) {
    const TrackChunk& c = *s.sealed[k];
    const size_t i = c.lowerBound(f.t);
    if (i < c.size() && c.timeAt(i) == f.t) return TrackInsert::Duplicate;
    // Copy on write: views may hold the sealed chunk, which never changes.
    std::vector<TrackChunk> parts;
    if (fits(c, f.t, lon, lat)) {
        TrackChunk copy = c;
        copy.points.insert(copy.points.begin() + static_cast<ptrdiff_t>(i), encodeIn(copy, f.t, lon, lat, attrs));
        if (copy.size() > options_.chunkPoints) {
            const size_t half = copy.size() / 2;
            parts.push_back(slice(copy, 0, half));
            parts.push_back(slice(copy, half, copy.size()));
        } else {
            copy.points.shrink_to_fit();
            parts.push_back(std::move(copy));
        }
    } else {
        if (i > 0) parts.push_back(slice(c, 0, i));
        parts.push_back(singlePoint(f.t, lon, lat, attrs));
        if (i < c.size()) parts.push_back(slice(c, i, c.size()));
    }
    bytes_ -= chunkBytes(c, true);
    --chunks_;
    std::vector<std::shared_ptr<const TrackChunk>> repl;
    for (TrackChunk& p : parts) {
        bytes_ += chunkBytes(p, true);
        ++chunks_;
        repl.push_back(std::make_shared<const TrackChunk>(std::move(p)));
    }
    s.sealed.erase(s.sealed.begin() + static_cast<ptrdiff_t>(k));
    s.sealed.insert(s.sealed.begin() + static_cast<ptrdiff_t>(k), repl.begin(), repl.end());
    return TrackInsert::Inserted;
}

void TrackStore::updateSquads(uint32_t slot, TimeMs t, uint8_t squad) {
    auto& sq = slots_[slot].squads;
    const int cur = track_detail::squadAt(sq, t);
    if (cur == squad) return;
    auto pos = std::lower_bound(sq.begin(), sq.end(), t, [](const SquadChange& c, TimeMs v) { return c.t < v; });
    if (pos != sq.end() && pos->t == t) {
        pos->squad = squad;
    } else {
        pos = sq.insert(pos, SquadChange{t, squad});
    }
    // The fixes after this one keep the squad they had: the change back is at the next fix,
    // unless a change point already sits between the two.
    if (cur < 0) return;
    const auto next = atOrAfter(slot, t + 1);
    if (!next) return;
    auto after = std::next(pos);
    if (after != sq.end() && after->t <= next->t) return;
    sq.insert(after, SquadChange{next->t, static_cast<uint8_t>(cur)});
}

void TrackStore::refile(uint32_t slot) {
    Slot& s = slots_[slot];
    const TimeMs first = s.chunkCount() ? s.chunk(0).firstT() : kTimeMax;
    if (first == s.key) return;
    if (s.key != kTimeMax) oldestByOfficer_.erase({s.key, slot});
    s.key = first;
    if (first != kTimeMax) oldestByOfficer_.insert({first, slot});
}

void TrackStore::enforceBudget() {
    if (options_.budgetBytes == 0) return;
    while (bytes_ > options_.budgetBytes && !oldestByOfficer_.empty()) {
        budgetReached_ = true;
        const uint32_t slot = oldestByOfficer_.begin()->second;
        Slot& s = slots_[slot];
        size_t n;
        if (!s.sealed.empty()) {
            const TrackChunk& c = *s.sealed.front();
            n = c.size();
            bytes_ -= chunkBytes(c, true);
            s.sealed.erase(s.sealed.begin());
            --chunks_;
        } else {
            n = s.open.size();
            bytes_ -= chunkBytes(s.open, false);
            s.open = TrackChunk{};
        }
        s.points -= n;
        points_ -= n;
        dropped_ += n;
        s.dirty = true;
        ++version_;
        // Squad changes before the officer's first remaining point: keep the one in force.
        if (s.chunkCount()) {
            const TimeMs first = s.chunk(0).firstT();
            size_t drop = 0;
            while (drop + 1 < s.squads.size() && s.squads[drop + 1].t <= first) ++drop;
            s.squads.erase(s.squads.begin(), s.squads.begin() + static_cast<ptrdiff_t>(drop));
        } else {
            s.squads.clear();
        }
        refile(slot);
    }
}

size_t TrackStore::size(uint32_t slot) const { return slot < slots_.size() ? slots_[slot].points : 0; }

std::optional<PositionFix> TrackStore::last(uint32_t slot) const {
    if (slot >= slots_.size()) return std::nullopt;
    const Slot& s = slots_[slot];
    const size_t n = s.chunkCount();
    if (!n) return std::nullopt;
    const TrackChunk& c = s.chunk(n - 1);
    return c.fix(c.size() - 1);
}

std::optional<PositionFix> TrackStore::atOrAfter(uint32_t slot, TimeMs t) const {
    if (slot >= slots_.size()) return std::nullopt;
    const Slot& s = slots_[slot];
    const auto get = [&](size_t i) -> const TrackChunk& { return s.chunk(i); };
    const size_t n = s.chunkCount();
    const size_t c = track_detail::firstChunkEndingAtOrAfter(n, get, t);
    if (c == n) return std::nullopt;
    const TrackChunk& ch = s.chunk(c);
    return ch.fix(ch.lowerBound(t));
}

std::optional<PositionFix> TrackStore::at(uint32_t slot, TimeMs t) const {
    auto f = atOrAfter(slot, t);
    if (f && f->t == t) return f;
    return std::nullopt;
}

std::optional<PositionFix> TrackStore::positionAt(uint32_t slot, TimeMs t) const {
    if (slot >= slots_.size()) return std::nullopt;
    const Slot& s = slots_[slot];
    return track_detail::positionAt(
        s.chunkCount(), [&](size_t i) -> const TrackChunk& { return s.chunk(i); }, t);
}

std::optional<PositionFix> TrackStore::before(uint32_t slot, TimeMs t) const {
    if (t == kTimeMin) return std::nullopt;
    return positionAt(slot, t - 1);
}

std::vector<PositionFix> TrackStore::range(uint32_t slot, TimeMs t0, TimeMs t1) const {
    std::vector<PositionFix> out;
    if (slot >= slots_.size()) return out;
    const Slot& s = slots_[slot];
    track_detail::forEach(
        s.chunkCount(), [&](size_t i) -> const TrackChunk& { return s.chunk(i); }, t0, t1,
        [&](const PositionFix& f) { out.push_back(f); });
    return out;
}

int TrackStore::squadAt(uint32_t slot, TimeMs t) const {
    return slot < slots_.size() ? track_detail::squadAt(slots_[slot].squads, t) : -1;
}

TrackStats TrackStore::stats() const {
    TrackStats st;
    st.points = points_;
    st.bytes = bytes_;
    st.chunks = chunks_;
    for (const Slot& s : slots_) st.chunks += s.open.empty() ? 0 : 1;
    st.dropped = dropped_;
    st.duplicates = duplicates_;
    st.bytesPerPoint = points_ ? static_cast<double>(bytes_) / static_cast<double>(points_) : 0.0;
    return st;
}

std::shared_ptr<const TrackView> TrackStore::view() {
    if (view_) return view_;
    auto v = std::make_shared<TrackView>();
    v->tracks_.reserve(slots_.size());
    for (Slot& s : slots_) {
        if (s.dirty || !s.published) {
            auto t = std::make_shared<OfficerTrack>();
            t->chunks.reserve(s.chunkCount());
            t->chunks.assign(s.sealed.begin(), s.sealed.end());
            if (!s.open.empty()) t->chunks.push_back(std::make_shared<const TrackChunk>(s.open));  // the tail copy
            t->squads = s.squads;
            t->points = s.points;
            s.published = std::move(t);
            s.dirty = false;
        }
        v->tracks_.push_back(s.published);
    }
    v->ids_ = ids_;
    idsShared_ = true;
    v->squadNames_ = squadNames_;
    v->newest_ = newest_;
    v->oldest_ = oldestTime();
    v->stats_ = stats();
    v->version_ = version_;
    view_ = v;
    return v;
}

}  // namespace sandtable
