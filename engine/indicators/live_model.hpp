#pragma once
// The squads' indicators as the map and panels show them at the frame time: one model per
// scene (records read once), shared by the choropleth, the checkpoint and inspection
// layers and their panels. update() is called by each of those layers every frame; the
// figures are recomputed only when the frame time enters a new second, the period
// changes or new live check-ins arrived, so all the layers of a frame read the same
// result. GL-free.
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engine/data/jurisdictions.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/indicators/indicators.hpp"

namespace sandtable::indicators {

// Which period the panels evaluate.
enum class PeriodChoice : uint8_t {
    Scene,         // the scene's "indicators.period" (the monthly report's month)
    MonthToDate,   // the local calendar month of the frame time, evaluated at the frame time
    PreviousMonth  // the month before it, evaluated at its end
};

class IndicatorModel {
public:
    IndicatorModel(Evaluator evaluator, std::optional<Period> scenePeriod, int trendPeriods,
                   std::vector<Jurisdiction> jurisdictions);

    // Brings the model to frame time t; `live` are the feed's check-ins (may be empty).
    // Cheap when nothing changed. Returns true when the figures changed.
    bool update(TimeMs t, std::span<const CheckIn> live);
    // The same with the check-ins of the attached feed's latest snapshot.
    bool update(TimeMs t);
    void setFeed(std::shared_ptr<FeedPipeline> feed) { feed_ = std::move(feed); }

    PeriodChoice periodChoice() const { return choice_; }
    void setPeriodChoice(PeriodChoice c);
    Period period() const { return period_; }
    TimeMs evaluatedAt() const { return at_; }

    const Result& result() const { return result_; }
    const std::vector<Result>& trends() const { return trends_; }  // oldest first, the last is result()
    const std::vector<Alert>& alerts() const { return alerts_; }
    const std::vector<CheckpointStatus>& checkpoints() const { return checkpoints_; }  // at the frame time
    const std::vector<OverdueObject>& overdue() const { return overdue_; }             // at the evaluation time
    const Evaluator& evaluator() const { return evaluator_; }
    const SquadCatalogue& squads() const { return evaluator_.squads(); }
    const std::vector<Jurisdiction>& jurisdictions() const { return jurisdictions_; }
    uint64_t version() const { return version_; }  // bumped when the period's figures are recomputed
    size_t badRows() const { return evaluator_.records().badRows.size(); }

private:
    Period periodFor(TimeMs t) const;

    Evaluator evaluator_;
    std::shared_ptr<FeedPipeline> feed_;
    std::optional<Period> scenePeriod_;
    int trendPeriods_;
    std::vector<Jurisdiction> jurisdictions_;
    PeriodChoice choice_ = PeriodChoice::Scene;
    bool dirty_ = true;
    TimeMs second_ = -1;
    const CheckIn* liveData_ = nullptr;  // the feed's check-in list last handed over
    size_t liveSize_ = 0;
    Period period_;
    TimeMs at_ = 0;
    Result result_;
    std::vector<Result> trends_;
    std::vector<Alert> alerts_;
    std::vector<CheckpointStatus> checkpoints_;
    std::vector<OverdueObject> overdue_;
    uint64_t version_ = 0;
};

// The calendar month [first day 00:00, next month's first day) local (UTC+8) holding t.
Period localMonthOf(TimeMs t);

}  // namespace sandtable::indicators
