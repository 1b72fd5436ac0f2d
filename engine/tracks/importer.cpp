#include "engine/tracks/importer.hpp"

#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace sandtable {

namespace {

using SteadyClock = std::chrono::steady_clock;

double secondsSince(SteadyClock::time_point t0) {
    return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Shared by both readers: feeds the state, hands accepted rows to the history in blocks,
// reports progress at most ten times a second.
struct Run {
    HistoryStore* history;  // null: validate and count only (checkPositions)
    const ImportOptions& options;
    FeedState state;
    TimeMs now;
    SteadyClock::time_point start = SteadyClock::now(), lastProgress{};
    ImportProgress progress;

    Run(HistoryStore* h, const ImportOptions& o)
        : history(h), options(o), state(o.feed), now(o.now ? o.now : wallClockMs()) {
        state.setRecordHistory(true);
    }
    void handOver(bool force) {
        if (state.pendingHistory() >= options.blockRows || (force && state.pendingHistory() > 0)) {
            auto rows = state.takeHistory();
            if (history) history->append(std::move(rows), true);  // waits for room: an import drops nothing
        }
    }
    void report(bool force) {
        if (!options.progress) return;
        const auto t = SteadyClock::now();
        if (!force && t - lastProgress < std::chrono::milliseconds(100)) return;
        lastProgress = t;
        progress.seconds = secondsSince(start);
        progress.rows = state.counters().lines;
        options.progress(progress);
    }
};

// Files are read through GDAL's virtual file layer, so a path may also be /vsimem/ (the
// fuzzer), /vsigzip/ or any other GDAL file system.
struct VsiCloser {
    void operator()(VSILFILE* f) const { VSIFCloseL(f); }
};
using VsiFile = std::unique_ptr<VSILFILE, VsiCloser>;

bool isFile(const std::string& path) {
    VSIStatBufL st;
    return VSIStatExL(path.c_str(), &st, VSI_STAT_EXISTS_FLAG | VSI_STAT_NATURE_FLAG) == 0 && VSI_ISREG(st.st_mode);
}

bool importNdjson(Run& run, const std::string& path, std::string& error) {
    errno = 0;
    VsiFile f(VSIFOpenL(path.c_str(), "rb"));
    if (!f) {
        error = path + ": cannot open (" + std::strerror(errno) + ")";
        return false;
    }
    const uint64_t base = run.progress.done;
    std::vector<char> buf(size_t{4} << 20);
    std::string carry;  // a line cut by the end of a block
    // Capped: a line over the limit is rejected as line_too_long, its tail need not be kept.
    const size_t cap = run.options.feed.maxLineBytes + 1;
    auto appendCapped = [&](const char* p, size_t len) {
        if (carry.size() < cap) carry.append(p, std::min(len, cap - carry.size()));
    };
    uint64_t lineNo = 0, offset = 0;
    auto line = [&](std::string_view l) {
        run.state.ingestLine(l, path, ++lineNo, run.now);
        if ((lineNo & 1023) == 0) {
            run.handOver(false);
            run.progress.done = base + offset;
            run.report(false);
        }
    };
    for (;;) {
        const size_t n = VSIFReadL(buf.data(), 1, buf.size(), f.get());
        if (n == 0) break;
        size_t pos = 0;
        while (pos < n) {
            const void* nl = std::memchr(buf.data() + pos, '\n', n - pos);
            const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - buf.data()) : n;
            if (!nl) {
                appendCapped(buf.data() + pos, end - pos);  // the rest comes with the next block
                break;
            }
            if (!carry.empty()) {
                appendCapped(buf.data() + pos, end - pos);
                line(carry);
                carry.clear();
            } else {
                line(std::string_view(buf.data() + pos, end - pos));
            }
            pos = end + 1;
        }
        offset += n;
    }
    if (!VSIFEofL(f.get())) {  // a read that stopped short of the end
        error = path + ": read error (" + std::strerror(errno) + ")";
        return false;
    }
    if (!carry.empty()) line(carry);  // last line without a newline
    run.progress.done = base + offset;
    return true;
}

// Number of newlines: the CSV rows to expect, for the progress bar (OGR does not say
// where it is in the file).
uint64_t countLines(const std::string& path) {
    VsiFile f(VSIFOpenL(path.c_str(), "rb"));
    if (!f) return 0;
    std::vector<char> buf(size_t{1} << 20);
    uint64_t n = 0;
    for (size_t got; (got = VSIFReadL(buf.data(), 1, buf.size(), f.get())) > 0;)
        n += static_cast<uint64_t>(std::count(buf.data(), buf.data() + got, '\n'));
    return n;
}

bool parseDouble(std::string_view s, double& out) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    if (s.empty()) return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parseInteger(std::string_view s, int64_t& out) {
    if (s.empty()) return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool importCsv(Run& run, const std::string& path, std::string& error) {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
    if (!isFile(path)) {
        error = path + ": no such file";
        return false;
    }
    // Every cell as text (we type them, as the feed does), empty cells as absent.
    const char* openOptions[] = {"AUTODETECT_TYPE=NO", "HEADERS=YES", "EMPTY_STRING_AS_NULL=YES", nullptr};
    const char* drivers[] = {"CSV", nullptr};
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    GDALDatasetUniquePtr ds(
        GDALDataset::Open(("CSV:" + path).c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, openOptions, nullptr));
    CPLPopErrorHandler();
    if (!ds || ds->GetLayerCount() < 1) {
        error = path + ": not readable as CSV (" + std::string(CPLGetLastErrorMsg()) + ")";
        return false;
    }
    OGRLayer* layer = ds->GetLayer(0);
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    enum Col { Officer, Squad, T, Lon, Lat, Crs, Status, Speed, Heading, Acc, NCols };
    static constexpr const char* names[NCols] = {"officer", "squad",  "t",     "lon",     "lat",
                                                 "crs",     "status", "speed", "heading", "acc"};
    int idx[NCols];
    std::vector<int> colOf(static_cast<size_t>(defn->GetFieldCount()), -1);  // field -> Col
    for (int c = 0; c < NCols; ++c) {
        idx[c] = -1;
        for (int i = 0; i < defn->GetFieldCount(); ++i)
            if (lower(defn->GetFieldDefn(i)->GetNameRef()) == names[c]) idx[c] = i;
        if (c <= Lat && idx[c] < 0) {
            error = path + ": no column '" + names[c] + "' (needs officer, squad, t, lon, lat)";
            return false;
        }
        if (idx[c] >= 0) colOf[static_cast<size_t>(idx[c])] = c;
    }
    const uint64_t base = run.progress.done;
    const uint64_t lines = countLines(path);
    run.progress.total += lines > 0 ? lines - 1 : 0;  // the header is not a row

    std::string excerpt;
    uint64_t row = 0;
    for (auto& f : *layer) {
        ++row;
        RawMessage raw;
        raw.type = "pos";
        raw.hasType = true;
        excerpt.clear();
        // Cells in column order, as the JSON parser reads fields in line order: the first
        // problem found decides the reason.
        const int nf = defn->GetFieldCount();
        for (int i = 0; i < nf; ++i) {
            const bool set = f->IsFieldSetAndNotNull(i);
            const char* text = set ? f->GetFieldAsString(i) : "";
            if (i) excerpt.push_back(',');
            excerpt.append(text);
            const int c = colOf[static_cast<size_t>(i)];
            if (c < 0 || !set) continue;
            const std::string_view v(text);
            switch (c) {
            case Officer:
                raw.officer = v;
                break;
            case Squad:
                raw.squad = v;
                raw.hasSquad = true;
                break;
            case T: {
                raw.hasT = true;
                int64_t ms;
                if (parseInteger(v, ms)) {
                    raw.t = ms;
                    raw.tOk = true;
                } else {
                    raw.tOk = parseIsoTime(v, raw.t);
                }
                break;
            }
            case Lon:
            case Lat: {
                double d;
                const bool ok = parseDouble(v, d);
                if (!ok && raw.extractError == RejectReason::Count) {
                    raw.extractError = RejectReason::BadCoordinate;
                    raw.extractDetail = c == Lon ? "lon" : "lat";
                }
                (c == Lon ? raw.lon : raw.lat) = d;
                (c == Lon ? raw.hasLon : raw.hasLat) = true;
                break;
            }
            case Crs:
                raw.crs = v;
                raw.hasCrs = true;
                break;
            case Status:
                raw.status = v;
                raw.hasStatus = true;
                break;
            case Speed:
            case Heading:
            case Acc: {
                double d;
                if (!parseDouble(v, d)) {
                    if (raw.extractError == RejectReason::Count) {
                        raw.extractError = RejectReason::InvalidField;
                        raw.extractDetail = names[c];
                    }
                    break;
                }
                (c == Speed ? raw.speed : c == Heading ? raw.heading : raw.acc) = d;
                break;
            }
            default:
                break;
            }
        }
        // The file's line: the header is line 1 (a quoted newline inside a cell would shift
        // later numbers; OGR's feature id counts rows).
        const uint64_t lineNo = static_cast<uint64_t>(f->GetFID()) + 1;
        run.state.ingestMessage(raw, path, lineNo, excerpt, run.now);
        if ((row & 1023) == 0) {
            run.handOver(false);
            run.progress.done = base + row;
            run.report(false);
        }
    }
    run.progress.done = base + row;
    return true;
}

}  // namespace

std::string importFormatOf(const std::string& path, const std::string& format) {
    if (!format.empty()) return lower(format);
    const std::string ext = lower(std::filesystem::path(path).extension().string());
    return ext == ".csv" ? "csv" : "ndjson";
}

namespace {

ImportResult runImport(const std::vector<std::string>& files, HistoryStore* history, const ImportOptions& options) {
    Run run(history, options);
    const uint64_t writtenBefore = history ? history->stats().written : 0;
    for (const std::string& f : files) {
        VSIStatBufL st;
        if (importFormatOf(f, options.format) == "ndjson" && VSIStatL(f.c_str(), &st) == 0)
            run.progress.total += static_cast<uint64_t>(st.st_size);
    }
    ImportResult result;
    for (const std::string& f : files) {
        run.progress.file = f;
        std::string error;
        const bool ok =
            importFormatOf(f, options.format) == "csv" ? importCsv(run, f, error) : importNdjson(run, f, error);
        if (!ok) result.errors.push_back(error);
        run.handOver(true);
        run.report(true);
    }
    if (history) history->flush();
    result.counters = run.state.counters();
    for (size_t r = 0; r < kRejectReasonCount; ++r)
        result.samples[r].assign(run.state.samples()[r].begin(), run.state.samples()[r].end());
    result.positions = result.counters.positions;
    result.other = result.counters.checkins + result.counters.incidents;
    if (history) {
        result.history = history->stats();
        result.written = result.history.written - writtenBefore;
    }
    result.seconds = secondsSince(run.start);
    result.rowsPerSecond = result.seconds > 0 ? static_cast<double>(result.counters.lines) / result.seconds : 0;
    return result;
}

}  // namespace

ImportResult importPositions(const std::vector<std::string>& files, HistoryStore& history,
                             const ImportOptions& options) {
    return runImport(files, &history, options);
}

ImportResult checkPositions(const std::vector<std::string>& files, const ImportOptions& options) {
    return runImport(files, nullptr, options);
}

}  // namespace sandtable
