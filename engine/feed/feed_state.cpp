#include "engine/feed/feed_state.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace sandtable {

double localDistanceM(double lon1, double lat1, double lon2, double lat2) {
    const double k = std::cos(degToRad((lat1 + lat2) * 0.5));
    return std::hypot((lon2 - lon1) * k * kMetresPerDeg, (lat2 - lat1) * kMetresPerDeg);
}

FeedState::FeedState(FeedConfig config)
    : config_(std::move(config)),
      parser_(config_),
      tracks_(config_.squads, TrackStoreOptions{config_.trackBudgetBytes, config_.trackChunkPoints}) {}

std::optional<uint32_t> FeedState::slotOf(std::string_view officerId) const {
    const auto it = slots_.find(officerId);
    if (it == slots_.end()) return std::nullopt;
    return it->second;
}

void FeedState::countActivity(TimeMs t) {
    ++activity_[t / kActivityBucketMs];
    // Bounded: the timeline shows at most the last kActivityBuckets minutes of data.
    while (activity_.size() > kActivityBuckets) activity_.erase(activity_.begin());
    ++activityVersion_;
}

size_t FeedState::countStale(TimeMs now) const {
    return static_cast<size_t>(std::count_if(
        officers_.begin(), officers_.end(), [&](const OfficerState& o) { return o.stale(now, config_.staleAfterMs); }));
}

namespace {

std::string excerptOf(std::string_view line) {
    constexpr size_t kMax = 160;
    if (line.size() <= kMax) return std::string(line);
    size_t n = kMax;
    // Cut on a UTF-8 boundary so the UI can show it.
    while (n > 0 && (static_cast<unsigned char>(line[n]) & 0xC0) == 0x80) --n;
    return std::string(line.substr(0, n)) + "...";
}

// A held fix went through the track store's encoding: compare at its precision (1e-7 deg).
bool sameFix(const PositionFix& a, const FeedMessage& m, OfficerStatus status) {
    return a.t == m.t && a.lon == track::quantiseDeg(m.lon) && a.lat == track::quantiseDeg(m.lat) && a.status == status;
}

}  // namespace

SourceCounters& FeedState::sourceCounters(std::string_view source) {
    if (lastSource_ < sources_.size() && sources_[lastSource_].source == source) return sources_[lastSource_];
    for (size_t i = 0; i < sources_.size(); ++i)
        if (sources_[i].source == source) {
            lastSource_ = i;
            return sources_[i];
        }
    // The last place is "other": every source beyond the first kMaxFeedSources - 1.
    if (sources_.size() + 1 >= kMaxFeedSources) {
        if (sources_.size() < kMaxFeedSources) sources_.push_back(SourceCounters{"other"});
        lastSource_ = sources_.size() - 1;
        return sources_.back();
    }
    sources_.push_back(SourceCounters{std::string(source)});
    lastSource_ = sources_.size() - 1;
    return sources_.back();
}

void FeedState::reject(RejectReason reason, std::string_view source, uint64_t lineNo, std::string_view detail,
                       std::string_view line) {
    ++counters_.rejected;
    ++counters_.rejectedBy[static_cast<size_t>(reason)];
    SourceCounters& sc = sourceCounters(source);
    ++sc.rejected;
    ++sc.rejectedBy[static_cast<size_t>(reason)];
    auto& q = samples_[static_cast<size_t>(reason)];
    if (config_.samplesPerReason == 0) return;
    if (q.size() >= config_.samplesPerReason) q.pop_front();
    q.push_back(RejectSample{reason, std::string(source), lineNo, std::string(detail), excerptOf(line)});
}

IngestOutcome FeedState::ingestLine(std::string_view line, std::string_view source, uint64_t lineNo, TimeMs now,
                                    TimeMs cutoff, TimeMs timeShiftMs, TimeMs receivedAt) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return IngestOutcome::Empty;
    ++counters_.lines;
    ++sourceCounters(source).lines;
    const ParseResult r = parser_.parse(line, now, msg_, timeShiftMs);
    return applyParsed(r, source, lineNo, line, cutoff, receivedAt);
}

IngestOutcome FeedState::ingestMessage(const RawMessage& raw, std::string_view source, uint64_t lineNo,
                                       std::string_view excerpt, TimeMs now, TimeMs cutoff) {
    ++counters_.lines;
    ++sourceCounters(source).lines;
    ParseResult r{false, RejectReason::LineTooLong, "line"};
    if (excerpt.size() <= config_.maxLineBytes) r = parser_.validate(raw, now, msg_);
    return applyParsed(r, source, lineNo, excerpt, cutoff, wallClockMs());
}

IngestOutcome FeedState::applyParsed(const ParseResult& r, std::string_view source, uint64_t lineNo,
                                     std::string_view line, TimeMs cutoff, TimeMs receivedAt) {
    if (!r.ok) {
        reject(r.reason, source, lineNo, r.detail, line);
        return IngestOutcome::Rejected;
    }
    if (msg_.t > cutoff) {
        ++counters_.skipped;
        return IngestOutcome::Skipped;
    }
    IngestOutcome o = IngestOutcome::Rejected;
    switch (msg_.type) {
    case FeedMessageType::Position:
        o = applyPosition(msg_, source, lineNo, line, receivedAt);
        break;
    case FeedMessageType::CheckIn:
        o = applyCheckIn(msg_);
        break;
    case FeedMessageType::Incident:
        o = applyIncident(msg_);
        break;
    }
    if (o == IngestOutcome::Accepted || o == IngestOutcome::Late) {
        ++counters_.accepted;
        counters_.lastMessageTime = std::max(counters_.lastMessageTime, msg_.t);
        counters_.firstMessageTime =
            counters_.firstMessageTime == 0 ? msg_.t : std::min(counters_.firstMessageTime, msg_.t);
        if (msg_.type == FeedMessageType::Position) countActivity(msg_.t);
        counters_.lastReceivedAt = receivedAt;
        SourceCounters& sc = sourceCounters(source);
        ++sc.accepted;
        if (o == IngestOutcome::Late) ++sc.late;
    } else if (o == IngestOutcome::Duplicate) {
        ++counters_.duplicates;
        ++sourceCounters(source).duplicates;
    }
    return o;
}

void FeedState::record(const OfficerState& o, const FeedMessage& m, OfficerStatus status) {
    if (!recordHistory_) return;
    pendingHistory_.push_back(
        HistoryRecord{o.id, m.squad, PositionFix{m.t, m.lon, m.lat, m.speed, m.heading, m.accuracy, status}});
}

size_t FeedState::restore(const std::function<void(TrackStore&)>& load) {
    const uint64_t before = tracks_.stats().points + tracks_.stats().dropped;
    load(tracks_);
    const size_t stored = static_cast<size_t>(tracks_.stats().points + tracks_.stats().dropped - before);
    counters_.restored += stored;
    // The timeline's activity covers what the history brought: on a store that was empty
    // (restore runs before the transports start) every fix held now came from it.
    if (before == 0 && stored > 0) {
        for (uint32_t slot = 0; slot < tracks_.slots(); ++slot) {
            int64_t minute = 0;
            uint32_t n = 0;
            for (const PositionFix& f : tracks_.fixes(slot)) {
                const int64_t m = f.t / kActivityBucketMs;
                if (n > 0 && m != minute) activity_[minute] += std::exchange(n, 0);
                minute = m;
                ++n;
            }
            if (n > 0) activity_[minute] += n;
        }
        while (activity_.size() > kActivityBuckets) activity_.erase(activity_.begin());
        ++activityVersion_;
    }
    // Officers the history named: new slots get an OfficerState at their last fix; known
    // officers move only if the history knows a newer fix than the feed.
    for (uint32_t slot = 0; slot < tracks_.slots(); ++slot) {
        const auto last = tracks_.last(slot);
        if (slot >= officers_.size()) {
            OfficerState o;
            o.id = tracks_.officerId(slot);
            o.slot = slot;
            officers_.push_back(std::move(o));
            slots_.emplace(officers_.back().id, slot);
        }
        OfficerState& o = officers_[slot];
        o.fixes = static_cast<uint32_t>(std::max<size_t>(o.fixes, tracks_.size(slot)));
        if (!last || (o.version != 0 && last->t <= o.lastSeen)) continue;
        const int squad = tracks_.squadAt(slot, last->t);
        o.squad = static_cast<uint8_t>(std::max(squad, 0));
        o.status = last->status;
        o.lon = last->lon;
        o.lat = last->lat;
        o.speed = last->speed;
        o.heading = last->heading;
        o.accuracy = last->accuracy;
        o.lastSeen = last->t;
        o.receivedAt = 0;  // never received by this run
        o.version = ++version_;
        counters_.lastMessageTime = std::max(counters_.lastMessageTime, last->t);
    }
    if (stored > 0)  // the timeline reaches back over what the history brought
        counters_.firstMessageTime = counters_.firstMessageTime == 0
                                         ? tracks_.oldestTime()
                                         : std::min(counters_.firstMessageTime, tracks_.oldestTime());
    return stored;
}

namespace {
// The marker follows the newest fix: everything it shows comes from that message.
void moveMarker(OfficerState& o, const FeedMessage& m, OfficerStatus status, TimeMs receivedAt, uint64_t version) {
    o.squad = m.squad;
    o.status = status;
    o.lon = m.lon;
    o.lat = m.lat;
    o.speed = m.speed;
    o.heading = m.heading;
    o.accuracy = m.accuracy;
    o.lastSeen = m.t;
    o.receivedAt = receivedAt;
    o.version = version;
    ++o.fixes;
}
}  // namespace

IngestOutcome FeedState::applyPosition(const FeedMessage& m, std::string_view source, uint64_t lineNo,
                                       std::string_view line, TimeMs receivedAt) {
    auto it = slots_.find(m.officer);
    if (it == slots_.end()) {
        if (officers_.size() >= config_.maxOfficers) {
            reject(RejectReason::TooManyOfficers, source, lineNo, "officer", line);
            return IngestOutcome::Rejected;
        }
        const uint32_t slot = tracks_.addOfficer(m.officer);
        OfficerState o;
        o.id = std::string(m.officer);
        o.slot = slot;
        moveMarker(o, m, m.status, receivedAt, ++version_);
        officers_.push_back(std::move(o));
        tracks_.add(slot, PositionFix{m.t, m.lon, m.lat, m.speed, m.heading, m.accuracy, m.status}, m.squad);
        record(officers_.back(), m, m.status);
        slots_.emplace(officers_.back().id, slot);
        ++counters_.positions;
        return IngestOutcome::Accepted;
    }

    const uint32_t slot = it->second;
    OfficerState& o = officers_[slot];
    const OfficerStatus status = m.hasStatus ? m.status : o.status;
    const double slackM = config_.impliedSpeedSlackM;
    auto tooFast = [&](const PositionFix& f) {
        const double dtS = static_cast<double>(std::llabs(m.t - f.t)) / 1000.0;
        return localDistanceM(f.lon, f.lat, m.lon, m.lat) > config_.maxSpeedMps * dtS + slackM;
    };
    const PositionFix fix{m.t, m.lon, m.lat, m.speed, m.heading, m.accuracy, status};

    if (m.t > o.lastSeen) {
        const auto prev = tracks_.last(slot);
        if (prev && tooFast(*prev)) {
            // Too fast from the last accepted fix. When it agrees with the fix refused just
            // before it, that accepted one was the outlier (a first fix kilometres off, a
            // GPS jump just under the limit): re-anchor here instead of refusing the
            // officer's true fixes until enough time has passed.
            const auto s = suspects_.find(slot);
            if (s == suspects_.end() || m.t <= s->second.t || tooFast(s->second)) {
                suspects_[slot] = fix;
                reject(RejectReason::ImpliedSpeed, source, lineNo, "lon/lat", line);
                return IngestOutcome::Rejected;
            }
            suspects_.erase(s);
            ++counters_.reanchored;
        } else if (!suspects_.empty()) {
            suspects_.erase(slot);  // the refused one was the outlier
        }
        moveMarker(o, m, status, receivedAt, ++version_);  // a squad change is a reassignment
        if (tracks_.add(slot, fix, m.squad) != TrackInsert::Duplicate) record(o, m, status);
        ++counters_.positions;
        return IngestOutcome::Accepted;
    }

    // Not newer than the marker: an exact repeat is ignored, anything else is a late fix
    // that belongs in the (time-sorted) track but must not move the marker back.
    const auto same = tracks_.at(slot, m.t);
    if (same && sameFix(*same, m, status)) return IngestOutcome::Duplicate;
    if (m.t == o.lastSeen && o.lon == m.lon && o.lat == m.lat && o.status == status)
        return IngestOutcome::Duplicate;  // the newest fix, dropped from the track by the budget
    const auto prev = tracks_.before(slot, m.t);
    const auto next = tracks_.atOrAfter(slot, m.t);
    if ((prev && tooFast(*prev)) || (next && tooFast(*next))) {
        reject(RejectReason::ImpliedSpeed, source, lineNo, "lon/lat", line);
        return IngestOutcome::Rejected;
    }
    ++o.fixes;
    ++counters_.positions;
    ++counters_.late;
    // A second fix at a held fix's t (a different place) counts as late, but the track and
    // the history keep the first: one point per officer and moment.
    if (tracks_.add(slot, fix, m.squad) != TrackInsert::Duplicate) record(o, m, status);
    return IngestOutcome::Late;
}

IngestOutcome FeedState::applyCheckIn(const FeedMessage& m) {
    std::string key;
    key.reserve(m.checkpoint.size() + m.officer.size() + 24);
    key.append(m.checkpoint).push_back('\x1f');
    key.append(m.officer).push_back('\x1f');
    key.append(std::to_string(m.t));
    if (checkinKeys_.count(key)) return IngestOutcome::Duplicate;
    if (config_.maxCheckins == 0) return IngestOutcome::Accepted;
    // Kept in time order so the patrol indicators can binary-search windows.
    CheckIn c{std::string(m.checkpoint), std::string(m.officer), m.t};
    auto pos =
        std::upper_bound(checkins_.begin(), checkins_.end(), m.t, [](TimeMs t, const CheckIn& x) { return t < x.t; });
    checkins_.insert(pos, std::move(c));
    checkinKeys_.insert(std::move(key));
    while (checkins_.size() > config_.maxCheckins) {
        const CheckIn& old = checkins_.front();
        checkinKeys_.erase(old.checkpoint + '\x1f' + old.officer + '\x1f' + std::to_string(old.t));
        checkins_.pop_front();
    }
    ++counters_.checkins;
    checkinsVersion_ = ++version_;
    return IngestOutcome::Accepted;
}

IngestOutcome FeedState::applyIncident(const FeedMessage& m) {
    auto it = std::find_if(incidents_.begin(), incidents_.end(), [&](const Incident& x) { return x.id == m.id; });
    const bool open = m.incidentState != "closed";
    if (it != incidents_.end()) {
        if (m.t < it->t) {
            ++counters_.late;
            ++counters_.incidents;
            return IngestOutcome::Late;
        }
        if (m.t == it->t && it->lon == m.lon && it->lat == m.lat && it->open == open && it->kind == m.kind)
            return IngestOutcome::Duplicate;
    } else {
        if (config_.maxIncidents == 0) return IngestOutcome::Accepted;
        if (incidents_.size() >= config_.maxIncidents) {
            // Evict the incident updated longest ago, closed ones first.
            auto victim =
                std::min_element(incidents_.begin(), incidents_.end(), [](const Incident& a, const Incident& b) {
                    if (a.open != b.open) return !a.open;
                    return a.t < b.t;
                });
            incidents_.erase(victim);
        }
        incidents_.push_back(Incident{});
        it = incidents_.end() - 1;
        it->id = std::string(m.id);
    }
    it->kind = std::string(m.kind);
    it->open = open;
    it->hasSquad = m.hasSquad;
    it->squad = m.squad;
    it->lon = m.lon;
    it->lat = m.lat;
    it->t = m.t;
    it->version = incidentsVersion_ = ++version_;
    ++counters_.incidents;
    return IngestOutcome::Accepted;
}

}  // namespace sandtable
