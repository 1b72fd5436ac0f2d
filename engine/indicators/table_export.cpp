#include "engine/indicators/table_export.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <xlsxwriter.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>

#include "engine/feed/protocol.hpp"

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
        {{"first_contact_rate", "先行联系率"},
         Kind::Rate,
         [](const Figures& f) { return f.firstContact.value(); },
         [](const Figures& f) { return &f.firstContact; }},
        {{"on_time_rate", "按时办结率"},
         Kind::Rate,
         [](const Figures& f) { return f.onTime.value(); },
         [](const Figures& f) { return &f.onTime; }},
        {{"resolution_rate", "实际解决率"},
         Kind::Rate,
         [](const Figures& f) { return f.resolution.value(); },
         [](const Figures& f) { return &f.resolution; }},
        {{"satisfaction_rate", "市民满意率"},
         Kind::Rate,
         [](const Figures& f) { return f.satisfaction.value(); },
         [](const Figures& f) { return &f.satisfaction; }},
        {{"checkin_rate", "勤务打卡完成率"},
         Kind::Rate,
         [](const Figures& f) { return f.checkin.value(); },
         [](const Figures& f) { return &f.checkin; }},
        {{"inspection_rate", "分级分类检查完成率"},
         Kind::Rate,
         [](const Figures& f) { return f.inspection.value(); },
         [](const Figures& f) { return &f.inspection; }},
        {{"case_quality", "案件质量（平均分）"},
         Kind::Score,
         [](const Figures& f) { return f.caseQuality.value(); },
         [](const Figures& f) { return &f.caseQuality; }},
        {{"cases_opened", "立案数"}, Kind::Count, [](const Figures& f) { return num(f.casesOpened); }},
        {{"non_site_cases", "非现场执法案件"}, Kind::Count, [](const Figures& f) { return num(f.nonSiteCases); }},
        {{"cases_excellent", "优秀案卷"}, Kind::Count, [](const Figures& f) { return num(f.casesExcellent); }},
        {{"cases_good", "良好案卷"}, Kind::Count, [](const Figures& f) { return num(f.casesGood); }},
        {{"cases_failing", "不合格案卷"}, Kind::Count, [](const Figures& f) { return num(f.casesFailing); }},
        {{"missed_checkins", "漏打卡"}, Kind::Count, [](const Figures& f) { return num(f.missedCheckins); }},
        {{"overdue_inspections", "逾期未检查"},
         Kind::Count,
         [](const Figures& f) { return num(f.overdueInspections); }},
        {{"training_attendance", "培训人次"}, Kind::Count, [](const Figures& f) { return num(f.trainingAttendance); }},
        {{"index", "绩效指数"}, Kind::Index, [](const Figures& f) { return f.index; }},
    };
    return c;
}

const char* kDistrictZh = "普陀区（全区）";
const char* kDistrictEn = "Putuo district";

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
    row("district", {kDistrictZh, kDistrictEn}, "310107", r.district, nullptr);
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
        f("district", kDistrictZh, "310107", res.district, nullptr);
    };

    // Sheet 1: the indicators, one row per squad and the district.
    {
        lxw_worksheet* ws = workbook_add_worksheet(wb, kXlsxMainSheet);
        lxw_col_t c = 0;
        for (const char* h : {"中队编号", "中队", "街镇代码"}) worksheet_write_string(ws, 0, c++, h, head);
        for (const Col& col : cols()) worksheet_write_string(ws, 0, c++, col.name.zh, head);
        worksheet_write_string(ws, 0, c++, "排名", head);
        worksheet_write_string(ws, 0, c++, "是否滞后", head);
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
            if (s && s->lagging) worksheet_write_string(ws, row, k, *s->lagging ? "是" : "否", nullptr);
            ++row;
        });
    }
    // Sheet 2: numerator and denominator of every rate (where each figure comes from).
    {
        lxw_worksheet* ws = workbook_add_worksheet(wb, kXlsxCountsSheet);
        lxw_col_t c = 0;
        for (const char* h : {"中队编号", "中队"}) worksheet_write_string(ws, 0, c++, h, head);
        for (const Col& col : cols())
            if (col.ratio) {
                const std::string n = std::string(col.name.zh) + (col.kind == Kind::Score ? " 分数合计" : " 分子");
                const std::string d = std::string(col.name.zh) + (col.kind == Kind::Score ? " 评查案卷数" : " 分母");
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
        lxw_worksheet* ws = workbook_add_worksheet(wb, kXlsxPeriodSheet);
        worksheet_write_string(ws, 0, 0, "项目", head);
        worksheet_write_string(ws, 0, 1, "值", head);
        const std::pair<std::string, std::string> rows[] = {{"统计期起（含）", formatIsoTime(r.period.from)},
                                                            {"统计期止（不含）", formatIsoTime(r.period.to)},
                                                            {"评价时点", formatIsoTime(r.at)},
                                                            {"空白单元格", "无数据（分母为 0），不是 0%"},
                                                            {"口径", "见 docs/kpi.md；各率的分子分母见“分子分母”表"}};
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
        lxw_worksheet* ws = workbook_add_worksheet(wb, kXlsxTrendsSheet);
        lxw_col_t c = 0;
        for (const char* h : {"统计期起", "统计期止", "中队编号", "中队"}) worksheet_write_string(ws, 0, c++, h, head);
        for (const Col& col : cols()) worksheet_write_string(ws, 0, c++, col.name.zh, head);
        worksheet_write_string(ws, 0, c++, "排名", head);
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
