#include "engine/data/record_table.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "engine/feed/protocol.hpp"
#include "engine/util/civil_time.hpp"

namespace sandtable {

namespace {

void registerGdal() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(const char* s) {
    std::string_view v(s);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == '\r' || v.front() == '\n'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n'))
        v.remove_suffix(1);
    return std::string(v);
}

// Through GDAL's virtual file layer, so /vsimem/ (the fuzzer) and the other GDAL file
// systems work as well as plain files.
bool isRegularFile(const std::string& path) {
    VSIStatBufL st;
    return VSIStatExL(path.c_str(), &st, VSI_STAT_EXISTS_FLAG | VSI_STAT_NATURE_FLAG) == 0 && VSI_ISREG(st.st_mode);
}

GDALDataset* openQuiet(const std::string& path, const char* driver, const std::vector<const char*>& options,
                       std::string& why) {
    const char* drivers[] = {driver, nullptr};
    std::vector<const char*> opts = options;
    opts.push_back(nullptr);
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);  // the reason goes into the exception instead
    auto* ds = static_cast<GDALDataset*>(
        GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, opts.data(), nullptr));
    CPLPopErrorHandler();
    why = CPLGetLastErrorMsg();
    return ds;
}

}  // namespace

void RecordTable::DatasetCloser::operator()(GDALDataset* d) const { GDALClose(d); }
void RecordTable::FeatureDeleter::operator()(OGRFeature* f) const { OGRFeature::DestroyFeature(f); }

RecordTable::RecordTable(RecordTable&&) noexcept = default;
RecordTable& RecordTable::operator=(RecordTable&&) noexcept = default;
RecordTable::~RecordTable() = default;

RecordTable RecordTable::openCsv(const std::string& path) {
    registerGdal();
    if (!isRegularFile(path)) throw TableError(path + ": no such file");
    RecordTable t;
    t.format_ = TableFormat::Csv;
    t.name_ = path;
    std::string why;
    // Every cell stays text (no type guessing: "007" is an id, not 7); empty cells are null.
    t.ds_.reset(openQuiet(path, "CSV", {"AUTODETECT_TYPE=NO", "HEADERS=YES", "EMPTY_STRING_AS_NULL=YES"}, why));
    if (!t.ds_) throw TableError(path + ": cannot read as CSV" + (why.empty() ? "" : " (" + why + ")"));
    t.layer_ = t.ds_->GetLayer(0);
    if (!t.layer_) throw TableError(path + ": no table in the file");
    t.init();
    return t;
}

RecordTable RecordTable::openLayer(const std::string& path, const std::string& table) {
    registerGdal();
    if (!isRegularFile(path)) throw TableError(path + ": no such file");
    const std::string ext = lower(std::filesystem::path(path).extension().string());
    RecordTable t;
    std::string why;
    // Workbooks: the first row is always the header (OGR would guess, and guesses wrong
    // for a sheet of text only); column types as the cells say (a date cell is a date,
    // text stays text). GDAL 3.6 takes these as configuration options, read when a sheet
    // is parsed: they are set (for this thread) from the open until GetLayerDefn below
    // has parsed the sheet.
    const bool xlsx = ext == ".xlsx";
    CPLConfigOptionSetter headers("OGR_XLSX_HEADERS", xlsx ? "FORCE" : nullptr, false);
    CPLConfigOptionSetter types("OGR_XLSX_FIELD_TYPES", xlsx ? "AUTO" : nullptr, false);
    if (ext == ".gpkg") {
        t.format_ = TableFormat::GeoPackage;
        t.ds_.reset(openQuiet(path, "GPKG", {}, why));
    } else if (ext == ".xlsx") {
        t.format_ = TableFormat::Xlsx;
        t.ds_.reset(openQuiet(path, "XLSX", {}, why));
    } else {
        throw TableError(path + ": unknown records format '" + ext + "' (expected a folder of .csv, .gpkg or .xlsx)");
    }
    if (!t.ds_) throw TableError(path + ": cannot read" + (why.empty() ? "" : " (" + why + ")"));
    t.name_ = path + ":" + table;
    t.layer_ = t.ds_->GetLayerByName(table.c_str());
    if (t.layer_ && xlsx) t.xlsxEmptyTable();
    if (!t.layer_)
        throw TableError(path + ": no " + (t.format_ == TableFormat::Xlsx ? "sheet" : "table") + " named '" + table +
                         "'");
    t.init();
    return t;
}

// A sheet holding only its header row (a table with no rows yet) reaches OGR as one row
// of text under made-up names Field1..N, and a sheet with no cells at all as no columns:
// both are an empty table, the first with the header's columns.
void RecordTable::xlsxEmptyTable() {
    const OGRFeatureDefn* d = layer_->GetLayerDefn();
    if (d->GetFieldCount() == 0) {
        noRows_ = true;
        return;
    }
    for (int i = 0; i < d->GetFieldCount(); ++i)
        if (std::string(d->GetFieldDefn(i)->GetNameRef()) != "Field" + std::to_string(i + 1)) return;
    if (layer_->GetFeatureCount() != 1) return;
    layer_->ResetReading();
    std::unique_ptr<OGRFeature, FeatureDeleter> f(layer_->GetNextFeature());
    if (!f) return;
    std::vector<std::string> names;
    for (int i = 0; i < d->GetFieldCount(); ++i) names.push_back(trim(f->GetFieldAsString(i)));
    headerOnly_ = std::move(names);
    noRows_ = true;
}

void RecordTable::init() {
    layer_->ResetReading();
    line_ = 0;
    extraLines_ = 0;
}

std::vector<std::string> RecordTable::columns() const {
    if (noRows_) return headerOnly_;
    std::vector<std::string> out;
    const OGRFeatureDefn* d = layer_->GetLayerDefn();
    for (int i = 0; i < d->GetFieldCount(); ++i) out.emplace_back(d->GetFieldDefn(i)->GetNameRef());
    return out;
}

int RecordTable::column(const std::string& n) const {
    if (noRows_) {
        for (size_t i = 0; i < headerOnly_.size(); ++i)
            if (lower(headerOnly_[i]) == lower(n)) return static_cast<int>(i);
        return -1;
    }
    return layer_->GetLayerDefn()->GetFieldIndex(n.c_str());
}

int RecordTable::requireColumn(const std::string& n) const {
    const int i = column(n);
    if (i >= 0) return i;
    if (noRows_ && headerOnly_.empty()) return -1;  // an empty sheet: no rows to read anyway
    std::string cols;
    for (const auto& c : columns()) cols += (cols.empty() ? "" : ", ") + c;
    throw TableError(name_ + ": no column '" + n + "' (columns: " + (cols.empty() ? "none" : cols) + ")");
}

bool RecordTable::next() {
    if (noRows_) return false;
    // A row with no value at all (an empty spreadsheet row) is no record: skipped, as
    // OGR skips blank lines of a CSV.
    for (feature_.reset(layer_->GetNextFeature()); feature_; feature_.reset(layer_->GetNextFeature())) {
        bool any = false;
        for (int i = 0; i < feature_->GetFieldCount() && !any; ++i)
            any = feature_->IsFieldSetAndNotNull(i) && !trim(feature_->GetFieldAsString(i)).empty();
        if (any) break;
    }
    if (!feature_) return false;
    switch (format_) {
    case TableFormat::Csv: {
        // OGR numbers CSV features 1, 2, ... in order; the header is line 1. A quoted
        // cell with line breaks moves the rows after it down (blank lines, which OGR
        // skips, cannot be seen and are documented as not counted).
        line_ = feature_->GetFID() + 1 + extraLines_;
        int64_t breaks = 0;
        for (int i = 0; i < feature_->GetFieldCount(); ++i)
            if (feature_->IsFieldSetAndNotNull(i)) {
                const std::string_view v = feature_->GetFieldAsString(i);
                breaks += std::count(v.begin(), v.end(), '\n');
            }
        extraLines_ += breaks;
        break;
    }
    case TableFormat::Xlsx:
        line_ = feature_->GetFID();  // with the header forced, OGR's fid is the sheet's row number
        break;
    case TableFormat::GeoPackage:
        line_ = feature_->GetFID();
        break;
    }
    return true;
}

std::optional<std::string> RecordTable::text(int col) const {
    if (col < 0 || !feature_ || !feature_->IsFieldSetAndNotNull(col)) return std::nullopt;
    std::string s = trim(feature_->GetFieldAsString(col));
    if (s.empty()) return std::nullopt;
    return s;
}

RecordTable::CellTime RecordTable::time(int col, TimeMs& out) const {
    if (col < 0 || !feature_ || !feature_->IsFieldSetAndNotNull(col)) return CellTime::Empty;
    const OGRFieldType t = feature_->GetFieldDefnRef(col)->GetType();
    if (t == OFTDateTime || t == OFTDate) {
        int y = 0, mo = 0, d = 0, h = 0, mi = 0, tz = 0;
        float s = 0;
        if (!feature_->GetFieldAsDateTime(col, &y, &mo, &d, &h, &mi, &s, &tz)) return CellTime::Bad;
        int64_t ms = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400000LL +
                     (h * 3600LL + mi * 60LL) * 1000LL + static_cast<int64_t>(std::lround(s * 1000.0f));
        // OGR's TZ flag: 100 = UTC, 100 + n = UTC + n x 15 min; 0 (unknown) and 1 (local
        // time) are a spreadsheet's plain dates: the bureau's local time, UTC+8.
        const int offsetQuarters = tz >= 2 ? tz - 100 : 8 * 4;
        ms -= static_cast<int64_t>(offsetQuarters) * 15 * 60000LL;
        out = ms;
        return CellTime::Ok;
    }
    const auto v = text(col);
    if (!v) return CellTime::Empty;
    if (parseIsoTime(*v, out)) return CellTime::Ok;
    if (format_ == TableFormat::Xlsx) {
        // A date cell in a column that also holds text reaches us as OGR's text form of
        // it, "YYYY/MM/DD HH:MM:SS" (or just the date): a spreadsheet date, local time.
        int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
        char tail = 0;
        const int n = std::sscanf(v->c_str(), "%4d/%2d/%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &tail);
        if (n == 3 || n == 5 || n == 6) {
            char iso[40];
            std::snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, mo, d, h, mi, sec);
            if (parseIsoTime(iso, out)) return CellTime::Ok;
        }
    }
    return CellTime::Bad;
}

RecordTable::CellBool RecordTable::boolean(int col) const {
    if (col < 0 || !feature_ || !feature_->IsFieldSetAndNotNull(col)) return CellBool::Empty;
    const OGRFieldDefn* d = feature_->GetFieldDefnRef(col);
    if (d->GetType() == OFTInteger && d->GetSubType() == OFSTBoolean)
        return feature_->GetFieldAsInteger(col) != 0 ? CellBool::True : CellBool::False;
    const auto v = text(col);
    if (!v) return CellBool::Empty;
    const std::string l = lower(*v);
    if (l == "true") return CellBool::True;
    if (l == "false") return CellBool::False;
    return CellBool::Bad;
}

RecordTable::CellNumber RecordTable::number(int col, double& out) const {
    if (col < 0 || !feature_ || !feature_->IsFieldSetAndNotNull(col)) return CellNumber::Empty;
    const OGRFieldType t = feature_->GetFieldDefnRef(col)->GetType();
    if (t == OFTInteger || t == OFTInteger64 || t == OFTReal) {
        out = feature_->GetFieldAsDouble(col);
        return std::isfinite(out) ? CellNumber::Ok : CellNumber::Bad;
    }
    const auto v = text(col);
    if (!v) return CellNumber::Empty;
    char* end = nullptr;
    out = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0' || !std::isfinite(out)) return CellNumber::Bad;
    return CellNumber::Ok;
}

}  // namespace sandtable
