#include "engine/indicators/presentation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sandtable::indicators {

namespace {
std::optional<double> count(int64_t v) { return static_cast<double>(v); }
}  // namespace

const std::vector<IndicatorDef>& indicatorDefs() {
    static const std::vector<IndicatorDef> d = {
        {"index", IndicatorKind::Index, true, [](const Figures& f) { return f.index; }, nullptr},
        {"first_contact_rate", IndicatorKind::Rate, true, [](const Figures& f) { return f.firstContact.value(); },
         [](const Figures& f) { return &f.firstContact; }},
        {"on_time_rate", IndicatorKind::Rate, true, [](const Figures& f) { return f.onTime.value(); },
         [](const Figures& f) { return &f.onTime; }},
        {"resolution_rate", IndicatorKind::Rate, true, [](const Figures& f) { return f.resolution.value(); },
         [](const Figures& f) { return &f.resolution; }},
        {"satisfaction_rate", IndicatorKind::Rate, true, [](const Figures& f) { return f.satisfaction.value(); },
         [](const Figures& f) { return &f.satisfaction; }},
        {"checkin_rate", IndicatorKind::Rate, true, [](const Figures& f) { return f.checkin.value(); },
         [](const Figures& f) { return &f.checkin; }},
        {"inspection_rate", IndicatorKind::Rate, true, [](const Figures& f) { return f.inspection.value(); },
         [](const Figures& f) { return &f.inspection; }},
        {"case_quality", IndicatorKind::Score, true, [](const Figures& f) { return f.caseQuality.value(); },
         [](const Figures& f) { return &f.caseQuality; }},
        {"missed_checkins", IndicatorKind::Count, false, [](const Figures& f) { return count(f.missedCheckins); },
         nullptr},
        {"overdue_inspections", IndicatorKind::Count, false,
         [](const Figures& f) { return count(f.overdueInspections); }, nullptr},
        {"cases_opened", IndicatorKind::Count, true, [](const Figures& f) { return count(f.casesOpened); }, nullptr},
        {"training_attendance", IndicatorKind::Count, true,
         [](const Figures& f) { return count(f.trainingAttendance); }, nullptr},
    };
    return d;
}

const IndicatorDef* findIndicator(const std::string& key) {
    for (const IndicatorDef& d : indicatorDefs())
        if (key == d.key) return &d;
    return nullptr;
}

std::string formatIndicator(const IndicatorDef& d, std::optional<double> v) {
    if (!v || !std::isfinite(*v)) return "—";
    char buf[32];
    switch (d.kind) {
    case IndicatorKind::Rate:
        std::snprintf(buf, sizeof buf, "%.1f%%", *v * 100.0);  // domain.md: one decimal
        break;
    case IndicatorKind::Score:
    case IndicatorKind::Index:
        std::snprintf(buf, sizeof buf, "%.1f", *v);
        break;
    case IndicatorKind::Count:
        std::snprintf(buf, sizeof buf, "%.0f", *v);
        break;
    }
    return buf;
}

const char* unitKey(const IndicatorDef& d) {
    switch (d.kind) {
    case IndicatorKind::Rate:
        return "kpi.unit.percent";
    case IndicatorKind::Score:
    case IndicatorKind::Index:
        return "kpi.unit.points";
    case IndicatorKind::Count:
        return "kpi.unit.count";
    }
    return "kpi.unit.count";
}

std::vector<double> naturalBreaks(std::vector<double> v, int k) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    const int n = static_cast<int>(v.size());
    k = std::clamp(k, 1, std::max(1, n));
    if (n <= k) {  // every value its own class
        v.pop_back();
        return v;
    }
    // Fisher-Jenks dynamic programme: minimise the within-class sum of squares.
    auto sse = [&](int a, int b) {  // values a..b inclusive
        double s = 0, s2 = 0;
        for (int i = a; i <= b; ++i) {
            s += v[i];
            s2 += v[i] * v[i];
        }
        const double m = b - a + 1;
        return s2 - s * s / m;
    };
    std::vector<std::vector<double>> cost(k + 1, std::vector<double>(n, 1e300));
    std::vector<std::vector<int>> cut(k + 1, std::vector<int>(n, 0));
    for (int j = 0; j < n; ++j) cost[1][j] = sse(0, j);
    for (int c = 2; c <= k; ++c)
        for (int j = c - 1; j < n; ++j)
            for (int i = c - 1; i <= j; ++i) {
                const double x = cost[c - 1][i - 1] + sse(i, j);
                if (x < cost[c][j]) {
                    cost[c][j] = x;
                    cut[c][j] = i;
                }
            }
    std::vector<double> breaks;
    int j = n - 1;
    for (int c = k; c >= 2; --c) {
        const int i = cut[c][j];
        breaks.push_back(v[i - 1]);  // the last value of the lower class
        j = i - 1;
    }
    std::reverse(breaks.begin(), breaks.end());
    return breaks;
}

}  // namespace sandtable::indicators
