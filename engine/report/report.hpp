#pragma once
// The monthly report 《重点执法工作月报》 (docs/brief.md): what it shows, built from the
// same Evaluator results sandtable-kpi prints (so every figure equals the JSON), and its
// drawing as an A4 landscape PDF with cairo: cover, district summary, squad ranking, one
// page per squad (its map, indicators with numerator and denominator, 6-month trends),
// appendix (formulas and provenance). Vector text in Noto Sans CJK SC, embedded as a
// subset with ToUnicode, so the text is selectable and pdftotext reads it. GL-free: the
// map images are rendered by the caller (apps/brief) and handed in as pixels.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/data/squads.hpp"
#include "engine/geo/camera.hpp"
#include "engine/indicators/indicators.hpp"
#include "engine/tracks/coverage.hpp"
#include "engine/util/i18n_text.hpp"
#include "engine/util/image.hpp"

namespace sandtable::report {

// An input the figures come from, with its hash (the provenance appendix).
struct InputFile {
    std::string role;  // string-table key of what it is ("brief.input.scene", ...)
    std::string path;
    std::string sha256;    // empty when missing
    uint64_t bytes = 0;    // file size
    bool missing = false;  // named but not there (a missing records table)
};

// A squad's map at print resolution, with the camera it was drawn with (the coverage
// cells are drawn over it in the display CRS, which is the coverage's metric CRS).
struct SquadMap {
    Image image;  // empty: no map (why says why)
    Camera camera;
    std::vector<std::vector<Vec2d>> outline;  // the jurisdiction's rings, display CRS (drawn over the map)
    std::string why;                          // empty when the map is there
};

// The map box of a squad page in PDF points (width, height); a lagging squad's page has a
// banner above it. The caller renders the map at this aspect (print resolution: dpi / 72
// pixels a point).
std::pair<double, double> squadMapBox(bool lagging);

struct ReportData {
    Language lang = Language::Chinese;
    SquadCatalogue squads;
    indicators::IndexWeights weights;
    indicators::Result result;               // the month, evaluated at `at`
    std::vector<indicators::Result> trends;  // oldest first, the last is `result`
    std::vector<std::string> missingTables;  // records tables absent from the source ("complaints")
    std::vector<InputFile> inputs;           // scene, catalogue, jurisdictions, records, history
    size_t badRows = 0, duplicateCheckins = 0;
    std::vector<std::string> badRowSamples;  // the first few, "FILE:LINE: reason"
    TimeMs generatedAt = 0;                  // wall clock
    std::string version;                     // software version
    std::string sceneTitle;                  // the scene's title in the report's language
    std::vector<SquadMap> maps;              // catalogue order; may be shorter (no map)
    // Patrol coverage over the month, per squad id; empty `coverage` with historyGiven
    // false: "no history given".
    bool historyGiven = false;
    std::string historyNote;  // e.g. the fixes read, or why it could not be read
    std::vector<CoverageResult> coverage;
    double coverageCellM = 50.0;
};

// Pages: cover, district summary, ranking, one per squad, appendix.
int reportPageCount(const ReportData& d);

// The step names of the progress bar, in order (one per page), for "[ 4/14] squad page X".
std::vector<std::string> reportSteps(const ReportData& d);

// Writes the PDF. `progress(page, pages, what)` is called before each page is drawn.
// Throws std::runtime_error naming the file (cannot write) or the font (not found).
void writeReportPdf(const ReportData& d, const std::string& path,
                    const std::function<void(int, int, const std::string&)>& progress = {});

// "98.5% (197/200)", "无数据" / "no data": how the report writes a rate; the tests
// recompute it from sandtable-kpi's JSON.
std::string rateText(const indicators::Ratio& r, Language lang);
// "93.4 (38)": mean score with the reviewed cases; "无数据" for none.
std::string scoreText(const indicators::Ratio& r, Language lang);
// "91.3" or "无数据".
std::string indexText(const std::optional<double>& v, Language lang);
// "2024年10月" / "October 2024" of a period starting at local midnight of a 1st.
std::string monthText(TimeMs from, Language lang);

// The CJK font the PDF embeds: $SANDTABLE_FONT, else Noto Sans CJK (fonts-noto-cjk).
std::string reportFontPath(bool bold);

}  // namespace sandtable::report
