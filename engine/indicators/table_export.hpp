#pragma once
// The indicators as tables for the bureau's staff, who live in spreadsheets: a CSV
// (through OGR's CSV driver, UTF-8 with a byte-order mark so that Excel shows 中文) with
// the JSON keys as headers, and an Excel workbook (Debian's libxlsxwriter) with Chinese
// headers, rates as percentages, and sheets for the counts behind every rate, the
// period and, when given, the trends. A rate with no data is an empty cell.
#include <string>
#include <vector>

#include "engine/indicators/indicators.hpp"
#include "engine/util/i18n.hpp"

namespace sandtable::indicators {

// One row per squad (catalogue order), then the district. Throws std::runtime_error
// naming the file when it cannot be written.
void writeCsv(const std::string& path, const Result& result, const SquadCatalogue& squads);
void writeXlsx(const std::string& path, const Result& result, const SquadCatalogue& squads,
               const std::vector<Result>& trends = {});

// The sheet and header names of the workbook (tests read it back through OGR).
inline const char* xlsxMainSheet() { return tr("kpi.sheet.main", Language::Chinese); }
inline const char* xlsxCountsSheet() { return tr("kpi.sheet.counts", Language::Chinese); }
inline const char* xlsxNotesSheet() { return tr("kpi.sheet.notes", Language::Chinese); }
inline const char* xlsxTrendsSheet() { return tr("kpi.sheet.trends", Language::Chinese); }
struct TableColumn {
    const char* key;  // JSON key (CSV header)
    const char* zh;   // workbook header: its key in the string table (engine/util/i18n.cpp)
};
const std::vector<TableColumn>& indicatorColumns();  // figures in contract order, "squad" excluded

}  // namespace sandtable::indicators
