#include "engine/indicators/json.hpp"

#include <cmath>

#include "engine/feed/protocol.hpp"

namespace sandtable::indicators {

using nlohmann::ordered_json;

namespace {

ordered_json value(const std::optional<double>& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }

// Whole counts as integers (they are counts of rows), anything else as a number.
ordered_json count(double v) {
    if (v == std::floor(v) && std::fabs(v) < 9e15) return ordered_json(static_cast<int64_t>(v));
    return ordered_json(v);
}

ordered_json pair(const Ratio& r) { return ordered_json::array({count(r.num), count(r.den)}); }

void figures(ordered_json& o, const Figures& f) {
    o["first_contact_rate"] = value(f.firstContact.value());
    o["on_time_rate"] = value(f.onTime.value());
    o["resolution_rate"] = value(f.resolution.value());
    o["satisfaction_rate"] = value(f.satisfaction.value());
    o["checkin_rate"] = value(f.checkin.value());
    o["inspection_rate"] = value(f.inspection.value());
    o["case_quality"] = value(f.caseQuality.value());
    o["cases_opened"] = f.casesOpened;
    o["non_site_cases"] = f.nonSiteCases;
    o["cases_excellent"] = f.casesExcellent;
    o["cases_good"] = f.casesGood;
    o["cases_failing"] = f.casesFailing;
    o["missed_checkins"] = f.missedCheckins;
    o["overdue_inspections"] = f.overdueInspections;
    o["training_attendance"] = f.trainingAttendance;
    o["index"] = value(f.index);
}

ordered_json counts(const Figures& f) {
    ordered_json c = ordered_json::object();
    c["first_contact_rate"] = pair(f.firstContact);
    c["on_time_rate"] = pair(f.onTime);
    c["resolution_rate"] = pair(f.resolution);
    c["satisfaction_rate"] = pair(f.satisfaction);
    c["checkin_rate"] = pair(f.checkin);
    c["inspection_rate"] = pair(f.inspection);
    c["case_quality"] = pair(f.caseQuality);
    return c;
}

ordered_json lonLat(const Vec2d& p) { return ordered_json::array({p.x, p.y}); }

}  // namespace

const std::vector<std::string>& squadJsonKeys() {
    static const std::vector<std::string> keys = {"squad",
                                                  "first_contact_rate",
                                                  "on_time_rate",
                                                  "resolution_rate",
                                                  "satisfaction_rate",
                                                  "checkin_rate",
                                                  "inspection_rate",
                                                  "case_quality",
                                                  "cases_opened",
                                                  "non_site_cases",
                                                  "cases_excellent",
                                                  "cases_good",
                                                  "cases_failing",
                                                  "missed_checkins",
                                                  "overdue_inspections",
                                                  "training_attendance",
                                                  "index",
                                                  "rank",
                                                  "lagging",
                                                  "counts"};
    return keys;
}

ordered_json toJson(const Result& r, const SquadCatalogue& squads) {
    ordered_json j = ordered_json::object();
    j["period"] = {
        {"from", formatIsoTime(r.period.from)}, {"to", formatIsoTime(r.period.to)}, {"at", formatIsoTime(r.at)}};
    ordered_json list = ordered_json::array();
    for (const SquadFigures& s : r.squads) {
        ordered_json o = ordered_json::object();
        o["squad"] = squads[s.squad].id;
        figures(o, s);
        o["rank"] = s.rank ? ordered_json(*s.rank) : ordered_json(nullptr);
        o["lagging"] = s.lagging ? ordered_json(*s.lagging) : ordered_json(nullptr);
        o["counts"] = counts(s);
        list.push_back(std::move(o));
    }
    j["squads"] = std::move(list);
    ordered_json d = ordered_json::object();
    figures(d, r.district);
    d["counts"] = counts(r.district);
    j["district"] = std::move(d);
    return j;
}

ordered_json toJson(const std::vector<Alert>& alerts, const SquadCatalogue& squads) {
    ordered_json list = ordered_json::array();
    for (const Alert& a : alerts) {
        ordered_json o = ordered_json::object();
        o["kind"] = alertKindName(a.kind);
        o["squad"] = squads[a.squad].id;
        o["subject"] = a.subject;
        o["lonlat"] = a.lonLat ? lonLat(*a.lonLat) : ordered_json(nullptr);
        o["since"] = formatIsoTime(a.since);
        o["text"] = {{"zh", a.text.zh}, {"en", a.text.en}};
        list.push_back(std::move(o));
    }
    return list;
}

ordered_json toJson(const std::vector<CheckpointStatus>& status, const SquadCatalogue& squads) {
    ordered_json list = ordered_json::array();
    for (const CheckpointStatus& s : status) {
        ordered_json o = ordered_json::object();
        o["checkpoint"] = s.id;
        o["squad"] = squads[s.squad].id;
        o["level"] = s.level;
        o["lonlat"] = lonLat(s.lonLat);
        o["state"] = windowStateName(s.state);
        o["on_duty"] = s.onDuty;
        o["window"] = {formatIsoTime(s.windowStart), formatIsoTime(s.windowEnd)};
        o["last_checkin"] = s.lastCheckin ? ordered_json(formatIsoTime(*s.lastCheckin)) : ordered_json(nullptr);
        o["missed_today"] = s.missedToday;
        list.push_back(std::move(o));
    }
    return list;
}

}  // namespace sandtable::indicators
