#include "engine/report/report.hpp"

#include <cairo-ft.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "engine/feed/protocol.hpp"
#include "engine/indicators/presentation.hpp"
#include "engine/util/civil_time.hpp"
#include "engine/util/i18n.hpp"

namespace sandtable::report {

using namespace sandtable::indicators;

namespace {

// A4 landscape in PDF points.
constexpr double kPageW = 841.89, kPageH = 595.28;
constexpr double kMargin = 36.0;
constexpr double kHeaderY = 30.0;   // baseline of the running header
constexpr double kContentY = 58.0;  // top of the page body
constexpr double kFooterY = kPageH - 18.0;

struct Rgb {
    double r, g, b;
};
constexpr Rgb kInk{0.13, 0.15, 0.18};
constexpr Rgb kMuted{0.42, 0.45, 0.50};
constexpr Rgb kRule{0.78, 0.80, 0.83};
constexpr Rgb kNavy{0.09, 0.23, 0.40};
constexpr Rgb kBand{0.93, 0.95, 0.97};
constexpr Rgb kRed{0.75, 0.13, 0.13};
constexpr Rgb kRedBand{0.99, 0.92, 0.92};
constexpr Rgb kGood{0.16, 0.47, 0.24};
constexpr Rgb kAccent{0.11, 0.46, 0.72};
constexpr Rgb kDistrict{0.45, 0.47, 0.50};

enum class Align { Left, Centre, Right };

const char* t(const char* key, Language lang) { return tr(key, lang); }

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}
std::string num(int64_t v) { return std::to_string(v); }

// The PDF being drawn: cairo with the two CJK faces and a few drawing helpers.
class Pdf {
public:
    Pdf(const std::string& path, Language lang) : lang_(lang) {
        if (FT_Init_FreeType(&ft_)) throw std::runtime_error("cannot initialise FreeType");
        regular_ = loadFace(reportFontPath(false), 2);
        bold_ = loadFace(reportFontPath(true), 2);
        regularAlt_ = loadFace(reportFontPath(false), 3);
        surface_ = cairo_pdf_surface_create(path.c_str(), kPageW, kPageH);
        if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS)
            throw std::runtime_error("cannot write '" + path +
                                     "': " + cairo_status_to_string(cairo_surface_status(surface_)));
        cr_ = cairo_create(surface_);
    }
    ~Pdf() {
        if (cr_) cairo_destroy(cr_);
        if (surface_) cairo_surface_destroy(surface_);
        for (auto* f : {regular_, bold_, regularAlt_})
            if (f) cairo_font_face_destroy(f);
        for (FT_Face f : faces_) FT_Done_Face(f);
        if (ft_) FT_Done_FreeType(ft_);
    }
    Pdf(const Pdf&) = delete;
    Pdf& operator=(const Pdf&) = delete;

    void metadata(const std::string& title, const std::string& author) {
        cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_TITLE, title.c_str());
        cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_AUTHOR, author.c_str());
        cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATOR, "sandtable-brief");
    }
    void showPage() { cairo_show_page(cr_); }
    void finish(const std::string& path) {
        cairo_surface_finish(surface_);
        if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS)
            throw std::runtime_error("cannot write '" + path +
                                     "': " + cairo_status_to_string(cairo_surface_status(surface_)));
    }

    cairo_t* cr() { return cr_; }
    Language lang() const { return lang_; }
    const char* s(const char* key) const { return tr(key, lang_); }

    void colour(Rgb c, double a = 1.0) { cairo_set_source_rgba(cr_, c.r, c.g, c.b, a); }
    void selectFont(double size, bool bold, bool alt) {
        cairo_set_font_face(cr_, bold ? bold_ : (alt ? regularAlt_ : regular_));
        cairo_set_font_size(cr_, size);
    }
    // Cairo 1.16's CFF subsetter (Debian 12) embeds the Simplified Chinese glyph of a few
    // characters of Noto Sans CJK Regular (not Bold) as empty outlines (如 U+5982: found by embedding
    // every character of the string table and the squad catalogue and rasterising each);
    // those characters are drawn from the Traditional Chinese face of the same file,
    // whose glyph for them has the same design. Runs: (text, from the alternate face).
    static std::vector<std::pair<std::string, bool>> runs(const std::string& str) {
        std::vector<std::pair<std::string, bool>> out;
        for (size_t i = 0; i < str.size();) {
            const auto c = static_cast<unsigned char>(str[i]);
            const size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            const std::string ch = str.substr(i, n);
            i += n;
            const bool alt = ch == "\xE5\xA6\x82";  // U+5982
            if (out.empty() || out.back().second != alt)
                out.emplace_back(ch, alt);
            else
                out.back().first += ch;
        }
        return out;
    }
    // Width of a line (its runs, see runs()).
    double width(const std::string& text, double size, bool bold) {
        double w = 0;
        for (const auto& [run, alt] : runs(text)) {
            selectFont(size, bold, alt);
            cairo_text_extents_t e;
            cairo_text_extents(cr_, run.c_str(), &e);
            w += e.x_advance;
        }
        return w;
    }
    // Draws one line with its baseline at y; returns its width.
    double text(double x, double y, const std::string& str, double size, Rgb c = kInk, bool bold = false,
                Align a = Align::Left) {
        if (str.empty()) return 0;
        const double w = width(str, size, bold);
        if (a == Align::Centre) x -= w / 2;
        if (a == Align::Right) x -= w;
        colour(c);
        cairo_move_to(cr_, x, y);
        for (const auto& [run, alt] : runs(str)) {
            selectFont(size, bold, alt);
            cairo_show_text(cr_, run.c_str());  // advances the current point
        }
        return w;
    }
    // Breaks text into lines of at most maxW (at spaces when there are any on the line,
    // else between any two characters: Chinese has no spaces).
    std::vector<std::string> wrap(const std::string& str, double size, bool bold, double maxW) {
        std::vector<std::string> lines;
        std::string line;
        size_t lastSpace = std::string::npos;
        for (size_t i = 0; i < str.size();) {
            size_t n = 1;
            const auto c = static_cast<unsigned char>(str[i]);
            if (c >= 0xF0)
                n = 4;
            else if (c >= 0xE0)
                n = 3;
            else if (c >= 0xC0)
                n = 2;
            const std::string ch = str.substr(i, n);
            i += n;
            if (ch == "\n") {
                lines.push_back(line);
                line.clear();
                lastSpace = std::string::npos;
                continue;
            }
            if (width(line + ch, size, bold) > maxW && !line.empty()) {
                if (ch == " ") {
                    lines.push_back(line);
                    line.clear();
                    lastSpace = std::string::npos;
                    continue;
                }
                if (lastSpace != std::string::npos) {
                    lines.push_back(line.substr(0, lastSpace));
                    line = line.substr(lastSpace + 1);
                } else {
                    lines.push_back(line);
                    line.clear();
                }
                lastSpace = std::string::npos;
            }
            if (ch == " ") lastSpace = line.size();
            line += ch;
        }
        if (!line.empty()) lines.push_back(line);
        return lines;
    }
    // Wrapped paragraph from y (first baseline); returns the baseline after the last line.
    double paragraph(double x, double y, double maxW, const std::string& str, double size, Rgb c = kInk,
                     bool bold = false, double leading = 1.45) {
        for (const std::string& l : wrap(str, size, bold, maxW)) {
            text(x, y, l, size, c, bold);
            y += size * leading;
        }
        return y;
    }
    void fillRect(double x, double y, double w, double h, Rgb c, double a = 1.0) {
        colour(c, a);
        cairo_rectangle(cr_, x, y, w, h);
        cairo_fill(cr_);
    }
    void strokeRect(double x, double y, double w, double h, Rgb c, double lw = 0.6) {
        colour(c);
        cairo_set_line_width(cr_, lw);
        cairo_rectangle(cr_, x, y, w, h);
        cairo_stroke(cr_);
    }
    void line(double x0, double y0, double x1, double y1, Rgb c, double lw = 0.5) {
        colour(c);
        cairo_set_line_width(cr_, lw);
        cairo_move_to(cr_, x0, y0);
        cairo_line_to(cr_, x1, y1);
        cairo_stroke(cr_);
    }
    // A small marker shape (greyscale-printable series and the lagging mark).
    void marker(int shape, double x, double y, double r, Rgb c, bool filled = true) {
        colour(c);
        switch (shape % 4) {
        case 0:
            cairo_new_sub_path(cr_);
            cairo_arc(cr_, x, y, r, 0, 2 * M_PI);
            break;
        case 1:
            cairo_rectangle(cr_, x - r, y - r, 2 * r, 2 * r);
            break;
        case 2:
            cairo_move_to(cr_, x, y - r * 1.2);
            cairo_line_to(cr_, x + r * 1.1, y + r * 0.8);
            cairo_line_to(cr_, x - r * 1.1, y + r * 0.8);
            cairo_close_path(cr_);
            break;
        default:
            cairo_move_to(cr_, x, y - r * 1.3);
            cairo_line_to(cr_, x + r * 1.1, y);
            cairo_line_to(cr_, x, y + r * 1.3);
            cairo_line_to(cr_, x - r * 1.1, y);
            cairo_close_path(cr_);
            break;
        }
        if (filled) {
            cairo_fill(cr_);
        } else {
            cairo_set_line_width(cr_, 0.8);
            cairo_stroke(cr_);
        }
    }

private:
    cairo_font_face_t* loadFace(const std::string& path, int ttcIndex) {
        // Noto Sans CJK .ttc: face 2 is Simplified Chinese (as engine/render/text.cpp), 3
        // Traditional; a plain font file has only face 0.
        const bool ttc = path.size() > 4 && path.substr(path.size() - 4) == ".ttc";
        FT_Face face = nullptr;
        if (FT_New_Face(ft_, path.c_str(), ttc ? ttcIndex : 0, &face))
            throw std::runtime_error("cannot load the report font '" + path +
                                     "' (install fonts-noto-cjk or set SANDTABLE_FONT)");
        faces_.push_back(face);
        return cairo_ft_font_face_create_for_ft_face(face, 0);
    }

    Language lang_;
    FT_Library ft_ = nullptr;
    std::vector<FT_Face> faces_;
    cairo_font_face_t *regular_ = nullptr, *bold_ = nullptr, *regularAlt_ = nullptr;
    cairo_surface_t* surface_ = nullptr;
    cairo_t* cr_ = nullptr;
};

// The rows every table shows: the six rates and case quality, in the contract's order.
struct RateRow {
    const char* key;  // kpi.<key> is the name
    const Ratio& (*get)(const Figures&);
    bool score;  // case quality: a mean score, not a rate
};
const std::vector<RateRow>& rateRows() {
    static const std::vector<RateRow> rows = {
        {"first_contact_rate", [](const Figures& f) -> const Ratio& { return f.firstContact; }, false},
        {"on_time_rate", [](const Figures& f) -> const Ratio& { return f.onTime; }, false},
        {"resolution_rate", [](const Figures& f) -> const Ratio& { return f.resolution; }, false},
        {"satisfaction_rate", [](const Figures& f) -> const Ratio& { return f.satisfaction; }, false},
        {"checkin_rate", [](const Figures& f) -> const Ratio& { return f.checkin; }, false},
        {"inspection_rate", [](const Figures& f) -> const Ratio& { return f.inspection; }, false},
        {"case_quality", [](const Figures& f) -> const Ratio& { return f.caseQuality; }, true},
    };
    return rows;
}
std::string keyName(const char* key, Language lang) { return tr(std::string("kpi.") + key, lang); }

std::string shortValue(const Ratio& r, bool score, Language lang) {
    const auto v = r.value();
    if (!v) return t("brief.no_data", lang);
    return score ? fmt("%.1f", *v) : fmt("%.1f%%", *v * 100.0);
}

std::string monthShort(TimeMs from, Language lang) {
    static const char* en[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const CivilTime c = toCivil(from);
    if (lang == Language::English) return en[(c.month + 11) % 12];
    return std::to_string(c.month) + t("brief.month_suffix", lang);
}

std::string periodText(const Period& p, Language lang) {
    return localDateTimeText(p.from, false) + " – " + localDateTimeText(p.to, false) + " " + t("brief.exclusive", lang);
}

// Where the lagging verdict comes from: "more than 5 below the mean", "last", or both.
std::string laggingReason(const Result& r, const SquadFigures& s, Language lang) {
    std::string why;
    if (r.meanIndex && s.index && *r.meanIndex - *s.index > kLaggingPoints + 1e-9)
        why = fmt(t("brief.lag.below", lang), *r.meanIndex - *s.index);
    int ranked = 0;
    for (const SquadFigures& o : r.squads) ranked += o.rank ? 1 : 0;
    if (s.rank && *s.rank == ranked) {
        if (!why.empty()) why += t("brief.clause_sep", lang);
        why += t("brief.lag.last", lang);
    }
    return why;
}

const SquadFigures* squadById(const Result& r, size_t idx) {
    for (const SquadFigures& s : r.squads)
        if (s.squad == idx) return &s;
    return nullptr;
}

// ---- page furniture ----

struct Doc {
    Pdf& pdf;
    const ReportData& d;
    int pages;
    std::string title;  // 重点执法工作月报 · 2024年10月
};

void furniture(Doc& doc, int page) {
    Pdf& p = doc.pdf;
    const Language lang = p.lang();
    p.text(kMargin, kHeaderY, doc.title, 9, kNavy, true);
    p.text(kPageW - kMargin, kHeaderY, p.s("brief.bureau"), 9, kMuted, false, Align::Right);
    p.line(kMargin, kHeaderY + 7, kPageW - kMargin, kHeaderY + 7, kNavy, 0.8);
    p.line(kMargin, kFooterY - 11, kPageW - kMargin, kFooterY - 11, kRule, 0.5);
    p.text(kMargin, kFooterY,
           std::string(p.s("brief.generated")) + " " + localDateTimeText(doc.d.generatedAt, false) + " · sandtable " +
               doc.d.version,
           7.5, kMuted);
    char buf[96];
    std::snprintf(buf, sizeof buf, t("brief.page_of", lang), page, doc.pages);
    p.text(kPageW - kMargin, kFooterY, buf, 7.5, kMuted, false, Align::Right);
}

double pageTitle(Pdf& p, const std::string& title, const std::string& sub) {
    p.fillRect(kMargin, kContentY, 4, 22, kNavy);
    p.text(kMargin + 12, kContentY + 17, title, 16, kNavy, true);
    if (!sub.empty()) p.text(kPageW - kMargin, kContentY + 17, sub, 9, kMuted, false, Align::Right);
    return kContentY + 36;
}

// A notice box (missing data, no history): the reason in words, never silently.
double notice(Pdf& p, double x, double y, double w, const std::string& str, bool warn) {
    const auto lines = p.wrap(str, 8.5, false, w - 16);
    const double h = 10 + 12.5 * static_cast<double>(lines.size());
    p.fillRect(x, y, w, h, warn ? kRedBand : kBand);
    p.fillRect(x, y, 3, h, warn ? kRed : kAccent);
    double yy = y + 15;
    for (const auto& l : lines) {
        p.text(x + 10, yy, l, 8.5, warn ? kRed : kInk);
        yy += 12.5;
    }
    return y + h + 8;
}

std::string missingText(const ReportData& d) {
    if (d.missingTables.empty()) return {};
    std::string names;
    for (const auto& m : d.missingTables) {
        if (!names.empty()) names += t("brief.list_sep", d.lang);
        names += m + ".csv";
    }
    char buf[512];
    std::snprintf(buf, sizeof buf, t("brief.missing_tables", d.lang), names.c_str());
    return buf;
}

// A count, or no data when a table it is counted from is missing (a missing table is
// read as empty: 0 would read as a real zero).
std::string countText(const ReportData& d, const char* key, int64_t v) {
    const std::string k = key;
    auto missing = [&](const char* table) {
        return std::find(d.missingTables.begin(), d.missingTables.end(), table) != d.missingTables.end();
    };
    const bool none = (k.starts_with("cases") || k == "non_site_cases") ? missing("cases")
                      : k == "missed_checkins"                          ? missing("checkpoints") || missing("checkins")
                      : k == "overdue_inspections"                      ? missing("objects") || missing("inspections")
                      : k == "training_attendance"                      ? missing("training")
                                                                        : false;
    return none ? std::string(tr("brief.no_data", d.lang)) : num(v);
}

// ---- charts ----

struct Series {
    std::vector<std::optional<double>> v;
    Rgb c;
    int shape;
    bool dashed;
    std::string label;
};

// A small line chart over the trend months; null points break the line.
void lineChart(Pdf& p, double x, double y, double w, double h, const std::string& title,
               const std::vector<std::string>& months, const std::vector<Series>& series, bool percent) {
    p.text(x, y + 9, title, 9, kInk, true);
    const double top = y + 18, bottom = y + h - 34, left = x + 30, right = x + w - 6;
    double lo = 1e300, hi = -1e300;
    for (const Series& s : series)
        for (const auto& v : s.v)
            if (v) {
                lo = std::min(lo, *v);
                hi = std::max(hi, *v);
            }
    if (lo > hi) {
        p.text(x + w / 2, (top + bottom) / 2, p.s("brief.no_data"), 9, kMuted, false, Align::Centre);
        return;
    }
    // A round step giving 3-6 gridlines over the data's range.
    const double unit = percent ? 0.01 : 1.0, cap = percent ? 1.0 : 100.0;
    double step = unit;
    for (const double m : {1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0})
        if ((hi - lo) / (m * unit) <= 4.0) {
            step = m * unit;
            break;
        }
    lo = std::floor((lo - step * 0.3) / step) * step;
    hi = std::min(cap, std::ceil((hi + step * 0.3) / step) * step);
    if (hi - lo < 2 * step) lo = hi - 2 * step;
    auto Y = [&](double v) { return bottom - (v - lo) / (hi - lo) * (bottom - top); };
    const size_t n = months.size();
    auto X = [&](size_t i) {
        return n <= 1 ? (left + right) / 2
                      : left + (right - left) * static_cast<double>(i) / static_cast<double>(n - 1);
    };
    const int ticks = static_cast<int>(std::round((hi - lo) / step));
    const int every = std::max(1, (ticks + 5) / 6);
    for (int k = 0; k <= ticks; k += every) {
        const double v = lo + k * step;
        p.line(left, Y(v), right, Y(v), kRule, 0.3);
        p.text(left - 3, Y(v) + 2.5, percent ? fmt("%.0f%%", v * 100) : fmt("%.0f", v), 6.5, kMuted, false,
               Align::Right);
    }
    for (size_t i = 0; i < n; ++i) p.text(X(i), bottom + 9, months[i], 6.5, kMuted, false, Align::Centre);
    cairo_t* cr = p.cr();
    for (const Series& s : series) {
        p.colour(s.c);
        cairo_set_line_width(cr, 1.2);
        if (s.dashed) {
            const double dash[] = {3.0, 2.0};
            cairo_set_dash(cr, dash, 2, 0);
        }
        bool open = false;
        for (size_t i = 0; i < s.v.size() && i < n; ++i) {
            if (!s.v[i]) {
                open = false;
                continue;
            }
            if (open)
                cairo_line_to(cr, X(i), Y(*s.v[i]));
            else
                cairo_move_to(cr, X(i), Y(*s.v[i]));
            open = true;
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0);
        for (size_t i = 0; i < s.v.size() && i < n; ++i)
            if (s.v[i]) p.marker(s.shape, X(i), Y(*s.v[i]), 1.9, s.c, !s.dashed);
    }
    // Legend under the axis, wrapped onto a second line when it does not fit.
    double lx = left, ly = y + h - 10;
    for (const Series& s : series) {
        const double need = 8 + p.width(s.label, 6.5, false) + 10;
        if (lx > left && lx + need > x + w) {
            lx = left;
            ly += 9;
        }
        p.marker(s.shape, lx + 3, ly - 2.5, 2.0, s.c, !s.dashed);
        p.text(lx + 8, ly, s.label, 6.5, kInk);
        lx += need;
    }
}

std::vector<std::string> trendMonths(const ReportData& d) {
    std::vector<std::string> m;
    for (const Result& r : d.trends) m.push_back(monthShort(r.period.from, d.lang));
    return m;
}

// ---- pages ----

void coverPage(Doc& doc) {
    Pdf& p = doc.pdf;
    const ReportData& d = doc.d;
    const Language lang = d.lang;
    p.fillRect(0, 0, kPageW, 210, kNavy);
    p.fillRect(0, 210, kPageW, 4, kAccent);
    p.text(kMargin + 20, 70, p.s("brief.bureau"), 14, {0.85, 0.90, 0.96});
    p.text(kMargin + 20, 130, std::string(p.s("brief.title_quoted")), 38, {1, 1, 1}, true);
    p.text(kMargin + 20, 178, monthText(d.result.period.from, lang), 20, {0.85, 0.90, 0.96}, true);

    double y = 262;
    auto row = [&](const char* key, const std::string& value) {
        p.text(kMargin + 20, y, p.s(key), 10.5, kMuted);
        p.text(kMargin + 150, y, value, 10.5, kInk);
        y += 21;
    };
    row("brief.cover.period", periodText(d.result.period, lang));
    row("brief.cover.at", localDateTimeText(d.result.at, false));
    row("brief.cover.generated", localDateTimeText(d.generatedAt, false));
    row("brief.cover.scene", d.sceneTitle);
    row("brief.cover.software", "sandtable " + d.version);

    // The month in three figures: the district index, the best squad, the lagging ones.
    const double bx = kPageW - kMargin - 300, by = 244, bw = 300;
    double yy = by + 22;
    int lagCount = 0;
    for (const SquadFigures& s : d.result.squads) lagCount += s.lagging.value_or(false) ? 1 : 0;
    p.fillRect(bx, by, bw, 120 + 17.0 * std::max(1, lagCount), kBand);
    p.text(bx + 16, yy, p.s("brief.cover.glance"), 11, kNavy, true);
    yy += 26;
    p.text(bx + 16, yy, keyName("index", lang) + " " + std::string(p.s("brief.district_short")), 9.5, kMuted);
    p.text(bx + bw - 16, yy + 4, indexText(d.result.district.index, lang), 22, kNavy, true, Align::Right);
    yy += 30;
    const SquadFigures* best = nullptr;
    std::vector<const SquadFigures*> lagging;
    for (const SquadFigures& s : d.result.squads) {
        if (s.rank && *s.rank == 1) best = &s;
        if (s.lagging && *s.lagging) lagging.push_back(&s);
    }
    p.text(bx + 16, yy, p.s("brief.cover.best"), 9.5, kMuted);
    if (best)
        p.text(bx + bw - 16, yy, d.squads[best->squad].name.get(lang) + "  " + indexText(best->index, lang), 11, kGood,
               true, Align::Right);
    else
        p.text(bx + bw - 16, yy, p.s("brief.no_data"), 11, kMuted, false, Align::Right);
    yy += 24;
    p.text(bx + 16, yy, p.s("brief.cover.lagging"), 9.5, kMuted);
    if (lagging.empty()) p.text(bx + bw - 16, yy, p.s("brief.none"), 11, kInk, false, Align::Right);
    for (const SquadFigures* s : lagging) {
        const std::string label =
            std::string("▲ ") + d.squads[s->squad].name.get(lang) + "  " + indexText(s->index, lang);
        p.text(bx + bw - 16, yy, label, 11, kRed, true, Align::Right);
        yy += 17;
    }
    const std::string miss = missingText(d);
    if (!miss.empty()) notice(p, kMargin + 20, 400, 380, miss, true);
    p.text(kMargin + 20, kPageH - 40, p.s("brief.cover.note"), 8, kMuted);
    char buf[96];
    std::snprintf(buf, sizeof buf, t("brief.page_of", lang), 1, doc.pages);
    p.text(kPageW - kMargin, kPageH - 40, buf, 8, kMuted, false, Align::Right);
}

void summaryPage(Doc& doc) {
    Pdf& p = doc.pdf;
    const ReportData& d = doc.d;
    const Language lang = d.lang;
    const Figures& f = d.result.district;
    const Figures* prev = d.trends.size() >= 2 ? &d.trends[d.trends.size() - 2].district : nullptr;
    double y = pageTitle(p, p.s("brief.summary.title"), periodText(d.result.period, lang));
    const std::string miss = missingText(d);
    if (!miss.empty()) y = notice(p, kMargin, y, kPageW - 2 * kMargin, miss, true);

    // Cards: the index, then the seven figures with numerator / denominator.
    const double gap = 10, cw = (kPageW - 2 * kMargin - 3 * gap) / 4, ch = 74;
    struct Card {
        std::string name, value, detail, delta;
        bool good = true, hasDelta = false;
    };
    std::vector<Card> cards;
    {
        Card c{keyName("index", lang), indexText(f.index, lang), p.s("brief.summary.index_note"), "", true, false};
        if (prev && prev->index && f.index) {
            c.hasDelta = true;
            c.good = *f.index >= *prev->index;
            c.delta = fmt(t("brief.delta_points", lang), *f.index - *prev->index);
        }
        cards.push_back(c);
    }
    for (const RateRow& r : rateRows()) {
        const Ratio& q = r.get(f);
        Card c{keyName(r.key, lang), shortValue(q, r.score, lang), "", "", true, false};
        if (q.value())
            c.detail =
                r.score ? fmt(t("brief.reviewed_cases", lang), q.den) : fmt("%.0f", q.num) + " / " + fmt("%.0f", q.den);
        if (prev && q.value() && r.get(*prev).value()) {
            const double dv = *q.value() - *r.get(*prev).value();
            c.hasDelta = true;
            c.good = dv >= 0;
            c.delta = r.score ? fmt(t("brief.delta_points", lang), dv) : fmt(t("brief.delta_pp", lang), dv * 100);
        }
        cards.push_back(c);
    }
    for (size_t i = 0; i < cards.size(); ++i) {
        const double x = kMargin + static_cast<double>(i % 4) * (cw + gap);
        const double yy = y + static_cast<double>(i / 4) * (ch + gap);
        const Card& c = cards[i];
        p.fillRect(x, yy, cw, ch, i == 0 ? kNavy : kBand);
        const Rgb ink = i == 0 ? Rgb{1, 1, 1} : kInk;
        const Rgb sub = i == 0 ? Rgb{0.80, 0.86, 0.93} : kMuted;
        p.text(x + 10, yy + 16, c.name, 9, sub, i == 0);
        p.text(x + 10, yy + 46, c.value, 22, ink, true);
        if (!c.detail.empty()) p.text(x + 10, yy + 64, c.detail, 8, sub);
        if (c.hasDelta) {
            const std::string arrow = c.good ? "▲ " : "▼ ";
            p.text(x + cw - 10, yy + 64, arrow + c.delta + " " + p.s("brief.vs_prev"), 7.5,
                   i == 0 ? Rgb{1, 1, 1} : (c.good ? kGood : kRed), false, Align::Right);
        }
    }
    y += 2 * (ch + gap) + 6;

    // Counts (left) and the district's trends (right).
    const double lw = 300;
    p.text(kMargin, y + 10, p.s("brief.summary.counts"), 10, kNavy, true);
    double yy = y + 28;
    const std::pair<const char*, int64_t> counts[] = {
        {"cases_opened", f.casesOpened},
        {"non_site_cases", f.nonSiteCases},
        {"cases_excellent", f.casesExcellent},
        {"cases_good", f.casesGood},
        {"cases_failing", f.casesFailing},
        {"missed_checkins", f.missedCheckins},
        {"overdue_inspections", f.overdueInspections},
        {"training_attendance", f.trainingAttendance},
    };
    for (size_t i = 0; i < std::size(counts); ++i) {
        if (i % 2 == 0) p.fillRect(kMargin, yy - 11, lw, 16, kBand);
        p.text(kMargin + 8, yy, keyName(counts[i].first, lang), 9, kInk);
        p.text(kMargin + lw - 8, yy, countText(d, counts[i].first, counts[i].second), 9, kInk, true, Align::Right);
        yy += 16;
    }
    const auto months = trendMonths(d);
    std::vector<std::optional<double>> idx;
    std::vector<Series> rates;
    for (const Result& r : d.trends) idx.push_back(r.district.index);
    const Rgb cols[] = {kAccent, {0.85, 0.45, 0.10}, kGood, {0.50, 0.25, 0.60}};
    for (int k = 0; k < 4; ++k) {
        Series s{{}, cols[k], k, false, keyName(rateRows()[static_cast<size_t>(k)].key, lang)};
        for (const Result& r : d.trends) s.v.push_back(rateRows()[static_cast<size_t>(k)].get(r.district).value());
        rates.push_back(s);
    }
    const double cx = kMargin + lw + 24, cwid = (kPageW - kMargin - cx - 14) / 2, chh = kFooterY - 20 - y;
    lineChart(p, cx, y, cwid, chh, p.s("brief.trend.index"), months, {{idx, kNavy, 0, false, keyName("index", lang)}},
              false);
    lineChart(p, cx + cwid + 14, y, cwid, chh, p.s("brief.trend.rates"), months, rates, true);
}

void rankingPage(Doc& doc) {
    Pdf& p = doc.pdf;
    const ReportData& d = doc.d;
    const Language lang = d.lang;
    const Result& r = d.result;
    std::string sub;
    if (r.meanIndex) sub = fmt(t("brief.rank.mean", lang), *r.meanIndex);
    double y = pageTitle(p, p.s("brief.rank.title"), sub);

    // Ranked squads first, then those without an index (catalogue order).
    std::vector<const SquadFigures*> order;
    for (const SquadFigures& s : r.squads) order.push_back(&s);
    std::stable_sort(order.begin(), order.end(), [](const SquadFigures* a, const SquadFigures* b) {
        if (a->rank.has_value() != b->rank.has_value()) return a->rank.has_value();
        return a->rank && *a->rank < *b->rank;
    });
    struct Col {
        std::string head;
        double w;
    };
    std::vector<Col> cols = {{p.s("kpi.rank"), 34},
                             {p.s("kpi.col.squad"), 104},
                             {keyName("index", lang), 190},
                             {p.s("brief.rank.vs_mean"), 56}};
    for (const RateRow& rr : rateRows()) cols.push_back({keyName(rr.key, lang), 44});
    cols.push_back({p.s("brief.rank.verdict"), 0});
    double used = 0;
    for (const Col& c : cols) used += c.w;
    cols.back().w = kPageW - 2 * kMargin - used;

    const double headH = 34, rowH = 27;
    p.fillRect(kMargin, y, kPageW - 2 * kMargin, headH, kNavy);
    double x = kMargin;
    for (size_t i = 0; i < cols.size(); ++i) {
        const bool narrow = i >= 4 && i + 1 < cols.size();
        const auto lines =
            narrow ? p.wrap(cols[i].head, 7.5, true, cols[i].w - 4) : std::vector<std::string>{cols[i].head};
        double ly = y + (lines.size() > 1 ? 14 : 21);
        for (const auto& l : lines) {
            p.text(x + (i <= 1 ? 6 : cols[i].w / 2), ly, l, narrow ? 7.5 : 8.5, {1, 1, 1}, true,
                   i <= 1 ? Align::Left : Align::Centre);
            ly += 10;
        }
        x += cols[i].w;
    }
    y += headH;
    const double barX = kMargin + cols[0].w + cols[1].w + 6, barW = cols[2].w - 48;
    double lo = 100, hi = 0;
    for (const SquadFigures* s : order)
        if (s->index) {
            lo = std::min(lo, *s->index);
            hi = std::max(hi, *s->index);
        }
    lo = std::max(0.0, std::floor((lo - 8) / 10) * 10);
    hi = 100;
    for (size_t k = 0; k < order.size(); ++k) {
        const SquadFigures& s = *order[k];
        const bool lag = s.lagging && *s.lagging;
        const double ry = y + static_cast<double>(k) * rowH;
        if (lag)
            p.fillRect(kMargin, ry, kPageW - 2 * kMargin, rowH, kRedBand);
        else if (k % 2 == 1)
            p.fillRect(kMargin, ry, kPageW - 2 * kMargin, rowH, kBand);
        const double base = ry + rowH / 2 + 3.5;
        const Rgb ink = lag ? kRed : kInk;
        x = kMargin;
        p.text(x + cols[0].w / 2, base, s.rank ? std::to_string(*s.rank) : "—", 10, ink, true, Align::Centre);
        x += cols[0].w;
        p.text(x + 6, base, d.squads[s.squad].name.get(lang), 9.5, ink, lag);
        x += cols[1].w;
        if (s.index) {
            const double bw = std::max(1.0, (*s.index - lo) / (hi - lo) * barW);
            p.fillRect(barX, ry + 7, bw, rowH - 14, lag ? kRed : kAccent, lag ? 1.0 : 0.85);
            if (lag) {
                // Hatched over the red, so the bar reads as lagging in grey print too.
                cairo_t* cr = p.cr();
                cairo_save(cr);
                cairo_rectangle(cr, barX, ry + 7, bw, rowH - 14);
                cairo_clip(cr);
                for (double hx = barX - rowH; hx < barX + bw; hx += 5) {
                    cairo_move_to(cr, hx, ry + rowH - 7);
                    cairo_line_to(cr, hx + rowH - 14, ry + 7);
                }
                cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
                cairo_set_line_width(cr, 1.2);
                cairo_stroke(cr);
                cairo_restore(cr);
            }
            p.text(barX + barW + 40, base, indexText(s.index, lang), 9.5, ink, true, Align::Right);
        } else {
            p.text(barX, base, p.s("brief.no_data"), 9, kMuted);
        }
        x += cols[2].w;
        if (s.index && r.meanIndex)
            p.text(x + cols[3].w / 2, base, fmt("%+.1f", *s.index - *r.meanIndex), 9, ink, false, Align::Centre);
        x += cols[3].w;
        for (size_t i = 0; i < rateRows().size(); ++i) {
            const RateRow& rr = rateRows()[i];
            const Ratio& q = rr.get(s);
            const std::string v =
                q.value() ? (rr.score ? fmt("%.1f", *q.value()) : fmt("%.1f", *q.value() * 100)) : std::string("—");
            p.text(x + cols[4 + i].w / 2, base, v, 8.5, q.value() ? kInk : kMuted, false, Align::Centre);
            x += cols[4 + i].w;
        }
        if (lag) {
            p.marker(2, x + 10, base - 3.5, 4.0, kRed);
            p.text(x + 18, base, p.s("brief.lagging"), 9.5, kRed, true);
        } else if (!s.lagging) {
            p.text(x + 8, base, p.s("brief.no_index"), 8, kMuted);
        }
    }
    // The mean as a dashed line through the bars.
    const double tableBottom = y + static_cast<double>(order.size()) * rowH;
    if (r.meanIndex) {
        const double mx = barX + (*r.meanIndex - lo) / (hi - lo) * barW;
        cairo_t* cr = p.cr();
        const double dash[] = {2.5, 2.0};
        cairo_set_dash(cr, dash, 2, 0);
        p.line(mx, y, mx, tableBottom, kInk, 0.8);
        cairo_set_dash(cr, nullptr, 0, 0);
        p.text(mx, tableBottom + 9, fmt(t("brief.rank.mean_short", lang), *r.meanIndex), 7, kInk, false, Align::Centre);
    }
    p.line(kMargin, tableBottom, kPageW - kMargin, tableBottom, kNavy, 0.8);
    y = tableBottom + 18;
    p.text(kMargin, y, p.s("brief.rank.units"), 7.5, kMuted);
    y += 18;

    // The lagging squads, named, with why.
    std::string names;
    for (const SquadFigures* s : order)
        if (s->lagging && *s->lagging) {
            if (!names.empty()) names += t("brief.list_sep", lang);
            char buf[512];
            std::snprintf(buf, sizeof buf, t("brief.rank.lagging_item", lang),
                          d.squads[s->squad].name.get(lang).c_str(), indexText(s->index, lang).c_str(),
                          laggingReason(r, *s, lang).c_str());
            names += buf;
        }
    if (names.empty()) names = p.s("brief.none");
    const double boxW = kPageW - 2 * kMargin;
    p.fillRect(kMargin, y, boxW, 40, kRedBand);
    p.fillRect(kMargin, y, 3, 40, kRed);
    p.marker(2, kMargin + 16, y + 15, 4.5, kRed);
    const double lx = kMargin + 26 + p.text(kMargin + 26, y + 19, p.s("brief.rank.lagging_squads"), 10.5, kRed, true);
    p.paragraph(lx + 6, y + 19, boxW - (lx - kMargin) - 16, names, 10.5, kRed, true);
    p.text(kMargin + 26, y + 33, p.s("brief.rank.rule"), 7.5, kInk);
}

void coverageOverlay(Pdf& p, const SquadMap& m, const CoverageResult& cov, double cellM, double bx, double by,
                     double sx, double sy) {
    cairo_t* cr = p.cr();
    cairo_save(cr);
    cairo_set_source_rgba(cr, 0.20, 0.95, 0.75, 0.45);
    const double h = cellM / 2;
    for (const Vec2d& c : cov.visitedCells) {
        const Vec2d corners[4] = {{c.x - h, c.y - h}, {c.x + h, c.y - h}, {c.x + h, c.y + h}, {c.x - h, c.y + h}};
        for (int i = 0; i < 4; ++i) {
            const Vec2d s = m.camera.worldToScreen(corners[i]);
            if (i == 0)
                cairo_move_to(cr, bx + s.x * sx, by + s.y * sy);
            else
                cairo_line_to(cr, bx + s.x * sx, by + s.y * sy);
        }
        cairo_close_path(cr);
    }
    cairo_fill(cr);
    cairo_restore(cr);
}

void mapBox(Pdf& p, const ReportData& d, size_t squadIdx, double x, double y, double w, double h) {
    const Language lang = d.lang;
    const SquadMap* m = squadIdx < d.maps.size() ? &d.maps[squadIdx] : nullptr;
    if (!m || m->image.width == 0) {
        p.fillRect(x, y, w, h, kBand);
        p.strokeRect(x, y, w, h, kRule);
        p.text(x + w / 2, y + h / 2 - 6, p.s("brief.map.none"), 11, kMuted, true, Align::Centre);
        if (m && !m->why.empty()) p.paragraph(x + 20, y + h / 2 + 12, w - 40, m->why, 8, kMuted);
        return;
    }
    const Image& img = m->image;
    cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img.width, img.height);
    cairo_surface_flush(s);
    unsigned char* data = cairo_image_surface_get_data(s);
    const int stride = cairo_image_surface_get_stride(s);
    for (int yy = 0; yy < img.height; ++yy) {
        auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(yy) * static_cast<size_t>(stride));
        for (int xx = 0; xx < img.width; ++xx) {
            const uint8_t* px = img.pixel(xx, yy);
            row[xx] = (uint32_t{px[0]} << 16) | (uint32_t{px[1]} << 8) | uint32_t{px[2]};
        }
    }
    cairo_surface_mark_dirty(s);
    cairo_t* cr = p.cr();
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    const double sx = w / img.width, sy = h / img.height;
    cairo_translate(cr, x, y);
    cairo_scale(cr, sx, sy);
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(s);
    // The jurisdiction: the rest of the map dimmed, its edge drawn strong.
    if (!m->outline.empty()) {
        cairo_save(cr);
        cairo_rectangle(cr, x, y, w, h);
        cairo_clip(cr);
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        cairo_rectangle(cr, x, y, w, h);
        auto ringPath = [&] {
            for (const auto& ring : m->outline) {
                for (size_t i = 0; i < ring.size(); ++i) {
                    const Vec2d q = m->camera.worldToScreen(ring[i]);
                    if (i == 0)
                        cairo_move_to(cr, x + q.x * sx, y + q.y * sy);
                    else
                        cairo_line_to(cr, x + q.x * sx, y + q.y * sy);
                }
                cairo_close_path(cr);
            }
        };
        ringPath();
        cairo_set_source_rgba(cr, 0.03, 0.07, 0.11, 0.45);
        cairo_fill(cr);
        ringPath();
        cairo_set_source_rgba(cr, 1, 1, 1, 0.95);
        cairo_set_line_width(cr, 2.0);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
        cairo_restore(cr);
    }
    const SquadInfo& info = d.squads[squadIdx];
    for (const CoverageResult& c : d.coverage)
        if (c.squad == info.id) {
            cairo_save(cr);
            cairo_rectangle(cr, x, y, w, h);
            cairo_clip(cr);
            coverageOverlay(p, *m, c, d.coverageCellM, x, y, sx, sy);
            cairo_restore(cr);
        }
    p.strokeRect(x, y, w, h, kInk, 0.6);
    (void)lang;
}

void squadPage(Doc& doc, size_t squadIdx) {
    Pdf& p = doc.pdf;
    const ReportData& d = doc.d;
    const Language lang = d.lang;
    const SquadInfo& info = d.squads[squadIdx];
    const SquadFigures* sp = squadById(d.result, squadIdx);
    if (!sp) return;
    const SquadFigures& s = *sp;
    const bool lag = s.lagging && *s.lagging;
    int ranked = 0;
    for (const SquadFigures& o : d.result.squads) ranked += o.rank ? 1 : 0;

    // Title: name, jurisdiction, rank and index.
    p.fillRect(kMargin, kContentY, 4, 22, lag ? kRed : kNavy);
    const double nw = p.text(kMargin + 12, kContentY + 17, info.name.get(lang), 16, lag ? kRed : kNavy, true);
    p.text(kMargin + 20 + nw, kContentY + 17,
           info.jurisdiction.get(lang) + " · " + std::string(p.s("kpi.col.code")) + " " + info.code, 9, kMuted);
    std::string rankText = p.s("brief.no_index");
    if (s.rank) {
        char buf[96];
        std::snprintf(buf, sizeof buf, t("brief.rank_of", lang), *s.rank, ranked);
        rankText = buf;
    }
    const double rx = kPageW - kMargin;
    const double iw = p.text(rx, kContentY + 18, indexText(s.index, lang), 20, lag ? kRed : kNavy, true, Align::Right);
    p.text(rx - iw - 8, kContentY + 17, keyName("index", lang) + "  " + rankText, 9.5, kMuted, false, Align::Right);
    double y = kContentY + 32;
    if (lag) {
        const std::string why =
            std::string("▲ ") + p.s("brief.lagging") + t("brief.colon", lang) + laggingReason(d.result, s, lang);
        p.fillRect(kMargin, y, kPageW - 2 * kMargin, 18, kRedBand);
        p.fillRect(kMargin, y, 3, 18, kRed);
        p.text(kMargin + 10, y + 12.5, why, 9, kRed, true);
        y += 24;
    } else {
        y += 4;
    }

    // Left: the map.
    const auto [mapW, mapH] = squadMapBox(lag);
    mapBox(p, d, squadIdx, kMargin, y, mapW, mapH);
    double ly = y + mapH + 12;
    char covBuf[256] = {0};
    const CoverageResult* cov = nullptr;
    for (const CoverageResult& c : d.coverage)
        if (c.squad == info.id) cov = &c;
    p.fillRect(kMargin, ly - 6, 10, 6, {0.93, 0.35, 0.20});
    p.text(kMargin + 14, ly, p.s("brief.map.heat"), 7.5, kInk);
    ly += 11;
    if (cov) {
        p.fillRect(kMargin, ly - 6, 10, 6, {0.20, 0.85, 0.70});
        std::snprintf(covBuf, sizeof covBuf, t("brief.map.coverage", lang), cov->km, cov->share * 100.0,
                      cov->cellsVisited, cov->cellsTotal, cov->officers);
        p.text(kMargin + 14, ly, covBuf, 7.5, kInk);
    } else {
        p.text(kMargin + 14, ly, d.historyGiven ? d.historyNote : p.s("brief.map.no_history"), 7.5, kMuted);
    }

    // Right: the indicators.
    const double tx = kMargin + mapW + 18, tw = kPageW - kMargin - tx;
    const double c1 = 112, c2 = 104, c3 = 52;
    const Figures* prev = nullptr;
    if (d.trends.size() >= 2) prev = squadById(d.trends[d.trends.size() - 2], squadIdx);
    p.fillRect(tx, y, tw, 18, kNavy);
    p.text(tx + 6, y + 12.5, p.s("brief.squad.indicator"), 8, {1, 1, 1}, true);
    p.text(tx + c1 + c2 - 4, y + 12.5, p.s("brief.squad.value"), 8, {1, 1, 1}, true, Align::Right);
    p.text(tx + c1 + c2 + c3 - 4, y + 12.5, p.s("brief.squad.district"), 8, {1, 1, 1}, true, Align::Right);
    p.text(tx + tw - 4, y + 12.5, p.s("brief.vs_prev"), 8, {1, 1, 1}, true, Align::Right);
    double ry = y + 18;
    const double rowH = 17;
    for (size_t i = 0; i < rateRows().size(); ++i) {
        const RateRow& rr = rateRows()[i];
        const Ratio& q = rr.get(s);
        if (i % 2 == 1) p.fillRect(tx, ry, tw, rowH, kBand);
        const double b = ry + 12;
        p.text(tx + 6, b, keyName(rr.key, lang), 8.5, kInk);
        const std::string v = rr.score ? scoreText(q, lang) : rateText(q, lang);
        const Ratio& dq = rr.get(d.result.district);
        const bool below = q.value() && dq.value() && *q.value() < *dq.value();
        p.text(tx + c1 + c2 - 4, b, v, 8.5, q.value() ? (below ? Rgb{0.70, 0.30, 0.05} : kInk) : kMuted,
               q.value().has_value(), Align::Right);
        p.text(tx + c1 + c2 + c3 - 4, b, shortValue(dq, rr.score, lang), 8, kMuted, false, Align::Right);
        if (prev && q.value() && rr.get(*prev).value()) {
            const double dv = *q.value() - *rr.get(*prev).value();
            const std::string dt = rr.score ? fmt("%+.1f", dv) : fmt(t("brief.delta_pp", lang), dv * 100);
            p.text(tx + tw - 4, b, dt, 8, dv >= 0 ? kGood : kRed, false, Align::Right);
        }
        ry += rowH;
    }
    p.line(tx, ry, tx + tw, ry, kNavy, 0.6);
    p.text(tx, ry + 10, p.s("brief.squad.value_note"), 6.5, kMuted);
    ry += 20;

    // Counts, two columns.
    const std::pair<const char*, int64_t> counts[] = {
        {"cases_opened", s.casesOpened},
        {"non_site_cases", s.nonSiteCases},
        {"cases_excellent", s.casesExcellent},
        {"cases_good", s.casesGood},
        {"cases_failing", s.casesFailing},
        {"missed_checkins", s.missedCheckins},
        {"overdue_inspections", s.overdueInspections},
        {"training_attendance", s.trainingAttendance},
    };
    const double half = (tw - 8) / 2;
    for (size_t i = 0; i < std::size(counts); ++i) {
        const double cx = tx + static_cast<double>(i % 2) * (half + 8);
        const double cy = ry + static_cast<double>(i / 2) * 15 + 10;
        p.text(cx + 2, cy, keyName(counts[i].first, lang), 8, kMuted);
        const bool bad = (std::string(counts[i].first) == "overdue_inspections" ||
                          std::string(counts[i].first) == "cases_failing") &&
                         counts[i].second > 0;
        p.text(cx + half - 2, cy, countText(d, counts[i].first, counts[i].second), 8.5, bad ? kRed : kInk, true,
               Align::Right);
    }
    ry += 4 * 15 + 8;
    if (!d.missingTables.empty()) ry = notice(p, tx, ry, tw, missingText(d), true);

    // Trends.
    const auto months = trendMonths(d);
    std::vector<std::optional<double>> mine, dist;
    for (const Result& r : d.trends) {
        const SquadFigures* o = squadById(r, squadIdx);
        mine.push_back(o ? o->index : std::nullopt);
        dist.push_back(r.district.index);
    }
    std::vector<Series> rates;
    const Rgb cols[] = {kAccent, {0.85, 0.45, 0.10}, kGood, {0.50, 0.25, 0.60}};
    for (int k = 0; k < 4; ++k) {
        Series se{{}, cols[k], k, false, keyName(rateRows()[static_cast<size_t>(k)].key, lang)};
        for (const Result& r : d.trends) {
            const SquadFigures* o = squadById(r, squadIdx);
            se.v.push_back(o ? rateRows()[static_cast<size_t>(k)].get(*o).value() : std::nullopt);
        }
        rates.push_back(se);
    }
    const double chH = kFooterY - 16 - ry, chW = (tw - 10) / 2;
    lineChart(p, tx, ry, chW, chH, p.s("brief.trend.index"), months,
              {{mine, lag ? kRed : kNavy, 0, false, info.name.get(lang)},
               {dist, kDistrict, 1, true, p.s("brief.district_short")}},
              false);
    lineChart(p, tx + chW + 10, ry, chW, chH, p.s("brief.trend.rates"), months, rates, true);
}

void appendixPage(Doc& doc) {
    Pdf& p = doc.pdf;
    const ReportData& d = doc.d;
    const Language lang = d.lang;
    double y = pageTitle(p, p.s("brief.appendix.title"), "");
    const double colW = (kPageW - 2 * kMargin - 24) / 2;

    // Left: the formulas.
    double ly = y;
    p.text(kMargin, ly + 8, p.s("brief.appendix.formulas"), 10, kNavy, true);
    ly += 22;
    for (const RateRow& rr : rateRows()) {
        p.text(kMargin, ly, keyName(rr.key, lang), 8.5, kInk, true);
        ly = p.paragraph(kMargin + 100, ly, colW - 100, tr(std::string("brief.formula.") + rr.key, lang), 7.5, kInk,
                         false, 1.35);
        ly += 3;
    }
    p.text(kMargin, ly, keyName("index", lang), 8.5, kInk, true);
    ly = p.paragraph(kMargin + 100, ly, colW - 100, p.s("brief.formula.index"), 7.5, kInk, false, 1.35) + 3;
    p.text(kMargin, ly, p.s("brief.formula.lagging_name"), 8.5, kInk, true);
    ly = p.paragraph(kMargin + 100, ly, colW - 100, p.s("brief.formula.lagging"), 7.5, kInk, false, 1.35) + 3;
    std::string w;
    for (size_t i = 0; i < kSubScoreCount; ++i) {
        if (!w.empty()) w += t("brief.list_sep", lang);
        w += keyName(std::string(kSubScoreKeys[i]).c_str(), lang) + " " + fmt("%g", d.weights.w[i]);
    }
    p.text(kMargin, ly, p.s("brief.appendix.weights"), 8.5, kInk, true);
    ly = p.paragraph(kMargin + 100, ly, colW - 100, w, 7.5, kInk, false, 1.35) + 3;
    p.paragraph(kMargin, ly + 4, colW, p.s("brief.appendix.same_as_kpi"), 7.5, kMuted);

    // Right: provenance.
    const double rx = kMargin + colW + 24;
    double ry = y;
    p.text(rx, ry + 8, p.s("brief.appendix.provenance"), 10, kNavy, true);
    ry += 22;
    auto kv = [&](const char* key, const std::string& v) {
        p.text(rx, ry, p.s(key), 8, kMuted);
        ry = p.paragraph(rx + 90, ry, colW - 90, v, 8, kInk, false, 1.3) + 2;
    };
    kv("brief.cover.period", periodText(d.result.period, lang));
    kv("brief.cover.at", formatIsoTime(d.result.at));
    kv("brief.cover.generated", formatIsoTime(d.generatedAt));
    kv("brief.cover.software", "sandtable " + d.version);
    std::string bad = fmt(t("brief.appendix.bad_rows", lang), static_cast<double>(d.badRows));
    if (d.duplicateCheckins)
        bad +=
            t("brief.list_sep", lang) + fmt(t("brief.appendix.dups", lang), static_cast<double>(d.duplicateCheckins));
    kv("brief.appendix.bad_rows_name", bad);
    for (const std::string& b : d.badRowSamples) {
        ry = p.paragraph(rx + 90, ry, colW - 90, b, 6.5, kMuted, false, 1.25);
    }
    ry += 6;
    p.text(rx, ry, p.s("brief.appendix.inputs"), 9, kNavy, true);
    ry += 12;
    for (const InputFile& f : d.inputs) {
        if (ry > kFooterY - 30) break;
        p.text(rx, ry, p.s(f.role.c_str()), 7.5, kInk, true);
        p.text(rx + 90, ry, std::filesystem::path(f.path).filename().string(), 7.5, kInk);
        if (f.missing)
            p.text(rx + colW, ry, p.s("brief.appendix.missing"), 7.5, kRed, true, Align::Right);
        else
            p.text(rx + colW, ry, fmt("%.0f B", static_cast<double>(f.bytes)), 7, kMuted, false, Align::Right);
        ry += 9.5;
        if (!f.sha256.empty()) {
            p.text(rx + 90, ry, "sha256 " + f.sha256, 6, kMuted);
            ry += 10.5;
        } else {
            ry += 2;
        }
    }
}

}  // namespace

std::string reportFontPath(bool bold) {
    if (const char* env = std::getenv("SANDTABLE_FONT"); env && *env) return env;
    const char* want = bold ? "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
                            : "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
    if (std::filesystem::exists(want)) return want;
    return "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
}

std::string rateText(const Ratio& r, Language lang) {
    const auto v = r.value();
    if (!v) return tr("brief.no_data", lang);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.1f%% (%.0f/%.0f)", *v * 100.0, r.num, r.den);
    return buf;
}

std::string scoreText(const Ratio& r, Language lang) {
    const auto v = r.value();
    if (!v) return tr("brief.no_data", lang);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.1f (%.0f)", *v, r.den);
    return buf;
}

std::string indexText(const std::optional<double>& v, Language lang) {
    if (!v) return tr("brief.no_data", lang);
    return fmt("%.1f", *v);
}

std::string monthText(TimeMs from, Language lang) {
    static const char* en[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};
    const CivilTime c = toCivil(from);
    if (lang == Language::English) return std::string(en[(c.month + 11) % 12]) + " " + std::to_string(c.year);
    return std::to_string(c.year) + tr("brief.year_suffix", lang) + std::to_string(c.month) +
           tr("brief.month_suffix", lang);
}

std::pair<double, double> squadMapBox(bool lagging) {
    const double top = kContentY + 32 + (lagging ? 24 : 4);
    return {420.0, kFooterY - 16 - top - 30};
}

int reportPageCount(const ReportData& d) { return 3 + static_cast<int>(d.squads.size()) + 1; }

std::vector<std::string> reportSteps(const ReportData& d) {
    const Language l = d.lang;
    std::vector<std::string> s = {tr("brief.step.cover", l), tr("brief.step.summary", l), tr("brief.step.ranking", l)};
    for (const SquadInfo& q : d.squads.squads())
        s.push_back(std::string(tr("brief.step.squad", l)) + " " + q.name.get(l));
    s.push_back(tr("brief.step.appendix", l));
    return s;
}

void writeReportPdf(const ReportData& d, const std::string& path,
                    const std::function<void(int, int, const std::string&)>& progress) {
    Pdf pdf(path, d.lang);
    Doc doc{pdf, d, reportPageCount(d),
            std::string(tr("brief.title", d.lang)) + " · " + monthText(d.result.period.from, d.lang)};
    pdf.metadata(doc.title, tr("brief.bureau", d.lang));
    const auto steps = reportSteps(d);
    int page = 0;
    auto next = [&](bool withFurniture) {
        ++page;
        if (progress) progress(page, doc.pages, steps[static_cast<size_t>(page - 1)]);
        if (withFurniture) furniture(doc, page);
    };
    next(false);
    coverPage(doc);
    pdf.showPage();
    next(true);
    summaryPage(doc);
    pdf.showPage();
    next(true);
    rankingPage(doc);
    pdf.showPage();
    for (size_t i = 0; i < d.squads.size(); ++i) {
        next(true);
        squadPage(doc, i);
        pdf.showPage();
    }
    next(true);
    appendixPage(doc);
    pdf.showPage();
    pdf.finish(path);
}

}  // namespace sandtable::report
