// sandtable-kpi: the squads' indicators from the raw records (docs/kpi.md).
//
//   sandtable-kpi --records DIR --from ISO --to ISO [--at ISO] [--json] [--csv FILE] [--xlsx FILE]
//
// Exit status: 0 ok, 1 an error (named: missing folder or file, unreadable table), 2 bad
// arguments (unparsable time, --from not before --to, unknown option).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "engine/data/scene.hpp"
#include "engine/feed/protocol.hpp"
#include "engine/indicators/indicators.hpp"
#include "engine/indicators/json.hpp"
#include "engine/indicators/table_export.hpp"
#include "engine/util/civil_time.hpp"
#include "engine/util/clock.hpp"
#include "engine/util/sample_data.hpp"

using namespace sandtable;
using namespace sandtable::indicators;
namespace fs = std::filesystem;

namespace {

struct ArgError {
    std::string msg;
};

// ISO 8601 with an offset, or a plain date YYYY-MM-DD meaning local midnight (UTC+8).
TimeMs parseTime(const std::string& flag, const std::string& v) {
    if (v == "now") return wallClockMs();
    TimeMs t = 0;
    if (parseIsoTime(v, t)) return t;
    int y = 0, m = 0, d = 0;
    char tail = 0;
    if (v.size() == 10 && std::sscanf(v.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 &&
        d >= 1 && d <= 31) {
        TimeMs check = 0;
        if (parseIsoTime(v + "T00:00:00+08:00", check)) return check;
    }
    throw ArgError{flag + ": '" + v +
                   "' is not a time (expected ISO 8601 with an offset, like 2024-10-01T00:00:00+08:00, or a date "
                   "like 2024-10-01 for local midnight, or now)"};
}

std::string defaultData(const std::string& name) { return findSampleData(name, SANDTABLE_SOURCE_DIR); }

void reportBadRows(const Records& r, bool quiet) {
    if (r.badRows.empty() && r.duplicateCheckins == 0) return;
    if (!r.badRows.empty())
        std::fprintf(stderr, "sandtable-kpi: %zu bad row%s left out (the other rows count):\n", r.badRows.size(),
                     r.badRows.size() == 1 ? "" : "s");
    const size_t shown = quiet ? 0 : std::min<size_t>(r.badRows.size(), 50);
    for (size_t i = 0; i < shown; ++i) std::fprintf(stderr, "  %s\n", r.badRows[i].text().c_str());
    if (!quiet && shown < r.badRows.size()) std::fprintf(stderr, "  ... and %zu more\n", r.badRows.size() - shown);
    if (r.duplicateCheckins)
        std::fprintf(stderr, "sandtable-kpi: %zu repeated check-in rows (same checkpoint, officer, at) counted once\n",
                     r.duplicateCheckins);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "sandtable-kpi: the squads' indicators (四率, check-ins, inspections, cases, training, performance index, "
        "rank) computed from the raw records, as docs/domain.md defines them (docs/kpi.md).\n"
        "JSON goes to stdout; --csv and --xlsx write files. Exit status: 0 ok, 1 error, 2 bad arguments.",
        "sandtable-kpi"};  // a fixed name: --help must not depend on where the binary is
    std::string recordsPath, squadsPath, scenePath, fromText, toText, atText, csvPath, xlsxPath;
    bool json = false, quiet = false, withAlerts = false;
    int trends = 0;
    app.add_option("--records", recordsPath, "records: a folder of CSVs, a .gpkg or a .xlsx (default: the scene's)");
    app.add_option("--squads", squadsPath, "squad catalogue CSV (default: the scene's, else data/putuo/squads.csv)");
    app.add_option("--scene", scenePath, "scene file: index weights, squads, records and the default period");
    app.add_option("--from", fromText, "period start, included (ISO 8601 with offset, or YYYY-MM-DD local)");
    app.add_option("--to", toText, "period end, excluded");
    app.add_option("--at", atText, "time of evaluation (default: --to)");
    app.add_flag("--json", json, "JSON to stdout (the default when no --csv/--xlsx is given)");
    app.add_option("--csv", csvPath, "write the table as CSV (UTF-8, JSON keys as headers)");
    app.add_option("--xlsx", xlsxPath, "write an Excel workbook (Chinese headers, counts, period, trends)");
    app.add_option("--trends", trends, "also the N periods of the same length ending with this one")
        ->check(CLI::Range(1, 36));
    app.add_flag("--alerts", withAlerts, "JSON: add the alert list and each checkpoint's window at --at");
    app.add_flag("--quiet", quiet, "bad rows: print the count only");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "sandtable-kpi: %s (see --help)\n", e.what());
        return 2;
    }

    IndexWeights weights;
    Period period;
    TimeMs at = 0;
    SceneSpec scene;
    try {
        if (!scenePath.empty()) {
            try {
                scene = loadScene(scenePath);
            } catch (const SceneError& e) {
                std::fprintf(stderr, "sandtable-kpi: error: %s\n", e.what());
                return 1;
            }
            weights = scene.indicators.weights;
            if (recordsPath.empty()) recordsPath = scene.recordsPath;
            if (squadsPath.empty()) squadsPath = scene.squadsPath;
            if (fromText.empty() && scene.indicators.periodFrom) period.from = *scene.indicators.periodFrom;
            if (toText.empty() && scene.indicators.periodTo) period.to = *scene.indicators.periodTo;
        }
        if (recordsPath.empty()) throw ArgError{"--records is required (or a --scene that names \"records\")"};
        if (!fromText.empty()) period.from = parseTime("--from", fromText);
        if (!toText.empty()) period.to = parseTime("--to", toText);
        const bool haveFrom = !fromText.empty() || (!scenePath.empty() && scene.indicators.periodFrom);
        const bool haveTo = !toText.empty() || (!scenePath.empty() && scene.indicators.periodTo);
        if (!haveFrom || !haveTo) throw ArgError{"--from and --to are required (or a --scene with indicators.period)"};
        if (period.from > period.to)
            throw ArgError{"--from (" + formatIsoTime(period.from) + ") is after --to (" + formatIsoTime(period.to) +
                           ")"};
        if (period.from == period.to) throw ArgError{"--from equals --to: the period [from, to) is empty"};
        at = atText.empty() ? period.to : parseTime("--at", atText);
    } catch (const ArgError& e) {
        std::fprintf(stderr, "sandtable-kpi: %s\n", e.msg.c_str());
        return 2;
    }
    if (squadsPath.empty()) squadsPath = defaultData("squads.csv");
    if (squadsPath.empty()) {
        std::fprintf(stderr, "sandtable-kpi: error: no squad catalogue found; pass --squads FILE\n");
        return 1;
    }

    try {
        const SquadCatalogue squads = SquadCatalogue::load(squadsPath);
        Records records = readRecords(recordsPath, squads);
        reportBadRows(records, quiet);
        const Evaluator ev(std::move(records), squads, weights);
        const Result result = ev.compute(period, at);
        const std::vector<Result> trend = trends > 0 ? ev.trends(period, at, trends) : std::vector<Result>{};
        if (json || (csvPath.empty() && xlsxPath.empty())) {
            nlohmann::ordered_json j = toJson(result, squads);
            if (!trend.empty()) {
                nlohmann::ordered_json list = nlohmann::ordered_json::array();
                for (const Result& t : trend) list.push_back(toJson(t, squads));
                j["trends"] = std::move(list);
            }
            if (withAlerts) {
                j["alerts"] = toJson(ev.alerts(period, at), squads);
                j["checkpoints"] = toJson(ev.checkpointStatus(at), squads);
            }
            std::cout << j.dump(2) << "\n";
        }
        if (!csvPath.empty()) writeCsv(csvPath, result, squads);
        if (!xlsxPath.empty()) writeXlsx(xlsxPath, result, squads, trend);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable-kpi: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
