// Reading records: every table through OGR (CSV folder, GeoPackage, workbook), bad rows
// with file, line and reason, whole-source errors, coordinate conversion.
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <functional>
#include <sstream>

#include "engine/geo/gcj02.hpp"
#include "engine/indicators/json.hpp"
#include "engine/indicators/records.hpp"
#include "tests/indicators/support.hpp"

using namespace kpitest;

namespace {

const BadRow* badAt(const Records& r, const std::string& file, int64_t line) {
    for (const BadRow& b : r.badRows)
        if (b.line == line && b.file.find(file) != std::string::npos) return &b;
    return nullptr;
}

std::string reasonAt(const Records& r, const std::string& file, int64_t line) {
    const BadRow* b = badAt(r, file, line);
    return b ? b->reason : "(no bad row at " + file + ":" + std::to_string(line) + ")";
}

std::string errorOf(const std::string& path, const SquadCatalogue& cat) {
    try {
        readRecords(path, cat);
    } catch (const RecordsError& e) {
        return e.what();
    }
    return "";
}

// Copies every table of a records folder into one GeoPackage or workbook, as text columns.
void copyFolder(const std::string& folder, const std::string& out, const char* driver) {
    GDALAllRegister();
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(driver);
    REQUIRE(drv);
    GDALDatasetUniquePtr dst(drv->Create(out.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    REQUIRE(dst);
    for (size_t t = 0; t < kTableCount; ++t) {
        const std::string name = tableName(static_cast<Table>(t));
        const std::string csv = folder + "/" + name + ".csv";
        const char* opts[] = {"AUTODETECT_TYPE=NO", "EMPTY_STRING_AS_NULL=YES", nullptr};
        GDALDatasetUniquePtr src(GDALDataset::Open(csv.c_str(), GDAL_OF_VECTOR, nullptr, opts));
        REQUIRE(src);
        REQUIRE(dst->CopyLayer(src->GetLayer(0), name.c_str()));
    }
}

// A workbook with a header-only sheet per table (headers from the CSV form in `src`),
// except `skip`; `fill` may write more into a sheet.
void headerBook(const std::string& path, const TempDir& src, const std::string& skip,
                const std::function<void(lxw_workbook*, lxw_worksheet*, Table)>& fill = {}) {
    lxw_workbook* wb = workbook_new(path.c_str());
    REQUIRE(wb);
    for (size_t t = 0; t < kTableCount; ++t) {
        const std::string name = tableName(static_cast<Table>(t));
        if (name == skip) continue;
        lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
        std::ifstream in(src.file(name + ".csv"));
        std::string header, col;
        std::getline(in, header);
        std::stringstream ss(header);
        for (lxw_col_t c = 0; std::getline(ss, col, ','); ++c) worksheet_write_string(ws, 0, c, col.c_str(), nullptr);
        if (fill) fill(wb, ws, static_cast<Table>(t));
    }
    REQUIRE(workbook_close(wb) == LXW_NO_ERROR);
}

}  // namespace

TEST_CASE("a records folder: every table read through OGR, crs gcj02 and cgcs2000 converted to WGS84",
          "[indicators][records]") {
    TempDir dir;
    writeRecords(dir,
                 {
                     {"complaints",
                      "id,squad,received_at,first_contact_at,due_at,closed_at,resolved,satisfaction,lon,lat,crs,note\n"
                      "c1,alpha,2024-10-08T09:30:00+08:00,2024-10-08T10:00:00+08:00,2024-10-15T09:30:00+08:00,"
                      "2024-10-09T09:30:00+08:00,TRUE,satisfied,121.4,31.25,,anything\n"
                      "c2,bravo,2024-10-08T01:30:00Z,,2024-10-15T09:30:00+08:00,,,,121.41,31.26,gcj02,\n"},
                     {"cases",
                      "id,squad,opened_at,closed_at,non_site,review_score,lon,lat\n"
                      "k1,alpha,2024-10-01T09:00:00+08:00,,false,,121.4,31.25\n"
                      "k2,alpha,2024-10-01T09:00:00+08:00,2024-10-03T09:00:00+08:00,true,88.5,121.4,31.25\n"},
                     {"checkpoints", "id,squad,level,lon,lat\nP1,alpha,2,121.4,31.23\n"},
                     {"checkins",
                      "checkpoint,officer,at\nP1,PT-0001,2024-10-08T08:10:00+08:00\n"
                      "P1,PT-0001,2024-10-08T08:10:00+08:00\n"},
                     {"objects", "id,squad,kind,colour,lon,lat,crs\nO1,charlie,heritage,red,121.42,31.24,cgcs2000\n"},
                     {"inspections", "object,at\nO1,2024-10-02T10:00:00+08:00\n"},
                     {"training", "squad,at,attendees\nbravo,2024-10-02T10:00:00+08:00,17\n"},
                 });
    const auto cat = threeSquads();
    const Records r = readRecords(dir.path.string(), cat);
    CHECK(r.badRows.empty());
    REQUIRE(r.complaints.size() == 2);
    const Complaint& c1 = r.complaints[0];
    CHECK(c1.id == "c1");
    CHECK(c1.line == 2);
    CHECK(c1.receivedAt == T("2024-10-08T09:30:00+08:00"));
    CHECK(*c1.firstContactAt == T("2024-10-08T10:00:00+08:00"));
    CHECK(*c1.resolved);  // TRUE, as a spreadsheet writes it
    CHECK(c1.satisfaction == Satisfaction::Satisfied);
    CHECK(c1.lonLat == Vec2d{121.4, 31.25});
    const Complaint& c2 = r.complaints[1];
    CHECK(c2.squad == 1);
    CHECK(c2.receivedAt == T("2024-10-08T09:30:00+08:00"));  // Z and +08:00 are the same instant
    CHECK_FALSE(c2.firstContactAt);
    CHECK_FALSE(c2.closedAt);
    CHECK_FALSE(c2.resolved);
    CHECK(c2.satisfaction == Satisfaction::None);
    const Vec2d wgs = gcj02::toWgs84({121.41, 31.26});
    CHECK(c2.lonLat.x == Approx(wgs.x).epsilon(1e-12));
    CHECK(c2.lonLat.y == Approx(wgs.y).epsilon(1e-12));
    CHECK(std::fabs(c2.lonLat.x - 121.41) > 1e-3);  // the GCJ-02 offset is hundreds of metres
    REQUIRE(r.cases.size() == 2);
    CHECK_FALSE(r.cases[0].closedAt);
    CHECK_FALSE(r.cases[0].reviewScore);
    CHECK(*r.cases[1].reviewScore == 88.5);
    CHECK(r.cases[1].nonSite);
    REQUIRE(r.checkpoints.size() == 1);
    CHECK(r.checkpoints[0].level == 2);
    CHECK(r.checkins.size() == 1);  // the repeated row is the same visit
    CHECK(r.duplicateCheckins == 1);
    REQUIRE(r.objects.size() == 1);
    CHECK(r.objects[0].kind == ObjectKind::Heritage);
    CHECK(r.objects[0].colour == RiskColour::Red);
    CHECK(r.objects[0].lonLat.x == Approx(121.42).margin(1e-6));  // CGCS2000 ~ WGS84 (cm)
    CHECK(r.inspections.size() == 1);
    REQUIRE(r.training.size() == 1);
    CHECK(r.training[0].attendees == 17);
    CHECK(r.rowsRead[static_cast<size_t>(Table::Checkins)] == 2);
}

TEST_CASE("bad rows are reported with file, line and reason, the other rows still count", "[indicators][records]") {
    TempDir dir;
    const std::string t = "2024-10-08T09:30:00+08:00", due = "2024-10-15T09:30:00+08:00";
    writeRecords(
        dir, {{"complaints",
               "id,squad,received_at,first_contact_at,due_at,closed_at,resolved,satisfaction,lon,lat,crs,note\n"  // 1
               "c1,alpha," +
                   t + ",," + due + ",,,,121.4,31.25,,\n" +                                         // 2 good
                   "c2,nobody," + t + ",," + due + ",,,,121.4,31.25,,\n" +                          // 3
                   "c3,alpha,2024-10-08 09:30:00,," + due + ",,,,121.4,31.25,,\n" +                 // 4
                   "c4,alpha," + t + ",," + due + "," + t + ",yes,,121.4,31.25,,\n" +               // 5
                   "c5,alpha," + t + ",," + due + "," + t + ",,ok,121.4,31.25,,\n" +                // 6
                   "c6,alpha," + t + ",," + due + ",,,,,31.25,,\n" +                                // 7
                   "c7,alpha," + t + ",," + due + ",,,,0,0,,\n" +                                   // 8
                   "c8,alpha," + t + ",2024-10-08T09:00:00+08:00," + due + ",,,,121.4,31.25,,\n" +  // 9
                   "c1,bravo," + t + ",," + due + ",,,,121.4,31.25,,\n" +                           // 10
                   "c9,alpha," + t + ",," + due + ",,,,121.4,31.25,bd09,\n" +                       // 11
                   "c10,alpha," + t + ",," + due + ",,,,121.4,31.25,,\"two\nlines\"\n" +            // 12-13
                   "c11,alpha,," + "," + due + ",,,,121.4,31.25,,\n" +                              // 14
                   "c12,alpha," + t + ",," + due + ",,,,121.4,31.25,,\n"},                          // 15 good
              {"cases",
               "id,squad,opened_at,closed_at,non_site,review_score,lon,lat\n"
               "k1,alpha," +
                   t + ",," + "maybe,,121.4,31.25\n" +                                    // 2
                   "k2,alpha," + t + "," + t + ",false,105,121.4,31.25\n" +               // 3
                   "k3,alpha," + t + ",2024-10-01T00:00:00+08:00,false,,121.4,31.25\n" +  // 4
                   "k4,alpha," + t + ",," + "false,n/a,121.4,31.25\n"},                   // 5
              {"checkpoints", "id,squad,level,lon,lat\nP1,alpha,1,121.4,31.23\nP2,alpha,4,121.4,31.23\n"},
              {"checkins",
               "checkpoint,officer,at\nP1,PT-1," + t + "\nP9,PT-1," + t + "\nP2,PT-1," + t + "\nP1,," + t + "\n"},
              {"objects",
               "id,squad,kind,colour,lon,lat\nO1,alpha,shop,red,121.4,31.25\nO2,alpha,park,red,121.4,31.25\n"
               "O3,alpha,shop,blue,121.4,31.25\n"},
              {"inspections", "object,at\nO1," + t + "\nO2," + t + "\nO1,yesterday\n"},
              {"training", "squad,at,attendees\nalpha," + t + ",-3\nalpha," + t + ",2.5\nalpha," + t + ",12\n"}});
    const auto cat = threeSquads();
    const Records r = readRecords(dir.path.string(), cat);
    // complaints: c1, c10 and c12 count.
    REQUIRE(r.complaints.size() == 3);
    CHECK(r.complaints[1].line == 12);
    CHECK(r.complaints[2].id == "c12");
    CHECK(r.complaints[2].line == 15);  // the quoted cell over two lines is counted
    const std::string f = "complaints.csv";
    CHECK_THAT(reasonAt(r, f, 3),
               Catch::Contains("squad") && Catch::Contains("'nobody' is not in the squad catalogue"));
    CHECK_THAT(reasonAt(r, f, 4),
               Catch::Contains("received_at") && Catch::Contains("not an ISO 8601 time with an offset"));
    CHECK_THAT(reasonAt(r, f, 5), Catch::Contains("resolved: 'yes' is not true or false"));
    CHECK_THAT(reasonAt(r, f, 6), Catch::Contains("satisfaction: 'ok'"));
    CHECK_THAT(reasonAt(r, f, 7), Catch::Contains("lon/lat: empty"));
    CHECK_THAT(reasonAt(r, f, 8), Catch::Contains("outside the district's area"));
    CHECK_THAT(reasonAt(r, f, 9), Catch::Contains("first_contact_at is earlier than received_at"));
    CHECK_THAT(reasonAt(r, f, 10), Catch::Contains("'c1' repeats the row at line 2"));
    CHECK_THAT(reasonAt(r, f, 11), Catch::Contains("crs: 'bd09'"));
    CHECK_THAT(reasonAt(r, f, 14), Catch::Contains("received_at: empty (required)"));
    CHECK_FALSE(badAt(r, f, 12));
    CHECK(badAt(r, f, 3)->file == dir.file("complaints.csv"));
    CHECK(badAt(r, f, 3)->text() == dir.file("complaints.csv") + ":3: " + badAt(r, f, 3)->reason);
    // cases
    CHECK(r.cases.empty());
    CHECK_THAT(reasonAt(r, "cases.csv", 2), Catch::Contains("non_site: 'maybe' is not true or false"));
    CHECK_THAT(reasonAt(r, "cases.csv", 3), Catch::Contains("review_score: 105 is outside 0..100"));
    CHECK_THAT(reasonAt(r, "cases.csv", 4), Catch::Contains("closed_at is earlier than opened_at"));
    CHECK_THAT(reasonAt(r, "cases.csv", 5), Catch::Contains("review_score: 'n/a' is not a number"));
    // checkpoints, check-ins (a check-in at a bad checkpoint is bad too, and says why it may be)
    REQUIRE(r.checkpoints.size() == 1);
    CHECK_THAT(reasonAt(r, "checkpoints.csv", 3), Catch::Contains("level: '4' is not 1, 2 or 3"));
    CHECK(r.checkins.size() == 1);
    CHECK_THAT(reasonAt(r, "checkins.csv", 3), Catch::Contains("'P9' is not in checkpoints"));
    CHECK_THAT(reasonAt(r, "checkins.csv", 4), Catch::Contains("'P2' is not in checkpoints (or its row there is bad)"));
    CHECK_THAT(reasonAt(r, "checkins.csv", 5), Catch::Contains("officer: empty (required)"));
    // objects, inspections, training
    CHECK(r.objects.size() == 1);
    CHECK_THAT(reasonAt(r, "objects.csv", 3), Catch::Contains("kind: 'park'"));
    CHECK_THAT(reasonAt(r, "objects.csv", 4), Catch::Contains("colour: 'blue'"));
    CHECK(r.inspections.size() == 1);
    CHECK_THAT(reasonAt(r, "inspections.csv", 3), Catch::Contains("'O2' is not in objects"));
    CHECK_THAT(reasonAt(r, "inspections.csv", 4), Catch::Contains("at: 'yesterday'"));
    REQUIRE(r.training.size() == 1);
    CHECK(r.training[0].attendees == 12);
    CHECK_THAT(reasonAt(r, "training.csv", 2), Catch::Contains("attendees: '-3' is not a whole number"));
    CHECK_THAT(reasonAt(r, "training.csv", 3), Catch::Contains("attendees: '2.5'"));
    CHECK(r.badRows.size() == 10 + 4 + 1 + 3 + 2 + 2 + 2);
    // And the good rows count: c1, c10 and c12 received in October, none contacted.
    const Result res = compute(r, cat, october(), october().to);
    CHECK(res.squads[0].firstContact.den == 3);
}

// A number too large for its integer field was cast before (or despite) the range check:
// undefined behaviour (found by tests/fuzz, fuzz_records). Now a bad row like any other.
TEST_CASE("huge numbers in integer fields are bad rows, also after an earlier problem in the row",
          "[indicators][records]") {
    TempDir dir;
    const std::string t = "2024-10-08T09:30:00+08:00";
    writeRecords(dir,
                 {{"checkpoints", "id,squad,level,lon,lat\nP1,nobody,1e300,121.4,31.23\nP2,alpha,1e300,121.4,31.23\n"},
                  {"training", "squad,at,attendees\nalpha," + t + ",1e20\nnobody," + t + ",1e300\n"}});
    const Records r = readRecords(dir.path.string(), threeSquads());
    CHECK(r.checkpoints.empty());
    CHECK(r.training.empty());
    CHECK_THAT(reasonAt(r, "checkpoints.csv", 2), Catch::Contains("'nobody' is not in the squad catalogue"));
    CHECK_THAT(reasonAt(r, "checkpoints.csv", 3), Catch::Contains("level: '1e300' is not 1, 2 or 3"));
    CHECK_THAT(reasonAt(r, "training.csv", 2), Catch::Contains("attendees: '1e20' is not a whole number"));
    CHECK_THAT(reasonAt(r, "training.csv", 3), Catch::Contains("'nobody' is not in the squad catalogue"));
}

TEST_CASE("a source that cannot be read at all is an error naming the folder, file, table or column",
          "[indicators][records]") {
    const auto cat = threeSquads();
    CHECK_THAT(errorOf("/nonexistent/records", cat),
               Catch::Contains("/nonexistent/records") && Catch::Contains("no such folder or file"));
    TempDir dir;
    writeRecords(dir);
    std::filesystem::remove(dir.file("training.csv"));
    CHECK_THAT(errorOf(dir.path.string(), cat), Catch::Contains("training.csv: no such file"));
    writeRecords(dir, {{"cases", "id,squad,opened_at,closed_at,review_score,lon,lat\n"}});
    CHECK_THAT(errorOf(dir.path.string(), cat),
               Catch::Contains("cases.csv: no column 'non_site'") && Catch::Contains("(columns: id, squad"));
    dir.write("book.ods", "x");
    CHECK_THAT(errorOf(dir.file("book.ods"), cat), Catch::Contains("unknown records format '.ods'"));
    // A workbook missing a sheet names it; header-only sheets are empty tables.
    TempDir src;
    writeRecords(src);
    headerBook(dir.file("r.xlsx"), src, "inspections");
    CHECK_THAT(errorOf(dir.file("r.xlsx"), cat), Catch::Contains("r.xlsx: no sheet named 'inspections'"));
    headerBook(dir.file("r.xlsx"), src, "");
    const Records empty = readRecords(dir.file("r.xlsx"), cat);
    CHECK(empty.badRows.empty());
    CHECK(empty.complaints.empty());
    CHECK_THROWS_AS(readRecords(src.path.string(), SquadCatalogue{}), RecordsError);
}

TEST_CASE("the GeoPackage form of the sample records gives the CSV form's figures", "[indicators][records][gpkg]") {
    const auto cat = SquadCatalogue::load(sampleSquads());
    TempDir dir;
    copyFolder(sampleRecords(), dir.file("records.gpkg"), "GPKG");
    const Records csv = readRecords(sampleRecords(), cat);
    const Records gpkg = readRecords(dir.file("records.gpkg"), cat);
    CHECK(gpkg.rowsRead == csv.rowsRead);
    CHECK(gpkg.complaints.size() == csv.complaints.size());
    CHECK(gpkg.checkins.size() == csv.checkins.size());
    const auto a = toJson(compute(csv, cat, october(), october().to), cat);
    const auto b = toJson(compute(gpkg, cat, october(), october().to), cat);
    CHECK(a == b);
    // The same bad rows, named by table and fid (the CSV's line less its header).
    REQUIRE(gpkg.badRows.size() == csv.badRows.size());
    for (size_t i = 0; i < csv.badRows.size(); ++i) {
        CHECK(gpkg.badRows[i].line == csv.badRows[i].line - 1);
        if (csv.badRows[i].reason.find("repeats the row at line") == std::string::npos) {
            CHECK(gpkg.badRows[i].reason == csv.badRows[i].reason);
        } else {  // names the earlier row in the table's own numbering
            CHECK_THAT(csv.badRows[i].reason, Catch::EndsWith("at line 2"));
            CHECK_THAT(gpkg.badRows[i].reason, Catch::EndsWith("at line 1"));
        }
        CHECK_THAT(gpkg.badRows[i].file,
                   Catch::EndsWith(std::string("records.gpkg:") + tableName(csv.badRows[i].table)));
    }
}

TEST_CASE("the workbook form (one sheet per table) gives the CSV form's figures and rows",
          "[indicators][records][xlsx]") {
    const auto cat = SquadCatalogue::load(sampleSquads());
    TempDir dir;
    copyFolder(sampleRecords(), dir.file("records.xlsx"), "XLSX");
    const Records csv = readRecords(sampleRecords(), cat);
    const Records xlsx = readRecords(dir.file("records.xlsx"), cat);
    CHECK(xlsx.rowsRead == csv.rowsRead);
    CHECK(toJson(compute(csv, cat, october(), october().to), cat) ==
          toJson(compute(xlsx, cat, october(), october().to), cat));
    REQUIRE(xlsx.badRows.size() == csv.badRows.size());
    for (size_t i = 0; i < csv.badRows.size(); ++i) {
        CHECK(xlsx.badRows[i].reason == csv.badRows[i].reason);
        CHECK(xlsx.badRows[i].line == csv.badRows[i].line);  // the sheet's row, header in row 1
    }
}

TEST_CASE("typed cells: GeoPackage date-times with a zone, numbers, booleans, and spreadsheet rows as Excel counts",
          "[indicators][records]") {
    GDALAllRegister();
    TempDir src;
    writeRecords(src);
    TempDir dir;
    const std::string gpkg = dir.file("typed.gpkg");
    copyFolder(src.path.string(), gpkg, "GPKG");
    {
        GDALDatasetUniquePtr ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
        REQUIRE(ds);
        for (int i = 0; i < ds->GetLayerCount(); ++i)
            if (std::string(ds->GetLayer(i)->GetName()) == "cases") ds->DeleteLayer(i);
        OGRLayer* l = ds->CreateLayer("cases", nullptr, wkbNone, nullptr);
        REQUIRE(l);
        auto field = [&](const char* n, OGRFieldType t, OGRFieldSubType st = OFSTNone) {
            OGRFieldDefn fd(n, t);
            fd.SetSubType(st);
            REQUIRE(l->CreateField(&fd) == OGRERR_NONE);
        };
        field("id", OFTString);
        field("squad", OFTString);
        field("opened_at", OFTDateTime);
        field("closed_at", OFTDateTime);
        field("non_site", OFTInteger, OFSTBoolean);
        field("review_score", OFTReal);
        field("lon", OFTReal);
        field("lat", OFTReal);
        OGRFeature f(l->GetLayerDefn());
        f.SetField("id", "k1");
        f.SetField("squad", "alpha");
        // GeoPackage stores date-times in UTC (OGR's TZ flag 100).
        f.SetField("opened_at", 2024, 10, 8, 1, 30, 0.0f, 100);
        f.SetField("closed_at", 2024, 10, 9, 1, 30, 0.0f, 100);
        f.SetField("non_site", 1);
        f.SetField("review_score", 91.5);
        f.SetField("lon", 121.4);
        f.SetField("lat", 31.25);
        REQUIRE(l->CreateFeature(&f) == OGRERR_NONE);
    }
    const auto cat = threeSquads();
    const Records r = readRecords(gpkg, cat);
    INFO((r.badRows.empty() ? "" : r.badRows[0].text()));
    REQUIRE(r.cases.size() == 1);
    CHECK(r.cases[0].openedAt == T("2024-10-08T09:30:00+08:00"));
    CHECK(*r.cases[0].closedAt == T("2024-10-09T09:30:00+08:00"));
    CHECK(r.cases[0].nonSite);
    CHECK(*r.cases[0].reviewScore == 91.5);

    // A workbook with an empty row: rows are named as the spreadsheet numbers them.
    const std::string book = dir.file("book.xlsx");
    headerBook(book, src, "", [](lxw_workbook* wb, lxw_worksheet* ws, Table t) {
        if (t != Table::Training) return;
        worksheet_write_string(ws, 1, 0, "alpha", nullptr);
        worksheet_write_string(ws, 1, 1, "2024-10-08T09:30:00+08:00", nullptr);
        worksheet_write_number(ws, 1, 2, 12, nullptr);
        // Excel row 3 left empty.
        worksheet_write_string(ws, 3, 0, "alpha", nullptr);
        worksheet_write_string(ws, 3, 1, "2024-10-08T09:30:00+08:00", nullptr);
        worksheet_write_string(ws, 3, 2, "lots", nullptr);  // Excel row 4: bad
        lxw_datetime dt = {2024, 10, 9, 14, 0, 0};          // a date cell without zone: local time
        lxw_format* fmt = workbook_add_format(wb);
        format_set_num_format(fmt, "yyyy-mm-dd hh:mm");
        worksheet_write_string(ws, 4, 0, "bravo", nullptr);
        worksheet_write_datetime(ws, 4, 1, &dt, fmt);
        worksheet_write_number(ws, 4, 2, 7, nullptr);
    });
    const Records x = readRecords(book, cat);
    for (const auto& b : x.badRows) UNSCOPED_INFO(b.text());
    REQUIRE(x.badRows.size() == 1);
    CHECK(x.badRows[0].line == 4);
    CHECK(x.badRows[0].file == book + ":training");
    CHECK_THAT(x.badRows[0].reason, Catch::Contains("attendees: 'lots'"));
    REQUIRE(x.training.size() == 2);
    CHECK(x.training[0].attendees == 12);
    CHECK(x.training[1].at == T("2024-10-09T14:00:00+08:00"));
}
