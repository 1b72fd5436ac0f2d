// The CSV and Excel tables, read back through OGR.
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "engine/indicators/table_export.hpp"
#include "tests/indicators/support.hpp"

using namespace kpitest;

namespace {

GDALDatasetUniquePtr openXlsx(const std::string& path) {
    GDALAllRegister();
    const char* opts[] = {"HEADERS=FORCE", "FIELD_TYPES=AUTO", nullptr};
    const char* drivers[] = {"XLSX", nullptr};
    return GDALDatasetUniquePtr(
        static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, opts, nullptr)));
}

struct Sample {
    SquadCatalogue cat = SquadCatalogue::load(sampleSquads());
    Evaluator ev{readRecords(sampleRecords(), cat), cat};
    Result oct = ev.compute(october(), october().to);
};

}  // namespace

TEST_CASE("xlsx: Chinese headers, one row per squad and the district, rates as numbers, blanks for no data",
          "[indicators][export][xlsx]") {
    Sample s;
    TempDir dir;
    const std::string path = dir.file("kpi.xlsx");
    const auto trends = s.ev.trends(october(), october().to, 6);
    writeXlsx(path, s.oct, s.cat, trends);
    auto ds = openXlsx(path);
    REQUIRE(ds);
    OGRLayer* main = ds->GetLayerByName(xlsxMainSheet());
    REQUIRE(main);
    CHECK(main->GetFeatureCount() == static_cast<GIntBig>(s.cat.size() + 1));
    const OGRFeatureDefn* d = main->GetLayerDefn();
    for (const char* h : {"中队编号", "中队", "街镇代码", "先行联系率", "按时办结率", "实际解决率", "市民满意率",
                          "勤务打卡完成率", "分级分类检查完成率", "绩效指数", "排名", "是否滞后"})
        CHECK(d->GetFieldIndex(h) >= 0);
    size_t row = 0;
    main->ResetReading();
    for (auto& f : *main) {
        const bool district = row == s.cat.size();
        const Figures& fig = district ? s.oct.district : static_cast<const Figures&>(s.oct.squads[row]);
        CHECK(std::string(f->GetFieldAsString("中队编号")) == (district ? "district" : s.cat[row].id));
        CHECK(f->GetFieldAsDouble("先行联系率") == Approx(*fig.firstContact.value()));
        CHECK(f->GetFieldAsDouble("绩效指数") == Approx(*fig.index));
        // Squads without checkpoints have no check-in data: an empty cell, never 0 %.
        CHECK(f->IsFieldSetAndNotNull(d->GetFieldIndex("勤务打卡完成率")) == fig.checkin.value().has_value());
        if (!district) {
            CHECK(f->GetFieldAsInteger("排名") == *s.oct.squads[row].rank);
            CHECK(std::string(f->GetFieldAsString("是否滞后")) == (*s.oct.squads[row].lagging ? "是" : "否"));
        }
        ++row;
    }
    CHECK(row == s.cat.size() + 1);
    OGRLayer* counts = ds->GetLayerByName(xlsxCountsSheet());
    REQUIRE(counts);
    counts->ResetReading();
    std::unique_ptr<OGRFeature> first(counts->GetNextFeature());
    REQUIRE(first);
    CHECK(first->GetFieldAsDouble("先行联系率 分子") == s.oct.squads[0].firstContact.num);
    CHECK(first->GetFieldAsDouble("先行联系率 分母") == s.oct.squads[0].firstContact.den);
    REQUIRE(ds->GetLayerByName(xlsxNotesSheet()));
    OGRLayer* t = ds->GetLayerByName(xlsxTrendsSheet());
    REQUIRE(t);
    CHECK(t->GetFeatureCount() == static_cast<GIntBig>(6 * (s.cat.size() + 1)));
}

TEST_CASE("csv: JSON keys as headers, numerators and denominators, read back through OGR", "[indicators][export]") {
    Sample s;
    TempDir dir;
    const std::string path = dir.file("kpi.csv");
    writeCsv(path, s.oct, s.cat);
    GDALAllRegister();
    const char* opts[] = {"AUTODETECT_TYPE=NO", "EMPTY_STRING_AS_NULL=YES", nullptr};
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR, nullptr, opts));
    REQUIRE(ds);
    OGRLayer* l = ds->GetLayer(0);
    const OGRFeatureDefn* d = l->GetLayerDefn();
    CHECK(std::string(d->GetFieldDefn(0)->GetNameRef()) == "squad");  // the byte-order mark is not in the name
    for (const auto& c : indicatorColumns()) CHECK(d->GetFieldIndex(c.key) >= 0);
    size_t row = 0;
    for (auto& f : *l) {
        const bool district = row == s.cat.size();
        const Figures& fig = district ? s.oct.district : static_cast<const Figures&>(s.oct.squads[row]);
        CHECK(f->GetFieldAsDouble("on_time_rate") == Approx(*fig.onTime.value()));
        CHECK(f->GetFieldAsDouble("on_time_rate_num") == fig.onTime.num);
        CHECK(f->GetFieldAsDouble("on_time_rate_den") == fig.onTime.den);
        CHECK(f->IsFieldSetAndNotNull(d->GetFieldIndex("checkin_rate")) == fig.checkin.value().has_value());
        CHECK(f->GetFieldAsInteger64("training_attendance") == fig.trainingAttendance);
        if (district) CHECK_FALSE(f->IsFieldSetAndNotNull(d->GetFieldIndex("rank")));
        ++row;
    }
    CHECK(row == s.cat.size() + 1);
    CHECK_THROWS_WITH(writeCsv("/nonexistent/dir/kpi.csv", s.oct, s.cat), Catch::Contains("/nonexistent/dir/kpi.csv"));
    CHECK_THROWS_WITH(writeXlsx("/nonexistent/dir/kpi.xlsx", s.oct, s.cat),
                      Catch::Contains("/nonexistent/dir/kpi.xlsx"));
}
