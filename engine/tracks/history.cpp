#include "engine/tracks/history.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogr_feature.h>
#include <ogr_geometry.h>
#include <ogr_recordbatch.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "engine/util/civil_time.hpp"
#include "engine/util/log.hpp"

namespace sandtable {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr const char* kTable = "tracks";
constexpr const char* kLegacyTable = "positions";  // one row per fix (before 2026-12-03): not read
constexpr TimeMs kDayMs = 86400000;
// A row of the tracks table is a run: one officer's fixes from one batch with the same
// squad and status, in time order, at most kRunFixes of them, spanning less than
// kRunSpanMs and never a local midnight (so a PostGIS day partition holds whole runs).
// Readers widen a time range's start by kRunSpanMs to find the runs that reach into it.
constexpr size_t kRunFixes = 1024;
constexpr TimeMs kRunSpanMs = 3600000;
// The live feed writes a batch a second, about one fix per officer: runs of one fix. Once
// an hour has closed (kCompactAfterMs after its end, so that stragglers are in), its runs
// of fewer than kShortRun fixes are merged into long ones.
constexpr TimeMs kHourMs = 3600000;
constexpr uint32_t kShortRun = 64;
constexpr TimeMs kCompactAfterMs = 10 * 60000;
constexpr int kCompactHoursBack = 48;  // at open: the hours of the last two days
static_assert(std::endian::native == std::endian::little, "the speed/heading/acc blobs are little-endian floats");

void registerGdal() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

bool isPg(const std::string& target) { return target.rfind("PG:", 0) == 0; }

// The PG: string as shown in logs and stats: without the password.
std::string redact(const std::string& target) {
    std::string out = target;
    for (const char* key : {"password=", "passwd="}) {
        size_t p = out.find(key);
        while (p != std::string::npos) {
            size_t end = out.find(' ', p);
            if (end == std::string::npos) end = out.size();
            out.replace(p, end - p, std::string(key) + "***");
            p = out.find(key, p + 1);
        }
    }
    return out;
}

std::string lastGdalError(const char* fallback) {
    const char* m = CPLGetLastErrorMsg();
    return m && *m ? std::string(m) : std::string(fallback);
}

// The local day of t (days since 1970-01-01 at the configured offset).
int64_t dayOf(TimeMs t, int offsetMinutes) {
    const TimeMs local = t + static_cast<TimeMs>(offsetMinutes) * 60000;
    return local >= 0 ? local / kDayMs : -((-local + kDayMs - 1) / kDayMs);
}
TimeMs dayStart(int64_t day, int offsetMinutes) { return day * kDayMs - static_cast<TimeMs>(offsetMinutes) * 60000; }

std::string partitionName(int64_t day) {
    int64_t y;
    unsigned m, d;
    civilFromDays(day, y, m, d);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s_p%04lld%02u%02u", kTable, static_cast<long long>(y), m, d);
    return buf;
}
bool parsePartition(const std::string& name, int64_t& day) {
    const std::string prefix = std::string(kTable) + "_p";
    if (name.rfind(prefix, 0) != 0 || name.size() != prefix.size() + 8) return false;
    unsigned y = 0, m = 0, d = 0;
    if (std::sscanf(name.c_str() + prefix.size(), "%4u%2u%2u", &y, &m, &d) != 3) return false;
    day = daysFromCivil(y, m, d);
    return true;
}

// Runs one statement; false (with GDAL's reason) when it failed.
bool execSql(GDALDataset& ds, const std::string& sql, std::string& err) {
    CPLErrorReset();
    OGRLayer* rs = ds.ExecuteSQL(sql.c_str(), nullptr, nullptr);
    if (rs) ds.ReleaseResultSet(rs);
    if (CPLGetLastErrorType() >= CE_Failure) {
        err = lastGdalError("SQL failed") + " (" + sql.substr(0, 80) + ")";
        return false;
    }
    return true;
}

// The first column of every row of a query, as text.
std::vector<std::string> queryColumn(GDALDataset& ds, const std::string& sql) {
    std::vector<std::string> out;
    OGRLayer* rs = ds.ExecuteSQL(sql.c_str(), nullptr, nullptr);
    if (!rs) return out;
    for (auto& f : *rs) out.emplace_back(f->GetFieldAsString(0));
    ds.ReleaseResultSet(rs);
    return out;
}

// A run of one batch: rows order[first, first + count) (see kRunFixes).
struct Run {
    uint32_t first = 0, count = 0;
};

// Cuts a batch into runs. `order` gets the rows' indexes grouped by officer (officers in
// order of first appearance), each officer's rows in time order (stable: equal times keep
// their arrival order); a run ends where the squad, the status or the local day changes,
// or at kRunFixes fixes or kRunSpanMs.
void cutRuns(const std::vector<HistoryRecord>& rows, int dayOffsetMinutes, std::vector<uint32_t>& order,
             std::vector<Run>& runs) {
    runs.clear();
    std::unordered_map<std::string_view, uint32_t> groupOf;
    std::vector<uint32_t> group(rows.size()), start;
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto [it, added] = groupOf.try_emplace(rows[i].officer, static_cast<uint32_t>(start.size()));
        if (added) start.push_back(0);
        group[i] = it->second;
        ++start[it->second];
    }
    uint32_t sum = 0;  // group sizes -> first index of each group
    for (uint32_t& s : start) sum += std::exchange(s, sum);
    start.push_back(sum);
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    order.resize(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) order[next[group[i]]++] = static_cast<uint32_t>(i);
    auto earlier = [&](uint32_t a, uint32_t b) { return rows[a].fix.t < rows[b].fix.t; };
    for (size_t g = 0; g + 1 < start.size(); ++g) {
        const auto a = order.begin() + start[g], b = order.begin() + start[g + 1];
        if (!std::is_sorted(a, b, earlier)) std::stable_sort(a, b, earlier);
        Run run{start[g], 0};
        int64_t runDay = 0;
        for (uint32_t k = start[g]; k < start[g + 1]; ++k) {
            const HistoryRecord& r = rows[order[k]];
            const int64_t day = dayOf(r.fix.t, dayOffsetMinutes);
            if (run.count > 0) {
                const HistoryRecord& head = rows[order[run.first]];
                if (r.squad != head.squad || r.fix.status != head.fix.status || day != runDay ||
                    run.count >= kRunFixes || r.fix.t - head.fix.t >= kRunSpanMs) {
                    runs.push_back(run);
                    run = Run{k, 0};
                }
            }
            if (run.count == 0) runDay = day;
            ++run.count;
        }
        if (run.count > 0) runs.push_back(run);
    }
}

}  // namespace

// Why a GeoPackage file cannot be a usable SQLite database, from its header alone (empty
// when it looks whole, or when it cannot be read at all: then opening it fails with the
// system's reason and nothing is moved). SQLite's file format: the 16-byte magic, the page
// size at offset 16, the page count at 28, valid while the "version-valid-for" number at
// 92 equals the change counter at 24. A file shorter than its page count says was cut.
std::string unusableSqliteFile(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return {};
    unsigned char h[100] = {};
    const size_t n = std::fread(h, 1, sizeof h, f);
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    std::fclose(f);
    if (size == 0) return "the file is empty";
    if (n < sizeof h) return "truncated to " + std::to_string(size) + " bytes (no whole SQLite header)";
    if (std::memcmp(h, "SQLite format 3", 16) != 0) return "not an SQLite database (no SQLite header)";
    auto be32 = [&](int o) {
        return uint32_t{h[o]} << 24 | uint32_t{h[o + 1]} << 16 | uint32_t{h[o + 2]} << 8 | uint32_t{h[o + 3]};
    };
    const uint32_t raw = uint32_t{h[16]} << 8 | h[17];
    const uint64_t pageSize = raw == 1 ? 65536 : raw;
    const uint64_t pages = be32(28);
    // With a write-ahead log beside it the main file may lag its header (a checkpoint cut
    // short by a full disk): SQLite recovers from the log, so only a file alone is judged.
    std::error_code ec;
    const auto wal = std::filesystem::file_size(path + "-wal", ec);
    const bool alone = ec || wal == 0;
    if (alone && be32(92) == be32(24) && pages > 0 && pageSize >= 512 && pages * pageSize > static_cast<uint64_t>(size))
        return "truncated: " + std::to_string(size) + " of its " + std::to_string(pages * pageSize) + " bytes";
    return {};
}

// An error text that says the database itself is damaged (not locked, not full).
bool saysCorrupt(const std::string& err) {
    return err.find("malformed") != std::string::npos || err.find("not a database") != std::string::npos ||
           err.find("corrupt") != std::string::npos;
}

// ---------------------------------------------------------------- writer (writer thread only)

class HistoryStore::Writer {
public:
    Writer(const HistoryOptions& options, bool postgres, std::string dataset)
        : options_(options), postgres_(postgres), dataset_(std::move(dataset)) {}

    bool isOpen() const { return ds_ != nullptr; }

    bool open(std::string& err) {
        close();
        registerGdal();
        CPLErrorReset();
        if (postgres_) {
            const char* drivers[] = {"PostgreSQL", nullptr};
            ds_.reset(GDALDataset::Open(dataset_.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers));
            if (!ds_) return fail(err, lastGdalError("cannot connect"));
            return createPgSchema(err);
        }
        bool exists = std::filesystem::exists(dataset_);
        if (exists) {
            std::string why = corruptSeen_ ? corruptSeen_.value() : unusableSqliteFile(dataset_);
            if (!why.empty()) {
                if (!quarantine(why, err)) return false;
                exists = false;
            }
        }
        if (exists) {
            const char* drivers[] = {"GPKG", nullptr};
            ds_.reset(GDALDataset::Open(dataset_.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers));
            const std::string why = ds_ ? std::string() : lastGdalError("GDAL cannot open it as a GeoPackage");
            if (!ds_ && ::access(dataset_.c_str(), R_OK | W_OK) == 0 && why.find("locked") == std::string::npos) {
                // Readable and writable, a whole SQLite file, and still no GeoPackage.
                if (!quarantine(why, err)) return false;
                exists = false;
            }
        }
        if (!exists) {
            GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GPKG");
            if (!drv) return fail(err, "GDAL has no GPKG driver");
            ds_.reset(drv->Create(dataset_.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        }
        if (!ds_) return fail(err, lastGdalError("cannot open or create"));
        corruptSeen_.reset();
        // WAL: readers (the cockpit reloading, QGIS) never block the writer, and a killed
        // writer loses only its open transaction. NORMAL sync: durable against a process
        // crash; only a power cut can lose the newest commits (never the file).
        // A 16 MiB page cache: the indexes' pages being appended to stay in memory as the
        // file grows (SQLite's default 2 MB re-read them from the OS with a pread each);
        // 64 MiB, needed by the one-row-per-fix layout, took an hour of a live feed to fill.
        if (!execSql(*ds_, "PRAGMA journal_mode = WAL", err) || !execSql(*ds_, "PRAGMA synchronous = NORMAL", err) ||
            !execSql(*ds_, "PRAGMA cache_size = -16384", err) || !execSql(*ds_, "PRAGMA secure_delete = ON", err))
            return fail(err, err);
        if (!createGpkgSchema(err)) return false;
        struct stat st {};
        if (::stat(dataset_.c_str(), &st) == 0) {
            dev_ = st.st_dev;
            ino_ = st.st_ino;
        }
        return true;
    }

    void close() {
        feature_.reset();
        layer_ = nullptr;
        ds_.reset();
    }

    // A write failed because the file is damaged: the next open() moves it aside.
    void markCorrupt(const std::string& why) { corruptSeen_ = why; }
    // What open() did to an unreadable file, once (empty: nothing).
    std::string takeNotice() { return std::exchange(notice_, {}); }

    // GeoPackage: the file we write was deleted or replaced under us (writes would go to
    // an unlinked inode and vanish).
    bool fileLost() const {
        if (postgres_ || !ds_) return false;
        struct stat st {};
        return ::stat(dataset_.c_str(), &st) != 0 || st.st_ino != ino_ || st.st_dev != dev_;
    }

    bool write(const std::vector<HistoryRecord>& rows, uint64_t& partitionsCreated, std::string& err) {
        if (!ds_) return fail(err, "not open");
        if (postgres_ && !ensurePartitions(rows, partitionsCreated, err)) return false;
        CPLErrorReset();
        if (ds_->StartTransaction(FALSE) != OGRERR_NONE) return fail(err, lastGdalError("cannot start a transaction"));
        if (!insertRuns(rows, err)) {
            ds_->RollbackTransaction();
            return false;
        }
        if (ds_->CommitTransaction() != OGRERR_NONE) {
            const std::string why = lastGdalError("commit failed");
            ds_->RollbackTransaction();
            return fail(err, why);
        }
        return true;
    }

    // Merges the short runs that start in [hour, hour + 1 h) (defined after the readers).
    bool compactHour(TimeMs hour, uint64_t& merged, uint64_t& into, std::string& err);

    // Removes rows (GeoPackage) or day partitions (PostGIS) older than the retention.
    bool expire(TimeMs now, uint64_t& rows, uint64_t& partitions, std::string& err) {
        if (!ds_ || options_.retentionDays <= 0) return true;
        const TimeMs cutoff = now - static_cast<TimeMs>(options_.retentionDays) * kDayMs;
        if (postgres_) {
            for (const std::string& name : listPartitions()) {
                int64_t day;
                if (!parsePartition(name, day) || dayStart(day + 1, options_.dayOffsetMinutes) > cutoff) continue;
                const auto n = queryColumn(*ds_, "SELECT COALESCE(SUM(n), 0) FROM " + name);
                if (!execSql(*ds_, "DROP TABLE IF EXISTS " + name, err)) return false;
                rows += n.empty() ? 0 : std::strtoull(n[0].c_str(), nullptr, 10);
                ++partitions;
                known_.erase(day);
            }
            return true;
        }
        // Whole runs go once their last fix is older than the cutoff (a run spans under an
        // hour, so up to an hour more is kept).
        const std::string where = " FROM " + std::string(kTable) + " WHERE t1 < " + std::to_string(cutoff);
        const auto n = queryColumn(*ds_, "SELECT COALESCE(SUM(n), 0)" + where);
        const uint64_t count = n.empty() ? 0 : std::strtoull(n[0].c_str(), nullptr, 10);
        if (count == 0) return true;
        // secure_delete (set at open) zeroes the deleted rows' bytes in the pages; the
        // checkpoint then takes them out of the write-ahead log too: expired tracks are
        // gone from the files, not only from queries.
        if (!execSql(*ds_, "DELETE" + where, err)) return false;
        if (!execSql(*ds_, "PRAGMA wal_checkpoint(TRUNCATE)", err)) return false;
        rows += count;
        return true;
    }

    std::vector<std::string> listPartitions() {
        if (!postgres_ || !ds_) return {};
        return queryColumn(*ds_,
                           "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                           "WHERE i.inhparent = 'tracks'::regclass ORDER BY c.relname");
    }

private:
    bool fail(std::string& err, const std::string& why) {
        err = why;
        return false;
    }

    // Moves the unreadable file (and its -wal/-shm) to FILE.corrupt-<UTC time>, so that it
    // can be examined or repaired later, and lets open() start a new one.
    bool quarantine(const std::string& why, std::string& err) {
        ds_.reset();
        const std::time_t now = std::time(nullptr);
        std::tm tm{};
        gmtime_r(&now, &tm);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        const std::string moved = dataset_ + ".corrupt-" + stamp;
        std::error_code ec;
        std::filesystem::rename(dataset_, moved, ec);
        if (ec) return fail(err, "unreadable (" + why + ") and cannot be moved aside: " + ec.message());
        for (const char* side : {"-wal", "-shm"}) {
            std::error_code e2;
            if (std::filesystem::exists(dataset_ + side, e2))
                std::filesystem::rename(dataset_ + side, moved + side, e2);
        }
        notice_ = "the history file was unreadable (" + why + "); it was moved aside to " + moved +
                  " and a new one was started";
        log::warn("history " + dataset_ + ": " + notice_);
        return true;
    }

    bool createGpkgSchema(std::string& err) {
        layer_ = ds_->GetLayerByName(kTable);
        if (!layer_) {
            OGRSpatialReference wgs84;
            wgs84.importFromEPSG(4326);
            wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
            // No R-tree: inserts stay fast, readers select by time; QGIS draws the layer
            // without one and can add one (docs/history.md).
            const char* opts[] = {"GEOMETRY_NAME=geom", "FID=fid", "SPATIAL_INDEX=NO",
                                  "DESCRIPTION=Sandtable officer tracks: one row per run of fixes, M = time "
                                  "(docs/history.md)",
                                  nullptr};
            layer_ = ds_->CreateLayer(kTable, &wgs84, wkbMultiPointM, const_cast<char**>(opts));
            if (!layer_) return fail(err, lastGdalError("cannot create the tracks table"));
            auto field = [&](const char* name, OGRFieldType type, bool notNull) {
                OGRFieldDefn f(name, type);
                f.SetNullable(!notNull);
                return layer_->CreateField(&f) == OGRERR_NONE;
            };
            if (!field("officer", OFTString, true) || !field("squad", OFTString, false) ||
                !field("status", OFTString, false) || !field("t0", OFTInteger64, true) ||
                !field("t1", OFTInteger64, true) || !field("n", OFTInteger, true) ||
                !field("t0_iso", OFTString, false) || !field("speed", OFTBinary, false) ||
                !field("heading", OFTBinary, false) || !field("acc", OFTBinary, false))
                return fail(err, lastGdalError("cannot create the tracks columns"));
            if (!execSql(*ds_, "CREATE INDEX IF NOT EXISTS tracks_t0 ON tracks (t0)", err) ||
                !execSql(*ds_, "CREATE INDEX IF NOT EXISTS tracks_officer_t0 ON tracks (officer, t0)", err))
                return false;
        }
        if (ds_->GetLayerByName(kLegacyTable) && !legacyNoted_) {
            legacyNoted_ = true;
            log::warn("history " + dataset_ + ": its '" + kLegacyTable +
                      "' table (one row per fix, the layout before 2026-12-03) is not read; "
                      "re-import it as docs/history.md#an-older-layout says");
        }
        return bindFields(err);
    }

    bool createPgSchema(std::string& err) {
        const char* statements[] = {
            "CREATE EXTENSION IF NOT EXISTS postgis",
            // Partitioned by day (declarative) on the run's first fix (runs never span a
            // midnight): retention drops whole partitions, and queries for a period touch
            // only its days.
            "CREATE TABLE IF NOT EXISTS tracks (officer varchar(64) NOT NULL, squad text, status text, "
            "t0 bigint NOT NULL, t1 bigint NOT NULL, n integer NOT NULL, t0_iso text, speed bytea, heading bytea, "
            "acc bytea, geom geometry(MultiPointM, 4326)) PARTITION BY RANGE (t0)",
            "CREATE INDEX IF NOT EXISTS tracks_t0_idx ON tracks (t0)",
            "CREATE INDEX IF NOT EXISTS tracks_officer_t0_idx ON tracks (officer, t0)",
            "CREATE INDEX IF NOT EXISTS tracks_geom_idx ON tracks USING gist (geom)"};
        for (const char* sql : statements)
            if (!execSql(*ds_, sql, err)) return false;
        // Connect again: the driver learns at connection whether PostGIS is there (it may
        // have been created just now) and otherwise writes geometries without their M.
        ds_.reset();
        const char* drivers[] = {"PostgreSQL", nullptr};
        ds_.reset(GDALDataset::Open(dataset_.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers));
        if (!ds_) return fail(err, lastGdalError("cannot connect"));
        layer_ = ds_->GetLayerByName(kTable);
        if (!layer_) return fail(err, lastGdalError("the tracks table cannot be opened as a layer"));
        known_.clear();
        for (const std::string& name : listPartitions()) {
            int64_t day;
            if (parsePartition(name, day)) known_.insert(day);
        }
        return bindFields(err);
    }

    // Inserts the runs of `rows` (cutRuns), inside the caller's transaction.
    bool insertRuns(const std::vector<HistoryRecord>& rows, std::string& err) {
        cutRuns(rows, options_.dayOffsetMinutes, order_, runs_);
        for (const Run& run : runs_) {
            fill(rows, run);
            if (layer_->CreateFeature(feature_.get()) != OGRERR_NONE)
                return fail(err, lastGdalError("cannot insert a row"));
        }
        return true;
    }

    bool bindFields(std::string& err) {
        OGRFeatureDefn* defn = layer_->GetLayerDefn();
        for (size_t i = 0; i < kColumns.size(); ++i) {
            idx_[i] = defn->GetFieldIndex(kColumns[i]);
            if (idx_[i] < 0) return fail(err, std::string("the tracks table has no column '") + kColumns[i] + "'");
        }
        feature_.reset(new OGRFeature(defn));
        return true;
    }

    bool ensurePartitions(const std::vector<HistoryRecord>& rows, uint64_t& created, std::string& err) {
        std::set<int64_t> days;
        for (const HistoryRecord& r : rows) {
            const int64_t d = dayOf(r.fix.t, options_.dayOffsetMinutes);
            if (!known_.count(d)) days.insert(d);
        }
        for (int64_t d : days) {
            const std::string sql = "CREATE TABLE IF NOT EXISTS " + partitionName(d) +
                                    " PARTITION OF tracks FOR VALUES FROM (" +
                                    std::to_string(dayStart(d, options_.dayOffsetMinutes)) + ") TO (" +
                                    std::to_string(dayStart(d + 1, options_.dayOffsetMinutes)) + ")";
            if (!execSql(*ds_, sql, err)) return false;
            known_.insert(d);
            ++created;
        }
        return true;
    }

    // The feature of one run: its fixes as a multipoint with M = t (epoch ms), speed,
    // heading and accuracy as arrays of little-endian floats (NaN: not reported; the column
    // NULL when no fix of the run reported it).
    void fill(const std::vector<HistoryRecord>& rows, const Run& run) {
        OGRFeature& f = *feature_;
        const HistoryRecord& head = rows[order_[run.first]];
        const HistoryRecord& tail = rows[order_[run.first + run.count - 1]];
        f.SetFID(OGRNullFID);
        f.SetField(idx_[0], head.officer.c_str());
        if (head.squad < options_.squads.size())
            f.SetField(idx_[1], options_.squads[head.squad].c_str());
        else
            f.SetFieldNull(idx_[1]);
        f.SetField(idx_[2], officerStatusName(head.fix.status));
        f.SetField(idx_[3], static_cast<GIntBig>(head.fix.t));
        f.SetField(idx_[4], static_cast<GIntBig>(tail.fix.t));
        f.SetField(idx_[5], static_cast<int>(run.count));
        f.SetField(idx_[6], formatIsoTime(head.fix.t, options_.dayOffsetMinutes).c_str());
        auto* points = new OGRMultiPoint;
        points->setMeasured(TRUE);
        for (uint32_t k = 0; k < run.count; ++k) {
            const PositionFix& fix = rows[order_[run.first + k]].fix;
            auto* p = new OGRPoint(fix.lon, fix.lat);
            p->setM(static_cast<double>(fix.t));
            points->addGeometryDirectly(p);
        }
        f.SetGeometryDirectly(points);
        auto floats = [&](int column, float PositionFix::*member) {
            values_.resize(run.count);
            bool any = false;
            for (uint32_t k = 0; k < run.count; ++k) {
                values_[k] = rows[order_[run.first + k]].fix.*member;
                any |= !std::isnan(values_[k]);
            }
            if (any)
                f.SetField(idx_[column], static_cast<int>(run.count * sizeof(float)),
                           static_cast<const void*>(values_.data()));
            else
                f.SetFieldNull(idx_[column]);
        };
        floats(7, &PositionFix::speed);
        floats(8, &PositionFix::heading);
        floats(9, &PositionFix::accuracy);
    }

    static constexpr std::array<const char*, 10> kColumns = {"officer", "squad",  "status", "t0",      "t1",
                                                             "n",       "t0_iso", "speed",  "heading", "acc"};
    const HistoryOptions& options_;
    bool postgres_;
    std::string dataset_;
    GDALDatasetUniquePtr ds_;
    OGRLayer* layer_ = nullptr;
    std::unique_ptr<OGRFeature> feature_;
    int idx_[kColumns.size()] = {};
    std::vector<uint32_t> order_;  // the batch's rows grouped into runs (cutRuns)
    std::vector<Run> runs_;
    std::vector<float> values_;
    bool legacyNoted_ = false;
    std::set<int64_t> known_;  // PostGIS day partitions that exist
    dev_t dev_ = 0;
    ino_t ino_ = 0;
    std::optional<std::string> corruptSeen_;
    std::string notice_;
};

// ---------------------------------------------------------------- store

std::string HistoryStore::defaultDir() {
    namespace fs = std::filesystem;
    if (const char* d = std::getenv("SANDTABLE_STATE_DIR"); d && *d) return (fs::path(d) / "history").string();
    if (const char* d = std::getenv("XDG_STATE_HOME"); d && *d) return (fs::path(d) / "sandtable" / "history").string();
    const char* home = std::getenv("HOME");
    return (fs::path(home && *home ? home : "/tmp") / ".local" / "state" / "sandtable" / "history").string();
}

std::string HistoryStore::datasetName(const std::string& target) {
    if (isPg(target)) return target;
    const std::filesystem::path p(target);
    if (p.extension() == ".gpkg") return target;
    return (p / "history.gpkg").string();
}

HistoryStore::HistoryStore(HistoryOptions options) : options_(std::move(options)) {
    if (options_.target.empty()) options_.target = defaultDir();
    postgres_ = isPg(options_.target);
    dataset_ = datasetName(options_.target);
    options_.batchRows = std::max<size_t>(options_.batchRows, 1);
    options_.maxQueuedRows = std::max(options_.maxQueuedRows, options_.batchRows);
    stats_.target = postgres_ ? redact(dataset_) : dataset_;
    stats_.postgres = postgres_;
    registerGdal();
    if (options_.readOnly) {
        // A reader: the store must exist already.
        if (!postgres_ && !std::filesystem::exists(dataset_))
            throw std::runtime_error("history " + dataset_ + ": no such file (read-only)");
        return;
    }
    if (!postgres_) {
        std::error_code ec;
        const auto dir = std::filesystem::path(dataset_).parent_path();
        if (!dir.empty()) std::filesystem::create_directories(dir, ec);
        if (ec)
            throw std::runtime_error("history " + dataset_ + ": cannot create folder " + dir.string() + ": " +
                                     ec.message());
    }
    // Opened (and the schema made) here, on the caller's thread, so that a bad target fails
    // at start with a clear reason; the writer thread takes the dataset over.
    writer_ = std::make_unique<Writer>(options_, postgres_, dataset_);
    std::string err;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const bool ok = writer_->open(err);
    CPLPopErrorHandler();
    if (!ok) throw std::runtime_error("history " + stats_.target + ": " + err);
    takeWriterNotice();
    thread_ = std::thread([this] { writerLoop(); });
}

HistoryStore::~HistoryStore() {
    if (thread_.joinable()) {
        {
            std::lock_guard lk(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        space_.notify_all();
        thread_.join();
    }
}

bool HistoryStore::append(std::vector<HistoryRecord>&& rows, bool wait) {
    if (rows.empty()) return true;
    if (!thread_.joinable()) return false;
    bool dropped = false;
    {
        std::unique_lock lk(mutex_);
        if (wait)
            space_.wait(
                lk, [&] { return stop_ || queue_.size() + rows.size() <= options_.maxQueuedRows || queue_.empty(); });
        for (HistoryRecord& r : rows) queue_.push_back(std::move(r));
        enqueued_ += rows.size();
        stats_.queued += rows.size();
        while (queue_.size() > options_.maxQueuedRows) {
            // The writer cannot keep up (or the disk is failing): the oldest waiting rows go,
            // counted; the track store in memory still has them.
            queue_.pop_front();
            ++stats_.droppedRows;
            ++done_;
            dropped = true;
        }
        stats_.pending = queue_.size();
    }
    wake_.notify_one();
    return !dropped;
}

bool HistoryStore::flush() {
    if (!thread_.joinable()) return false;
    std::unique_lock lk(mutex_);
    const uint64_t target = enqueued_, failures = failures_, dropped = stats_.droppedRows;
    flushWanted_ = std::max(flushWanted_, target);
    wake_.notify_one();
    progress_.wait(lk, [&] { return done_ >= target || failures_ != failures || stop_; });
    return done_ >= target && stats_.droppedRows == dropped && failures_ == failures;
}

void HistoryStore::expire() {
    if (!thread_.joinable()) return;
    std::unique_lock lk(mutex_);
    const uint64_t want = ++expireRequested_;
    wake_.notify_one();
    progress_.wait(lk, [&] { return expireDone_ >= want || stop_; });
}

void HistoryStore::takeWriterNotice() {
    std::string notice = writer_->takeNotice();
    if (notice.empty()) return;
    std::lock_guard lk(mutex_);
    ++stats_.quarantined;
    stats_.notice = std::move(notice);
    stats_.noticeAt = wallClockMs();
}

HistoryStats HistoryStore::stats() const {
    std::lock_guard lk(mutex_);
    return stats_;
}

void HistoryStore::writerLoop() {
    // Thread-local: COPY for PostGIS inserts (several times faster than INSERT); GDAL's
    // messages are collected as counted errors, not printed.
    CPLSetThreadLocalConfigOption("PG_USE_COPY", "YES");
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const auto interval = std::chrono::milliseconds(std::max(1, options_.batchIntervalMs));
    auto nowMs = [&] { return options_.now ? options_.now() : wallClockMs(); };
    auto lastExpire = SteadyClock::time_point{};
    std::optional<TimeMs> compactNext;  // the next hour whose short runs to merge
    auto retryAt = SteadyClock::time_point{};
    uint64_t lastBatchRows = 0;
    int failuresWhileStopping = 0;
    std::vector<HistoryRecord> batch;

    std::string lastLogged;
    auto lastLoggedAt = SteadyClock::time_point{};
    auto noteError = [&](const std::string& what) {
        // A full disk fails every retry: log a repeated error once a minute, count them all.
        if (what != lastLogged || SteadyClock::now() - lastLoggedAt > std::chrono::minutes(1)) {
            log::warn("history " + stats_.target + ": " + what);
            lastLogged = what;
            lastLoggedAt = SteadyClock::now();
        }
        std::lock_guard lk(mutex_);
        ++stats_.writeErrors;
        stats_.lastError = what;
        stats_.lastErrorAt = wallClockMs();
    };

    for (;;) {
        bool stopping, doExpire;
        uint64_t expireWant;
        {
            std::unique_lock lk(mutex_);
            auto ready = [&] {
                return stop_ || expireRequested_ != expireDone_ || queue_.size() >= options_.batchRows ||
                       (flushWanted_ > done_ && !queue_.empty());
            };
            wake_.wait_for(lk, interval, ready);
            if (!stop_ && SteadyClock::now() < retryAt) {
                // After a failure: wait before the next attempt (a full disk stays full a while).
                wake_.wait_until(lk, retryAt, [&] { return stop_; });
            }
            stopping = stop_;
            expireWant = expireRequested_;
            doExpire = expireWant != expireDone_;
            const size_t n = std::min(queue_.size(), options_.batchRows);
            batch.clear();
            batch.reserve(n);
            for (size_t i = 0; i < n; ++i) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            stats_.pending = queue_.size();
        }
        space_.notify_all();

        if (writer_->fileLost()) {
            noteError("the GeoPackage was deleted or replaced while open; the " + std::to_string(lastBatchRows) +
                      " rows of the last batch may be lost; starting a new file");
            std::lock_guard lk(mutex_);
            stats_.droppedRows += lastBatchRows;
            writer_->close();
        }
        if (!writer_->isOpen()) {
            std::string err;
            if (!writer_->open(err)) noteError("cannot reopen: " + err);
            takeWriterNotice();
        }

        if (writer_->isOpen() && (doExpire || SteadyClock::now() - lastExpire >= std::chrono::hours(1))) {
            uint64_t rows = 0, parts = 0;
            std::string err;
            if (!writer_->expire(nowMs(), rows, parts, err)) noteError("retention failed: " + err);
            lastExpire = SteadyClock::now();
            std::lock_guard lk(mutex_);
            stats_.expiredRows += rows;
            stats_.partitionsDropped += parts;
        }
        // Merge the short runs of closed hours: one hour a round, all of them when asked.
        if (writer_->isOpen()) {
            const TimeMs now = nowMs();
            if (!compactNext) compactNext = (now / kHourMs - kCompactHoursBack) * kHourMs;
            while (*compactNext + kHourMs + kCompactAfterMs <= now) {
                uint64_t merged = 0, into = 0;
                std::string err;
                if (!writer_->compactHour(*compactNext, merged, into, err))
                    noteError("merging the short runs of an hour failed (they stay as they are): " + err);
                *compactNext += kHourMs;
                std::lock_guard lk(mutex_);
                stats_.runsMerged += merged;
                stats_.runsMergedInto += into;
                if (!doExpire) break;
            }
        }
        if (doExpire) {
            std::lock_guard lk(mutex_);
            expireDone_ = expireWant;
        }
        if (doExpire) progress_.notify_all();

        bool failed = false;
        if (!batch.empty()) {
            std::string err;
            uint64_t created = 0;
            const auto t0 = SteadyClock::now();
            const bool ok = writer_->isOpen() && writer_->write(batch, created, err);
            const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
            if (ok) {
                lastBatchRows = batch.size();
                std::lock_guard lk(mutex_);
                stats_.written += batch.size();
                ++stats_.batches;
                stats_.partitionsCreated += created;
                stats_.lastBatchMs = ms;
                stats_.lastWriteAt = wallClockMs();
                done_ += batch.size();
                batch.clear();
            } else {
                failed = true;
                noteError("batch of " + std::to_string(batch.size()) +
                          " rows failed (kept, retried): " + (err.empty() ? std::string("not open") : err));
                // A failed commit may leave the connection unusable: start afresh next time;
                // a damaged file is moved aside then, and a new one takes the rows.
                if (saysCorrupt(err)) writer_->markCorrupt(err);
                writer_->close();
                retryAt = SteadyClock::now() + std::chrono::milliseconds(options_.retryMs);
                std::lock_guard lk(mutex_);
                ++failures_;
                stats_.partitionsCreated += created;
                if (stopping && ++failuresWhileStopping >= 3) {
                    // Shutting down and the store keeps failing: give up rather than hang.
                    stats_.droppedRows += batch.size() + queue_.size();
                    done_ += batch.size() + queue_.size();
                    queue_.clear();
                    batch.clear();
                } else {
                    // Back to the front, in order, ahead of newer rows.
                    for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
                    batch.clear();
                    while (queue_.size() > options_.maxQueuedRows) {
                        queue_.pop_front();
                        ++stats_.droppedRows;
                        ++done_;
                    }
                }
                stats_.pending = queue_.size();
            }
        }
        progress_.notify_all();
        if (stopping) {
            std::lock_guard lk(mutex_);
            if (queue_.empty()) break;
            if (failed) retryAt = SteadyClock::now() + std::chrono::milliseconds(std::min(options_.retryMs, 200));
        }
    }
    writer_->close();
    CPLPopErrorHandler();
}

// ---------------------------------------------------------------- readers

namespace {
GDALDatasetUniquePtr openForReading(const std::string& dataset, bool postgres, std::string& err) {
    registerGdal();
    const char* pg[] = {"PostgreSQL", nullptr};
    const char* gpkg[] = {"GPKG", nullptr};
    CPLErrorReset();
    GDALDatasetUniquePtr ds(
        GDALDataset::Open(dataset.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, postgres ? pg : gpkg));
    if (!ds) err = lastGdalError("cannot open");
    return ds;
}

// A time bound as SQL: clamped to +-2^53 so that both backends read it as an integer
// (SQLite turns -9223372036854775808 into a REAL, PostgreSQL into numeric, which keeps it
// from using the index on t0 and from pruning partitions).
std::string sqlTime(TimeMs t) {
    constexpr TimeMs kBound = TimeMs{1} << 53;
    return std::to_string(std::clamp(t, -kBound, kBound));
}

// Which runs a read touches: those starting in [from, to) that end at or after `reach`
// (the start of the fixes wanted; a run starting up to kRunSpanMs before it can reach in).
struct RunRange {
    TimeMs from = 0, to = 0, reach = 0;
    std::string where() const {
        return "t0 >= " + sqlTime(from) + " AND t0 < " + sqlTime(to) + " AND t1 >= " + sqlTime(reach);
    }
};
RunRange runsFor(TimeMs t0, TimeMs t1) {
    constexpr TimeMs kBound = TimeMs{1} << 53;
    return {std::max(t0, -kBound) - kRunSpanMs, t1, t0};
}

// One plain SQL query for both backends, in the order of the runs' first fixes.
std::string selectSql(const RunRange& runs) {
    return "SELECT officer, squad, status, speed, heading, acc, geom FROM tracks WHERE " + runs.where() +
           " ORDER BY t0";
}

// The columns of one Arrow batch that a run needs, found by name and checked by format
// (GDAL's Arrow stream of a GeoPackage table: utf8 "u", binary "z", the geometry as WKB
// binary "z").
struct ArrowColumns {
    const ArrowArray *officer = nullptr, *squad = nullptr, *status = nullptr, *speed = nullptr, *heading = nullptr,
                     *acc = nullptr, *geom = nullptr;

    bool find(const ArrowSchema& schema, const ArrowArray& batch) {
        for (int64_t i = 0; i < schema.n_children && i < batch.n_children; ++i) {
            const std::string name = schema.children[i]->name ? schema.children[i]->name : "";
            const std::string format = schema.children[i]->format ? schema.children[i]->format : "";
            const ArrowArray* c = batch.children[i];
            auto take = [&](const char* want, const char* fmt, const ArrowArray*& into) {
                if (name == want && format == fmt) into = c;
            };
            take("officer", "u", officer);
            take("squad", "u", squad);
            take("status", "u", status);
            take("speed", "z", speed);
            take("heading", "z", heading);
            take("acc", "z", acc);
            take("geom", "z", geom);
        }
        return officer && squad && status && speed && heading && acc && geom;
    }
};

bool arrowValid(const ArrowArray& a, int64_t i) {
    const auto* bits = static_cast<const uint8_t*>(a.buffers[0]);
    if (a.null_count == 0 || !bits) return true;
    const int64_t k = i + a.offset;
    return (bits[k >> 3] >> (k & 7)) & 1;
}

// A utf8 or binary value (32-bit offsets).
std::string_view arrowBytes(const ArrowArray& a, int64_t i) {
    const auto* offs = static_cast<const int32_t*>(a.buffers[1]);
    const auto* data = static_cast<const char*>(a.buffers[2]);
    const int64_t k = i + a.offset;
    return {data + offs[k], static_cast<size_t>(offs[k + 1] - offs[k])};
}

// A fix of a run as stored: lon, lat, M = t (epoch ms).
struct RunPoint {
    double x, y, m;
};

// A WKB multipoint with M (either byte order; ISO codes 2004/3004 or EWKB flags, Z
// skipped) into `out`. False when it is not one.
bool wkbMultiPointM(std::string_view wkb, std::vector<RunPoint>& out) {
    out.clear();
    size_t at = 0;
    bool little = true;
    auto u32 = [&](uint32_t& v) {
        if (at + 4 > wkb.size()) return false;
        uint8_t b[4];
        std::memcpy(b, wkb.data() + at, 4);
        at += 4;
        v = little ? uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24
                   : uint32_t(b[3]) | uint32_t(b[2]) << 8 | uint32_t(b[1]) << 16 | uint32_t(b[0]) << 24;
        return true;
    };
    auto f64 = [&](double& v) {
        if (at + 8 > wkb.size()) return false;
        uint8_t b[8];
        std::memcpy(b, wkb.data() + at, 8);
        at += 8;
        if (!little) std::reverse(b, b + 8);
        std::memcpy(&v, b, 8);
        return true;
    };
    // The geometry type and its dimensions from a header; skips an EWKB SRID.
    auto header = [&](uint32_t& base, bool& hasZ, bool& hasM) {
        if (at >= wkb.size()) return false;
        little = wkb[at++] == 1;
        uint32_t type;
        if (!u32(type)) return false;
        hasZ = (type & 0x80000000u) != 0;
        hasM = (type & 0x40000000u) != 0;
        const bool srid = (type & 0x20000000u) != 0;
        type &= 0x0fffffffu;
        hasZ |= type / 1000 == 1 || type / 1000 == 3;
        hasM |= type / 1000 == 2 || type / 1000 == 3;
        base = type % 1000;
        uint32_t skip;
        return !srid || u32(skip);
    };
    uint32_t base, count;
    bool hasZ, hasM;
    if (!header(base, hasZ, hasM) || base != 4 || !u32(count) || count > wkb.size() / 21) return false;
    out.reserve(count);
    for (uint32_t k = 0; k < count; ++k) {
        RunPoint p{};
        double z;
        if (!header(base, hasZ, hasM) || base != 1 || !hasM || !f64(p.x) || !f64(p.y) || (hasZ && !f64(z)) || !f64(p.m))
            return false;
        out.push_back(p);
    }
    return true;
}

// Fix k's value of a speed/heading/acc blob (n little-endian floats; NaN when absent or
// the blob does not hold n of them).
float blobValue(std::string_view blob, size_t n, size_t k) {
    if (blob.size() != n * sizeof(float)) return NAN;
    float v;
    std::memcpy(&v, blob.data() + k * sizeof(float), sizeof v);
    return v;
}

// A run's columns as read (views into the feature or the Arrow batch; null: has* false).
struct RunView {
    bool hasOfficer = false, hasSquad = false, hasStatus = false;
    std::string_view officer, squad, status, speed, heading, acc;
};

// Reads runs over its own connection and hands out their fixes within [t0, t1);
// officers are numbered in order of appearance.
struct SliceReader {
    std::vector<std::string> ids;
    std::unordered_map<std::string, uint32_t> index;
    HistoryLoad counts;  // rows: fixes in the range; bad: fixes (or unreadable runs) refused
    std::string error;
    bool columnar = false;  // read through the Arrow stream

    // A squad name's index in `squads` (-1: not there); the names seen so far are kept (a
    // history holds a handful).
    int squadIndex(std::string_view name, const std::vector<std::string>& squads) {
        for (const auto& [n, i] : squadOf)
            if (n == name) return i;
        int idx = -1;
        for (size_t i = 0; i < squads.size(); ++i)
            if (squads[i] == name) idx = static_cast<int>(i);
        squadOf.emplace_back(std::string(name), idx);
        return idx;
    }
    // An officer's number in this reader (order of appearance); the last one is checked
    // first.
    uint32_t officerIndex(std::string_view id) {
        if (!haveLast || lastId != id) {
            auto [it, added] = index.try_emplace(std::string(id), static_cast<uint32_t>(ids.size()));
            if (added) ids.emplace_back(id);
            last = it->second;
            lastId = id;
            haveLast = true;
        }
        return last;
    }
    std::vector<std::pair<std::string, int>> squadOf;
    std::string lastId;
    uint32_t last = 0;
    bool haveLast = false;
    std::vector<RunPoint> points;  // the current run's fixes (reused)

    // The checks of one run, the same for both paths: `points` holds its fixes when
    // `readable`. A run without officer or with an unknown squad refuses its fixes in the
    // range (counted bad); an unreadable geometry counts as one bad row; a fix without
    // finite coordinates and time is bad.
    template <class F>
    void acceptRun(const RunView& v, bool readable, const std::vector<std::string>& squads, TimeMs t0, TimeMs t1,
                   F&& row) {
        if (!readable) {
            ++counts.rows;
            ++counts.bad;
            return;
        }
        const int squad = v.hasSquad ? squadIndex(v.squad, squads) : -1;
        const bool good = v.hasOfficer && squad >= 0;
        const uint32_t officer = good ? officerIndex(v.officer) : 0;
        PositionFix fix;
        if (v.hasStatus) parseOfficerStatus(v.status, fix.status);
        const size_t n = points.size();
        for (size_t k = 0; k < n; ++k) {
            const RunPoint& p = points[k];
            if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.m)) {
                ++counts.rows;
                ++counts.bad;
                continue;
            }
            const auto t = static_cast<TimeMs>(p.m);
            if (t < t0 || t >= t1) continue;
            ++counts.rows;
            if (!good) {
                ++counts.bad;
                continue;
            }
            fix.t = t;
            fix.lon = p.x;
            fix.lat = p.y;
            fix.speed = blobValue(v.speed, n, k);
            fix.heading = blobValue(v.heading, n, k);
            fix.accuracy = blobValue(v.acc, n, k);
            row(officer, squad, fix);
        }
    }

    // The runs of `runs` by one SQL query, a feature each, in the order of their first
    // fixes; `runStart(t)` is called before a run's fixes with its earliest time.
    template <class F, class S>
    bool scan(const std::string& dataset, bool postgres, const std::vector<std::string>& squads, const RunRange& runs,
              TimeMs t0, TimeMs t1, F&& row, S&& runStart) {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        auto ds = openForReading(dataset, postgres, error);
        bool ok = ds != nullptr;
        if (ok) ok = query(*ds, selectSql(runs), squads, t0, t1, row, runStart);
        CPLPopErrorHandler();
        return ok;
    }

    // The runs a query gives (columns officer, squad, status, speed, heading, acc, geom),
    // over a connection of the caller's (the writer merges runs inside its transaction).
    template <class F, class S>
    bool query(GDALDataset& ds, const std::string& sql, const std::vector<std::string>& squads, TimeMs t0, TimeMs t1,
               F&& row, S&& runStart) {
        CPLErrorReset();
        OGRLayer* rs = ds.ExecuteSQL(sql.c_str(), nullptr, nullptr);
        if (!rs) {
            error = lastGdalError("cannot query the tracks table");
            return false;
        }
        auto text = [](OGRFeature& f, int i, bool& has) {
            has = f.IsFieldSetAndNotNull(i);
            return has ? std::string_view(f.GetFieldAsString(i)) : std::string_view();
        };
        auto blob = [](OGRFeature& f, int i) {
            if (!f.IsFieldSetAndNotNull(i) || f.GetFieldDefnRef(i)->GetType() != OFTBinary) return std::string_view();
            int bytes = 0;
            const GByte* data = f.GetFieldAsBinary(i, &bytes);
            return std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(bytes));
        };
        for (auto& f : *rs) {
            RunView v;
            v.officer = text(*f, 0, v.hasOfficer);
            v.squad = text(*f, 1, v.hasSquad);
            v.status = text(*f, 2, v.hasStatus);
            v.speed = blob(*f, 3);
            v.heading = blob(*f, 4);
            v.acc = blob(*f, 5);
            const OGRGeometry* g = f->GetGeometryRef();
            bool readable = g && wkbFlatten(g->getGeometryType()) == wkbMultiPoint && g->IsMeasured();
            points.clear();
            if (readable) {
                for (const OGRPoint* p : *g->toMultiPoint())
                    points.push_back({p->getX(), p->getY(), p->IsEmpty() ? NAN : p->getM()});
                readable = !points.empty();
            }
            if (readable && earliest() != std::numeric_limits<TimeMs>::max()) runStart(earliest());
            acceptRun(v, readable, squads, t0, t1, row);
        }
        bool ok = true;
        if (CPLGetLastErrorType() >= CE_Failure) {
            ok = false;
            error = lastGdalError("read failed");
        }
        ds.ReleaseResultSet(rs);
        return ok;
    }

    TimeMs earliest() const {
        double m = INFINITY;
        for (const RunPoint& p : points) m = std::fmin(m, p.m);
        return std::isfinite(m) ? static_cast<TimeMs>(m) : std::numeric_limits<TimeMs>::max();
    }

    // The same runs of a GeoPackage through GDAL's column-oriented Arrow stream of the
    // tracks table (GDAL 3.6 fills it from SQLite directly, without a feature per row:
    // ~2x faster here), in the table's order rather than by time; the track store files
    // fixes in time order whatever their order. Unavailable (nothing read: the caller
    // scans instead) when the stream cannot be had or lacks the expected columns.
    enum class ArrowScan { Unavailable, Done, Failed };
    template <class F>
    ArrowScan scanArrow(const std::string& dataset, const std::vector<std::string>& squads, const RunRange& runs,
                        TimeMs t0, TimeMs t1, F&& row) {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        std::string err;
        auto ds = openForReading(dataset, false, err);
        OGRLayer* layer = ds ? ds->GetLayerByName(kTable) : nullptr;
        bool ok = false, any = false;
        if (layer && layer->TestCapability(OLCFastGetArrowStream) &&
            layer->SetAttributeFilter(runs.where().c_str()) == OGRERR_NONE) {
            ArrowArrayStream stream{};
            char** opts = CSLSetNameValue(nullptr, "INCLUDE_FID", "NO");
            ArrowSchema schema{};
            if (layer->GetArrowStream(&stream, opts) && stream.get_schema(&stream, &schema) == 0) {
                ok = true;
                for (;;) {
                    ArrowArray batch{};
                    if (stream.get_next(&stream, &batch) != 0) {
                        error = lastGdalError("read failed");
                        ok = false;
                        break;
                    }
                    if (!batch.release) break;  // the end
                    ArrowColumns c;
                    const bool have = c.find(schema, batch);
                    if (!have) {
                        batch.release(&batch);
                        ok = false;
                        if (any)
                            error = "the tracks table's columns changed while reading";
                        else
                            error.clear();  // not the columns expected: nothing read yet
                        break;
                    }
                    any = true;
                    for (int64_t i = 0; i < batch.length; ++i) {
                        auto bytes = [&](const ArrowArray& a, bool* has = nullptr) {
                            const bool valid = arrowValid(a, i);
                            if (has) *has = valid;
                            return valid ? arrowBytes(a, i) : std::string_view();
                        };
                        RunView v;
                        v.officer = bytes(*c.officer, &v.hasOfficer);
                        v.squad = bytes(*c.squad, &v.hasSquad);
                        v.status = bytes(*c.status, &v.hasStatus);
                        v.speed = bytes(*c.speed);
                        v.heading = bytes(*c.heading);
                        v.acc = bytes(*c.acc);
                        bool hasGeom = false;
                        const std::string_view wkb = bytes(*c.geom, &hasGeom);
                        const bool readable = hasGeom && wkbMultiPointM(wkb, points) && !points.empty();
                        acceptRun(v, readable, squads, t0, t1, row);
                    }
                    batch.release(&batch);
                }
                schema.release(&schema);
            }
            if (stream.release) stream.release(&stream);
            CSLDestroy(opts);
        }
        CPLPopErrorHandler();
        if (ok) return ArrowScan::Done;
        return any ? ArrowScan::Failed : ArrowScan::Unavailable;
    }

    // For loading into a track store (any order): the Arrow stream where the backend has
    // one, else the query.
    template <class F>
    bool scanAnyOrder(const std::string& dataset, bool postgres, const std::vector<std::string>& squads,
                      const RunRange& runs, TimeMs t0, TimeMs t1, F&& row) {
        if (!postgres) {
            const ArrowScan r = scanArrow(dataset, squads, runs, t0, t1, row);
            if (r != ArrowScan::Unavailable) {
                columnar = true;
                return r == ArrowScan::Done;
            }
            counts = {};
            error.clear();
        }
        return scan(dataset, postgres, squads, runs, t0, t1, row, [](TimeMs) {});
    }
};

void addCounts(HistoryLoad& into, const SliceReader& r) {
    into.rows += r.counts.rows;
    into.bad += r.counts.bad;
    into.columnar += r.columnar;
}
}  // namespace

// In one transaction on the writer's connection (so nothing written beside it is lost):
// reads the hour's short runs, deletes them and writes their fixes again as runs are cut.
// Left as it is when there are fewer than two per officer or any of them cannot be read
// back whole (deleting it would lose it).
bool HistoryStore::Writer::compactHour(TimeMs hour, uint64_t& merged, uint64_t& into, std::string& err) {
    if (!ds_) return fail(err, "not open");
    const std::string where = " FROM tracks WHERE t0 >= " + sqlTime(hour) + " AND t0 < " + sqlTime(hour + kHourMs) +
                              " AND n < " + std::to_string(kShortRun);
    uint64_t runs = 0, fixes = 0, officers = 0;
    auto count = [&] {
        OGRLayer* rs = ds_->ExecuteSQL(
            ("SELECT count(*), COALESCE(SUM(n), 0), count(DISTINCT officer)" + where).c_str(), nullptr, nullptr);
        if (!rs) return false;
        for (auto& f : *rs) {
            runs = static_cast<uint64_t>(f->GetFieldAsInteger64(0));
            fixes = static_cast<uint64_t>(f->GetFieldAsInteger64(1));
            officers = static_cast<uint64_t>(f->GetFieldAsInteger64(2));
        }
        ds_->ReleaseResultSet(rs);
        return true;
    };
    CPLErrorReset();
    if (!count()) return fail(err, lastGdalError("cannot count the short runs"));
    // Worth it when an officer has two short runs or more on average (the live feed's
    // hour: hundreds); an import's runs are as long as their hour allows already.
    if (runs < 2 * std::max<uint64_t>(officers, 1)) return true;
    if (ds_->StartTransaction(FALSE) != OGRERR_NONE) return fail(err, lastGdalError("cannot start a transaction"));
    auto abandon = [&](const std::string& why) {
        ds_->RollbackTransaction();
        return why.empty() ? true : fail(err, why);
    };
    if (!count()) return abandon(lastGdalError("cannot count the short runs"));  // inside the transaction
    SliceReader reader;
    std::vector<HistoryRecord> rows;
    rows.reserve(fixes);
    const bool read = reader.query(
        *ds_, "SELECT officer, squad, status, speed, heading, acc, geom" + where, options_.squads,
        std::numeric_limits<TimeMs>::min(), std::numeric_limits<TimeMs>::max(),
        [&](uint32_t officer, int squad, const PositionFix& fix) {
            rows.push_back(HistoryRecord{reader.ids[officer], static_cast<uint8_t>(squad), fix});
        },
        [](TimeMs) {});
    if (!read) return abandon(reader.error);
    if (reader.counts.bad > 0 || rows.size() != fixes) return abandon("");
    if (!execSql(*ds_, "DELETE" + where, err) || !insertRuns(rows, err)) return abandon(err);
    if (ds_->CommitTransaction() != OGRERR_NONE) return abandon(lastGdalError("commit failed"));
    merged += runs;
    into += runs_.size();
    return true;
}

bool HistoryStore::read(TimeMs t0, TimeMs t1, const std::function<void(const HistoryRecord&)>& row, HistoryLoad* load,
                        std::string* error) const {
    const auto start = SteadyClock::now();
    HistoryLoad local;
    HistoryLoad& out = load ? *load : local;
    SliceReader reader;
    // Runs come in the order of their first fixes and overlap in time (one per officer):
    // their fixes wait in a heap until a run starting later shows that none can come
    // before them, then leave in time order (equal times: in the order read).
    struct Pending {
        uint64_t seq;
        uint32_t officer;
        int squad;
        PositionFix fix;
    };
    auto later = [](const Pending& a, const Pending& b) {
        return a.fix.t != b.fix.t ? a.fix.t > b.fix.t : a.seq > b.seq;
    };
    std::priority_queue<Pending, std::vector<Pending>, decltype(later)> heap(later);
    uint64_t seq = 0;
    HistoryRecord r;
    auto emitBefore = [&](TimeMs t) {
        while (!heap.empty() && heap.top().fix.t < t) {
            const Pending& p = heap.top();
            r.officer = reader.ids[p.officer];
            r.squad = static_cast<uint8_t>(p.squad);
            r.fix = p.fix;
            heap.pop();
            row(r);
        }
    };
    const bool ok = reader.scan(
        dataset_, postgres_, options_.squads, runsFor(t0, t1), t0, t1,
        [&](uint32_t officer, int squad, const PositionFix& fix) {
            heap.push(Pending{seq++, officer, squad, fix});
        },
        emitBefore);
    emitBefore(std::numeric_limits<TimeMs>::max());
    addCounts(out, reader);
    out.ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    if (!ok) {
        out.error = "history " + stats_.target + ": " + reader.error;
        if (error) *error = out.error;
    }
    return ok;
}

HistoryLoad HistoryStore::load(TimeMs t0, TimeMs t1, TrackStore& into) const {
    const auto start = SteadyClock::now();
    HistoryLoad out;
    // Our squad list -> the track store's.
    std::vector<int> squadMap(options_.squads.size(), -1);
    for (size_t i = 0; i < options_.squads.size(); ++i) squadMap[i] = into.squadIndex(options_.squads[i]);
    auto store = [&](uint32_t slot, int squad, const PositionFix& fix) {
        const int s = squadMap[static_cast<size_t>(squad)];
        if (s < 0) {
            ++out.bad;
            return;
        }
        switch (into.add(slot, fix, static_cast<uint8_t>(s))) {
        case TrackInsert::Appended:
        case TrackInsert::Inserted:
            ++out.stored;
            break;
        case TrackInsert::Duplicate:
            ++out.duplicates;
            break;
        case TrackInsert::TooOld:
            ++out.dropped;
            break;
        }
    };

    // Reading is GDAL-bound (the Arrow stream of a GeoPackage, a feature per run from
    // PostGIS): split the runs by their first fix into slices read in parallel, each over
    // its own connection (WAL readers and PostgreSQL backends run side by side), then
    // store them slice by slice on this thread. Every slice keeps the fixes in [t0, t1).
    const RunRange all = runsFor(t0, t1);
    TimeMs lo = all.from, hi = all.to;
    unsigned threads = options_.readThreads ? options_.readThreads
                       : postgres_          ? std::clamp(std::thread::hardware_concurrency(), 1u, 4u)
                                            : 1u;
    if (threads > 1) {
        std::string err;
        CPLPushErrorHandler(CPLQuietErrorHandler);
        auto ds = openForReading(dataset_, postgres_, err);
        if (ds) {
            const std::string sql = "SELECT MIN(t0), MAX(t0) FROM tracks WHERE " + all.where();
            if (OGRLayer* rs = ds->ExecuteSQL(sql.c_str(), nullptr, nullptr)) {
                for (auto& f : *rs)
                    if (f->IsFieldSetAndNotNull(0) && f->IsFieldSetAndNotNull(1)) {
                        lo = f->GetFieldAsInteger64(0);
                        hi = f->GetFieldAsInteger64(1) + 1;
                    }
                ds->ReleaseResultSet(rs);
            }
        }
        CPLPopErrorHandler();
        if (hi - lo < 3600000) threads = 1;  // under an hour: not worth the connections
    }
    if (threads <= 1) {
        SliceReader reader;
        std::vector<uint32_t> slots;
        const bool ok = reader.scanAnyOrder(dataset_, postgres_, options_.squads, all, t0, t1,
                                            [&](uint32_t officer, int squad, const PositionFix& fix) {
                                                while (slots.size() <= officer)
                                                    slots.push_back(into.slotFor(reader.ids[slots.size()]));
                                                store(slots[officer], squad, fix);
                                            });
        addCounts(out, reader);
        if (!ok) out.error = "history " + stats_.target + ": " + reader.error;
    } else {
        struct Row {
            uint32_t officer;
            int squad;
            PositionFix fix;
        };
        std::vector<SliceReader> readers(threads);
        std::vector<std::vector<Row>> rows(threads);
        std::vector<char> ok(threads, 0);
        std::vector<std::thread> pool;
        const TimeMs step = (hi - lo + static_cast<TimeMs>(threads) - 1) / static_cast<TimeMs>(threads);
        for (unsigned k = 0; k < threads; ++k) {
            const RunRange slice{lo + step * k, k + 1 == threads ? hi : lo + step * (k + 1), all.reach};
            pool.emplace_back([&, k, slice] {
                ok[k] = readers[k].scanAnyOrder(dataset_, postgres_, options_.squads, slice, t0, t1,
                                                [&](uint32_t officer, int squad, const PositionFix& fix) {
                                                    rows[k].push_back(Row{officer, squad, fix});
                                                });
            });
        }
        for (auto& t : pool) t.join();
        for (unsigned k = 0; k < threads; ++k) {
            addCounts(out, readers[k]);
            if (!ok[k] && out.error.empty()) out.error = "history " + stats_.target + ": " + readers[k].error;
            std::vector<uint32_t> slots(readers[k].ids.size());
            for (size_t i = 0; i < slots.size(); ++i) slots[i] = into.slotFor(readers[k].ids[i]);
            for (const Row& r : rows[k]) store(slots[r.officer], r.squad, r.fix);
            std::vector<Row>().swap(rows[k]);
        }
    }
    out.ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    return out;
}

std::vector<std::string> HistoryStore::partitions() const {
    if (!postgres_) return {};
    std::string err;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    auto ds = openForReading(dataset_, true, err);
    std::vector<std::string> out;
    if (ds)
        out = queryColumn(*ds,
                          "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                          "WHERE i.inhparent = 'tracks'::regclass ORDER BY c.relname");
    CPLPopErrorHandler();
    return out;
}

}  // namespace sandtable
