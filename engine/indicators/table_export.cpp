#include "engine/indicators/table_export.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <xlsxwriter.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>

#include "engine/feed/protocol.hpp"
#include "engine/util/i18n.hpp"

namespace sandtable::indicators {

namespace {

enum class Kind { Rate, Score, Count, Index };
struct Col {
    TableColumn name;
    Kind kind;
    std::function<std::optional<double>(const Figures&)> get;
    const Ratio* (*ratio)(const Figures&) = nullptr;  // rates and case quality
};

std::optional<double> num(int64_t v) { return static_cast<double>(v); }

const std::vector<Col>& cols() {
    static const std::vector<Col> c = {
        {{"first_contact_rate", "kpi.first_contact_rate"},
         Kind::Rate,
         [](const Figures& f) { return f.firstContact.value(); },
         [](const Figures& f) { return &f.firstContact; }},
        {{"on_time_rate", "kpi.on_time_rate"},
         Kind::Rate,
         [](const Figures& f) { return f.onTime.value(); },
         [](const Figures& f) { return &f.onTime; }},
        {{"resolution_rate", "kpi.resolution_rate"},
         Kind::Rate,
         [](const Figures& f) { return f.resolution.value(); },
         [](const Figures& f) { return &f.resolution; }},
        {{"satisfaction_rate", "kpi.satisfaction_rate"},
         Kind::Rate,
         [](const Figures& f) { return f.satisfaction.value(); },
         [](const Figures& f) { return &f.satisfaction; }},
        {{"checkin_rate", "kpi.checkin_rate"},
         Kind::Rate,
         [](const Figures& f) { return f.checkin.value(); },
         [](const Figures& f) { return &f.checkin; }},
        {{"inspection_rate", "kpi.inspection_rate"},
         Kind::Rate,
         [](const Figures& f) { return f.inspection.value(); },
         [](const Figures& f) { return &f.inspection; }},
        {{"case_quality", "kpi.case_quality"},
         Kind::Score,
         [](const Figures& f) { return f.caseQuality.value(); },
         [](const Figures& f) { return &f.caseQuality; }},
        {{"cases_opened", "kpi.cases_opened"}, Kind::Count, [](const Figures& f) { return num(f.casesOpened); }},
        {{"non_site_cases", "kpi.non_site_cases"}, Kind::Count, [](const Figures& f) { return num(f.nonSiteCases); }},
        {{"cases_excellent", "kpi.cases_excellent"},
         Kind::Count,
         [](const Figures& f) { return num(f.casesExcellent); }},
        {{"cases_good", "kpi.cases_good"}, Kind::Count, [](const Figures& f) { return num(f.casesGood); }},
        {{"cases_failing", "kpi.cases_failing"}, Kind::Count, [](const Figures& f) { return num(f.casesFailing); }},
        {{"missed_checkins", "kpi.missed_checkins"},
         Kind::Count,
         [](const Figures& f) { return num(f.missedCheckins); }},
        {{"overdue_inspections", "kpi.overdue_inspections"},
         Kind::Count,
         [](const Figures& f) { return num(f.overdueInspections); }},
        {{"training_attendance", "kpi.training_attendance"},
         Kind::Count,
         [](const Figures& f) { return num(f.trainingAttendance); }},
        {{"index", "kpi.index"}, Kind::Index, [](const Figures& f) { return f.index; }},
    };
    return c;
}

struct OgrCsv {
    GDALDatasetUniquePtr ds;
    OGRLayer* layer = nullptr;
};

}  // namespace

const std::vector<TableColumn>& indicatorColumns() {
    static const std::vector<TableColumn> out = [] {
        std::vector<TableColumn> v;
        for (const Col& c : cols()) v.push_back(c.name);
        return v;
    }();
    return out;
}

void writeCsv(const std::string& path, const Result& r, const SquadCatalogue& squads) {
    GDALAllRegister();
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("CSV");
    if (!drv) throw std::runtime_error(path + ": GDAL has no CSV driver");
    std::error_code ec;
    std::filesystem::remove(path, ec);  // the CSV driver refuses to overwrite
    GDALDatasetUniquePtr ds(drv->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error(path + ": cannot create (" + CPLGetLastErrorMsg() + ")");
    char** lopts = CSLSetNameValue(nullptr, "WRITE_BOM", "YES");
    lopts = CSLSetNameValue(lopts, "LINEFORMAT", "LF");
    OGRLayer* layer = ds->CreateLayer(std::filesystem::path(path).stem().string().c_str(), nullptr, wkbNone, lopts);
    CSLDestroy(lopts);
    if (!layer) throw std::runtime_error(path + ": cannot create the table");
    auto field = [&](const std::string& name, OGRFieldType t) {
        OGRFieldDefn fd(name.c_str(), t);
        if (layer->CreateField(&fd) != OGRERR_NONE) throw std::runtime_error(path + ": cannot add column " + name);
    };
    field("squad", OFTString);
    field("squad_zh", OFTString);
    field("squad_en", OFTString);
    field("code", OFTString);
    for (const Col& c : cols()) field(c.name.key, c.kind == Kind::Count ? OFTInteger64 : OFTReal);
    field("rank", OFTInteger);
    field("lagging", OFTString);
    for (const Col& c : cols())
        if (c.ratio) {
            field(std::string(c.name.key) + "_num", OFTReal);
            field(std::string(c.name.key) + "_den", OFTReal);
        }
    field("period_from", OFTString);
    field("period_to", OFTString);
    field("at", OFTString);

    auto row = [&](const std::string& id, const I18nText& name, const std::string& code, const Figures& f,
                   const SquadFigures* s) {
        OGRFeature feat(layer->GetLayerDefn());
        feat.SetField("squad", id.c_str());
        feat.SetField("squad_zh", name.zh.c_str());
        feat.SetField("squad_en", name.en.c_str());
        feat.SetField("code", code.c_str());
        for (const Col& c : cols()) {
            const auto v = c.get(f);
            if (!v) continue;  // no data: an empty cell
            if (c.kind == Kind::Count)
                feat.SetField(c.name.key, static_cast<GIntBig>(*v));
            else
                feat.SetField(c.name.key, *v);
        }
        if (s && s->rank) feat.SetField("rank", *s->rank);
        if (s && s->lagging) feat.SetField("lagging", *s->lagging ? "true" : "false");
        for (const Col& c : cols())
            if (c.ratio) {
                feat.SetField((std::string(c.name.key) + "_num").c_str(), c.ratio(f)->num);
                feat.SetField((std::string(c.name.key) + "_den").c_str(), c.ratio(f)->den);
            }
        feat.SetField("period_from", formatIsoTime(r.period.from).c_str());
        feat.SetField("period_to", formatIsoTime(r.period.to).c_str());
        feat.SetField("at", formatIsoTime(r.at).c_str());
        if (layer->CreateFeature(&feat) != OGRERR_NONE) throw std::runtime_error(path + ": cannot write a row");
    };
    for (const SquadFigures& s : r.squads) row(squads[s.squad].id, squads[s.squad].name, squads[s.squad].code, s, &s);
    row("district", text("kpi.district"), "310107", r.district, nullptr);
    ds.reset();
}

namespace {

struct Workbook {
    lxw_workbook* wb = nullptr;
    ~Workbook() {
        if (wb) workbook_close(wb);  // only on an error path: close() below takes it
    }
};

}  // namespace

void writeXlsx(const std::string& path, const Result& r, const SquadCatalogue& squads,
               const std::vector<Result>& trends) {
    Workbook book;
    book.wb = workbook_new(path.c_str());
    if (!book.wb) throw std::runtime_error(path + ": cannot create the workbook");
    lxw_workbook* wb = book.wb;
    lxw_format* head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_text_wrap(head);
    lxw_format* pct = workbook_add_format(wb);
    format_set_num_format(pct, "0.0%");
    lxw_format* one = workbook_add_format(wb);
    format_set_num_format(one, "0.0");

    auto put = [&](lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, const Col& c, const std::optional<double>& v) {
        if (!v) return;  // no data: an empty cell, never 0 %
        worksheet_write_number(ws, row, col, *v, c.kind == Kind::Rate ? pct : c.kind == Kind::Count ? nullptr : one);
    };
    auto squadRows = [&](const Result& res, std::function<void(const std::string&, const std::string&,
                                                               const std::string&, const Figures&, const SquadFigures*)>
                                                f) {
        for (const SquadFigures& s : res.squads)
            f(squads[s.squad].id, squads[s.squad].name.zh, squads[s.squad].code, s, &s);
        f("district", tr("kpi.district", Language::Chinese), "310107", res.district, nullptr);
    };

    // Sheet 1: the indicators, one row per squad and the district.
    {
        lxw_worksheet* ws = workbook_add_worksheet(wb, xlsxMainSheet());
        lxw_col_t c = 0;
        for (const char* h : {tr("kpi.col.squad_id", Language::Chinese), tr("kpi.col.squad", Language::Chinese),
                              tr("kpi.col.code", Language::Chinese)})
            worksheet_write_string(ws, 0, c++, h, head);
        for (const Col& col : cols()) worksheet_write_string(ws, 0, c++, tr(col.name.zh, Language::Chinese), head);
        worksheet_write_string(ws, 0, c++, tr("kpi.rank", Language::Chinese), head);
        worksheet_write_string(ws, 0, c++, tr("kpi.lagging", Language::Chinese), head);
        worksheet_set_column(ws, 0, 0, 12, nullptr);
        worksheet_set_column(ws, 1, 1, 16, nullptr);
        worksheet_set_column(ws, 2, c, 12, nullptr);
        worksheet_freeze_panes(ws, 1, 2);
        lxw_row_t row = 1;
        squadRows(r, [&](const std::string& id, const std::string& zh, const std::string& code, const Figures& f,
                         const SquadFigures* s) {
            lxw_col_t k = 0;
            worksheet_write_string(ws, row, k++, id.c_str(), nullptr);
            worksheet_write_string(ws, row, k++, zh.c_str(), nullptr);
            worksheet_write_string(ws, row, k++, code.c_str(), nullptr);
            for (const Col& col : cols()) put(ws, row, k++, col, col.get(f));
            if (s && s->rank) worksheet_write_number(ws, row, k, *s->rank, nullptr);
            ++k;
            if (s && s->lagging)
                worksheet_write_string(ws, row, k,
                                       *s->lagging ? tr("kpi.yes", Language::Chinese) : tr("kpi.no", Language::Chinese),
                                       nullptr);
            ++row;
        });
    }
    // Sheet 2: numerator and denominator of every rate (where each figure comes from).
    {
        lxw_worksheet* ws = workbook_add_worksheet(wb, xlsxCountsSheet());
        lxw_col_t c = 0;
        for (const char* h : {tr("kpi.col.squad_id", Language::Chinese), tr("kpi.col.squad", Language::Chinese)})
            worksheet_write_string(ws, 0, c++, h, head);
        for (const Col& col : cols())
            if (col.ratio) {
                const std::string n = std::string(tr(col.name.zh, Language::Chinese)) +
                                      (col.kind == Kind::Score ? tr("kpi.col.score_sum", Language::Chinese)
                                                               : tr("kpi.col.numerator", Language::Chinese));
                const std::string d = std::string(tr(col.name.zh, Language::Chinese)) +
                                      (col.kind == Kind::Score ? tr("kpi.col.reviewed", Language::Chinese)
                                                               : tr("kpi.col.denominator", Language::Chinese));
                worksheet_write_string(ws, 0, c++, n.c_str(), head);
                worksheet_write_string(ws, 0, c++, d.c_str(), head);
            }
        worksheet_set_column(ws, 0, c, 14, nullptr);
        lxw_row_t row = 1;
        squadRows(r, [&](const std::string& id, const std::string& zh, const std::string&, const Figures& f,
                         const SquadFigures*) {
            lxw_col_t k = 0;
            worksheet_write_string(ws, row, k++, id.c_str(), nullptr);
            worksheet_write_string(ws, row, k++, zh.c_str(), nullptr);
            for (const Col& col : cols())
                if (col.ratio) {
                    worksheet_write_number(ws, row, k++, col.ratio(f)->num, nullptr);
                    worksheet_write_number(ws, row, k++, col.ratio(f)->den, nullptr);
                }
            ++row;
        });
    }
    // Sheet 3: the period and how to read the table.
    {
        lxw_worksheet* ws = workbook_add_worksheet(wb, xlsxNotesSheet());
        worksheet_write_string(ws, 0, 0, tr("kpi.col.item", Language::Chinese), head);
        worksheet_write_string(ws, 0, 1, tr("kpi.col.value", Language::Chinese), head);
        const std::pair<std::string, std::string> rows[] = {
            {tr("kpi.note.from", Language::Chinese), formatIsoTime(r.period.from)},
            {tr("kpi.note.to", Language::Chinese), formatIsoTime(r.period.to)},
            {tr("kpi.note.at", Language::Chinese), formatIsoTime(r.at)},
            {tr("kpi.note.blank", Language::Chinese), tr("kpi.note.blank_means", Language::Chinese)},
            {tr("kpi.note.definitions", Language::Chinese), tr("kpi.note.definitions_where", Language::Chinese)}};
        lxw_row_t row = 1;
        for (const auto& [k, v] : rows) {
            worksheet_write_string(ws, row, 0, k.c_str(), nullptr);
            worksheet_write_string(ws, row, 1, v.c_str(), nullptr);
            ++row;
        }
        worksheet_set_column(ws, 0, 0, 18, nullptr);
        worksheet_set_column(ws, 1, 1, 48, nullptr);
    }
    // Sheet 4 (optional): the trends, one row per period and squad.
    if (!trends.empty()) {
        lxw_worksheet* ws = workbook_add_worksheet(wb, xlsxTrendsSheet());
        lxw_col_t c = 0;
        for (const char* h : {tr("kpi.col.from", Language::Chinese), tr("kpi.col.to", Language::Chinese),
                              tr("kpi.col.squad_id", Language::Chinese), tr("kpi.col.squad", Language::Chinese)})
            worksheet_write_string(ws, 0, c++, h, head);
        for (const Col& col : cols()) worksheet_write_string(ws, 0, c++, tr(col.name.zh, Language::Chinese), head);
        worksheet_write_string(ws, 0, c++, tr("kpi.rank", Language::Chinese), head);
        worksheet_set_column(ws, 0, c, 13, nullptr);
        lxw_row_t row = 1;
        for (const Result& t : trends)
            squadRows(t, [&](const std::string& id, const std::string& zh, const std::string&, const Figures& f,
                             const SquadFigures* s) {
                lxw_col_t k = 0;
                worksheet_write_string(ws, row, k++, formatIsoTime(t.period.from).c_str(), nullptr);
                worksheet_write_string(ws, row, k++, formatIsoTime(t.period.to).c_str(), nullptr);
                worksheet_write_string(ws, row, k++, id.c_str(), nullptr);
                worksheet_write_string(ws, row, k++, zh.c_str(), nullptr);
                for (const Col& col : cols()) put(ws, row, k++, col, col.get(f));
                if (s && s->rank) worksheet_write_number(ws, row, k, *s->rank, nullptr);
                ++row;
            });
    }
    lxw_workbook* w = book.wb;
    book.wb = nullptr;
    const lxw_error err = workbook_close(w);
    if (err != LXW_NO_ERROR) throw std::runtime_error(path + ": cannot write the workbook (" + lxw_strerror(err) + ")");
}

}  // namespace sandtable::indicators
