#pragma once
// The indicators as tables for the bureau's staff, who live in spreadsheets: a CSV
// (through OGR's CSV driver, UTF-8 with a byte-order mark so that Excel shows 中文) with
// the JSON keys as headers, and an Excel workbook (Debian's libxlsxwriter) with Chinese
// headers, rates as percentages, and sheets for the counts behind every rate, the
// period and, when given, the trends. A rate with no data is an empty cell.
#include <string>
#include <vector>

#include "engine/indicators/indicators.hpp"

namespace sandtable::indicators {

// One row per squad (catalogue order), then the district. Throws std::runtime_error
// naming the file when it cannot be written.
void writeCsv(const std::string& path, const Result& result, const SquadCatalogue& squads);
void writeXlsx(const std::string& path, const Result& result, const SquadCatalogue& squads,
               const std::vector<Result>& trends = {});

// The sheet and header names of the workbook (tests read it back through OGR).
constexpr const char* kXlsxMainSheet = "绩效指标";
constexpr const char* kXlsxCountsSheet = "分子分母";
constexpr const char* kXlsxPeriodSheet = "说明";
constexpr const char* kXlsxTrendsSheet = "趋势";
struct TableColumn {
    const char* key;  // JSON key (CSV header)
    const char* zh;   // workbook header
};
const std::vector<TableColumn>& indicatorColumns();  // figures in contract order, "squad" excluded

}  // namespace sandtable::indicators
