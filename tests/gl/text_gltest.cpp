// Map text's distance fields (engine/render/text): the transform against geometry whose
// distances are known, and a real CJK glyph against FreeType's own (slow) SDF renderer.
#include <ft2build.h>
#include FT_FREETYPE_H

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <vector>

#include "engine/render/text.hpp"

using namespace sandtable;

namespace {
double decode(uint8_t v) { return (static_cast<double>(v) - 128.0) / 16.0; }  // px, positive inside

// Coverage of a disc (centre cx, cy, radius r, in pixels) by 16x16 supersampling.
std::vector<uint8_t> disc(int w, int h, double cx, double cy, double r) {
    std::vector<uint8_t> c(static_cast<size_t>(w * h));
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            int in = 0;
            for (int j = 0; j < 16; ++j)
                for (int i = 0; i < 16; ++i) in += std::hypot(x + (i + 0.5) / 16 - cx, y + (j + 0.5) / 16 - cy) <= r;
            c[static_cast<size_t>(y * w + x)] = static_cast<uint8_t>(std::lround(in * 255.0 / 256.0));
        }
    return c;
}
}  // namespace

// The transform measures between pixel centres, as TinySDF does: where an edge runs along
// pixel boundaries the first pixel each side reads 1 px, not the 0.5 px to the boundary, so
// distances are up to about half a pixel long; the edge itself (the zero crossing that
// fill and halo are drawn from) lies where it should. At the 14-24 px the map draws text
// (a third to a half of the 48 px the field is made at) that is under a quarter of a pixel.
TEST_CASE("A disc's distance field crosses zero at its edge and gives distances within 0.65 px", "[text]") {
    const int w = 40, h = 36, pad = 8;
    const double cx = 19.3, cy = 17.8, r = 13.4;
    const std::vector<uint8_t> cov = disc(w, h, cx, cy, r);
    const std::vector<uint8_t> sdf = signedDistanceField(cov.data(), w, h, w, pad);
    const int W = w + 2 * pad, H = h + 2 * pad;
    REQUIRE(sdf.size() == static_cast<size_t>(W * H));
    auto at = [&](int x, int y) { return decode(sdf[static_cast<size_t>(y * W + x)]); };
    auto truthAt = [&](double x, double y) { return r - std::hypot(x - pad + 0.5 - cx, y - pad + 0.5 - cy); };
    double worst = 0;
    size_t judged = 0;
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
            const double truth = truthAt(x, y), got = at(x, y);
            if (std::abs(truth) < 7.0) {  // inside the spread: not clamped
                worst = std::max(worst, std::abs(got - truth));
                ++judged;
            } else if (std::abs(truth) > 8.0) {
                CHECK(std::abs(got) >= 7.0);  // clamped at the spread, with the right sign
                CHECK((got > 0) == (truth > 0));
            }
        }
    // The edge along each row: where the field crosses zero, against the circle.
    double worstEdge = 0;
    size_t rows = 0;
    const int y0 = static_cast<int>(std::ceil(cy - r * 0.9)) + pad, y1 = static_cast<int>(cy + r * 0.9) + pad;
    for (int y = y0; y <= y1; ++y)
        for (int x = 0; x + 1 < W; ++x) {
            const double a = at(x, y), b = at(x + 1, y);
            if ((a > 0) == (b > 0) || a == b) continue;
            const double crossing = x + a / (a - b);  // interpolated, pixel-centre coordinates
            const double yy = y - pad + 0.5 - cy, half = std::sqrt(r * r - yy * yy);
            const double edge = (crossing - pad + 0.5 < cx ? cx - half : cx + half) + pad - 0.5;
            worstEdge = std::max(worstEdge, std::abs(crossing - edge));
            ++rows;
        }
    INFO("worst error " << worst << " px over " << judged << " pixels; edge within " << worstEdge << " px over " << rows
                        << " crossings");
    CHECK(judged > 1000);
    CHECK(worst < 0.65);
    CHECK(rows >= static_cast<size_t>(2 * (y1 - y0)));
    CHECK(worstEdge < 0.2);
}

TEST_CASE("An empty or full bitmap's field is clamped, and a pixel-aligned edge lies on the boundary", "[text]") {
    const std::vector<uint8_t> none(64, 0), full(64, 255);
    for (uint8_t v : signedDistanceField(none.data(), 8, 8, 8, 4)) CHECK(v == 0);
    const std::vector<uint8_t> sq = signedDistanceField(full.data(), 8, 8, 8, 4);
    REQUIRE(sq.size() == 256u);
    auto at = [&](int x, int y) { return decode(sq[static_cast<size_t>(y * 16 + x)]); };
    // Row 8 crosses the square (columns 4..11): symmetric about the boundary, so the edge
    // interpolates to it; distances grow by a pixel per pixel either way.
    CHECK(at(4, 8) == Approx(-at(3, 8)));
    CHECK(at(4, 8) == Approx(1.0).margin(0.07));
    CHECK(at(5, 8) == Approx(2.0).margin(0.07));
    CHECK(at(2, 8) == Approx(-2.0).margin(0.07));
    CHECK(at(3, 3) == Approx(-std::sqrt(2.0)).margin(0.07));  // off the corner, diagonally
    CHECK(at(7, 7) == Approx(4.0).margin(0.07));              // the middle
}

TEST_CASE("A CJK glyph's field matches FreeType's own SDF renderer where the text is drawn", "[text]") {
    const std::string font = defaultFontPath();
    if (!std::filesystem::exists(font)) FAIL("no font at " << font << " (install fonts-noto-cjk)");
    FontAtlas atlas(font);
    FT_Library lib = nullptr;
    REQUIRE(FT_Init_FreeType(&lib) == 0);
    FT_Face face = nullptr;
    REQUIRE(FT_New_Face(lib, font.c_str(), 2, &face) == 0);
    FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(FontAtlas::kBaseSize));
    for (char32_t cp : {U'中', U'街', U'镇', U'A', U'g'}) {
        CAPTURE(static_cast<uint32_t>(cp));
        const FontAtlas::Glyph& g = atlas.glyph(cp);
        REQUIRE(FT_Load_Char(face, cp, FT_LOAD_DEFAULT) == 0);
        REQUIRE(FT_Render_Glyph(face->glyph, FT_RENDER_MODE_SDF) == 0);
        const FT_Bitmap& ref = face->glyph->bitmap;
        // Same placement and size as FreeType's padded SDF bitmap.
        CHECK(g.width == Approx(ref.width).margin(1));
        CHECK(g.height == Approx(ref.rows).margin(1));
        CHECK(g.left == Approx(face->glyph->bitmap_left).margin(1));
        CHECK(g.top == Approx(face->glyph->bitmap_top).margin(1));
        CHECK(g.advance == Approx(static_cast<float>(face->glyph->advance.x) / 64.0f));
        // The fields agree where fill and halo are drawn (within 3 px of the edge).
        const int ax = static_cast<int>(std::lround(g.u0 * FontAtlas::kAtlasSize)),
                  ay = static_cast<int>(std::lround(g.v0 * FontAtlas::kAtlasSize));
        const int dx = static_cast<int>(std::lround(g.left)) - face->glyph->bitmap_left,
                  dy = face->glyph->bitmap_top - static_cast<int>(std::lround(g.top));
        double sum = 0, worst = 0;
        size_t n = 0, inside = 0, insideBoth = 0;
        for (int y = 0; y < static_cast<int>(ref.rows); ++y)
            for (int x = 0; x < static_cast<int>(ref.width); ++x) {
                const int gx = x - dx, gy = y - dy;
                if (gx < 0 || gy < 0 || gx >= static_cast<int>(g.width) || gy >= static_cast<int>(g.height)) continue;
                const double want = decode(ref.buffer[y * ref.pitch + x]);
                const double got = decode(atlas.pixels()[static_cast<size_t>(ay + gy) * FontAtlas::kAtlasSize +
                                                         static_cast<size_t>(ax + gx)]);
                if (want > 0) {
                    ++inside;
                    insideBoth += got > 0;
                }
                if (std::abs(want) > 3) continue;
                sum += std::abs(got - want);
                worst = std::max(worst, std::abs(got - want));
                ++n;
            }
        INFO("mean " << sum / static_cast<double>(n) << " px, worst " << worst << " px over " << n << " pixels; inside "
                     << insideBoth << " of " << inside);
        CHECK(n > 200);
        CHECK(sum / static_cast<double>(n) < 0.35);
        CHECK(worst < 1.0);
        CHECK(static_cast<double>(insideBoth) >= 0.97 * static_cast<double>(inside));
    }
    CHECK(atlas.stats().rasterised == 5u);
    CHECK(atlas.glyphCount() == 5u);
    atlas.glyph(U'中');  // cached
    CHECK(atlas.stats().rasterised == 5u);
    FT_Done_Face(face);
    FT_Done_FreeType(lib);
}
