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
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "engine/util/civil_time.hpp"
#include "engine/util/log.hpp"

namespace sandtable {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr const char* kTable = "positions";
constexpr TimeMs kDayMs = 86400000;

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
        // A 64 MiB page cache: the two indexes' pages stay in memory as the file grows
        // (SQLite's default 2 MB re-read them from the OS with a pread each).
        if (!execSql(*ds_, "PRAGMA journal_mode = WAL", err) || !execSql(*ds_, "PRAGMA synchronous = NORMAL", err) ||
            !execSql(*ds_, "PRAGMA cache_size = -65536", err) || !execSql(*ds_, "PRAGMA secure_delete = ON", err))
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
        for (const HistoryRecord& r : rows) {
            fill(r);
            if (layer_->CreateFeature(feature_.get()) != OGRERR_NONE) {
                const std::string why = lastGdalError("cannot insert a row");
                ds_->RollbackTransaction();
                return fail(err, why);
            }
        }
        if (ds_->CommitTransaction() != OGRERR_NONE) {
            const std::string why = lastGdalError("commit failed");
            ds_->RollbackTransaction();
            return fail(err, why);
        }
        return true;
    }

    // Removes rows (GeoPackage) or day partitions (PostGIS) older than the retention.
    bool expire(TimeMs now, uint64_t& rows, uint64_t& partitions, std::string& err) {
        if (!ds_ || options_.retentionDays <= 0) return true;
        const TimeMs cutoff = now - static_cast<TimeMs>(options_.retentionDays) * kDayMs;
        if (postgres_) {
            for (const std::string& name : listPartitions()) {
                int64_t day;
                if (!parsePartition(name, day) || dayStart(day + 1, options_.dayOffsetMinutes) > cutoff) continue;
                const auto n = queryColumn(*ds_, "SELECT count(*) FROM " + name);
                if (!execSql(*ds_, "DROP TABLE IF EXISTS " + name, err)) return false;
                rows += n.empty() ? 0 : std::strtoull(n[0].c_str(), nullptr, 10);
                ++partitions;
                known_.erase(day);
            }
            return true;
        }
        const std::string where = " FROM " + std::string(kTable) + " WHERE t < " + std::to_string(cutoff);
        const auto n = queryColumn(*ds_, "SELECT count(*)" + where);
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
                           "WHERE i.inhparent = 'positions'::regclass ORDER BY c.relname");
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
            // No R-tree: inserts stay fast (its triggers cost ~40 % of the insert rate),
            // readers select by time; QGIS draws the layer without one and can add one
            // (docs/history.md).
            const char* opts[] = {"GEOMETRY_NAME=geom", "FID=fid", "SPATIAL_INDEX=NO",
                                  "DESCRIPTION=Sandtable officer positions (docs/history.md)", nullptr};
            layer_ = ds_->CreateLayer(kTable, &wgs84, wkbPoint, const_cast<char**>(opts));
            if (!layer_) return fail(err, lastGdalError("cannot create the positions table"));
            // Plain REAL (SQLite stores 8 bytes whatever the declared width).
            auto field = [&](const char* name, OGRFieldType type, bool notNull) {
                OGRFieldDefn f(name, type);
                f.SetNullable(!notNull);
                return layer_->CreateField(&f) == OGRERR_NONE;
            };
            if (!field("officer", OFTString, true) || !field("squad", OFTString, false) ||
                !field("t", OFTInteger64, true) || !field("t_iso", OFTString, false) ||
                !field("status", OFTString, false) || !field("speed", OFTReal, false) ||
                !field("heading", OFTReal, false) || !field("acc", OFTReal, false))
                return fail(err, lastGdalError("cannot create the positions columns"));
            if (!execSql(*ds_, "CREATE INDEX IF NOT EXISTS positions_t ON positions (t)", err) ||
                !execSql(*ds_, "CREATE INDEX IF NOT EXISTS positions_officer_t ON positions (officer, t)", err))
                return false;
        }
        return bindFields(err);
    }

    bool createPgSchema(std::string& err) {
        const char* statements[] = {
            "CREATE EXTENSION IF NOT EXISTS postgis",
            // Partitioned by day (declarative): retention drops whole partitions, and
            // queries for a period touch only its days.
            "CREATE TABLE IF NOT EXISTS positions (officer varchar(64) NOT NULL, squad text, t bigint NOT NULL, "
            "t_iso text, status text, speed real, heading real, acc real, geom geometry(Point, 4326)) "
            "PARTITION BY RANGE (t)",
            "CREATE INDEX IF NOT EXISTS positions_t_idx ON positions (t)",
            "CREATE INDEX IF NOT EXISTS positions_officer_t_idx ON positions (officer, t)",
            "CREATE INDEX IF NOT EXISTS positions_geom_idx ON positions USING gist (geom)"};
        for (const char* sql : statements)
            if (!execSql(*ds_, sql, err)) return false;
        layer_ = ds_->GetLayerByName(kTable);
        if (!layer_) return fail(err, lastGdalError("the positions table cannot be opened as a layer"));
        known_.clear();
        for (const std::string& name : listPartitions()) {
            int64_t day;
            if (parsePartition(name, day)) known_.insert(day);
        }
        return bindFields(err);
    }

    bool bindFields(std::string& err) {
        OGRFeatureDefn* defn = layer_->GetLayerDefn();
        const char* names[] = {"officer", "squad", "t", "t_iso", "status", "speed", "heading", "acc"};
        for (size_t i = 0; i < 8; ++i) {
            idx_[i] = defn->GetFieldIndex(names[i]);
            if (idx_[i] < 0) return fail(err, std::string("the positions table has no column '") + names[i] + "'");
        }
        feature_.reset(new OGRFeature(defn));
        feature_->SetGeometryDirectly(new OGRPoint(0, 0));
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
                                    " PARTITION OF positions FOR VALUES FROM (" +
                                    std::to_string(dayStart(d, options_.dayOffsetMinutes)) + ") TO (" +
                                    std::to_string(dayStart(d + 1, options_.dayOffsetMinutes)) + ")";
            if (!execSql(*ds_, sql, err)) return false;
            known_.insert(d);
            ++created;
        }
        return true;
    }

    void fill(const HistoryRecord& r) {
        OGRFeature& f = *feature_;
        f.SetFID(OGRNullFID);
        f.SetField(idx_[0], r.officer.c_str());
        if (r.squad < options_.squads.size())
            f.SetField(idx_[1], options_.squads[r.squad].c_str());
        else
            f.SetFieldNull(idx_[1]);
        f.SetField(idx_[2], static_cast<GIntBig>(r.fix.t));
        f.SetField(idx_[3], formatIsoTime(r.fix.t, options_.dayOffsetMinutes).c_str());
        f.SetField(idx_[4], officerStatusName(r.fix.status));
        auto real = [&](int i, float v) {
            if (std::isnan(v))
                f.SetFieldNull(idx_[i]);
            else
                f.SetField(idx_[i], static_cast<double>(v));
        };
        real(5, r.fix.speed);
        real(6, r.fix.heading);
        real(7, r.fix.accuracy);
        auto* p = static_cast<OGRPoint*>(f.GetGeometryRef());
        p->setX(r.fix.lon);
        p->setY(r.fix.lat);
    }

    const HistoryOptions& options_;
    bool postgres_;
    std::string dataset_;
    GDALDatasetUniquePtr ds_;
    OGRLayer* layer_ = nullptr;
    std::unique_ptr<OGRFeature> feature_;
    int idx_[8] = {};
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

// One plain SQL query for both backends. (Measured alternatives that were slower: squad
// and status as CASE integers, the point as ST_MinX/ST_MinY doubles.)
// A time bound as SQL: clamped to +-2^53 so that both backends read it as an integer
// (SQLite turns -9223372036854775808 into a REAL, PostgreSQL into numeric, which keeps it
// from using the index on t and from pruning partitions).
std::string sqlTime(TimeMs t) {
    constexpr TimeMs kBound = TimeMs{1} << 53;
    return std::to_string(std::clamp(t, -kBound, kBound));
}

std::string selectSql(TimeMs t0, TimeMs t1) {
    return "SELECT officer, squad, t, status, speed, heading, acc, geom FROM positions WHERE t >= " + sqlTime(t0) +
           " AND t < " + sqlTime(t1) + " ORDER BY t";
}

// The columns of one Arrow batch that a position needs, found by name and checked by
// format (GDAL's Arrow stream of a GeoPackage table: utf8 "u", int64 "l", float64 "g",
// WKB geometry as binary "z").
struct ArrowColumns {
    const ArrowArray *officer = nullptr, *squad = nullptr, *t = nullptr, *status = nullptr, *speed = nullptr,
                     *heading = nullptr, *acc = nullptr, *geom = nullptr;

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
            take("t", "l", t);
            take("status", "u", status);
            take("speed", "g", speed);
            take("heading", "g", heading);
            take("acc", "g", acc);
            take("geom", "z", geom);
        }
        return officer && squad && t && status && speed && heading && acc && geom;
    }
};

bool arrowValid(const ArrowArray& a, int64_t i) {
    const auto* bits = static_cast<const uint8_t*>(a.buffers[0]);
    if (a.null_count == 0 || !bits) return true;
    const int64_t k = i + a.offset;
    return (bits[k >> 3] >> (k & 7)) & 1;
}

std::string_view arrowString(const ArrowArray& a, int64_t i) {
    const auto* offs = static_cast<const int32_t*>(a.buffers[1]);
    const auto* data = static_cast<const char*>(a.buffers[2]);
    const int64_t k = i + a.offset;
    return {data + offs[k], static_cast<size_t>(offs[k + 1] - offs[k])};
}

template <class T>
T arrowValue(const ArrowArray& a, int64_t i) {
    return static_cast<const T*>(a.buffers[1])[i + a.offset];
}

// A WKB point (either byte order, ISO or extended type codes) with coordinates: lon, lat.
bool wkbPointXY(std::string_view wkb, double& x, double& y) {
    if (wkb.size() < 21) return false;
    const bool little = wkb[0] == 1;
    auto u32 = [&](size_t at) {
        uint8_t b[4];
        std::memcpy(b, wkb.data() + at, 4);
        return little ? uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24
                      : uint32_t(b[3]) | uint32_t(b[2]) << 8 | uint32_t(b[1]) << 16 | uint32_t(b[0]) << 24;
    };
    auto f64 = [&](size_t at) {
        uint8_t b[8];
        std::memcpy(b, wkb.data() + at, 8);
        if (!little) std::reverse(b, b + 8);
        double v;
        std::memcpy(&v, b, 8);
        return v;
    };
    const uint32_t type = u32(1) & 0x0fffffffu;  // EWKB flags off
    if (type % 1000 != 1) return false;
    x = f64(5);
    y = f64(13);
    return std::isfinite(x) && std::isfinite(y);  // an empty point is NaN, NaN
}

// Reads [t0, t1) over its own connection; officers are numbered in order of appearance.
struct SliceReader {
    std::vector<std::string> ids;
    std::unordered_map<std::string, uint32_t> index;
    HistoryLoad counts;
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
    // An officer's number in this reader (order of appearance); rows come in runs of one
    // officer, so the last one is checked first.
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

    template <class F>
    bool scan(const std::string& dataset, bool postgres, const std::vector<std::string>& squads, TimeMs t0, TimeMs t1,
              F&& row) {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        auto ds = openForReading(dataset, postgres, error);
        bool ok = ds != nullptr;
        if (ok) {
            CPLErrorReset();
            OGRLayer* rs = ds->ExecuteSQL(selectSql(t0, t1).c_str(), nullptr, nullptr);
            if (!rs) {
                ok = false;
                error = lastGdalError("cannot query the positions table");
            } else {
                for (auto& f : *rs) {
                    ++counts.rows;
                    const OGRGeometry* g = f->GetGeometryRef();
                    if (!f->IsFieldSetAndNotNull(0) || !f->IsFieldSetAndNotNull(2) || !g ||
                        wkbFlatten(g->getGeometryType()) != wkbPoint || g->IsEmpty()) {
                        ++counts.bad;
                        continue;
                    }
                    const int squad = squadIndex(f->IsFieldSetAndNotNull(1) ? f->GetFieldAsString(1) : "", squads);
                    if (squad < 0) {
                        ++counts.bad;
                        continue;
                    }
                    const uint32_t officer = officerIndex(f->GetFieldAsString(0));
                    PositionFix fix;
                    fix.t = f->GetFieldAsInteger64(2);
                    if (f->IsFieldSetAndNotNull(3)) parseOfficerStatus(f->GetFieldAsString(3), fix.status);
                    auto real = [&](int i) {
                        return f->IsFieldSetAndNotNull(i) ? static_cast<float>(f->GetFieldAsDouble(i)) : NAN;
                    };
                    fix.speed = real(4);
                    fix.heading = real(5);
                    fix.accuracy = real(6);
                    fix.lon = g->toPoint()->getX();
                    fix.lat = g->toPoint()->getY();
                    row(officer, squad, fix);
                }
                if (CPLGetLastErrorType() >= CE_Failure) {
                    ok = false;
                    error = lastGdalError("read failed");
                }
                ds->ReleaseResultSet(rs);
            }
        }
        CPLPopErrorHandler();
        return ok;
    }

    // The same rows of a GeoPackage through GDAL's column-oriented Arrow stream of the
    // positions table (GDAL 3.6 fills it from SQLite directly, without a feature per row:
    // ~2x faster here), in the table's order rather than by time; the track store files
    // rows in time order whatever their order. Returns false without reading a row when the
    // stream cannot be had or does not hold the expected columns (Unavailable: nothing was
    // read, the caller scans instead).
    enum class ArrowScan { Unavailable, Done, Failed };
    template <class F>
    ArrowScan scanArrow(const std::string& dataset, const std::vector<std::string>& squads, TimeMs t0, TimeMs t1,
                        F&& row) {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        std::string err;
        auto ds = openForReading(dataset, false, err);
        OGRLayer* layer = ds ? ds->GetLayerByName("positions") : nullptr;
        bool ok = false;
        if (layer && layer->TestCapability(OLCFastGetArrowStream) &&
            layer->SetAttributeFilter(("t >= " + sqlTime(t0) + " AND t < " + sqlTime(t1)).c_str()) == OGRERR_NONE) {
            ArrowArrayStream stream{};
            char** opts = CSLSetNameValue(nullptr, "INCLUDE_FID", "NO");
            ArrowSchema schema{};
            if (layer->GetArrowStream(&stream, opts) && stream.get_schema(&stream, &schema) == 0) {
                ok = true;
                bool first = true;
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
                    if (!have && first) {  // not the columns expected: nothing read yet
                        batch.release(&batch);
                        ok = false;
                        error.clear();
                        break;
                    }
                    first = false;
                    for (int64_t i = 0; have && i < batch.length; ++i) {
                        ++counts.rows;
                        double lon = 0, lat = 0;
                        if (!arrowValid(*c.officer, i) || !arrowValid(*c.t, i) || !arrowValid(*c.geom, i) ||
                            !wkbPointXY(arrowString(*c.geom, i), lon, lat)) {
                            ++counts.bad;
                            continue;
                        }
                        const int squad = squadIndex(arrowValid(*c.squad, i) ? arrowString(*c.squad, i) : "", squads);
                        if (squad < 0) {
                            ++counts.bad;
                            continue;
                        }
                        const uint32_t officer = officerIndex(arrowString(*c.officer, i));
                        PositionFix fix;
                        fix.t = arrowValue<int64_t>(*c.t, i);
                        if (arrowValid(*c.status, i)) parseOfficerStatus(arrowString(*c.status, i), fix.status);
                        auto real = [&](const ArrowArray& a) {
                            return arrowValid(a, i) ? static_cast<float>(arrowValue<double>(a, i)) : NAN;
                        };
                        fix.speed = real(*c.speed);
                        fix.heading = real(*c.heading);
                        fix.accuracy = real(*c.acc);
                        fix.lon = lon;
                        fix.lat = lat;
                        row(officer, squad, fix);
                    }
                    batch.release(&batch);
                    if (!have) {
                        ok = false;
                        error = "the positions table's columns changed while reading";
                        break;
                    }
                }
                schema.release(&schema);
            }
            if (stream.release) stream.release(&stream);
            CSLDestroy(opts);
        }
        CPLPopErrorHandler();
        if (ok) return ArrowScan::Done;
        return counts.rows > 0 ? ArrowScan::Failed : ArrowScan::Unavailable;
    }

    // For loading into a track store (any row order): the Arrow stream where the backend
    // has one, else the time-ordered query.
    template <class F>
    bool scanAnyOrder(const std::string& dataset, bool postgres, const std::vector<std::string>& squads, TimeMs t0,
                      TimeMs t1, F&& row) {
        if (!postgres) {
            const ArrowScan r = scanArrow(dataset, squads, t0, t1, row);
            if (r != ArrowScan::Unavailable) {
                columnar = true;
                return r == ArrowScan::Done;
            }
            error.clear();
        }
        return scan(dataset, postgres, squads, t0, t1, row);
    }
};

void addCounts(HistoryLoad& into, const SliceReader& r) {
    into.rows += r.counts.rows;
    into.bad += r.counts.bad;
    into.columnar += r.columnar;
}
}  // namespace

bool HistoryStore::read(TimeMs t0, TimeMs t1, const std::function<void(const HistoryRecord&)>& row, HistoryLoad* load,
                        std::string* error) const {
    const auto start = SteadyClock::now();
    HistoryLoad local;
    HistoryLoad& out = load ? *load : local;
    SliceReader reader;
    HistoryRecord r;
    const bool ok = reader.scan(dataset_, postgres_, options_.squads, t0, t1,
                                [&](uint32_t officer, int squad, const PositionFix& fix) {
                                    r.officer = reader.ids[officer];
                                    r.squad = static_cast<uint8_t>(squad);
                                    r.fix = fix;
                                    row(r);
                                });
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

    // Reading is GDAL-bound (the Arrow stream of a GeoPackage, a feature per row from
    // PostGIS): split the period into time slices read in parallel, each over its own
    // connection (WAL readers and PostgreSQL backends run side by side), then store them
    // slice by slice on this thread.
    TimeMs lo = t0, hi = t1;
    unsigned threads =
        options_.readThreads ? options_.readThreads : std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
    if (threads > 1) {
        std::string err;
        CPLPushErrorHandler(CPLQuietErrorHandler);
        auto ds = openForReading(dataset_, postgres_, err);
        if (ds) {
            const std::string sql =
                "SELECT MIN(t), MAX(t) FROM positions WHERE t >= " + sqlTime(t0) + " AND t < " + sqlTime(t1);
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
        const bool ok = reader.scanAnyOrder(dataset_, postgres_, options_.squads, t0, t1,
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
            const TimeMs a = lo + step * k, b = k + 1 == threads ? hi : lo + step * (k + 1);
            pool.emplace_back([&, k, a, b] {
                ok[k] = readers[k].scanAnyOrder(dataset_, postgres_, options_.squads, a, b,
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
                          "WHERE i.inhparent = 'positions'::regclass ORDER BY c.relname");
    CPLPopErrorHandler();
    return out;
}

}  // namespace sandtable
