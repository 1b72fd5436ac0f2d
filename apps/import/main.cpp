// sandtable-import: loads recorded officer positions (NDJSON in the feed protocol, or CSV)
// into the history store (a GeoPackage in the state folder, or PostGIS). Bad rows are
// skipped and counted by the feed's reasons. Logic: engine/tracks/importer.hpp; see
// docs/history.md and docs/cli.md.
//
// Exit status: 0 imported (bad rows skipped and reported), 1 an input could not be read
// or the history could not be opened or written, 2 usage.
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

#include "engine/data/squads.hpp"
#include "engine/tracks/importer.hpp"
#include "engine/util/cli.hpp"

using namespace sandtable;

namespace {

std::string human(double v) {
    char buf[32];
    if (v >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

void drawBar(const ImportProgress& p) {
    const double frac = p.total ? std::min(1.0, static_cast<double>(p.done) / static_cast<double>(p.total)) : 0.0;
    constexpr int kWidth = 30;
    const int fill = static_cast<int>(frac * kWidth);
    std::string bar(static_cast<size_t>(fill), '#');
    bar.append(static_cast<size_t>(kWidth - fill), '.');
    const double rate = p.seconds > 0 ? static_cast<double>(p.rows) / p.seconds : 0;
    std::fprintf(stderr, "\r[%s] %3.0f%%  %s rows  %s rows/s  ", bar.c_str(), frac * 100.0,
                 human(static_cast<double>(p.rows)).c_str(), human(rate).c_str());
    std::fflush(stderr);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Loads officer positions (NDJSON feed lines or CSV) into the Sandtable history store.",
                 "sandtable-import"};
    std::vector<std::string> files;
    std::string historyDir, history, format, squads, nowText, statsPath;
    int retentionDays = 90;
    bool quiet = false;
    app.add_option("files", files,
                   "NDJSON (feed protocol) or CSV files (officer,squad,t,lon,lat[,crs,status,speed,heading,acc])")
        ->required();
    auto* dirOpt =
        app.add_option("--history-dir", historyDir,
                       "state folder of the GeoPackage history (default: " + HistoryStore::defaultDir() + ")");
    app.add_option("--history", history, "a .gpkg file or a PostGIS connection 'PG:host=... dbname=...'")
        ->excludes(dirOpt);
    app.add_option("--format", format, "input format (default: by extension, .csv is CSV)")
        ->check(CLI::IsMember({"ndjson", "csv"}));
    app.add_option("--retention-days", retentionDays,
                   "history retention in days, applied after the import (0: keep all)")
        ->check(CLI::Range(0, 36500));
    app.add_option("--squads", squads,
                   "squad catalogue CSV: rows naming other squads are unknown_squad (default: the ten Putuo squads)")
        ->check(CLI::ExistingFile);
    app.add_option("--now", nowText, "reference time for future_time and retention (ISO 8601 or epoch ms; default now)")
        ->check(cli::timeValidator());
    app.add_option("--stats", statsPath, "write the summary as JSON to this file");
    app.add_flag("--quiet,-q", quiet, "no progress bar");
    cli::setup(app);
    if (const int rc = cli::parse(app, argc, argv); rc >= 0) return rc;

    ImportOptions io;
    io.format = format;
    try {
        io.feed.squads = (squads.empty() ? SquadCatalogue::builtIn() : SquadCatalogue::load(squads)).ids();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable-import: --squads: %s\n", e.what());
        return 1;
    }
    if (!nowText.empty()) cli::parseTime(nowText, io.now);
    const bool tty = ::isatty(2) && !quiet;
    if (tty) io.progress = drawBar;

    HistoryOptions ho;
    ho.target = !history.empty() ? history : !historyDir.empty() ? historyDir : HistoryStore::defaultDir();
    ho.squads = io.feed.squads;
    ho.retentionDays = retentionDays;
    ho.batchRows = 50000;
    if (io.now) {
        const TimeMs now = io.now;
        ho.now = [now] { return now; };
    }
    try {
        HistoryStore store(ho);
        const ImportResult r = importPositions(files, store, io);
        store.expire();
        const HistoryStats hs = store.stats();
        if (tty) std::fputs("\n", stderr);

        const FeedCounters& c = r.counters;
        std::printf("sandtable-import: %llu rows from %zu file(s) in %.2f s (%s rows/s) into %s\n",
                    static_cast<unsigned long long>(c.lines), files.size(), r.seconds, human(r.rowsPerSecond).c_str(),
                    hs.target.c_str());
        std::printf("  positions %llu (late %llu), written %llu, duplicates %llu, rejected %llu, not positions %llu\n",
                    static_cast<unsigned long long>(r.positions), static_cast<unsigned long long>(c.late),
                    static_cast<unsigned long long>(r.written), static_cast<unsigned long long>(c.duplicates),
                    static_cast<unsigned long long>(c.rejected), static_cast<unsigned long long>(r.other));
        nlohmann::json rej = nlohmann::json::object(), samples = nlohmann::json::array();
        for (size_t i = 0; i < kRejectReasonCount; ++i) {
            if (!c.rejectedBy[i]) continue;
            const char* name = rejectReasonName(static_cast<RejectReason>(i));
            rej[name] = c.rejectedBy[i];
            std::printf("  rejected %-18s %llu\n", name, static_cast<unsigned long long>(c.rejectedBy[i]));
            // A few samples per reason: where, and what the row said.
            size_t shown = 0;
            for (const RejectSample& s : r.samples[i]) {
                if (shown++ < 3)
                    std::printf("    %s:%llu: %s (%s)\n", s.source.c_str(), static_cast<unsigned long long>(s.lineNo),
                                name, s.detail.c_str());
                samples.push_back({{"file", s.source},
                                   {"line", s.lineNo},
                                   {"reason", name},
                                   {"field", s.detail},
                                   {"excerpt", s.excerpt}});
            }
        }
        if (hs.expiredRows || hs.partitionsDropped)
            std::printf("  retention (%d days): %llu old rows removed, %llu partitions dropped\n", retentionDays,
                        static_cast<unsigned long long>(hs.expiredRows),
                        static_cast<unsigned long long>(hs.partitionsDropped));
        for (const std::string& e : r.errors) std::fprintf(stderr, "sandtable-import: error: %s\n", e.c_str());
        if (hs.writeErrors || hs.droppedRows)
            std::fprintf(stderr, "sandtable-import: error: %llu failed writes, %llu rows not written (last: %s)\n",
                         static_cast<unsigned long long>(hs.writeErrors),
                         static_cast<unsigned long long>(hs.droppedRows), hs.lastError.c_str());
        if (!statsPath.empty()) {
            nlohmann::json j;
            j["files"] = files;
            j["history"] = hs.target;
            j["postgres"] = hs.postgres;
            j["rows"] = c.lines;
            j["positions"] = r.positions;
            j["late"] = c.late;
            j["duplicates"] = c.duplicates;
            j["written"] = r.written;
            j["rejected"] = c.rejected;
            j["rejected_by_reason"] = rej;
            j["samples"] = samples;
            j["not_positions"] = r.other;
            j["seconds"] = r.seconds;
            j["rows_per_s"] = r.rowsPerSecond;
            j["errors"] = r.errors;
            j["write_errors"] = hs.writeErrors;
            j["rows_not_written"] = hs.droppedRows;
            j["expired_rows"] = hs.expiredRows;
            j["partitions_created"] = hs.partitionsCreated;
            j["partitions_dropped"] = hs.partitionsDropped;
            std::ofstream f(statsPath);
            if (!f) {
                std::fprintf(stderr, "sandtable-import: error: cannot write --stats file '%s'\n", statsPath.c_str());
                return 1;
            }
            f << j.dump(2) << "\n";
        }
        return r.ok() && hs.writeErrors == 0 && hs.droppedRows == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        if (tty) std::fputs("\n", stderr);
        std::fprintf(stderr, "sandtable-import: error: %s\n", e.what());
        return 1;
    }
}
