#include "engine/indicators/records.hpp"

#include <cpl_vsi.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <unordered_map>

#include "engine/data/record_table.hpp"
#include "engine/geo/gcj02.hpp"
#include "engine/geo/projection.hpp"

namespace sandtable::indicators {

const char* tableName(Table t) {
    static const char* names[] = {"complaints", "cases",       "checkpoints", "checkins",
                                  "objects",    "inspections", "training"};
    return names[static_cast<size_t>(t)];
}
const char* objectKindName(ObjectKind k) {
    return k == ObjectKind::Shop ? "shop" : k == ObjectKind::Site ? "site" : "heritage";
}
const char* riskColourName(RiskColour c) {
    return c == RiskColour::Red ? "red" : c == RiskColour::Yellow ? "yellow" : "green";
}

std::optional<size_t> Records::checkpointIndex(const std::string& id) const {
    for (size_t i = 0; i < checkpoints.size(); ++i)
        if (checkpoints[i].id == id) return i;
    return std::nullopt;
}
std::optional<size_t> Records::objectIndex(const std::string& id) const {
    for (size_t i = 0; i < objects.size(); ++i)
        if (objects[i].id == id) return i;
    return std::nullopt;
}

namespace {

std::string inQuotes(const std::string& s) { return "'" + s + "'"; }

// The CGCS2000 -> WGS84 transformer, built on first use: PROJ's setup (a proj.db search)
// costs far more than reading a table, and most sources have no cgcs2000 row.
class LazyCgcs {
public:
    const Transformer* get() {
        if (!tried_) {
            tried_ = true;
            try {
                t_.emplace("cgcs2000", "wgs84");
            } catch (const std::exception&) {
                // stays empty: each cgcs2000 row is then a bad row saying so
            }
        }
        return t_ ? &*t_ : nullptr;
    }

private:
    std::optional<Transformer> t_;
    bool tried_ = false;
};

// Reads the cells of one row; the first problem found becomes the row's reason.
class Row {
public:
    Row(const RecordTable& t, const SquadCatalogue& squads, const ReadOptions& o, LazyCgcs* cgcs)
        : t_(t), squads_(squads), opt_(o), cgcs_(cgcs) {}
    bool ok() const { return reason_.empty(); }
    const std::string& reason() const { return reason_; }
    void fail(const std::string& r) {
        if (reason_.empty()) reason_ = r;
    }

    std::string text(int col, const char* name) {
        auto v = t_.text(col);
        if (!v) fail(std::string(name) + ": empty (required)");
        return v.value_or("");
    }
    std::optional<TimeMs> optionalTime(int col, const char* name) {
        TimeMs t = 0;
        switch (t_.time(col, t)) {
        case RecordTable::CellTime::Ok:
            return t;
        case RecordTable::CellTime::Empty:
            return std::nullopt;
        case RecordTable::CellTime::Bad:
            fail(std::string(name) + ": " + inQuotes(t_.text(col).value_or("")) +
                 " is not an ISO 8601 time with an offset (like 2024-10-08T09:30:00+08:00)");
        }
        return std::nullopt;
    }
    TimeMs time(int col, const char* name) {
        const bool wasOk = ok();
        auto t = optionalTime(col, name);
        if (!t && wasOk && ok()) fail(std::string(name) + ": empty (required)");
        return t.value_or(0);
    }
    std::optional<bool> optionalBool(int col, const char* name) {
        switch (t_.boolean(col)) {
        case RecordTable::CellBool::True:
            return true;
        case RecordTable::CellBool::False:
            return false;
        case RecordTable::CellBool::Empty:
            return std::nullopt;
        case RecordTable::CellBool::Bad:
            fail(std::string(name) + ": " + inQuotes(t_.text(col).value_or("")) + " is not true or false");
        }
        return std::nullopt;
    }
    bool boolean(int col, const char* name) {
        const bool wasOk = ok();
        auto b = optionalBool(col, name);
        if (!b && wasOk && ok()) fail(std::string(name) + ": empty (required)");
        return b.value_or(false);
    }
    std::optional<double> optionalNumber(int col, const char* name) {
        double d = 0;
        switch (t_.number(col, d)) {
        case RecordTable::CellNumber::Ok:
            return d;
        case RecordTable::CellNumber::Empty:
            return std::nullopt;
        case RecordTable::CellNumber::Bad:
            fail(std::string(name) + ": " + inQuotes(t_.text(col).value_or("")) + " is not a number");
        }
        return std::nullopt;
    }
    size_t squad(int col) {
        const std::string id = text(col, "squad");
        if (id.empty()) return 0;
        const auto i = squads_.indexOf(id);
        if (!i) fail("squad: " + inQuotes(id) + " is not in the squad catalogue");
        return i.value_or(0);
    }
    // lon/lat in WGS84, converted from the row's crs (empty or wgs84, gcj02, cgcs2000).
    Vec2d lonLat(int lonCol, int latCol, int crsCol) {
        const auto lon = optionalNumber(lonCol, "lon"), lat = optionalNumber(latCol, "lat");
        if (!ok()) return {};
        if (!lon || !lat) {
            fail("lon/lat: empty (required)");
            return {};
        }
        Vec2d p{*lon, *lat};
        const std::string crs = crsCol >= 0 ? t_.text(crsCol).value_or("") : "";
        if (std::fabs(p.x) > 180 || std::fabs(p.y) > 90) {
            fail("lon/lat: " + num(p.x) + ", " + num(p.y) + " are not a longitude and a latitude (swapped?)");
            return {};
        }
        if (crs == "gcj02") {
            p = gcj02::toWgs84(p);
        } else if (crs == "cgcs2000") {
            const Transformer* tr = cgcs_->get();
            if (!tr || !tr->forward(p)) fail("lon/lat: cannot convert from cgcs2000");
        } else if (!crs.empty() && crs != "wgs84") {
            fail("crs: " + inQuotes(crs) + " is not wgs84, gcj02 or cgcs2000");
        }
        if (ok() && !opt_.area.contains(p))
            fail("lon/lat: " + num(*lon) + ", " + num(*lat) + " lies outside the district's area (lon " +
                 num(opt_.area.minX) + ".." + num(opt_.area.maxX) + ", lat " + num(opt_.area.minY) + ".." +
                 num(opt_.area.maxY) + ")");
        return p;
    }

private:
    static std::string num(double d) {
        char b[32];
        std::snprintf(b, sizeof b, "%.6g", d);
        return b;
    }
    const RecordTable& t_;
    const SquadCatalogue& squads_;
    const ReadOptions& opt_;
    LazyCgcs* cgcs_;
    std::string reason_;
};

class Reader {
public:
    Reader(const std::string& path, const SquadCatalogue& squads, const ReadOptions& opt, Records& out)
        : path_(path), squads_(squads), opt_(opt), out_(out) {
        // GDAL's virtual file layer: /vsimem/ (the fuzzer) works as well as the disk.
        VSIStatBufL st;
        if (VSIStatExL(path.c_str(), &st, VSI_STAT_EXISTS_FLAG | VSI_STAT_NATURE_FLAG) != 0)
            throw RecordsError("records '" + path + "': no such folder or file");
        folder_ = VSI_ISDIR(st.st_mode);
    }

    RecordTable open(Table t) {
        try {
            if (folder_) return RecordTable::openCsv((std::filesystem::path(path_) / tableName(t)).string() + ".csv");
            return RecordTable::openLayer(path_, tableName(t));
        } catch (const TableError& e) {
            throw RecordsError(e.what());
        }
    }
    static int col(const RecordTable& t, const char* name) {
        try {
            return t.requireColumn(name);
        } catch (const TableError& e) {
            throw RecordsError(e.what());
        }
    }

    // Runs `parse(row)` over every row of table `tab`; rows it fails are reported.
    template <class F>
    void each(Table tab, RecordTable& t, F&& parse) {
        while (t.next()) {
            ++out_.rowsRead[static_cast<size_t>(tab)];
            Row r(t, squads_, opt_, &cgcs_);
            parse(r);
            if (!r.ok()) out_.badRows.push_back({tab, t.name(), t.line(), r.reason()});
        }
    }

    // Record ids must be unique within a table: a repeated id would count twice.
    void unique(Row& r, std::map<std::string, int64_t>& seen, const std::string& id, int64_t line) {
        if (!r.ok() || id.empty()) return;
        auto [it, fresh] = seen.emplace(id, line);
        if (!fresh) r.fail("id: " + inQuotes(id) + " repeats the row at line " + std::to_string(it->second));
    }

    void complaints() {
        RecordTable t = open(Table::Complaints);
        const int id = col(t, "id"), squad = col(t, "squad"), rec = col(t, "received_at"),
                  fc = col(t, "first_contact_at"), due = col(t, "due_at"), closed = col(t, "closed_at"),
                  res = col(t, "resolved"), sat = col(t, "satisfaction"), lon = col(t, "lon"), lat = col(t, "lat"),
                  crs = t.column("crs");
        std::map<std::string, int64_t> seen;
        each(Table::Complaints, t, [&](Row& r) {
            Complaint c;
            c.line = t.line();
            c.id = r.text(id, "id");
            c.squad = r.squad(squad);
            c.receivedAt = r.time(rec, "received_at");
            c.firstContactAt = r.optionalTime(fc, "first_contact_at");
            c.dueAt = r.time(due, "due_at");
            c.closedAt = r.optionalTime(closed, "closed_at");
            c.resolved = r.optionalBool(res, "resolved");
            if (auto s = t.text(sat)) {
                if (*s == "satisfied")
                    c.satisfaction = Satisfaction::Satisfied;
                else if (*s == "unsatisfied")
                    c.satisfaction = Satisfaction::Unsatisfied;
                else
                    r.fail("satisfaction: " + inQuotes(*s) + " is not satisfied or unsatisfied");
            }
            c.lonLat = r.lonLat(lon, lat, crs);
            if (r.ok() && c.firstContactAt && *c.firstContactAt < c.receivedAt)
                r.fail("first_contact_at is earlier than received_at");
            if (r.ok() && c.closedAt && *c.closedAt < c.receivedAt) r.fail("closed_at is earlier than received_at");
            if (r.ok() && c.dueAt < c.receivedAt) r.fail("due_at is earlier than received_at");
            unique(r, seen, c.id, c.line);
            if (r.ok()) out_.complaints.push_back(std::move(c));
        });
    }

    void cases() {
        RecordTable t = open(Table::Cases);
        const int id = col(t, "id"), squad = col(t, "squad"), opened = col(t, "opened_at"),
                  closed = col(t, "closed_at"), ns = col(t, "non_site"), score = col(t, "review_score"),
                  lon = col(t, "lon"), lat = col(t, "lat"), crs = t.column("crs");
        std::map<std::string, int64_t> seen;
        each(Table::Cases, t, [&](Row& r) {
            Case c;
            c.line = t.line();
            c.id = r.text(id, "id");
            c.squad = r.squad(squad);
            c.openedAt = r.time(opened, "opened_at");
            c.closedAt = r.optionalTime(closed, "closed_at");
            c.nonSite = r.boolean(ns, "non_site");
            c.reviewScore = r.optionalNumber(score, "review_score");
            if (r.ok() && c.reviewScore && (*c.reviewScore < 0 || *c.reviewScore > 100))
                r.fail("review_score: " + t.text(score).value_or("") + " is outside 0..100");
            c.lonLat = r.lonLat(lon, lat, crs);
            if (r.ok() && c.closedAt && *c.closedAt < c.openedAt) r.fail("closed_at is earlier than opened_at");
            unique(r, seen, c.id, c.line);
            if (r.ok()) out_.cases.push_back(std::move(c));
        });
    }

    void checkpoints() {
        RecordTable t = open(Table::Checkpoints);
        const int id = col(t, "id"), squad = col(t, "squad"), level = col(t, "level"), lon = col(t, "lon"),
                  lat = col(t, "lat"), crs = t.column("crs");
        std::map<std::string, int64_t> seen;
        each(Table::Checkpoints, t, [&](Row& r) {
            CheckpointRecord c;
            c.line = t.line();
            c.id = r.text(id, "id");
            c.squad = r.squad(squad);
            const auto l = r.optionalNumber(level, "level");
            if (r.ok() && (!l || (*l != 1 && *l != 2 && *l != 3)))
                r.fail("level: " + inQuotes(t.text(level).value_or("")) + " is not 1, 2 or 3");
            c.level = r.ok() ? static_cast<int>(*l) : 1;  // checked first: 1e300 is no int
            c.lonLat = r.lonLat(lon, lat, crs);
            unique(r, seen, c.id, c.line);
            if (r.ok()) out_.checkpoints.push_back(std::move(c));
        });
    }

    void checkins() {
        RecordTable t = open(Table::Checkins);
        const int cp = col(t, "checkpoint"), officer = col(t, "officer"), at = col(t, "at");
        std::set<std::string> known;
        for (const auto& c : out_.checkpoints) known.insert(c.id);
        std::set<std::tuple<std::string, std::string, TimeMs>> seen;
        each(Table::Checkins, t, [&](Row& r) {
            CheckinRecord c;
            c.line = t.line();
            c.checkpoint = r.text(cp, "checkpoint");
            if (r.ok() && !known.count(c.checkpoint))
                r.fail("checkpoint: " + inQuotes(c.checkpoint) + " is not in checkpoints (or its row there is bad)");
            c.officer = r.text(officer, "officer");
            c.at = r.time(at, "at");
            if (!r.ok()) return;
            // The same visit recorded twice is one visit (as a live and a recorded one are).
            if (!seen.emplace(c.checkpoint, c.officer, c.at).second) {
                ++out_.duplicateCheckins;
                return;
            }
            out_.checkins.push_back(std::move(c));
        });
    }

    void objects() {
        RecordTable t = open(Table::Objects);
        const int id = col(t, "id"), squad = col(t, "squad"), kind = col(t, "kind"), colour = col(t, "colour"),
                  lon = col(t, "lon"), lat = col(t, "lat"), crs = t.column("crs");
        std::map<std::string, int64_t> seen;
        each(Table::Objects, t, [&](Row& r) {
            InspectionObject o;
            o.line = t.line();
            o.id = r.text(id, "id");
            o.squad = r.squad(squad);
            const std::string k = r.text(kind, "kind");
            if (k == "shop")
                o.kind = ObjectKind::Shop;
            else if (k == "site")
                o.kind = ObjectKind::Site;
            else if (k == "heritage")
                o.kind = ObjectKind::Heritage;
            else if (!k.empty())
                r.fail("kind: " + inQuotes(k) + " is not shop, site or heritage");
            const std::string c = r.text(colour, "colour");
            if (c == "red")
                o.colour = RiskColour::Red;
            else if (c == "yellow")
                o.colour = RiskColour::Yellow;
            else if (c == "green")
                o.colour = RiskColour::Green;
            else if (!c.empty())
                r.fail("colour: " + inQuotes(c) + " is not red, yellow or green");
            o.lonLat = r.lonLat(lon, lat, crs);
            unique(r, seen, o.id, o.line);
            if (r.ok()) out_.objects.push_back(std::move(o));
        });
    }

    void inspections() {
        RecordTable t = open(Table::Inspections);
        const int obj = col(t, "object"), at = col(t, "at");
        std::set<std::string> known;
        for (const auto& o : out_.objects) known.insert(o.id);
        each(Table::Inspections, t, [&](Row& r) {
            InspectionRecord i;
            i.line = t.line();
            i.object = r.text(obj, "object");
            if (r.ok() && !known.count(i.object))
                r.fail("object: " + inQuotes(i.object) + " is not in objects (or its row there is bad)");
            i.at = r.time(at, "at");
            if (r.ok()) out_.inspections.push_back(std::move(i));
        });
    }

    void training() {
        RecordTable t = open(Table::Training);
        const int squad = col(t, "squad"), at = col(t, "at"), n = col(t, "attendees");
        each(Table::Training, t, [&](Row& r) {
            TrainingRecord tr;
            tr.line = t.line();
            tr.squad = r.squad(squad);
            tr.at = r.time(at, "at");
            const auto a = r.optionalNumber(n, "attendees");
            if (r.ok() && (!a || *a < 0 || *a != std::floor(*a) || *a > 1e6))
                r.fail("attendees: " + inQuotes(t.text(n).value_or("")) + " is not a whole number >= 0");
            tr.attendees = r.ok() ? static_cast<int64_t>(*a) : 0;  // checked first: 1e20 is no int64
            if (r.ok()) out_.training.push_back(tr);
        });
    }

private:
    std::string path_;
    const SquadCatalogue& squads_;
    const ReadOptions& opt_;
    Records& out_;
    LazyCgcs cgcs_;
    bool folder_ = false;
};

}  // namespace

Records readRecords(const std::string& path, const SquadCatalogue& squads, const ReadOptions& options) {
    if (squads.empty()) throw RecordsError("records '" + path + "': the squad catalogue is empty");
    Records out;
    out.source = path;
    Reader r(path, squads, options, out);
    r.complaints();
    r.cases();
    r.checkpoints();
    r.checkins();
    r.objects();
    r.inspections();
    r.training();
    return out;
}

}  // namespace sandtable::indicators
