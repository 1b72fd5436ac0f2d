#include "engine/render/text.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace sandtable {

std::u32string utf8ToUtf32(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        char32_t cp = 0xFFFD;
        size_t n = 1;
        if (c < 0x80)
            cp = c;
        else if ((c >> 5) == 6 && i + 1 < s.size()) {
            cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
            n = 2;
        } else if ((c >> 4) == 14 && i + 2 < s.size()) {
            cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                 (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
            n = 3;
        } else if ((c >> 3) == 30 && i + 3 < s.size()) {
            cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
                 ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) | (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
            n = 4;
        }
        out.push_back(cp);
        i += n;
    }
    return out;
}

std::string defaultFontPath(bool bold) {
    if (const char* env = std::getenv("SANDTABLE_FONT"); env && *env) return env;
    const char* candidates[] = {
        bold ? "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
             : "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    };
    for (const char* c : candidates)
        if (std::filesystem::exists(c)) return c;
    return candidates[0];
}

struct FontAtlas::FtState {
    FT_Library lib = nullptr;
    FT_Face face = nullptr;
};

FontAtlas::FontAtlas(const std::string& path, int faceIndex)
    : ft_(new FtState), pixels_(static_cast<size_t>(kAtlas) * kAtlas, 0) {
    if (FT_Init_FreeType(&ft_->lib)) throw std::runtime_error("cannot initialise FreeType");
    // In Noto Sans CJK .ttc files face 2 is Simplified Chinese (SC); plain fonts use face 0.
    const bool ttc = path.size() > 4 && path.substr(path.size() - 4) == ".ttc";
    const int face = faceIndex >= 0 ? faceIndex : (ttc ? 2 : 0);
    if (FT_New_Face(ft_->lib, path.c_str(), face, &ft_->face)) {
        FT_Done_FreeType(ft_->lib);
        delete ft_;
        throw std::runtime_error("cannot load font '" + path + "' (install fonts-noto-cjk or set SANDTABLE_FONT)");
    }
    FT_Set_Pixel_Sizes(ft_->face, 0, static_cast<FT_UInt>(kBaseSize));
    ascender_ = static_cast<float>(ft_->face->size->metrics.ascender) / 64.0f;
    descender_ = static_cast<float>(-ft_->face->size->metrics.descender) / 64.0f;
}

FontAtlas::~FontAtlas() {
    if (ft_) {
        FT_Done_Face(ft_->face);
        FT_Done_FreeType(ft_->lib);
        delete ft_;
    }
}

namespace {
constexpr double kInf = 1e20;

// One row or column of Felzenszwalb and Huttenlocher's squared distance transform, in
// place: grid[i * stride] becomes min over j of grid[j * stride] + (i - j)^2 (the lower
// envelope of the parabolas rooted at each j).
void edt1d(double* grid, ptrdiff_t stride, int n, std::vector<double>& f, std::vector<int>& v, std::vector<double>& z) {
    v[0] = 0;
    z[0] = -kInf;
    z[1] = kInf;
    f[0] = grid[0];
    for (int q = 1, k = 0; q < n; ++q) {
        const double fq = f[static_cast<size_t>(q)] = grid[q * stride];
        double s = 0;
        for (;;) {  // z[0] is -inf: stops at k = 0 at the latest
            const int r = v[static_cast<size_t>(k)];
            s = (fq - f[static_cast<size_t>(r)] + static_cast<double>(q * q - r * r)) / (2.0 * (q - r));
            if (s > z[static_cast<size_t>(k)]) break;
            --k;
        }
        ++k;
        v[static_cast<size_t>(k)] = q;
        z[static_cast<size_t>(k)] = s;
        z[static_cast<size_t>(k) + 1] = kInf;
    }
    for (int q = 0, k = 0; q < n; ++q) {
        while (z[static_cast<size_t>(k) + 1] < q) ++k;
        const int r = v[static_cast<size_t>(k)];
        grid[q * stride] = f[static_cast<size_t>(r)] + static_cast<double>((q - r) * (q - r));
    }
}

void edt2d(std::vector<double>& grid, int w, int h) {
    const size_t n = static_cast<size_t>(std::max(w, h));
    std::vector<double> f(n), z(n + 1);
    std::vector<int> v(n);
    for (int x = 0; x < w; ++x) edt1d(grid.data() + x, w, h, f, v, z);
    for (int y = 0; y < h; ++y) edt1d(grid.data() + static_cast<ptrdiff_t>(y) * w, 1, w, f, v, z);
}
}  // namespace

std::vector<uint8_t> signedDistanceField(const uint8_t* coverage, int w, int h, int pitch, int pad) {
    const int W = w + 2 * pad, H = h + 2 * pad;
    const size_t size = static_cast<size_t>(W) * static_cast<size_t>(H);
    // Squared distances to the outside of the glyph (for pixels inside) and to its inside
    // (for pixels outside); a partly covered pixel starts at its sub-pixel distance.
    std::vector<double> outer(size, kInf), inner(size, 0.0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const uint8_t c = coverage[static_cast<ptrdiff_t>(y) * pitch + x];
            if (c == 0) continue;
            const size_t j = static_cast<size_t>(y + pad) * static_cast<size_t>(W) + static_cast<size_t>(x + pad);
            if (c == 255) {
                outer[j] = 0;
                inner[j] = kInf;
            } else {
                const double d = 0.5 - c / 255.0;
                outer[j] = d > 0 ? d * d : 0;
                inner[j] = d < 0 ? d * d : 0;
            }
        }
    edt2d(outer, W, H);
    edt2d(inner, W, H);
    std::vector<uint8_t> out(size);
    for (size_t i = 0; i < size; ++i) {
        const double d = std::sqrt(outer[i]) - std::sqrt(inner[i]);  // px, positive outside
        out[i] = static_cast<uint8_t>(std::clamp(std::lround(128.0 - 16.0 * d), 0L, 255L));
    }
    return out;
}

void FontAtlas::rasterise(char32_t cp, Glyph& g) {
    const auto started = std::chrono::steady_clock::now();
    struct Tally {
        const std::chrono::steady_clock::time_point& t0;
        Stats& s;
        ~Tally() {
            ++s.rasterised;
            s.ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        }
    } tally{started, stats_};
    FT_Face face = ft_->face;
    const FT_UInt idx = FT_Get_Char_Index(face, cp);
    if (FT_Load_Glyph(face, idx, FT_LOAD_DEFAULT)) return;
    g.advance = static_cast<float>(face->glyph->advance.x) / 64.0f;
    if (face->glyph->outline.n_points == 0) return;  // space
    if (FT_Render_Glyph(face->glyph, FT_RENDER_MODE_NORMAL)) return;
    const FT_Bitmap& cov = face->glyph->bitmap;
    if (cov.width == 0 || cov.rows == 0 || cov.pitch <= 0) return;
    const int pad = static_cast<int>(kSpread);
    const std::vector<uint8_t> sdf =
        signedDistanceField(cov.buffer, static_cast<int>(cov.width), static_cast<int>(cov.rows), cov.pitch, pad);
    const int w = static_cast<int>(cov.width) + 2 * pad, h = static_cast<int>(cov.rows) + 2 * pad;  // sdf's size
    if (shelfX_ + w + 1 > kAtlas) {
        shelfX_ = 0;
        shelfY_ += shelfH_ + 1;
        shelfH_ = 0;
    }
    if (shelfY_ + h + 1 > kAtlas) {
        // Atlas full (thousands of distinct glyphs): start over; glyphs re-rasterise on demand.
        glyphs_.clear();
        ++stats_.restarts;
        std::fill(pixels_.begin(), pixels_.end(), 0);
        shelfX_ = shelfY_ = shelfH_ = 0;
        dirtyMinY_ = 0;
        dirtyMaxY_ = kAtlas;
    }
    for (int y = 0; y < h; ++y)
        std::copy_n(sdf.data() + static_cast<ptrdiff_t>(y) * w, w,
                    &pixels_[static_cast<size_t>(shelfY_ + y) * kAtlas + static_cast<size_t>(shelfX_)]);
    g.u0 = static_cast<float>(shelfX_) / kAtlas;
    g.v0 = static_cast<float>(shelfY_) / kAtlas;
    g.u1 = static_cast<float>(shelfX_ + w) / kAtlas;
    g.v1 = static_cast<float>(shelfY_ + h) / kAtlas;
    g.left = static_cast<float>(face->glyph->bitmap_left - pad);
    g.top = static_cast<float>(face->glyph->bitmap_top + pad);
    g.width = static_cast<float>(w);
    g.height = static_cast<float>(h);
    if (!dirty_) {
        dirtyMinY_ = shelfY_;
        dirtyMaxY_ = shelfY_ + h;
    } else {
        dirtyMinY_ = std::min(dirtyMinY_, shelfY_);
        dirtyMaxY_ = std::max(dirtyMaxY_, shelfY_ + h);
    }
    dirty_ = true;
    shelfX_ += w + 1;
    shelfH_ = std::max(shelfH_, h);
}

const FontAtlas::Glyph& FontAtlas::glyph(char32_t cp) {
    auto it = glyphs_.find(cp);
    if (it != glyphs_.end()) return it->second;
    Glyph g;
    rasterise(cp, g);
    return glyphs_.emplace(cp, g).first->second;
}

float FontAtlas::width(std::u32string_view text, float sizePx) {
    float w = 0;
    for (char32_t c : text) w += glyph(c).advance;
    return w * sizePx / kBaseSize;
}

void FontAtlas::upload() {
    if (!texture_) {
        texture_ = gl::Texture::create2D(GL_R8, kAtlas, kAtlas);
        dirtyMinY_ = 0;
        dirtyMaxY_ = kAtlas;
        dirty_ = true;
    }
    if (!dirty_) return;
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTextureSubImage2D(texture_.id(), 0, 0, dirtyMinY_, kAtlas, dirtyMaxY_ - dirtyMinY_, GL_RED, GL_UNSIGNED_BYTE,
                        &pixels_[static_cast<size_t>(dirtyMinY_) * kAtlas]);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    ST_GL_CHECK("FontAtlas::upload");
    dirty_ = false;
}

}  // namespace sandtable
