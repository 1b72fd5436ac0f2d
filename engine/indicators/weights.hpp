#pragma once
// The performance index's sub-scores and their weights (docs/kpi.md). Header-only: the
// scene parser reads the weights ("indicators": {"weights": {...}}) with these keys.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sandtable::indicators {

enum class SubScore : uint8_t {
    FirstContact,  // first_contact_rate
    OnTime,        // on_time_rate
    Resolution,    // resolution_rate
    Satisfaction,  // satisfaction_rate
    Checkin,       // checkin_rate
    Inspection,    // inspection_rate
    CaseQuality,   // case_quality mapped to clamp((mean - 60) / 40, 0, 1)
    Count
};
constexpr size_t kSubScoreCount = static_cast<size_t>(SubScore::Count);

// The JSON / scene key of each sub-score, in SubScore order.
constexpr std::array<std::string_view, kSubScoreCount> kSubScoreKeys = {
    "first_contact_rate", "on_time_rate",    "resolution_rate", "satisfaction_rate",
    "checkin_rate",       "inspection_rate", "case_quality"};

struct IndexWeights {
    std::array<double, kSubScoreCount> w{1, 1, 1, 1, 1, 1, 1};  // domain.md: 1 each
    double operator[](SubScore s) const { return w[static_cast<size_t>(s)]; }
    double& operator[](SubScore s) { return w[static_cast<size_t>(s)]; }
};

}  // namespace sandtable::indicators
