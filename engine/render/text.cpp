#include "engine/render/text.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
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

void FontAtlas::rasterise(char32_t cp, Glyph& g) {
    FT_Face face = ft_->face;
    const FT_UInt idx = FT_Get_Char_Index(face, cp);
    if (FT_Load_Glyph(face, idx, FT_LOAD_DEFAULT)) return;
    g.advance = static_cast<float>(face->glyph->advance.x) / 64.0f;
    if (face->glyph->outline.n_points == 0) return;  // space
    if (FT_Render_Glyph(face->glyph, FT_RENDER_MODE_SDF)) return;
    const FT_Bitmap& bm = face->glyph->bitmap;
    const int w = static_cast<int>(bm.width), h = static_cast<int>(bm.rows);
    if (w == 0 || h == 0) return;
    if (shelfX_ + w + 1 > kAtlas) {
        shelfX_ = 0;
        shelfY_ += shelfH_ + 1;
        shelfH_ = 0;
    }
    if (shelfY_ + h + 1 > kAtlas) {
        // Atlas full (thousands of distinct glyphs): start over; glyphs re-rasterise on demand.
        glyphs_.clear();
        std::fill(pixels_.begin(), pixels_.end(), 0);
        shelfX_ = shelfY_ = shelfH_ = 0;
        dirtyMinY_ = 0;
        dirtyMaxY_ = kAtlas;
    }
    for (int y = 0; y < h; ++y)
        std::copy_n(bm.buffer + static_cast<ptrdiff_t>(y) * bm.pitch, w,
                    &pixels_[static_cast<size_t>(shelfY_ + y) * kAtlas + static_cast<size_t>(shelfX_)]);
    g.u0 = static_cast<float>(shelfX_) / kAtlas;
    g.v0 = static_cast<float>(shelfY_) / kAtlas;
    g.u1 = static_cast<float>(shelfX_ + w) / kAtlas;
    g.v1 = static_cast<float>(shelfY_ + h) / kAtlas;
    g.left = static_cast<float>(face->glyph->bitmap_left);
    g.top = static_cast<float>(face->glyph->bitmap_top);
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
