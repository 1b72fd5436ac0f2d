#include "engine/render/painter.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

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
    batches_.assign(1, Batch{0, 0});
}

void Painter::newBatch() {
    if (!batches_.empty() && batches_.back().shapeBegin == shapes_.size() && batches_.back().textBegin == text_.size())
        return;  // the current batch is still empty
    batches_.push_back({shapes_.size(), text_.size()});
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

void Painter::mark(MarkShape shape, Vec2f c, float size, Color fill, Color outline, float ow) {
    const float r = size * 0.5f;
    auto poly = [&](std::initializer_list<Vec2f> unit, float scale) {
        // A convex polygon around c, as a fan; `unit` points are multiples of r.
        std::vector<Vec2f> pts;
        for (Vec2f u : unit) pts.push_back({c.x + u.x * scale, c.y + u.y * scale});
        for (size_t i = 1; i + 1 < pts.size(); ++i) triangle(pts[0], pts[i], pts[i + 1], fill);
        return pts;
    };
    auto outlined = [&](std::initializer_list<Vec2f> unit) {
        if (ow > 0) {
            const Color f = fill;
            fill = outline;
            poly(unit, r + ow);
            fill = f;
        }
        poly(unit, r);
    };
    switch (shape) {
    case MarkShape::Circle:
        if (ow > 0) circle(c, r + ow, outline, 24);
        circle(c, r, fill, 24);
        break;
    case MarkShape::Ring:
        if (ow > 0) ring(c, r * 0.8f, r * 0.4f + 2 * ow, outline, 24);
        ring(c, r * 0.8f, r * 0.4f, fill, 24);
        break;
    case MarkShape::Triangle:
        outlined({{0.0f, -1.1f}, {1.0f, 0.7f}, {-1.0f, 0.7f}});
        break;
    case MarkShape::Square:
        outlined({{-0.85f, -0.85f}, {0.85f, -0.85f}, {0.85f, 0.85f}, {-0.85f, 0.85f}});
        break;
    case MarkShape::Diamond:
        outlined({{0.0f, -1.1f}, {1.1f, 0.0f}, {0.0f, 1.1f}, {-1.1f, 0.0f}});
        break;
    case MarkShape::Cross: {
        const float a = r * 0.75f, w = std::max(1.5f, size * 0.22f);
        if (ow > 0) {
            line({c.x - a, c.y - a}, {c.x + a, c.y + a}, w + 2 * ow, outline);
            line({c.x - a, c.y + a}, {c.x + a, c.y - a}, w + 2 * ow, outline);
        }
        line({c.x - a, c.y - a}, {c.x + a, c.y + a}, w, fill);
        line({c.x - a, c.y + a}, {c.x + a, c.y - a}, w, fill);
        break;
    }
    case MarkShape::Check: {
        const float w = std::max(1.5f, size * 0.2f);
        const Vec2f a{c.x - r * 0.7f, c.y}, b{c.x - r * 0.15f, c.y + r * 0.55f}, e{c.x + r * 0.75f, c.y - r * 0.6f};
        if (ow > 0) {
            line(a, b, w + 2 * ow, outline);
            line(b, e, w + 2 * ow, outline);
        }
        line(a, b, w, fill);
        line(b, e, w, fill);
        break;
    }
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
    if (batches_.empty()) batches_.assign(1, Batch{0, 0});
    Program& shapes = shaders_.graphics("painter_shape.vert", "painter_shape.frag");
    shapes.set("uViewport", w, h);
    shapes.set("uOrigin", ox, oy);
    Program& glyphs = shaders_.graphics("painter_text.vert", "painter_text.frag");
    glyphs.set("uViewport", w, h);
    glyphs.set("uOrigin", ox, oy);
    glyphs.set("uAtlas", 0);
    for (size_t b = 0; b < batches_.size(); ++b) {
        const size_t s0 = batches_[b].shapeBegin, t0 = batches_[b].textBegin;
        const size_t s1 = b + 1 < batches_.size() ? batches_[b + 1].shapeBegin : shapeCount_;
        const size_t t1 = b + 1 < batches_.size() ? batches_[b + 1].textBegin : textCount_;
        if (s1 > s0) {
            shapes.use();
            glBindVertexArray(shapeVao_.id());
            glDrawArrays(GL_TRIANGLES, static_cast<GLint>(s0), static_cast<GLsizei>(s1 - s0));
        }
        if (t1 > t0) {
            glyphs.use();
            glBindTextureUnit(0, font_.texture().id());
            glBindVertexArray(textVao_.id());
            glDrawArrays(GL_TRIANGLES, static_cast<GLint>(t0), static_cast<GLsizei>(t1 - t0));
        }
    }
    glBindVertexArray(0);
    ST_GL_CHECK("Painter::draw");
}

}  // namespace sandtable
