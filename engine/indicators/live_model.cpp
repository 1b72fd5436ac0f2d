#include "engine/indicators/live_model.hpp"

#include "engine/util/civil_time.hpp"

namespace sandtable::indicators {

Period localMonthOf(TimeMs t) {
    int64_t y = 0;
    unsigned m = 0, d = 0;
    civilFromDays(localDay(t), y, m, d);
    const int64_t first = daysFromCivil(y, m, 1);
    const int64_t next = m == 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1);
    return {localMidnight(first), localMidnight(next)};
}

IndicatorModel::IndicatorModel(Evaluator evaluator, std::optional<Period> scenePeriod, int trendPeriods,
                               std::vector<Jurisdiction> jurisdictions)
    : evaluator_(std::move(evaluator)),
      scenePeriod_(scenePeriod),
      trendPeriods_(std::max(1, trendPeriods)),
      jurisdictions_(std::move(jurisdictions)) {
    if (!scenePeriod_) choice_ = PeriodChoice::MonthToDate;
}

void IndicatorModel::setPeriodChoice(PeriodChoice c) {
    if (c == PeriodChoice::Scene && !scenePeriod_) c = PeriodChoice::MonthToDate;
    if (c != choice_) dirty_ = true;
    choice_ = c;
}

Period IndicatorModel::periodFor(TimeMs t) const {
    switch (choice_) {
    case PeriodChoice::Scene:
        return *scenePeriod_;
    case PeriodChoice::MonthToDate:
        return localMonthOf(t);
    case PeriodChoice::PreviousMonth:
        return localMonthOf(localMonthOf(t).from - 1);
    }
    return localMonthOf(t);
}

bool IndicatorModel::update(TimeMs t) {
    if (!feed_) return update(t, {});
    const auto snap = feed_->snapshot();
    if (!snap->checkins) return update(t, {});
    return update(t, std::span<const CheckIn>(*snap->checkins));
}

bool IndicatorModel::update(TimeMs t, std::span<const CheckIn> live) {
    // The feed keeps its newest check-ins in time order (bounded: the oldest drop off). New
    // ones sit at or near the end (a late one lands a little before it), so walk back from
    // the end until a run of already counted ones says the rest were handed over before.
    bool changed = false;
    if (!live.empty() && (live.data() != liveData_ || live.size() != liveSize_)) {
        std::vector<CheckIn> fresh;
        size_t knownRun = 0;
        for (size_t i = live.size(); i-- > 0 && knownRun < 64;) {
            const CheckIn& c = live[i];
            if (evaluator_.knows(c.checkpoint, c.officer, c.t)) {
                ++knownRun;
            } else {
                knownRun = 0;
                fresh.push_back(c);
            }
        }
        if (!fresh.empty()) changed = evaluator_.addLiveCheckins(checkinsFromFeed(fresh)) > 0;
        liveData_ = live.data();
        liveSize_ = live.size();
    }
    const TimeMs second = t / 1000;
    if (!dirty_ && !changed && second == second_) return false;
    second_ = second;
    // Check-in status is of the moment: every second.
    checkpoints_ = evaluator_.checkpointStatus(t);
    const Period period = periodFor(t);
    // A past period is judged at its end; the running one at the frame time.
    const TimeMs at = choice_ == PeriodChoice::MonthToDate ? std::clamp(t, period.from, period.to) : period.to;
    // The period's figures only when something they depend on moved (a past period's are
    // fixed: recomputing them every second would restyle every squad for nothing).
    if (!dirty_ && !changed && version_ > 0 && period == period_ && at == at_) return true;
    dirty_ = false;
    period_ = period;
    at_ = at;
    result_ = evaluator_.compute(period_, at_);
    trends_ = evaluator_.trends(period_, at_, trendPeriods_);
    alerts_ = evaluator_.alerts(period_, at_, &jurisdictions_);
    overdue_ = evaluator_.overdueObjects(period_.from, at_);
    ++version_;
    return true;
}

}  // namespace sandtable::indicators
