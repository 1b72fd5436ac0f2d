#pragma once
// Canvas-space overlay drawing in pixels (origin top-left): shapes and SDF text, queued
// once per frame while the map prepares it, sent to the GPU once (upload), and drawn into
// any rectangle of the canvas after the map layers (a window, a wall tile, a print band).
// Used by labels, the scale bar, the north arrow, legends and layers' canvas-space marks.
#include <string_view>
#include <vector>

#include "engine/gl/resources.hpp"
#include "engine/util/math.hpp"

namespace sandtable {

class ShaderLibrary;
class FontAtlas;

enum class TextAnchor { Left, Center, Right };

// Point symbols that tell a status by shape as well as colour (a colour-blind operator,
// a grey-scale printout): what the checkpoint, inspection and legend marks use.
enum class MarkShape : uint8_t { Circle, Ring, Triangle, Square, Diamond, Cross, Check };

struct TextStyle {
    float size = 14.0f;  // px
    Color color{1, 1, 1, 1};
    Color halo{0, 0, 0, 0.8f};
    float haloWidth = 1.5f;  // px
    TextAnchor anchor = TextAnchor::Left;
    bool bold = false;  // drawn with a slightly thicker SDF threshold
};

class Painter {
public:
    Painter(ShaderLibrary& shaders, FontAtlas& font);

    // Starts a frame's overlay for a canvas of this size (clears what was queued).
    void begin(int width, int height);
    void rect(float x, float y, float w, float h, Color c);
    void rectOutline(float x, float y, float w, float h, float lineWidth, Color c);
    void line(Vec2f a, Vec2f b, float width, Color c);
    void triangle(Vec2f a, Vec2f b, Vec2f c, Color col);
    void circle(Vec2f centre, float radius, Color c, int segments = 32);
    void ring(Vec2f centre, float radius, float width, Color c, int segments = 32);
    // A point symbol of `size` px across, filled, with an outline of `outlineWidth` px
    // (Ring, Cross and Check are strokes of `fill`'s colour; their outline is a halo).
    void mark(MarkShape shape, Vec2f centre, float size, Color fill, Color outline, float outlineWidth);
    // y is the baseline; returns the advance width in px.
    float text(std::string_view utf8, float x, float baselineY, const TextStyle& style);
    float textWidth(std::string_view utf8, float size);
    float ascender(float size) const;
    // Starts a new batch: what is queued after it draws over everything queued before,
    // text included (within a batch, shapes draw first, then text). The map starts one
    // per layer, so a later layer's panel (the legend) covers an earlier layer's text.
    void newBatch();
    // Sends what was queued to the GPU (once per frame, after the last mark).
    void upload();
    // Draws the queued overlay (shapes first, then text) for one rectangle of the canvas
    // into the bound framebuffer, whose viewport is that rectangle's size.
    void draw(int x, int y, int width, int height);
    int canvasWidth() const { return width_; }
    int canvasHeight() const { return height_; }
    FontAtlas& font() { return font_; }

private:
    struct ShapeVertex {
        float x, y, r, g, b, a;
    };
    struct TextVertex {
        float x, y, u, v, r, g, b, a, hr, hg, hb, ha, pxPerUnit, halo, weight;
    };
    ShaderLibrary& shaders_;
    FontAtlas& font_;
    int width_ = 1, height_ = 1;
    std::vector<ShapeVertex> shapes_;
    std::vector<TextVertex> text_;
    size_t shapeCount_ = 0, textCount_ = 0;  // uploaded
    struct Batch {
        size_t shapeBegin, textBegin;
    };
    std::vector<Batch> batches_;  // where each batch starts in shapes_ / text_
    gl::Buffer shapeBuffer_, textBuffer_;
    gl::VertexArray shapeVao_, textVao_;
};

}  // namespace sandtable
