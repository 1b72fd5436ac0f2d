#include "engine/indicators/indicators.hpp"

#include "engine/util/i18n.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "engine/util/civil_time.hpp"

namespace sandtable::indicators {

const char* windowStateName(WindowState s) {
    switch (s) {
    case WindowState::Met:
        return "met";
    case WindowState::Due:
        return "due";
    case WindowState::NotYetDue:
        return "not_yet_due";
    case WindowState::Missed:
        return "missed";
    }
    return "?";
}

const char* alertKindName(AlertKind k) {
    switch (k) {
    case AlertKind::LaggingSquad:
        return "lagging_squad";
    case AlertKind::MissedCheckin:
        return "missed_checkin";
    case AlertKind::OverdueInspection:
        return "overdue_inspection";
    case AlertKind::DueCheckin:
        return "due_checkin";
    }
    return "?";
}

int64_t localDay(TimeMs t) {
    const TimeMs local = t + kLocalOffsetMinutes * 60000LL;
    return local >= 0 ? local / kDayMs : -((-local + kDayMs - 1) / kDayMs);
}

namespace {

constexpr TimeMs kDutyStartMs = 8 * kHourMs;  // 08:00 local
constexpr TimeMs kDutySpanMs = 16 * kHourMs;  // to 24:00

// The last inspection at or before t, from a sorted list.
std::optional<TimeMs> lastAtOrBefore(const std::vector<TimeMs>& times, TimeMs t) {
    auto it = std::upper_bound(times.begin(), times.end(), t);
    if (it == times.begin()) return std::nullopt;
    return *std::prev(it);
}

std::string hhmm(TimeMs t) {
    const CivilTime c = toCivil(t, kLocalOffsetMinutes);
    char b[16];
    // A window ending at midnight is shown as 24:00, as the duty day is written.
    if (c.hour == 0 && c.minute == 0 && c.second == 0)
        std::snprintf(b, sizeof b, "24:00");
    else
        std::snprintf(b, sizeof b, "%02d:%02d", c.hour, c.minute);
    return b;
}

std::string fixed1(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", v);
    return b;
}

// A point for a squad on the map: the area centroid of its largest ring, or the ring's
// box centre when the centroid falls outside (a crescent-shaped jurisdiction).
std::optional<Vec2d> jurisdictionCentre(const std::vector<Jurisdiction>& js, const std::string& squad) {
    for (const auto& j : js) {
        if (j.squad != squad || j.rings.empty()) continue;
        const std::vector<Vec2d>* best = nullptr;
        double bestArea = 0, cx = 0, cy = 0;
        for (const auto& ring : j.rings) {
            double a = 0, x = 0, y = 0;
            for (size_t i = 0, k = ring.size() - 1; i < ring.size(); k = i++) {
                const double cr = ring[k].x * ring[i].y - ring[i].x * ring[k].y;
                a += cr;
                x += (ring[k].x + ring[i].x) * cr;
                y += (ring[k].y + ring[i].y) * cr;
            }
            if (std::fabs(a) > bestArea) {
                bestArea = std::fabs(a);
                best = &ring;
                cx = x / (3 * a);
                cy = y / (3 * a);
            }
        }
        if (!best) return j.bbox.center();
        if (j.contains({cx, cy})) return Vec2d{cx, cy};
        return j.bbox.center();
    }
    return std::nullopt;
}

}  // namespace

Evaluator::Evaluator(Records records, SquadCatalogue squads, IndexWeights weights)
    : records_(std::move(records)), squads_(std::move(squads)), weights_(weights) {
    checkinTimes_.resize(records_.checkpoints.size());
    std::unordered_map<std::string, size_t> cpIndex, objIndex;
    for (size_t i = 0; i < records_.checkpoints.size(); ++i) cpIndex.emplace(records_.checkpoints[i].id, i);
    for (const auto& c : records_.checkins) {
        auto it = cpIndex.find(c.checkpoint);
        if (it == cpIndex.end()) continue;  // readRecords keeps none such; a hand-built Records might
        if (checkinKeys_.emplace(c.checkpoint, c.officer, c.at).second) checkinTimes_[it->second].push_back(c.at);
    }
    for (auto& v : checkinTimes_) std::sort(v.begin(), v.end());
    inspectionTimes_.resize(records_.objects.size());
    for (size_t i = 0; i < records_.objects.size(); ++i) objIndex.emplace(records_.objects[i].id, i);
    for (const auto& ins : records_.inspections) {
        auto it = objIndex.find(ins.object);
        if (it != objIndex.end()) inspectionTimes_[it->second].push_back(ins.at);
    }
    for (auto& v : inspectionTimes_) std::sort(v.begin(), v.end());
}

size_t Evaluator::addLiveCheckins(std::span<const CheckinRecord> live) {
    size_t added = 0;
    for (const CheckinRecord& c : live) {
        const auto cp = records_.checkpointIndex(c.checkpoint);
        if (!cp) {
            ++liveUnknown_;
            continue;
        }
        if (!checkinKeys_.emplace(c.checkpoint, c.officer, c.at).second) {
            ++liveDuplicates_;
            continue;
        }
        auto& v = checkinTimes_[*cp];
        v.insert(std::upper_bound(v.begin(), v.end(), c.at), c.at);
        CheckinRecord copy = c;
        copy.line = 0;  // arrived live
        records_.checkins.push_back(std::move(copy));
        ++liveAccepted_;
        ++added;
    }
    return added;
}

bool Evaluator::hasCheckin(size_t checkpoint, TimeMs from, TimeMs toExclusive) const {
    const auto& v = checkinTimes_[checkpoint];
    auto it = std::lower_bound(v.begin(), v.end(), from);
    return it != v.end() && *it < toExclusive;
}

void Evaluator::checkinWindows(size_t cp, Period p, TimeMs at, Ratio& r) const {
    if (p.to <= p.from) return;
    const TimeMs len = windowLengthMs(records_.checkpoints[cp].level);
    const int64_t perDay = kDutySpanMs / len;
    for (int64_t day = localDay(p.from), last = localDay(p.to - 1); day <= last; ++day) {
        const TimeMs base = localMidnight(day) + kDutyStartMs;
        for (int64_t k = 0; k < perDay; ++k) {
            const TimeMs s = base + k * len, e = s + len;
            // Wholly inside the period and ended by the time of evaluation.
            if (s < p.from || e > p.to || e > at) continue;
            r.den += 1;
            if (hasCheckin(cp, s, e)) r.num += 1;
        }
    }
}

void Evaluator::finish(Figures& f) const {
    f.missedCheckins = static_cast<int64_t>(f.checkin.den - f.checkin.num);
    const Ratio* rates[] = {&f.firstContact, &f.onTime, &f.resolution, &f.satisfaction, &f.checkin, &f.inspection};
    for (size_t i = 0; i < 6; ++i) f.subScores[i] = rates[i]->value();
    if (auto mean = f.caseQuality.value())
        f.subScores[static_cast<size_t>(SubScore::CaseQuality)] = std::clamp((*mean - 60.0) / 40.0, 0.0, 1.0);
    double sum = 0, wsum = 0;
    for (size_t i = 0; i < kSubScoreCount; ++i) {
        if (!f.subScores[i]) continue;  // no data: out of the numerator and the weights
        sum += weights_.w[i] * *f.subScores[i];
        wsum += weights_.w[i];
    }
    f.index.reset();
    if (wsum > 0) f.index = 100.0 * sum / wsum;
}

Result Evaluator::compute(Period p, TimeMs at) const {
    Result res;
    res.period = p;
    res.at = at;
    res.squads.resize(squads_.size());
    for (size_t i = 0; i < squads_.size(); ++i) res.squads[i].squad = i;
    auto of = [&](size_t squad) -> Figures& { return res.squads[squad]; };

    for (const Complaint& c : records_.complaints) {
        if (c.squad >= squads_.size()) continue;
        Figures& f = of(c.squad);
        if (p.contains(c.receivedAt)) {
            f.firstContact.den += 1;
            if (c.firstContactAt && *c.firstContactAt - c.receivedAt <= kFirstContactLimitMs) f.firstContact.num += 1;
        }
        if (p.contains(c.dueAt)) {
            f.onTime.den += 1;
            if (c.closedAt && *c.closedAt <= c.dueAt) f.onTime.num += 1;
        }
        if (c.closedAt && p.contains(*c.closedAt)) {
            if (c.resolved) {
                f.resolution.den += 1;
                if (*c.resolved) f.resolution.num += 1;
            }
            if (c.satisfaction != Satisfaction::None) {
                f.satisfaction.den += 1;
                if (c.satisfaction == Satisfaction::Satisfied) f.satisfaction.num += 1;
            }
        }
    }
    for (const Case& c : records_.cases) {
        if (c.squad >= squads_.size()) continue;
        Figures& f = of(c.squad);
        if (p.contains(c.openedAt)) {
            ++f.casesOpened;
            if (c.nonSite) ++f.nonSiteCases;
        }
        if (c.closedAt && p.contains(*c.closedAt) && c.reviewScore) {
            const double s = *c.reviewScore;
            f.caseQuality.num += s;
            f.caseQuality.den += 1;
            if (s >= 90)
                ++f.casesExcellent;
            else if (s >= 80)
                ++f.casesGood;
            else
                ++f.casesFailing;
        }
    }
    for (size_t i = 0; i < records_.checkpoints.size(); ++i) {
        const size_t s = records_.checkpoints[i].squad;
        if (s < squads_.size()) checkinWindows(i, p, at, of(s).checkin);
    }
    for (size_t i = 0; i < records_.objects.size(); ++i) {
        const InspectionObject& o = records_.objects[i];
        if (o.squad >= squads_.size()) continue;
        Figures& f = of(o.squad);
        f.inspection.den += 1;
        const auto last = lastAtOrBefore(inspectionTimes_[i], at);
        const TimeMs due = last.value_or(p.from) + cycleMs(o.colour);
        if (at > due)
            ++f.overdueInspections;
        else
            f.inspection.num += 1;
    }
    for (const TrainingRecord& t : records_.training)
        if (t.squad < squads_.size() && p.contains(t.at)) of(t.squad).trainingAttendance += t.attendees;

    // District: the pooled counts, then its own sub-scores and index.
    Figures& d = res.district;
    for (SquadFigures& s : res.squads) {
        finish(s);
        d.firstContact.add(s.firstContact);
        d.onTime.add(s.onTime);
        d.resolution.add(s.resolution);
        d.satisfaction.add(s.satisfaction);
        d.checkin.add(s.checkin);
        d.inspection.add(s.inspection);
        d.caseQuality.add(s.caseQuality);
        d.casesOpened += s.casesOpened;
        d.nonSiteCases += s.nonSiteCases;
        d.casesExcellent += s.casesExcellent;
        d.casesGood += s.casesGood;
        d.casesFailing += s.casesFailing;
        d.overdueInspections += s.overdueInspections;
        d.trainingAttendance += s.trainingAttendance;
    }
    finish(d);

    // Rank: index highest first, ties (equal to 1e-9 points) by squad code, lower first.
    std::vector<size_t> ranked;
    double total = 0;
    for (size_t i = 0; i < res.squads.size(); ++i)
        if (res.squads[i].index) {
            ranked.push_back(i);
            total += *res.squads[i].index;
        }
    auto key = [&](size_t i) { return std::llround(*res.squads[i].index * 1e9); };
    std::sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
        if (key(a) != key(b)) return key(a) > key(b);
        return squads_[a].code < squads_[b].code;
    });
    if (!ranked.empty()) res.meanIndex = total / static_cast<double>(ranked.size());
    for (size_t r = 0; r < ranked.size(); ++r) {
        SquadFigures& s = res.squads[ranked[r]];
        s.rank = static_cast<int>(r + 1);
        // "More than 5 points below the mean", with 1e-9 of slack for rounding, or last.
        s.lagging = (*res.meanIndex - *s.index) > kLaggingPoints + 1e-9 || r + 1 == ranked.size();
    }
    return res;
}

std::vector<Result> Evaluator::trends(Period p, TimeMs at, int count) const {
    std::vector<Result> out;
    if (count <= 0 || p.to <= p.from) return out;
    const CivilTime cf = toCivil(p.from, kLocalOffsetMinutes), ct = toCivil(p.to, kLocalOffsetMinutes);
    auto midnightFirst = [](const CivilTime& c) {
        return c.day == 1 && c.hour == 0 && c.minute == 0 && c.second == 0 && c.millisecond == 0;
    };
    const int64_t months =
        (midnightFirst(cf) && midnightFirst(ct)) ? (ct.year * 12 + ct.month) - (cf.year * 12 + cf.month) : 0;
    auto monthStart = [](int64_t monthIndex) {  // monthIndex = year * 12 + (month - 1)
        const int64_t y = monthIndex / 12;
        const auto m = static_cast<unsigned>(monthIndex % 12 + 1);
        return localMidnight(daysFromCivil(y, m, 1));
    };
    for (int k = count - 1; k >= 0; --k) {
        Period q;
        if (months > 0) {
            const int64_t first = cf.year * 12 + (cf.month - 1) - static_cast<int64_t>(k) * months;
            q = {monthStart(first), monthStart(first + months)};
        } else {
            const TimeMs len = p.to - p.from;
            q = {p.from - k * len, p.to - k * len};
        }
        out.push_back(compute(q, k == 0 ? at : q.to));
    }
    return out;
}

std::vector<CheckpointStatus> Evaluator::checkpointStatus(TimeMs t) const {
    std::vector<CheckpointStatus> out;
    const int64_t today = localDay(t);
    const TimeMs dutyStartToday = localMidnight(today) + kDutyStartMs;
    const bool onDuty = t >= dutyStartToday;
    const int64_t dutyDay = onDuty ? today : today - 1;
    const TimeMs dutyStart = localMidnight(dutyDay) + kDutyStartMs;
    for (size_t i = 0; i < records_.checkpoints.size(); ++i) {
        const CheckpointRecord& cp = records_.checkpoints[i];
        CheckpointStatus s;
        s.checkpoint = i;
        s.id = cp.id;
        s.squad = cp.squad;
        s.level = cp.level;
        s.lonLat = cp.lonLat;
        s.onDuty = onDuty;
        s.lastCheckin = lastAtOrBefore(checkinTimes_[i], t);
        const TimeMs len = windowLengthMs(cp.level);
        const int64_t perDay = kDutySpanMs / len;
        for (int64_t k = 0; k < perDay; ++k) {
            const TimeMs ws = dutyStart + k * len, we = ws + len;
            if (we <= t && !hasCheckin(i, ws, we)) ++s.missedToday;
        }
        if (onDuty) {
            const int64_t k = (t - dutyStart) / len;
            s.windowStart = dutyStart + k * len;
            s.windowEnd = s.windowStart + len;
            if (hasCheckin(i, s.windowStart, t + 1))  // check-ins up to and including t
                s.state = WindowState::Met;
            else if (s.windowEnd - t < kDueWarningMs)
                s.state = WindowState::Due;
            else
                s.state = WindowState::NotYetDue;
        } else {
            s.windowEnd = localMidnight(today);  // the duty day's last window, ended at 24:00
            s.windowStart = s.windowEnd - len;
            s.state = hasCheckin(i, s.windowStart, s.windowEnd) ? WindowState::Met : WindowState::Missed;
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<OverdueObject> Evaluator::overdueObjects(TimeMs periodStart, TimeMs t) const {
    std::vector<OverdueObject> out;
    for (size_t i = 0; i < records_.objects.size(); ++i) {
        const InspectionObject& o = records_.objects[i];
        const auto last = lastAtOrBefore(inspectionTimes_[i], t);
        const TimeMs due = last.value_or(periodStart) + cycleMs(o.colour);
        if (t <= due) continue;
        out.push_back({i, o.id, o.squad, o.kind, o.colour, o.lonLat, last, due,
                       static_cast<double>(t - due) / static_cast<double>(kDayMs)});
    }
    return out;
}

namespace {
// An alert's text in both languages from its table entry (engine/util/i18n.cpp): the
// squad's name in each language first, then the same arguments.
const char* cstr(const std::string& s) { return s.c_str(); }
int cstr(int v) { return v; }
template <typename... Args>
I18nText alertText(const char* key, const I18nText& squad, const Args&... args) {
    char zh[256], en[256];
    std::snprintf(zh, sizeof zh, tr(key, Language::Chinese), squad.zh.c_str(), cstr(args)...);
    std::snprintf(en, sizeof en, tr(key, Language::English), squad.get(Language::English).c_str(), cstr(args)...);
    return {zh, en};
}
}  // namespace

std::vector<Alert> Evaluator::alerts(Period p, TimeMs at, const std::vector<Jurisdiction>* js) const {
    std::vector<Alert> out;
    auto squadName = [&](size_t s) -> const I18nText& { return squads_[s].name; };
    const Result r = compute(p, at);
    for (const SquadFigures& s : r.squads) {
        if (!s.lagging.value_or(false)) continue;
        Alert a;
        a.kind = AlertKind::LaggingSquad;
        a.squad = s.squad;
        a.subject = squads_[s.squad].id;
        if (js) a.lonLat = jurisdictionCentre(*js, squads_[s.squad].id);
        a.since = p.to;
        a.text = alertText("alert.lagging", squadName(s.squad), fixed1(*s.index), static_cast<int>(*s.rank));
        out.push_back(std::move(a));
    }
    const auto status = checkpointStatus(at);
    const int64_t today = localDay(at);
    const bool onDuty = at >= localMidnight(today) + kDutyStartMs;
    const TimeMs dutyStart = localMidnight(onDuty ? today : today - 1) + kDutyStartMs;
    for (const CheckpointStatus& s : status) {
        const TimeMs len = windowLengthMs(s.level);
        for (TimeMs ws = dutyStart; ws + len <= at && ws < dutyStart + kDutySpanMs; ws += len) {
            if (hasCheckin(s.checkpoint, ws, ws + len)) continue;
            Alert a;
            a.kind = AlertKind::MissedCheckin;
            a.squad = s.squad;
            a.subject = s.id;
            a.lonLat = s.lonLat;
            a.since = ws + len;
            a.text = alertText("alert.missed", squadName(s.squad), s.id, hhmm(ws), hhmm(ws + len));
            out.push_back(std::move(a));
        }
    }
    for (const OverdueObject& o : overdueObjects(p.from, at)) {
        Alert a;
        a.kind = AlertKind::OverdueInspection;
        a.squad = o.squad;
        a.subject = o.id;
        a.lonLat = o.lonLat;
        a.since = o.dueAt;
        const std::string days = std::to_string(static_cast<int64_t>(std::ceil(o.daysOverdue)));
        a.text = alertText("alert.overdue", squadName(o.squad), o.id, days, localDateText(o.dueAt));
        out.push_back(std::move(a));
    }
    for (const CheckpointStatus& s : status) {
        if (s.state != WindowState::Due) continue;
        Alert a;
        a.kind = AlertKind::DueCheckin;
        a.squad = s.squad;
        a.subject = s.id;
        a.lonLat = s.lonLat;
        a.since = s.windowEnd;
        a.text = alertText("alert.due", squadName(s.squad), s.id, hhmm(s.windowEnd));
        out.push_back(std::move(a));
    }
    std::stable_sort(out.begin(), out.end(), [](const Alert& a, const Alert& b) {
        if (a.kind != b.kind) return a.kind < b.kind;
        return a.since < b.since;
    });
    return out;
}

std::vector<CheckinRecord> checkinsFromFeed(std::span<const CheckIn> feed) {
    std::vector<CheckinRecord> out;
    out.reserve(feed.size());
    for (const CheckIn& c : feed) out.push_back({c.checkpoint, c.officer, c.t, 0});
    return out;
}

Result compute(const Records& records, const SquadCatalogue& squads, Period period, TimeMs at,
               const IndexWeights& weights, std::span<const CheckinRecord> liveCheckins) {
    Evaluator e(records, squads, weights);
    e.addLiveCheckins(liveCheckins);
    return e.compute(period, at);
}

}  // namespace sandtable::indicators
