#pragma once
// Map and overlay text: glyphs of a CJK font (Noto Sans CJK SC from Debian's
// fonts-noto-cjk) rasterised on demand by FreeType as signed distance fields into one
// atlas texture, so one glyph serves every size and gets a crisp halo.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/gl/resources.hpp"

namespace sandtable {

std::u32string utf8ToUtf32(std::string_view s);
// The font file used for map text: $SANDTABLE_FONT, else Noto Sans CJK (Regular or Bold).
std::string defaultFontPath(bool bold = false);

class FontAtlas {
public:
    struct Glyph {
        float u0 = 0, v0 = 0, u1 = 0, v1 = 0;  // atlas texture coordinates
        float left = 0, top = 0;               // bitmap offset from the pen (base px, y up)
        float width = 0, height = 0;           // bitmap size (base px)
        float advance = 0;                     // base px
    };
    static constexpr float kBaseSize = 48.0f;  // px the SDF is rendered at
    static constexpr float kSpread = 8.0f;     // SDF spread in base px (FreeType default)

    // Throws std::runtime_error naming the font file when it cannot be loaded.
    explicit FontAtlas(const std::string& path = defaultFontPath(), int faceIndex = -1);
    ~FontAtlas();
    FontAtlas(const FontAtlas&) = delete;
    FontAtlas& operator=(const FontAtlas&) = delete;

    const Glyph& glyph(char32_t cp);
    float width(std::u32string_view text, float sizePx);
    float ascender(float sizePx) const { return ascender_ * sizePx / kBaseSize; }
    float descender(float sizePx) const { return descender_ * sizePx / kBaseSize; }
    // Uploads new glyphs (call before drawing; GL context required).
    void upload();
    const gl::Texture& texture() const { return texture_; }
    size_t glyphCount() const { return glyphs_.size(); }

private:
    void rasterise(char32_t cp, Glyph& g);
    struct FtState;
    FtState* ft_ = nullptr;
    std::unordered_map<char32_t, Glyph> glyphs_;
    static constexpr int kAtlas = 2048;
    std::vector<uint8_t> pixels_;  // R8, kAtlas x kAtlas
    int shelfX_ = 0, shelfY_ = 0, shelfH_ = 0;
    bool dirty_ = true;
    int dirtyMinY_ = 0, dirtyMaxY_ = kAtlas;
    gl::Texture texture_;
    float ascender_ = 0, descender_ = 0;
};

}  // namespace sandtable
