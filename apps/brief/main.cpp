// sandtable-brief: the monthly report 《重点执法工作月报》 as an A4 landscape PDF
// (docs/brief.md): the same figures as sandtable-kpi (one Evaluator, same period and
// time of evaluation), each squad's map rendered headless, provenance with hashes.
//
//   sandtable-brief [--scene S] [--records DIR] [--history FILE] --month 2024-10 --out report.pdf
//
// Exit status: 0 ok, 1 an error (named: missing scene or records, unwritable PDF, no
// font), 2 bad arguments.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "apps/brief/squad_maps.hpp"
#include "engine/data/jurisdictions.hpp"
#include "engine/data/scene.hpp"
#include "engine/feed/protocol.hpp"
#include "engine/indicators/indicators.hpp"
#include "engine/report/report.hpp"
#include "engine/report/sha256.hpp"
#include "engine/tracks/coverage.hpp"
#include "engine/tracks/history.hpp"
#include "engine/util/civil_time.hpp"
#include "engine/util/cli.hpp"
#include "engine/util/clock.hpp"
#include "engine/util/i18n.hpp"
#include "engine/util/sample_data.hpp"

using namespace sandtable;
using namespace sandtable::indicators;
namespace fs = std::filesystem;

namespace {

constexpr const char* kName = "sandtable-brief";

// Each table's header (docs/domain.md): a missing table is read as an empty one.
struct TableHeader {
    Table table;
    const char* header;
};
constexpr TableHeader kHeaders[] = {
    {Table::Complaints, "id,squad,received_at,first_contact_at,due_at,closed_at,resolved,satisfaction,lon,lat"},
    {Table::Cases, "id,squad,opened_at,closed_at,non_site,review_score,lon,lat"},
    {Table::Checkpoints, "id,squad,level,lon,lat"},
    {Table::Checkins, "checkpoint,officer,at"},
    {Table::Objects, "id,squad,kind,colour,lon,lat"},
    {Table::Inspections, "object,at"},
    {Table::Training, "squad,at,attendees"},
};

// The progress bar on stderr: redrawn in place on a terminal, one line per step otherwise.
class Progress {
public:
    explicit Progress(int total) : total_(total), tty_(isatty(2) != 0) {}
    void step(const std::string& what) {
        ++done_;
        if (tty_) {
            const int width = 24, filled = total_ ? width * done_ / total_ : width;
            std::fprintf(stderr, "\r\033[K%s: [%s%s] %2d/%d %s", kName,
                         std::string(static_cast<size_t>(filled), '#').c_str(),
                         std::string(static_cast<size_t>(width - filled), '-').c_str(), done_, total_, what.c_str());
            if (done_ >= total_) std::fputc('\n', stderr);
        } else {
            std::fprintf(stderr, "%s: [%2d/%d] %s\n", kName, done_, total_, what.c_str());
        }
        std::fflush(stderr);
    }
    // A message between steps (a warning): on its own line.
    void note(const std::string& msg) {
        if (tty_ && done_ > 0 && done_ < total_) std::fputc('\n', stderr);
        std::fprintf(stderr, "%s: %s\n", kName, msg.c_str());
    }

private:
    int total_, done_ = 0;
    bool tty_;
};

report::InputFile inputFile(const char* role, const std::string& path) {
    report::InputFile f;
    f.role = role;
    f.path = path;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        f.missing = true;
        return f;
    }
    f.bytes = fs::file_size(path, ec);
    f.sha256 = report::sha256File(path);
    return f;
}

// "2024-10" -> [local midnight of the 1st, local midnight of the next month's 1st).
bool parseMonth(const std::string& s, Period& out) {
    int y = 0, m = 0;
    char tail = 0;
    if (s.size() != 7 || std::sscanf(s.c_str(), "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12 || y < 1970)
        return false;
    out.from = localMidnight(daysFromCivil(y, static_cast<unsigned>(m), 1));
    const int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
    out.to = localMidnight(daysFromCivil(ny, static_cast<unsigned>(nm), 1));
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app(
        "sandtable-brief: the monthly report 重点执法工作月报 as an A4 landscape PDF: cover, district summary, "
        "squad ranking with the lagging squads named, one page per squad (map, indicators with numerator and "
        "denominator, 6-month trends) and an appendix (formulas, input files with SHA-256). The figures are "
        "sandtable-kpi's (docs/brief.md). Exit status: 0 ok, 1 error, 2 bad arguments.",
        kName);
    cli::setup(app);
    std::string scenePath, recordsPath, historyPath, monthText, atText, out, lang = "zh";
    double dpi = 200;
    app.add_option("--scene", scenePath, "scene file (default: the bundled data/putuo/scene.json)");
    app.add_option("--records", recordsPath, "records: a folder of CSVs, a .gpkg or a .xlsx (default: the scene's)");
    app.add_option("--history", historyPath, "position history (GPKG or PG:) for the patrol coverage of the month");
    app.add_option("--month", monthText, "the month, YYYY-MM (default: the scene's indicator period)");
    app.add_option("--at", atText, "time of evaluation, ISO 8601 with an offset or epoch ms (default: the month's end)")
        ->check(cli::timeValidator());
    app.add_option("--lang", lang, "language")->check(CLI::IsMember({"zh", "en"}))->capture_default_str();
    app.add_option("--dpi", dpi, "print resolution of the maps")->check(CLI::Range(50.0, 400.0))->capture_default_str();
    app.add_option("--out", out, "PDF to write")->required();
    if (const int rc = cli::parse(app, argc, argv); rc >= 0) return rc;
    const Language language = lang == "en" ? Language::English : Language::Chinese;

    // Arguments first (exit 2), then the inputs (exit 1).
    Period period;
    bool havePeriod = false;
    if (!monthText.empty()) {
        if (!parseMonth(monthText, period)) {
            std::fprintf(stderr, "%s: --month: '%s' is not a month (expected YYYY-MM, like 2024-10)\n", kName,
                         monthText.c_str());
            return 2;
        }
        havePeriod = true;
    }
    TimeMs at = 0;
    if (!atText.empty()) cli::parseTime(atText, at);

    if (scenePath.empty()) scenePath = findSampleData("scene.json", SANDTABLE_SOURCE_DIR);
    if (scenePath.empty()) {
        std::fprintf(stderr, "%s: error: no scene given and the bundled data/putuo/scene.json was not found\n", kName);
        return 1;
    }
    SceneSpec scene;
    try {
        scene = loadScene(scenePath);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: error: %s\n", kName, e.what());
        return 1;
    }
    if (!havePeriod) {
        if (!scene.indicators.periodFrom || !scene.indicators.periodTo) {
            std::fprintf(stderr, "%s: --month is required (the scene has no indicators.period)\n", kName);
            return 2;
        }
        period = {*scene.indicators.periodFrom, *scene.indicators.periodTo};
    }
    if (atText.empty()) at = period.to;
    if (recordsPath.empty()) recordsPath = scene.recordsPath;
    if (recordsPath.empty()) {
        std::fprintf(stderr, "%s: error: --records is required (the scene names no \"records\")\n", kName);
        return 1;
    }
    std::error_code ec;
    if (!fs::exists(recordsPath, ec)) {
        std::fprintf(stderr, "%s: error: records '%s' not found (a folder of CSVs, a .gpkg or a .xlsx)\n", kName,
                     recordsPath.c_str());
        return 1;
    }
    std::string squadsPath =
        scene.squadsPath.empty() ? findSampleData("squads.csv", SANDTABLE_SOURCE_DIR) : scene.squadsPath;

    try {
        report::ReportData d;
        d.lang = language;
        d.squads = SquadCatalogue::load(squadsPath);
        d.weights = scene.indicators.weights;
        d.version = SANDTABLE_VERSION;
        d.generatedAt = wallClockMs();
        d.sceneTitle = language == Language::English && !scene.titleEn.empty() ? scene.titleEn : scene.titleZh;
        const int steps = 2 + static_cast<int>(d.squads.size()) + report::reportPageCount(d);
        Progress progress(steps);

        // Records: a folder missing some tables is read with those tables empty (the
        // report names them); a .gpkg or .xlsx is read as it is.
        progress.step(tr("brief.input.records", language) + std::string(" ") + recordsPath);
        d.inputs.push_back(inputFile("brief.input.scene", scene.file));
        d.inputs.push_back(inputFile("brief.input.squads", squadsPath));
        if (!scene.jurisdictionsPath.empty())
            d.inputs.push_back(inputFile("brief.input.jurisdictions", scene.jurisdictionsPath));
        std::string readFrom = recordsPath;
        fs::path patched;
        if (fs::is_directory(recordsPath)) {
            for (const TableHeader& h : kHeaders) {
                const fs::path file = fs::path(recordsPath) / (std::string(tableName(h.table)) + ".csv");
                d.inputs.push_back(inputFile("brief.input.records", file.string()));
                if (!fs::is_regular_file(file)) d.missingTables.push_back(tableName(h.table));
            }
            if (d.missingTables.size() == std::size(kHeaders)) {
                std::fprintf(stderr, "%s: error: '%s' holds none of the seven records tables (complaints.csv, ...)\n",
                             kName, recordsPath.c_str());
                return 1;
            }
            if (!d.missingTables.empty()) {
                patched = fs::temp_directory_path() / ("sandtable-brief-" + std::to_string(getpid()));
                fs::create_directories(patched);
                for (const TableHeader& h : kHeaders) {
                    const std::string name = std::string(tableName(h.table)) + ".csv";
                    const fs::path src = fs::absolute(fs::path(recordsPath) / name);
                    if (fs::is_regular_file(src)) {
                        fs::create_symlink(src, patched / name);
                    } else {
                        std::FILE* f = std::fopen((patched / name).c_str(), "w");
                        if (!f) throw std::runtime_error("cannot write " + (patched / name).string());
                        std::fprintf(f, "%s\n", h.header);
                        std::fclose(f);
                    }
                }
                readFrom = patched.string();
                std::string names;
                for (const auto& m : d.missingTables) names += (names.empty() ? "" : ", ") + m + ".csv";
                progress.note("warning: " + recordsPath + " lacks " + names +
                              ": the indicators that need them show no data (the report says so)");
            }
        } else {
            d.inputs.push_back(inputFile("brief.input.records", recordsPath));
        }
        Records records = readRecords(readFrom, d.squads);
        if (!patched.empty()) fs::remove_all(patched, ec);
        d.badRows = records.badRows.size();
        d.duplicateCheckins = records.duplicateCheckins;
        for (size_t i = 0; i < records.badRows.size() && i < 6; ++i) {
            const BadRow& b = records.badRows[i];  // FILE:LINE: reason, the file without its folder
            d.badRowSamples.push_back(fs::path(b.file).filename().string() + ":" + std::to_string(b.line) + ": " +
                                      b.reason);
        }
        if (d.badRows)
            progress.note(std::to_string(d.badRows) +
                          " bad record rows left out (listed by sandtable-kpi; counted in the appendix)");
        const Evaluator ev(std::move(records), d.squads, d.weights);
        d.result = ev.compute(period, at);
        d.trends = ev.trends(period, at, scene.indicators.trendPeriods > 0 ? scene.indicators.trendPeriods : 6);

        // Patrol coverage of the month from the history.
        progress.step(tr("brief.input.history", language) + std::string(" ") +
                      (historyPath.empty() ? std::string("-") : historyPath));
        if (!historyPath.empty()) {
            d.historyGiven = true;
            if (!historyPath.starts_with("PG:")) d.inputs.push_back(inputFile("brief.input.history", historyPath));
            if (!historyPath.starts_with("PG:") && !fs::exists(historyPath)) {
                std::fprintf(stderr, "%s: error: --history '%s' not found\n", kName, historyPath.c_str());
                return 1;
            }
            HistoryOptions ho;
            ho.target = historyPath;
            ho.readOnly = true;
            ho.retentionDays = 0;
            ho.squads = d.squads.ids();
            HistoryStore store(ho);
            TrackStore tracks(d.squads.ids());
            const HistoryLoad load = store.load(period.from, period.to, tracks);
            if (!load.error.empty()) throw std::runtime_error("--history " + historyPath + ": " + load.error);
            const auto view = tracks.view();
            CoverageOptions co;
            co.metricCrs = scene.displayCrs;
            d.coverageCellM = co.cellM;
            if (!scene.jurisdictionsPath.empty() && load.stored > 0)
                d.coverage =
                    coverageBySquad(*view, loadJurisdictions(scene.jurisdictionsPath), period.from, period.to, co);
            d.historyNote = tr("brief.map.history_empty", language);
            progress.note("history: " + std::to_string(load.stored) + " fixes in the month");
        }

        // The squads' maps (GL, headless).
        std::vector<std::string> warnings;
        brief::MapRequest req{&scene, &d.result, &ev.records(), language, dpi};
        d.maps = brief::renderSquadMaps(
            req, d.squads,
            [&](size_t, const std::string& name) {
                progress.step(std::string(tr("brief.step.map", language)) + " " + name);
            },
            warnings);
        for (const auto& w : warnings) progress.note("warning: " + w);

        report::writeReportPdf(d, out, [&](int, int, const std::string& what) { progress.step(what); });
        std::printf("%s: wrote %s (%d pages, %s)\n", kName, out.c_str(), report::reportPageCount(d),
                    report::monthText(period.from, language).c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: error: %s\n", kName, e.what());
        return 1;
    }
    return 0;
}
