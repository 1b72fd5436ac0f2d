#include "engine/sim/records_generator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

#include "engine/feed/protocol.hpp"
#include "engine/geo/gcj02.hpp"
#include "engine/util/civil_time.hpp"
#include "engine/util/rng.hpp"

namespace sandtable {

namespace {

constexpr TimeMs kMin = 60000, kHour = 60 * kMin, kDay = 24 * kHour;
constexpr TimeMs kLocalOffset = 8 * kHour;  // Asia/Shanghai, UTC+8

TimeMs localMidnight(int64_t day) { return day * kDay - kLocalOffset; }
int64_t localDay(TimeMs t) {
    const TimeMs l = t + kLocalOffset;
    return l >= 0 ? l / kDay : -((-l + kDay - 1) / kDay);
}
int64_t monthFirstDay(int64_t monthIndex) {  // year * 12 + month - 1
    return daysFromCivil(monthIndex / 12, static_cast<unsigned>(monthIndex % 12 + 1), 1);
}

// How well each squad works, 0..1, and how that changes per month (the trends).
struct Profile {
    double quality, drift;
};
Profile profileOf(const std::string& id) {
    static const std::map<std::string, Profile> p = {
        {"changfeng", {0.95, 0.0}},  {"wanli", {0.88, 0.005}},     {"caoyang", {0.85, 0.0}}, {"yichuan", {0.82, 0.0}},
        {"changshou", {0.80, 0.01}}, {"changzheng", {0.70, 0.03}}, {"ganquan", {0.75, 0.0}}, {"shiquan", {0.72, -0.01}},
        {"zhenru", {0.72, -0.04}},   {"taopu", {0.45, 0.02}}};
    auto it = p.find(id);
    return it == p.end() ? Profile{0.75, 0.0} : it->second;
}

std::string fixed6(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6f", v);
    return b;
}

// A CSV file written row by row. Only writing: every value here is plain text without
// commas, quotes or line breaks, and the check below keeps it so.
class CsvOut {
public:
    CsvOut(const std::string& path, const std::vector<std::string>& header)
        : path_(path), out_(path, std::ios::binary) {
        if (!out_) throw std::runtime_error(path + ": cannot create");
        row(header);
    }
    void row(const std::vector<std::string>& cells) {
        for (size_t i = 0; i < cells.size(); ++i) {
            if (cells[i].find_first_of(",\"\n\r") != std::string::npos)
                throw std::runtime_error(path_ + ": a value needs quoting: " + cells[i]);
            if (i) out_ << ',';
            out_ << cells[i];
        }
        out_ << '\n';
        ++rows_;
    }
    size_t dataRows() const { return rows_ - 1; }
    void close() {
        out_.close();
        if (!out_) throw std::runtime_error(path_ + ": write failed");
    }

private:
    std::string path_;
    std::ofstream out_;
    size_t rows_ = 0;
};

struct Place {
    const Jurisdiction* j = nullptr;
    size_t squad = 0;
};

Vec2d randomPointIn(Rng& rng, const Jurisdiction& j) {
    for (int i = 0; i < 500; ++i) {
        const Vec2d p{rng.uniform(j.bbox.minX, j.bbox.maxX), rng.uniform(j.bbox.minY, j.bbox.maxY)};
        if (j.contains(p)) return p;
    }
    return j.bbox.center();
}

// A time of day as local hours in [from, to), whole seconds.
TimeMs atLocal(Rng& rng, int64_t day, double fromH, double toH) {
    return localMidnight(day) + static_cast<TimeMs>(rng.uniform(fromH, toH) * 3600.0) * 1000;
}

}  // namespace

const std::vector<PlannedBadRow>& plannedBadRows() {
    static const std::vector<PlannedBadRow> rows = {
        {"complaints", "squad 'putuo' is not in the squad catalogue"},
        {"complaints", "received_at without an offset (2024-10-15 09:20:00)"},
        {"complaints", "id repeats an earlier complaint's"},
        {"complaints", "lon/lat swapped (31.25, 121.40): latitude beyond 90"},
        {"cases", "review_score 105 outside 0..100"},
        {"checkins", "checkpoint SZH-99 does not exist"},
        {"objects", "colour 'blue' is not red, yellow or green"},
        {"inspections", "object OBJ-9999 does not exist"},
        {"training", "attendees 'twelve' is not a number"},
    };
    return rows;
}

void writeCheckpointsCsv(const std::string& path, const std::vector<Checkpoint>& checkpoints) {
    CsvOut out(path, {"id", "squad", "level", "lon", "lat"});
    for (const Checkpoint& c : checkpoints)
        out.row({c.id, c.squad, std::to_string(c.level), fixed6(c.lonLat.x), fixed6(c.lonLat.y)});
    out.close();
}

RecordsGeneratorStats generateRecords(const RecordsGeneratorConfig& cfg, const SquadCatalogue& squads,
                                      const std::vector<Jurisdiction>& jurisdictions,
                                      const std::vector<Checkpoint>& checkpoints, const std::string& outDir) {
    if (cfg.months < 1 || cfg.months > 60 || cfg.month < 1 || cfg.month > 12)
        throw std::runtime_error("records generator: month must be 1..12 and months 1..60");
    std::filesystem::create_directories(outDir);
    auto path = [&](const char* name) { return (std::filesystem::path(outDir) / name).string(); };

    std::vector<Place> places(squads.size());
    for (size_t s = 0; s < squads.size(); ++s) {
        for (const auto& j : jurisdictions)
            if (j.squad == squads[s].id) places[s] = {&j, s};
        if (!places[s].j)
            throw std::runtime_error("records generator: squad '" + squads[s].id + "' has no jurisdiction");
    }
    auto squadAt = [&](Vec2d p) -> const Place* {
        for (const Place& pl : places)
            if (pl.j->contains(p)) return &pl;
        return nullptr;
    };

    const int64_t lastMonth = static_cast<int64_t>(cfg.year) * 12 + (cfg.month - 1);
    const int64_t firstMonth = lastMonth - (cfg.months - 1);
    const int64_t firstDay = monthFirstDay(firstMonth), endDay = monthFirstDay(lastMonth + 1);
    const TimeMs genEnd = localMidnight(endDay);  // the records are as of this instant
    auto monthOf = [&](int64_t day) {             // 0 = the first month generated
        int64_t m = firstMonth;
        while (monthFirstDay(m + 1) <= day) ++m;
        return static_cast<double>(m - firstMonth);
    };
    auto quality = [&](size_t squad, int64_t day) {
        const Profile p = profileOf(squads[squad].id);
        return std::clamp(p.quality + p.drift * monthOf(day), 0.0, 1.0);
    };
    auto weekday = [](int64_t day) { return (day + 3) % 7; };  // 1970-01-01 was a Thursday: 0 = Monday
    RecordsGeneratorStats stats;
    const bool bad = cfg.badRows;
    auto badRow = [&](CsvOut& out, const std::vector<std::string>& cells) {
        out.row(cells);
        ++stats.badRows;
    };
    const TimeMs badDay = localMidnight(endDay - 17);  // in the report month

    // ---- complaints: where people complain (hot spots of streets and markets) decides the squad ----
    {
        Rng rng(cfg.seed ^ 0x636f6d706c61696eULL);
        struct Hot {
            double lon, lat, sigma, weight;
        };
        // The old heatmap's six hot spots (markets, old residential blocks, the creek
        // side) and a smaller one in each street that had none.
        const Hot hot[] = {{121.4385, 31.2395, 0.004, 7},    {121.4445, 31.2560, 0.003, 4.5},
                           {121.4100, 31.2430, 0.005, 4},    {121.3960, 31.2220, 0.004, 3.5},
                           {121.3950, 31.2700, 0.006, 3},    {121.3520, 31.2820, 0.006, 2},
                           {121.4330, 31.2690, 0.0025, 1.2}, {121.4210, 31.2560, 0.0025, 1.2},
                           {121.3700, 31.2420, 0.0035, 1.5}, {121.3930, 31.2540, 0.003, 1.2}};
        double hotTotal = 0;
        for (const Hot& h : hot) hotTotal += h.weight;
        BBox all;
        for (const Place& p : places) all.merge(p.j->bbox);
        CsvOut out(path("complaints.csv"), {"id", "squad", "received_at", "first_contact_at", "due_at", "closed_at",
                                            "resolved", "satisfaction", "lon", "lat"});
        std::string firstId;
        int64_t seq = 0, seqMonth = -1;
        for (int64_t day = firstDay; day < endDay; ++day) {
            // Complaints cluster (markets, old residential blocks, the creek side): 93 % at
            // the hot spots, the rest anywhere in the district.
            const double mean = weekday(day) >= 5 ? 30.0 : 37.0;
            const int n = rng.poisson(mean);
            struct Row {
                TimeMs received;
                std::vector<std::string> cells;
            };
            std::vector<Row> rows;
            for (int i = 0; i < n; ++i) {
                Vec2d p;
                const Place* pl = nullptr;
                for (int guard = 0; !pl && guard < 200; ++guard) {
                    if (rng.chance(0.93)) {
                        double pick = rng.uniform() * hotTotal;
                        const Hot* h = &hot[0];
                        for (const Hot& x : hot) {
                            h = &x;
                            if ((pick -= x.weight) < 0) break;
                        }
                        p = {h->lon + rng.normal() * h->sigma, h->lat + rng.normal() * h->sigma * 0.85};
                    } else {
                        p = {rng.uniform(all.minX, all.maxX), rng.uniform(all.minY, all.maxY)};
                    }
                    pl = squadAt(p);
                }
                if (!pl) continue;
                const double q = quality(pl->squad, day);
                const TimeMs received = rng.chance(0.9) ? atLocal(rng, day, 7, 22) : atLocal(rng, day, 0, 24);
                TimeMs contact = genEnd;  // none (yet)
                if (rng.chance(0.80 + 0.19 * q))
                    contact = received + rng.uniformInt(5 * 60, 7199) * 1000;
                else if (!rng.chance(0.08 * (1 - q)))
                    contact = received + rng.uniformInt(7201, 26 * 3600) * 1000;
                // The records are as of genEnd: nothing after it has happened.
                const std::string firstContact = contact < genEnd ? formatIsoTime(contact) : "";
                const TimeMs due = received + (rng.chance(0.35) ? 3 : 7) * kDay;
                TimeMs closed;
                if (rng.chance(0.75 + 0.24 * q))
                    closed = received + kHour +
                             static_cast<TimeMs>(rng.uniform() * 0.95 * static_cast<double>(due - received - kHour)) /
                                 1000 * 1000;
                else
                    closed = due + rng.uniformInt(2 * 3600, 5 * 86400) * 1000;
                std::string closedText, resolved, satisfaction;
                if (closed < genEnd) {
                    closedText = formatIsoTime(closed);
                    if (rng.chance(0.97)) resolved = rng.chance(0.70 + 0.28 * q) ? "true" : "false";
                    if (rng.chance(0.85)) satisfaction = rng.chance(0.72 + 0.26 * q) ? "satisfied" : "unsatisfied";
                }
                rows.push_back({received,
                                {"", squads[pl->squad].id, formatIsoTime(received), firstContact, formatIsoTime(due),
                                 closedText, resolved, satisfaction, fixed6(p.x), fixed6(p.y)}});
            }
            std::stable_sort(rows.begin(), rows.end(),
                             [](const Row& a, const Row& b) { return a.received < b.received; });
            for (Row& r : rows) {
                const CivilTime c = toCivil(r.received, 8 * 60);
                const int64_t m = c.year * 100 + c.month;
                if (m != seqMonth) {
                    seqMonth = m;
                    seq = 0;
                }
                char id[48];
                std::snprintf(id, sizeof id, "TS%06lld%05lld", static_cast<long long>(m),
                              static_cast<long long>(++seq));
                r.cells[0] = id;
                if (firstId.empty()) firstId = id;
                out.row(r.cells);
            }
        }
        if (bad) {
            const std::string t = formatIsoTime(badDay + 10 * kHour), d = formatIsoTime(badDay + 10 * kHour + 7 * kDay);
            badRow(out, {"TS-BAD-1", "putuo", t, "", d, "", "", "", "121.420000", "31.250000"});
            badRow(out, {"TS-BAD-2", "changshou", "2024-10-15 09:20:00", "", d, "", "", "", "121.438000", "31.240000"});
            badRow(out, {firstId, "caoyang", t, "", d, "", "", "", "121.410000", "31.243000"});
            badRow(out, {"TS-BAD-4", "wanli", t, "", d, "", "", "", "31.250000", "121.400000"});
        }
        stats.rows[0] = out.dataRows();
        out.close();
    }

    // ---- cases: opened on working days; some reported from phones in GCJ-02 ----
    {
        Rng rng(cfg.seed ^ 0x6361736573000000ULL);
        CsvOut out(path("cases.csv"),
                   {"id", "squad", "opened_at", "closed_at", "non_site", "review_score", "lon", "lat", "crs"});
        int64_t seq = 0;
        for (int64_t day = firstDay; day < endDay; ++day) {
            if (weekday(day) >= 5 && !rng.chance(0.3)) continue;
            struct Row {
                TimeMs opened;
                std::vector<std::string> cells;
            };
            std::vector<Row> rows;
            for (size_t s = 0; s < squads.size(); ++s) {
                const double q = quality(s, day);
                const int n = rng.poisson(1.3 + 0.6 * profileOf(squads[s].id).quality);
                for (int i = 0; i < n; ++i) {
                    const TimeMs opened = atLocal(rng, day, 8.5, 20);
                    const TimeMs closed = opened + rng.uniformInt(2, 30) * kDay + rng.uniformInt(0, 8 * 3600) * 1000;
                    std::string closedText, score;
                    if (closed < genEnd) {
                        closedText = formatIsoTime(closed);
                        if (rng.chance(0.92)) {
                            const double sc = std::clamp(std::round(74 + 22 * q + rng.normal() * 6), 50.0, 100.0);
                            score = std::to_string(static_cast<int>(sc));
                        }
                    }
                    Vec2d p = randomPointIn(rng, *places[s].j);
                    std::string crs;
                    if (rng.chance(0.25)) {
                        p = gcj02::fromWgs84(p);
                        crs = "gcj02";
                    }
                    rows.push_back(
                        {opened,
                         {"", squads[s].id, formatIsoTime(opened), closedText,
                          rng.chance(0.25 + 0.35 * q) ? "true" : "false", score, fixed6(p.x), fixed6(p.y), crs}});
                }
            }
            std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.opened < b.opened; });
            for (Row& r : rows) {
                char id[32];
                std::snprintf(id, sizeof id, "AJ%06lld", static_cast<long long>(++seq));
                r.cells[0] = id;
                out.row(r.cells);
            }
        }
        if (bad)
            badRow(out, {"AJ-BAD-1", "ganquan", formatIsoTime(badDay + 9 * kHour),
                         formatIsoTime(badDay + 3 * kDay + 9 * kHour), "false", "105", "121.437000", "31.268000", ""});
        stats.rows[1] = out.dataRows();
        out.close();
    }

    // ---- checkpoints as given, check-ins for every duty window of every day ----
    writeCheckpointsCsv(path("checkpoints.csv"), checkpoints);
    stats.rows[2] = checkpoints.size();
    {
        Rng rng(cfg.seed ^ 0x636865636b696e73ULL);
        CsvOut out(path("checkins.csv"), {"checkpoint", "officer", "at"});
        for (int64_t day = firstDay; day < endDay; ++day) {
            struct Row {
                TimeMs at;
                std::vector<std::string> cells;
            };
            std::vector<Row> rows;
            for (const Checkpoint& cp : checkpoints) {
                const auto s = squads.indexOf(cp.squad);
                if (!s) continue;
                const double q = quality(*s, day);
                const TimeMs len = (cp.level == 1 ? 2 : cp.level == 2 ? 4 : 8) * kHour;
                for (TimeMs w = localMidnight(day) + 8 * kHour; w < localMidnight(day + 1); w += len) {
                    if (!rng.chance(0.80 + 0.195 * q)) continue;  // the window is missed
                    const int visits = rng.chance(0.2) ? 2 : 1;
                    for (int v = 0; v < visits; ++v) {
                        // Officers PT-xxxx of the squad, numbered as sandtable-sim numbers them.
                        const int64_t officer = static_cast<int64_t>(*s) + 1 + 10 * rng.uniformInt(0, 3);
                        char oid[32];
                        std::snprintf(oid, sizeof oid, "PT-%04lld", static_cast<long long>(officer));
                        const TimeMs at = w + rng.uniformInt(0, len / 1000 - 1) * 1000;
                        rows.push_back({at, {cp.id, oid, formatIsoTime(at)}});
                    }
                }
            }
            std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.at < b.at; });
            for (const Row& r : rows) out.row(r.cells);
        }
        if (bad) badRow(out, {"SZH-99", "PT-0001", formatIsoTime(badDay + 9 * kHour)});
        stats.rows[3] = out.dataRows();
        out.close();
    }

    // ---- inspection objects (三色管理) and their inspections ----
    {
        Rng rng(cfg.seed ^ 0x6f626a6563747300ULL);
        CsvOut objects(path("objects.csv"), {"id", "squad", "kind", "colour", "lon", "lat", "crs"});
        struct Insp {
            TimeMs at;
            std::string object;
        };
        std::vector<Insp> inspections;
        int64_t seq = 0;
        const TimeMs start = localMidnight(firstDay);
        for (size_t s = 0; s < squads.size(); ++s) {
            const int n = static_cast<int>(rng.uniformInt(22, 42));
            for (int i = 0; i < n; ++i) {
                char id[32];
                std::snprintf(id, sizeof id, "OBJ-%04lld", static_cast<long long>(++seq));
                const double k = rng.uniform();
                const char* kind = k < 0.6 ? "shop" : k < 0.85 ? "site" : "heritage";
                const double c = rng.uniform();
                const char* colour = c < 0.12 ? "red" : c < 0.45 ? "yellow" : "green";
                const TimeMs cycle = (c < 0.12 ? 7 : c < 0.45 ? 30 : 90) * kDay;
                const Vec2d p = randomPointIn(rng, *places[s].j);
                // Surveyed objects come in CGCS2000, which differs from WGS84 by centimetres.
                objects.row(
                    {id, squads[s].id, kind, colour, fixed6(p.x), fixed6(p.y), rng.chance(0.3) ? "cgcs2000" : ""});
                // The history starts before the first month, so that every object has a
                // previous inspection; each next one comes within its cycle, except that
                // weaker squads sometimes let it slip past.
                TimeMs t = start - static_cast<TimeMs>(rng.uniform(0.1, 0.9) * static_cast<double>(cycle));
                while (true) {
                    const int64_t day = localDay(t);
                    const double q = quality(s, std::max(day, firstDay));
                    const double f = rng.chance(0.45 * (1 - q)) ? rng.uniform(1.05, 1.6) : rng.uniform(0.55, 0.97);
                    t += static_cast<TimeMs>(f * static_cast<double>(cycle));
                    const int64_t d = localDay(t);
                    const TimeMs at = atLocal(rng, d, 9, 17.5);
                    if (at >= genEnd) break;
                    inspections.push_back({at, id});
                    t = at;
                }
            }
        }
        if (bad) badRow(objects, {"OBJ-BAD-1", "shiquan", "shop", "blue", "121.425000", "31.255000", ""});
        stats.rows[4] = objects.dataRows();
        objects.close();
        std::stable_sort(inspections.begin(), inspections.end(),
                         [](const Insp& a, const Insp& b) { return a.at < b.at; });
        CsvOut out(path("inspections.csv"), {"object", "at"});
        for (const Insp& i : inspections) out.row({i.object, formatIsoTime(i.at)});
        if (bad) badRow(out, {"OBJ-9999", formatIsoTime(badDay + 11 * kHour)});
        stats.rows[5] = out.dataRows();
        out.close();
    }

    // ---- training sessions ----
    {
        Rng rng(cfg.seed ^ 0x747261696e696e67ULL);
        CsvOut out(path("training.csv"), {"squad", "at", "attendees"});
        struct Row {
            TimeMs at;
            std::vector<std::string> cells;
        };
        std::vector<Row> rows;
        for (int64_t m = firstMonth; m <= lastMonth; ++m) {
            const int64_t d0 = monthFirstDay(m), d1 = monthFirstDay(m + 1);
            for (size_t s = 0; s < squads.size(); ++s) {
                const double q = quality(s, d0);
                const int sessions = 1 + static_cast<int>(std::lround(3 * q)) + (rng.chance(0.3) ? 1 : 0);
                for (int i = 0; i < sessions; ++i) {
                    int64_t day = rng.uniformInt(d0, d1 - 1);
                    while (weekday(day) >= 5) day = day + 1 < d1 ? day + 1 : d0;
                    const TimeMs at = localMidnight(day) + (rng.chance(0.5) ? 9 : 14) * kHour;
                    rows.push_back({at, {squads[s].id, formatIsoTime(at), std::to_string(rng.uniformInt(8, 36))}});
                }
            }
        }
        std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.at < b.at; });
        for (const Row& r : rows) out.row(r.cells);
        if (bad) badRow(out, {"yichuan", formatIsoTime(badDay + 14 * kHour), "twelve"});
        stats.rows[6] = out.dataRows();
        out.close();
    }
    return stats;
}

}  // namespace sandtable
