#pragma once
// One table of records read through OGR: a CSV file (OGR's CSV driver, every cell kept as
// text), or one layer of a GeoPackage / Excel workbook (one sheet per table). Used by the
// squad catalogue and the indicators' records reader, so that every table names its rows
// the same way in error messages:
//   CSV:   "DIR/complaints.csv:5"       line in the file, the header being line 1
//   XLSX:  "book.xlsx:complaints:5"     row of the sheet as the spreadsheet shows it
//   GPKG:  "records.gpkg:complaints:5"  the row's fid (the data row number when written in order)
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/util/clock.hpp"

class GDALDataset;
class OGRLayer;
class OGRFeature;

namespace sandtable {

// A table that cannot be read at all (missing file or sheet, missing column).
struct TableError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class TableFormat { Csv, GeoPackage, Xlsx };

class RecordTable {
public:
    // A CSV file. Throws TableError naming the file when it does not exist or OGR cannot read it.
    static RecordTable openCsv(const std::string& path);
    // Layer `table` of a GeoPackage or workbook (format from the extension: .gpkg, .xlsx).
    // Throws TableError naming the file and the table.
    static RecordTable openLayer(const std::string& path, const std::string& table);

    RecordTable(RecordTable&&) noexcept;
    RecordTable& operator=(RecordTable&&) noexcept;
    ~RecordTable();

    TableFormat format() const { return format_; }
    // "DIR/complaints.csv" or "records.gpkg:complaints": the file part of every message.
    const std::string& name() const { return name_; }
    // "DIR/complaints.csv:5" for row `line` (see the header comment for the numbering).
    std::string where(int64_t line) const { return name_ + ":" + std::to_string(line); }
    std::vector<std::string> columns() const;
    int column(const std::string& name) const;  // -1 when absent (case-insensitive)
    // Throws TableError("FILE: no column 'x' (columns: a, b)").
    int requireColumn(const std::string& name) const;

    // Advances to the next row; false at the end.
    bool next();
    int64_t line() const { return line_; }

    // Cell values of the current row. "No value": a null, an empty or an all-blank cell.
    // Text is trimmed of surrounding spaces. Typed cells (GeoPackage, spreadsheets) are
    // given as their text, except where noted.
    std::optional<std::string> text(int col) const;
    enum class CellTime { Ok, Empty, Bad };
    // ISO 8601 with an offset (engine/feed/protocol.hpp parseIsoTime), or a typed date-time
    // cell: with a time zone as stated, without one (a spreadsheet date) as Shanghai local
    // time, UTC+8; in a workbook also OGR's text form of a date cell, "YYYY/MM/DD HH:MM:SS"
    // (local time).
    CellTime time(int col, TimeMs& out) const;
    // A boolean cell: true/false (any case) or a typed boolean.
    enum class CellBool { True, False, Empty, Bad };
    CellBool boolean(int col) const;
    // A number: a typed numeric cell, or text that parses completely as one.
    enum class CellNumber { Ok, Empty, Bad };
    CellNumber number(int col, double& out) const;

private:
    RecordTable() = default;
    void init();
    void xlsxEmptyTable();

    struct DatasetCloser {
        void operator()(GDALDataset* d) const;
    };
    struct FeatureDeleter {
        void operator()(OGRFeature* f) const;
    };
    std::unique_ptr<GDALDataset, DatasetCloser> ds_;
    OGRLayer* layer_ = nullptr;
    std::unique_ptr<OGRFeature, FeatureDeleter> feature_;
    TableFormat format_ = TableFormat::Csv;
    std::string name_;
    int64_t line_ = 0;
    int64_t extraLines_ = 0;               // CSV: line breaks inside quoted cells of earlier rows
    bool noRows_ = false;                  // XLSX: a sheet without data rows
    std::vector<std::string> headerOnly_;  // XLSX: its header, when it has one
};

}  // namespace sandtable
