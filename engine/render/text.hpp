#pragma once
// Map and overlay text: glyphs of a CJK font (Noto Sans CJK SC from Debian's
// fonts-noto-cjk) rasterised on demand into one atlas texture as signed distance fields,
// so one glyph serves every size and gets a crisp halo. FreeType renders the anti-aliased
// coverage; the distance field comes from it by an exact Euclidean distance transform
// (signedDistanceField): FreeType's own SDF renderers took 9.7 ms ("sdf", from the
// outline) and 2.7 ms ("bsdf") per 48 px CJK glyph here, which stalled the first frame
// and every zoom that brought new names into view (2.1 s for the Putuo overview's 216
// glyphs); this takes 0.13 ms a glyph, the coverage included (28 ms for those 216).
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

// The signed distance field of an anti-aliased coverage bitmap (w x h, rows `pitch`
// bytes apart, 0 outside, 255 inside), padded by `pad` pixels on each side: (w + 2 pad)
// x (h + 2 pad) bytes, 128 at the edge and 16 levels per pixel, larger inside (the
// encoding of FreeType's FT_RENDER_MODE_SDF with its default spread of 8). Partly covered
// pixels place the edge within the pixel (coverage 0.5 at its centre), as Mapbox's TinySDF
// does; distances are exact (Felzenszwalb and Huttenlocher's transform), clamped to +-8 px.
std::vector<uint8_t> signedDistanceField(const uint8_t* coverage, int w, int h, int pitch, int pad);

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
    // The atlas image (R8, kAtlasSize squared), as the texture gets it (tests).
    static constexpr int kAtlasSize = 2048;
    const std::vector<uint8_t>& pixels() const { return pixels_; }
    size_t glyphCount() const { return glyphs_.size(); }
    // Glyphs rasterised since the atlas was made and the time they took (bench, --stats).
    struct Stats {
        size_t rasterised = 0, restarts = 0;
        double ms = 0;
    };
    const Stats& stats() const { return stats_; }

private:
    void rasterise(char32_t cp, Glyph& g);
    struct FtState;
    FtState* ft_ = nullptr;
    std::unordered_map<char32_t, Glyph> glyphs_;
    static constexpr int kAtlas = kAtlasSize;
    std::vector<uint8_t> pixels_;  // R8, kAtlas x kAtlas
    int shelfX_ = 0, shelfY_ = 0, shelfH_ = 0;
    bool dirty_ = true;
    int dirtyMinY_ = 0, dirtyMaxY_ = kAtlas;
    gl::Texture texture_;
    float ascender_ = 0, descender_ = 0;
    Stats stats_;
};

}  // namespace sandtable
