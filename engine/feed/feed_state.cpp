#include "engine/feed/feed_state.hpp"

#include <algorithm>
#include <cmath>

namespace sandtable {

double localDistanceM(double lon1, double lat1, double lon2, double lat2) {
    const double k = std::cos(degToRad((lat1 + lat2) * 0.5));
    return std::hypot((lon2 - lon1) * k * kMetresPerDeg, (lat2 - lat1) * kMetresPerDeg);
}

FeedState::FeedState(FeedConfig config) : config_(std::move(config)), parser_(config_) {}

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

bool sameFix(const PositionFix& a, const FeedMessage& m, OfficerStatus status) {
    return a.t == m.t && a.lon == m.lon && a.lat == m.lat && a.status == status;
}

}  // namespace

void FeedState::reject(RejectReason reason, std::string_view source, uint64_t lineNo, std::string_view detail,
                       std::string_view line) {
    ++counters_.rejected;
    ++counters_.rejectedBy[static_cast<size_t>(reason)];
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
    const ParseResult r = parser_.parse(line, now, msg_, timeShiftMs);
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
    } else if (o == IngestOutcome::Duplicate) {
        ++counters_.duplicates;
    }
    return o;
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
        const auto slot = static_cast<uint32_t>(officers_.size());
        OfficerState o;
        o.id = std::string(m.officer);
        o.slot = slot;
        moveMarker(o, m, m.status, receivedAt, ++version_);
        officers_.push_back(std::move(o));
        history_.emplace_back();
        history_.back().push_back(PositionFix{m.t, m.lon, m.lat, m.speed, m.heading, m.accuracy, m.status});
        slots_.emplace(officers_.back().id, slot);
        ++counters_.positions;
        return IngestOutcome::Accepted;
    }

    OfficerState& o = officers_[it->second];
    auto& hist = history_[it->second];
    const OfficerStatus status = m.hasStatus ? m.status : o.status;
    const double slackM = config_.impliedSpeedSlackM;
    auto tooFast = [&](const PositionFix& f) {
        const double dtS = static_cast<double>(std::llabs(m.t - f.t)) / 1000.0;
        return localDistanceM(f.lon, f.lat, m.lon, m.lat) > config_.maxSpeedMps * dtS + slackM;
    };

    if (m.t > o.lastSeen) {
        if (!hist.empty() && tooFast(hist.back())) {
            reject(RejectReason::ImpliedSpeed, source, lineNo, "lon/lat", line);
            return IngestOutcome::Rejected;
        }
        moveMarker(o, m, status, receivedAt, ++version_);  // a squad change is a reassignment
        if (hist.size() >= config_.historyPerOfficer && !hist.empty()) hist.pop_front();
        if (config_.historyPerOfficer > 0)
            hist.push_back(PositionFix{m.t, m.lon, m.lat, m.speed, m.heading, m.accuracy, status});
        ++counters_.positions;
        return IngestOutcome::Accepted;
    }

    // Not newer than the marker: an exact repeat is ignored, anything else is a late fix
    // that belongs in the (time-sorted) history but must not move the marker back.
    auto pos = std::lower_bound(hist.begin(), hist.end(), m.t, [](const PositionFix& f, TimeMs t) { return f.t < t; });
    for (auto j = pos; j != hist.end() && j->t == m.t; ++j)
        if (sameFix(*j, m, status)) return IngestOutcome::Duplicate;
    if (m.t == o.lastSeen && o.lon == m.lon && o.lat == m.lat && o.status == status)
        return IngestOutcome::Duplicate;  // newest fix fell out of a zero-length history
    if ((pos != hist.begin() && tooFast(*(pos - 1))) || (pos != hist.end() && tooFast(*pos))) {
        reject(RejectReason::ImpliedSpeed, source, lineNo, "lon/lat", line);
        return IngestOutcome::Rejected;
    }
    ++o.fixes;
    ++counters_.positions;
    ++counters_.late;
    const bool full = hist.size() >= config_.historyPerOfficer;
    if (config_.historyPerOfficer > 0 && !(full && pos == hist.begin())) {
        hist.insert(pos, PositionFix{m.t, m.lon, m.lat, m.speed, m.heading, m.accuracy, status});
        if (hist.size() > config_.historyPerOfficer) hist.pop_front();
    }
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
