#include "engine/render/painter.hpp"

#include <cmath>
#include <cstddef>

#include "engine/gl/shader.hpp"
#include "engine/render/text.hpp"

namespace sandtable {

Painter::Painter(ShaderLibrary& shaders, FontAtlas& font) : shaders_(shaders), font_(font) {
    shapeBuffer_ = gl::Buffer::create();
    textBuffer_ = gl::Buffer::create();
    shapeBuffer_.reserve(1 << 16);
    textBuffer_.reserve(1 << 16);
    shapeVao_ = gl::VertexArray::create();
    glVertexArrayVertexBuffer(shapeVao_.id(), 0, shapeBuffer_.id(), 0, sizeof(ShapeVertex));
    gl::vertexAttrib(shapeVao_, 0, 2, GL_FLOAT, offsetof(ShapeVertex, x));
    gl::vertexAttrib(shapeVao_, 1, 4, GL_FLOAT, offsetof(ShapeVertex, r));

    textVao_ = gl::VertexArray::create();
    glVertexArrayVertexBuffer(textVao_.id(), 0, textBuffer_.id(), 0, sizeof(TextVertex));
    gl::vertexAttrib(textVao_, 0, 2, GL_FLOAT, offsetof(TextVertex, x));
    gl::vertexAttrib(textVao_, 1, 2, GL_FLOAT, offsetof(TextVertex, u));
    gl::vertexAttrib(textVao_, 2, 4, GL_FLOAT, offsetof(TextVertex, r));
    gl::vertexAttrib(textVao_, 3, 4, GL_FLOAT, offsetof(TextVertex, hr));
    gl::vertexAttrib(textVao_, 4, 3, GL_FLOAT, offsetof(TextVertex, pxPerUnit));
    ST_GL_CHECK("Painter::Painter");
}

void Painter::begin(int width, int height) {
    width_ = width;
    height_ = height;
    shapes_.clear();
    text_.clear();
    shapeCount_ = textCount_ = 0;
}

void Painter::triangle(Vec2f a, Vec2f b, Vec2f c, Color col) {
    for (Vec2f p : {a, b, c}) shapes_.push_back({p.x, p.y, col.r, col.g, col.b, col.a});
}

void Painter::rect(float x, float y, float w, float h, Color c) {
    triangle({x, y}, {x + w, y}, {x + w, y + h}, c);
    triangle({x, y}, {x + w, y + h}, {x, y + h}, c);
}

void Painter::rectOutline(float x, float y, float w, float h, float lw, Color c) {
    rect(x, y, w, lw, c);
    rect(x, y + h - lw, w, lw, c);
    rect(x, y + lw, lw, h - 2 * lw, c);
    rect(x + w - lw, y + lw, lw, h - 2 * lw, c);
}

void Painter::line(Vec2f a, Vec2f b, float width, Color c) {
    const float dx = b.x - a.x, dy = b.y - a.y;
    const float len = std::sqrt(dx * dx + dy * dy);
    if (len <= 0) return;
    const float nx = -dy / len * width * 0.5f, ny = dx / len * width * 0.5f;
    const Vec2f p0{a.x + nx, a.y + ny}, p1{b.x + nx, b.y + ny}, p2{b.x - nx, b.y - ny}, p3{a.x - nx, a.y - ny};
    triangle(p0, p1, p2, c);
    triangle(p0, p2, p3, c);
}

void Painter::circle(Vec2f o, float r, Color c, int segments) {
    for (int i = 0; i < segments; ++i) {
        const float a0 = static_cast<float>(2 * kPi * i / segments),
                    a1 = static_cast<float>(2 * kPi * (i + 1) / segments);
        triangle(o, {o.x + r * std::cos(a0), o.y + r * std::sin(a0)}, {o.x + r * std::cos(a1), o.y + r * std::sin(a1)},
                 c);
    }
}

void Painter::ring(Vec2f o, float r, float w, Color c, int segments) {
    const float ri = r - w * 0.5f, ro = r + w * 0.5f;
    for (int i = 0; i < segments; ++i) {
        const float a0 = static_cast<float>(2 * kPi * i / segments),
                    a1 = static_cast<float>(2 * kPi * (i + 1) / segments);
        const Vec2f i0{o.x + ri * std::cos(a0), o.y + ri * std::sin(a0)},
            i1{o.x + ri * std::cos(a1), o.y + ri * std::sin(a1)};
        const Vec2f o0{o.x + ro * std::cos(a0), o.y + ro * std::sin(a0)},
            o1{o.x + ro * std::cos(a1), o.y + ro * std::sin(a1)};
        triangle(i0, o0, o1, c);
        triangle(i0, o1, i1, c);
    }
}

float Painter::textWidth(std::string_view utf8, float size) { return font_.width(utf8ToUtf32(utf8), size); }
float Painter::ascender(float size) const { return font_.ascender(size); }

float Painter::text(std::string_view utf8, float x, float baseline, const TextStyle& st) {
    const std::u32string s = utf8ToUtf32(utf8);
    const float scale = st.size / FontAtlas::kBaseSize;
    const float w = font_.width(s, st.size);
    float pen = x;
    if (st.anchor == TextAnchor::Center)
        pen -= w * 0.5f;
    else if (st.anchor == TextAnchor::Right)
        pen -= w;
    pen = std::round(pen);
    baseline = std::round(baseline);
    // SDF: 8-bit value 128 at the edge, 16 levels per base pixel (spread 8 px).
    const float pxPerUnit = 255.0f / 16.0f * scale;
    for (char32_t c : s) {
        const FontAtlas::Glyph& g = font_.glyph(c);
        if (g.width > 0) {
            const float x0 = pen + g.left * scale, y0 = baseline - g.top * scale;
            const float x1 = x0 + g.width * scale, y1 = y0 + g.height * scale;
            auto v = [&](float px, float py, float u, float vv) {
                text_.push_back({px, py, u, vv, st.color.r, st.color.g, st.color.b, st.color.a, st.halo.r, st.halo.g,
                                 st.halo.b, st.halo.a, pxPerUnit, st.haloWidth, st.bold ? 0.35f : 0.0f});
            };
            v(x0, y0, g.u0, g.v0);
            v(x1, y0, g.u1, g.v0);
            v(x1, y1, g.u1, g.v1);
            v(x0, y0, g.u0, g.v0);
            v(x1, y1, g.u1, g.v1);
            v(x0, y1, g.u0, g.v1);
        }
        pen += g.advance * scale;
    }
    return w;
}

void Painter::upload() {
    shapeCount_ = shapes_.size();
    textCount_ = text_.size();
    if (!shapes_.empty()) {
        shapeBuffer_.upload(shapes_.data(), shapes_.size() * sizeof(ShapeVertex));
        glVertexArrayVertexBuffer(shapeVao_.id(), 0, shapeBuffer_.id(), 0, sizeof(ShapeVertex));
    }
    if (!text_.empty()) {
        font_.upload();
        textBuffer_.upload(text_.data(), text_.size() * sizeof(TextVertex));
        glVertexArrayVertexBuffer(textVao_.id(), 0, textBuffer_.id(), 0, sizeof(TextVertex));
    }
    ST_GL_CHECK("Painter::upload");
}

void Painter::draw(int x, int y, int width, int height) {
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glDisable(GL_SCISSOR_TEST);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    const float w = static_cast<float>(width), h = static_cast<float>(height);
    const float ox = static_cast<float>(x), oy = static_cast<float>(y);
    if (shapeCount_ > 0) {
        Program& p = shaders_.graphics("painter_shape.vert", "painter_shape.frag");
        p.use();
        p.set("uViewport", w, h);
        p.set("uOrigin", ox, oy);
        glBindVertexArray(shapeVao_.id());
        glDrawArrays(GL_TRIANGLES, 0, static_cast<GLsizei>(shapeCount_));
    }
    if (textCount_ > 0) {
        Program& p = shaders_.graphics("painter_text.vert", "painter_text.frag");
        p.use();
        p.set("uViewport", w, h);
        p.set("uOrigin", ox, oy);
        p.set("uAtlas", 0);
        glBindTextureUnit(0, font_.texture().id());
        glBindVertexArray(textVao_.id());
        glDrawArrays(GL_TRIANGLES, 0, static_cast<GLsizei>(textCount_));
    }
    glBindVertexArray(0);
    ST_GL_CHECK("Painter::draw");
}

}  // namespace sandtable
