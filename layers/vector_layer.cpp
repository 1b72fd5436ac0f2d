#include "layers/vector_layer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <sstream>

#include "engine/gl/shader.hpp"
#include "engine/render/labels.hpp"

namespace sandtable {

namespace {

uint8_t u8(float v) { return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); }

std::string formatNumber(double v) {
    std::ostringstream os;
    os.precision(v == std::floor(v) ? 0 : 1);
    os << std::fixed << v;
    return os.str();
}

}  // namespace

VectorStyle parseVectorStyle(const JsonReader& r) {
    VectorStyle s;
    if (r.has("fill")) {
        const JsonReader f = r.child("fill");
        if (f.json().is_string() || f.json().is_array()) {
            s.fillMode = VectorStyle::FillMode::Solid;
            s.fill = f.colorValue();
        } else if (f.json().is_object()) {
            s.fillField = f.string("field");
            if (f.has("categories")) {
                s.fillMode = VectorStyle::FillMode::Category;
                const JsonReader cats = f.child("categories");
                if (!cats.json().is_object()) cats.failHere("expected an object mapping values to colours");
                for (auto it = cats.json().begin(); it != cats.json().end(); ++it) {
                    const JsonReader c = cats.child(it.key());
                    VectorStyle::Category cat;
                    if (c.json().is_object()) {
                        cat.color = c.color("color");
                        auto [zh, en] = c.i18n("label", it.key());
                        cat.label = {zh, en};
                    } else {
                        cat.color = c.colorValue();
                        cat.label = {it.key(), it.key()};
                    }
                    s.categories[it.key()] = cat;
                }
                s.categoryDefault = f.color("default", s.categoryDefault);
            } else if (f.has("breaks")) {
                s.fillMode = VectorStyle::FillMode::Breaks;
                const JsonReader b = f.child("breaks"), c = f.child("colors");
                if (!b.json().is_array()) b.failHere("expected an ascending array of numbers");
                for (size_t i = 0; i < b.json().size(); ++i) {
                    if (!b.json()[i].is_number()) b.at(i).failHere("expected a number");
                    s.breaks.push_back(b.json()[i].get<double>());
                    if (i > 0 && s.breaks[i] <= s.breaks[i - 1]) b.at(i).failHere("breaks must be strictly ascending");
                }
                if (!c.json().is_array() || c.json().size() != s.breaks.size() + 1)
                    c.failHere("expected " + std::to_string(s.breaks.size() + 1) + " colours (one more than breaks)");
                for (size_t i = 0; i < c.json().size(); ++i) s.breakColors.push_back(c.at(i).colorValue());
            } else {
                f.failHere("expected \"categories\" or \"breaks\" with \"field\"");
            }
        } else {
            f.failHere("expected a colour or an object");
        }
    }
    if (r.has("fillOpacity")) {
        const float a = static_cast<float>(r.number("fillOpacity", 1.0, 0.0, 1.0));
        s.fill.a *= a;
        for (auto& [k, c] : s.categories) c.color.a *= a;
        s.categoryDefault.a *= a;
        for (auto& c : s.breakColors) c.a *= a;
    }
    s.strokeWidth = static_cast<float>(r.number("strokeWidth", r.has("stroke") ? 1.0 : 0.0, 0.0, 64.0));
    if (r.has("stroke") && r.child("stroke").json().is_object()) {
        const JsonReader st = r.child("stroke");
        s.strokeField = st.string("field");
        const JsonReader cats = st.child("categories");
        if (!cats.json().is_object()) cats.failHere("expected an object mapping values to colours");
        for (auto it = cats.json().begin(); it != cats.json().end(); ++it) {
            const JsonReader c = cats.child(it.key());
            VectorStyle::StrokeCategory cat;
            cat.width = s.strokeWidth;
            if (c.json().is_object()) {
                cat.color = c.color("color");
                cat.width = static_cast<float>(c.number("width", s.strokeWidth, 0.0, 64.0));
                auto [zh, en] = c.i18n("label", it.key());
                cat.label = {zh, en};
            } else {
                cat.color = c.colorValue();
                cat.label = {it.key(), it.key()};
            }
            s.strokeCategories[it.key()] = cat;
        }
        s.stroke = st.color("default", Color{0.5f, 0.5f, 0.5f, 1.0f});
    } else {
        s.stroke = r.color("stroke", s.stroke);
    }
    if (r.has("marker")) {
        const JsonReader m = r.child("marker");
        s.marker = m.color("color", s.marker);
        s.markerStroke = m.color("stroke", s.markerStroke);
        s.markerSize = static_cast<float>(m.number("size", 8.0, 1.0, 128.0));
        if (m.has("field")) {
            s.markerField = m.string("field");
            const JsonReader cats = m.child("categories");
            for (auto it = cats.json().begin(); it != cats.json().end(); ++it)
                s.markerCategories[it.key()] = cats.child(it.key()).colorValue();
        }
    }
    if (r.has("label")) {
        const JsonReader l = r.child("label");
        s.labelField = l.string("field");
        s.labelFieldEn = l.string("fieldEn", "");
        s.label.size = static_cast<float>(l.number("size", 14.0, 4.0, 200.0));
        s.label.color = l.color("color", s.label.color);
        s.label.halo = l.color("halo", s.label.halo);
        s.label.haloWidth = static_cast<float>(l.number("haloWidth", 1.5, 0.0, 4.0));
        s.label.bold = l.boolean("bold", false);
        s.label.anchor = TextAnchor::Center;
        s.labelPriority = static_cast<int>(l.number("priority", 0.0, -1000.0, 1000.0));
        s.labelOffsetY = static_cast<float>(l.number("offsetY", 0.0, -200.0, 200.0));
        s.labelMinZoom = l.number("minZoom", 0.0, 0.0, 24.0);
    }
    if (r.has("legend")) {
        const JsonReader l = r.child("legend");
        const std::string mode = l.string("mode", "single");
        if (mode == "single")
            s.legend = VectorStyle::LegendMode::Single;
        else if (mode == "categories")
            s.legend = VectorStyle::LegendMode::Categories;
        else if (mode == "breaks")
            s.legend = VectorStyle::LegendMode::Breaks;
        else if (mode == "none")
            s.legend = VectorStyle::LegendMode::None;
        else
            l.fail("mode", "expected single, categories, breaks or none");
        auto [tzh, ten] = l.i18n("title", "");
        s.legendTitle = {tzh, ten};
        auto [lzh, len] = l.i18n("label", "");
        s.legendLabel = {lzh, len};
    }
    return s;
}

VectorLayer::VectorLayer(std::string id, I18nText title, VectorData data, VectorStyle style, const MapContext& ctx,
                         double loadMs)
    : Layer(std::move(id), std::move(title)),
      data_(std::move(data)),
      style_(std::move(style)),
      ctx_(ctx),
      loadMs_(loadMs) {
    warnings_ = data_.warnings;
    if (!style_.labelField.empty() && data_.fieldIndex(style_.labelField) < 0)
        warn(data_.source + ": label field '" + style_.labelField + "' not found; no labels");
    if (!style_.fillField.empty() && data_.fieldIndex(style_.fillField) < 0)
        warn(data_.source + ": fill field '" + style_.fillField + "' not found; default colour used");
    if (!style_.strokeField.empty() && data_.fieldIndex(style_.strokeField) < 0)
        warn(data_.source + ": stroke field '" + style_.strokeField + "' not found; default stroke used");
    buildBuffers();
}

void VectorLayer::setStyle(VectorStyle s) {
    style_ = std::move(s);
    buildBuffers();
}

Color VectorLayer::fillColorOf(const VectorFeature& f) const {
    const int fi = data_.fieldIndex(style_.fillField);
    switch (style_.fillMode) {
    case VectorStyle::FillMode::None:
        return {0, 0, 0, 0};
    case VectorStyle::FillMode::Solid:
        return style_.fill;
    case VectorStyle::FillMode::Category: {
        if (fi < 0) return style_.categoryDefault;
        auto it = style_.categories.find(f.values[static_cast<size_t>(fi)]);
        return it == style_.categories.end() ? style_.categoryDefault : it->second.color;
    }
    case VectorStyle::FillMode::Breaks: {
        if (fi < 0) return style_.categoryDefault;
        const double v = f.numbers[static_cast<size_t>(fi)];
        if (std::isnan(v)) return style_.categoryDefault;
        size_t cls = 0;
        while (cls < style_.breaks.size() && v > style_.breaks[cls]) ++cls;
        return style_.breakColors[cls];
    }
    }
    return style_.fill;
}

Color VectorLayer::markerColorOf(const VectorFeature& f) const {
    if (style_.markerField.empty()) return style_.marker;
    const int fi = data_.fieldIndex(style_.markerField);
    if (fi < 0) return style_.marker;
    auto it = style_.markerCategories.find(f.values[static_cast<size_t>(fi)]);
    return it == style_.markerCategories.end() ? style_.marker : it->second;
}

VectorStyle::StrokeCategory VectorLayer::strokeOf(const VectorFeature& f) const {
    const VectorStyle::StrokeCategory plain{style_.stroke, style_.strokeWidth, {}};
    if (style_.strokeField.empty()) return plain;
    const int fi = data_.fieldIndex(style_.strokeField);
    if (fi < 0) return plain;
    auto it = style_.strokeCategories.find(f.values[static_cast<size_t>(fi)]);
    return it == style_.strokeCategories.end() ? plain : it->second;
}

void VectorLayer::buildBuffers() {
    fillVerts_.clear();
    segments_.clear();
    markers_.clear();
    const Vec2d o = ctx_.origin;
    auto rel = [&](Vec2d p) { return Vec2f{static_cast<float>(p.x - o.x), static_cast<float>(p.y - o.y)}; };
    for (const auto& f : data_.features) {
        if (style_.fillMode != VectorStyle::FillMode::None) {
            const Color c = fillColorOf(f);
            for (Vec2d p : f.triangles) {
                const Vec2f r = rel(p);
                fillVerts_.push_back({r.x, r.y, u8(c.r), u8(c.g), u8(c.b), u8(c.a)});
            }
        }
        const Color mc = markerColorOf(f);
        for (Vec2d p : f.points) {
            const Vec2f r = rel(p);
            markers_.push_back({r.x, r.y, u8(mc.r), u8(mc.g), u8(mc.b), u8(mc.a)});
        }
    }
    // Strokes in order of width, narrow first, so that where a minor road meets a major
    // one the major road reads as continuing; equal widths keep the order of the file.
    std::vector<std::pair<const VectorFeature*, VectorStyle::StrokeCategory>> strokes;
    for (const auto& f : data_.features)
        if (const auto st = strokeOf(f); st.width > 0 && st.color.a > 0) strokes.emplace_back(&f, st);
    std::stable_sort(strokes.begin(), strokes.end(),
                     [](const auto& a, const auto& b) { return a.second.width < b.second.width; });
    for (const auto& [fp, st] : strokes) {
        const uint8_t cr = u8(st.color.r), cg = u8(st.color.g), cb = u8(st.color.b), ca = u8(st.color.a);
        auto addLine = [&](const std::vector<Vec2d>& pts, bool close) {
            for (size_t i = 0; i + 1 < pts.size(); ++i) {
                const Vec2f a = rel(pts[i]), b = rel(pts[i + 1]);
                segments_.push_back({a.x, a.y, b.x, b.y, cr, cg, cb, ca, st.width});
            }
            if (close && pts.size() > 2 && !(pts.front() == pts.back())) {
                const Vec2f a = rel(pts.back()), b = rel(pts.front());
                segments_.push_back({a.x, a.y, b.x, b.y, cr, cg, cb, ca, st.width});
            }
        };
        for (const auto& poly : fp->polygons)
            for (const auto& ring : poly) addLine(ring, true);
        for (const auto& line : fp->lines) addLine(line, false);
    }
    dirty_ = true;
}

void VectorLayer::update(const FrameState& frame) {
    zoom_ = frame.zoom;
    language_ = frame.language;
}

void VectorLayer::upload(UploadContext&) {
    if (!dirty_) return;
    dirty_ = false;
    ++uploads_;
    if (!fillVao_) {
        fillBuf_ = gl::Buffer::create();
        segBuf_ = gl::Buffer::create();
        markerBuf_ = gl::Buffer::create();
        fillVao_ = gl::VertexArray::create();
        segVao_ = gl::VertexArray::create();
        markerVao_ = gl::VertexArray::create();
    }
    fillOpaque_ = std::all_of(fillVerts_.begin(), fillVerts_.end(), [](const FillVertex& v) { return v.a == 255; });
    fillBuf_.upload(fillVerts_.data(), fillVerts_.size() * sizeof(FillVertex));
    segBuf_.upload(segments_.data(), segments_.size() * sizeof(Segment));
    markerBuf_.upload(markers_.data(), markers_.size() * sizeof(Marker));

    glVertexArrayVertexBuffer(fillVao_.id(), 0, fillBuf_.id(), 0, sizeof(FillVertex));
    gl::vertexAttrib(fillVao_, 0, 2, GL_FLOAT, offsetof(FillVertex, x));
    gl::vertexAttrib(fillVao_, 1, 4, GL_UNSIGNED_BYTE, offsetof(FillVertex, r), true);

    glVertexArrayVertexBuffer(segVao_.id(), 0, segBuf_.id(), 0, sizeof(Segment));
    glVertexArrayBindingDivisor(segVao_.id(), 0, 1);  // one segment per instance
    gl::vertexAttrib(segVao_, 0, 4, GL_FLOAT, offsetof(Segment, x0));
    gl::vertexAttrib(segVao_, 1, 4, GL_UNSIGNED_BYTE, offsetof(Segment, r), true);
    gl::vertexAttrib(segVao_, 2, 1, GL_FLOAT, offsetof(Segment, width));

    glVertexArrayVertexBuffer(markerVao_.id(), 0, markerBuf_.id(), 0, sizeof(Marker));
    glVertexArrayBindingDivisor(markerVao_.id(), 0, 1);  // one marker per instance
    gl::vertexAttrib(markerVao_, 0, 2, GL_FLOAT, offsetof(Marker, x));
    gl::vertexAttrib(markerVao_, 1, 4, GL_UNSIGNED_BYTE, offsetof(Marker, r), true);
    ST_GL_CHECK("VectorLayer::upload");
}

void VectorLayer::draw(const RenderContext& rc) {
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    const Vec2f viewport{static_cast<float>(rc.viewport.width), static_cast<float>(rc.viewport.height)};
    if (!fillVerts_.empty()) {
        Program& p = rc.shaders->graphics("polygon.vert", "polygon.frag");
        p.use();
        p.set("uViewProjection", rc.viewProjection);
        p.set("uOpacity", opacity);
        glBindVertexArray(fillVao_.id());
        const bool opaque = fillOpaque_ && opacity >= 1.0f;
        if (opaque) glDisable(GL_BLEND);
        glDrawArrays(GL_TRIANGLES, 0, static_cast<GLsizei>(fillVerts_.size()));
        if (opaque) glEnable(GL_BLEND);
    }
    if (!segments_.empty()) {
        Program& p = rc.shaders->graphics("line.vert", "line.frag");
        p.use();
        p.set("uViewProjection", rc.viewProjection);
        p.set("uViewport", viewport);
        p.set("uPixelRatio", rc.pixelRatio);
        p.set("uOpacity", opacity);
        glBindVertexArray(segVao_.id());
        glDrawArraysInstanced(GL_TRIANGLES, 0, 6, static_cast<GLsizei>(segments_.size()));
    }
    if (!markers_.empty()) {
        Program& p = rc.shaders->graphics("marker.vert", "marker.frag");
        p.use();
        p.set("uViewProjection", rc.viewProjection);
        p.set("uViewport", viewport);
        p.set("uRadius", style_.markerSize * rc.pixelRatio * 0.5f);
        p.set("uStroke", style_.markerStroke.withAlpha(style_.markerStroke.a * opacity));
        p.set("uStrokeWidth", 1.5f * rc.pixelRatio);
        p.set("uOpacity", opacity);
        glBindVertexArray(markerVao_.id());
        glDrawArraysInstanced(GL_TRIANGLES, 0, 6, static_cast<GLsizei>(markers_.size()));
    }
    glBindVertexArray(0);
    ST_GL_CHECK("VectorLayer::draw");
}

void VectorLayer::collectLabels(const FrameState&, LabelSet& labels) {
    if (style_.labelField.empty() || zoom_ < style_.labelMinZoom) return;
    int fi = data_.fieldIndex(style_.labelField);
    if (language_ == Language::English && !style_.labelFieldEn.empty() && data_.fieldIndex(style_.labelFieldEn) >= 0)
        fi = data_.fieldIndex(style_.labelFieldEn);
    if (fi < 0) return;
    for (const auto& f : data_.features) {
        const std::string& text = f.values[static_cast<size_t>(fi)];
        if (text.empty() || std::isnan(f.labelPoint.x)) continue;
        LabelCandidate c;
        c.text = text;
        c.world = f.labelPoint;
        c.style = style_.label;
        c.style.color.a *= opacity;
        c.style.halo.a *= opacity;
        c.priority = style_.labelPriority;
        c.offsetY = style_.labelOffsetY;
        labels.add(std::move(c));
    }
}

bool VectorLayer::legend(LegendBlock& block) const {
    LegendEntry::Kind kind =
        !markers_.empty()
            ? LegendEntry::Kind::Marker
            : (style_.fillMode == VectorStyle::FillMode::None ? LegendEntry::Kind::Line : LegendEntry::Kind::Fill);
    switch (style_.legend) {
    case VectorStyle::LegendMode::None:
        return false;
    case VectorStyle::LegendMode::Single: {
        LegendEntry e;
        e.kind = kind;
        e.color = kind == LegendEntry::Kind::Marker ? style_.marker
                                                    : (kind == LegendEntry::Kind::Line ? style_.stroke : style_.fill);
        if (style_.fillMode == VectorStyle::FillMode::Category && !style_.categories.empty())
            e.color = style_.categories.begin()->second.color;
        e.outline = style_.strokeWidth > 0
                        ? style_.stroke
                        : (kind == LegendEntry::Kind::Marker ? style_.markerStroke : Color{0, 0, 0, 0});
        e.label = style_.legendLabel.zh.empty() ? title_ : style_.legendLabel;
        block.entries.push_back(e);
        break;
    }
    case VectorStyle::LegendMode::Categories: {
        for (const auto& [k, c] : style_.categories) block.entries.push_back({kind, c.color, style_.stroke, c.label});
        // Stroke classes widest first (motorway before secondary), as a road legend reads.
        std::vector<const VectorStyle::StrokeCategory*> strokes;
        for (const auto& [k, c] : style_.strokeCategories) strokes.push_back(&c);
        std::stable_sort(strokes.begin(), strokes.end(), [](auto* a, auto* b) { return a->width > b->width; });
        if (kind == LegendEntry::Kind::Line)
            for (const auto* c : strokes) {
                LegendEntry e{kind, c->color, {0, 0, 0, 0}, c->label};
                e.width = c->width;
                block.entries.push_back(e);
            }
        if (!style_.markerCategories.empty())
            for (const auto& [k, c] : style_.markerCategories)
                block.entries.push_back({kind, c, style_.markerStroke, {k, k}});
        break;
    }
    case VectorStyle::LegendMode::Breaks:
        for (size_t i = 0; i < style_.breakColors.size(); ++i) {
            std::string lo = i == 0 ? "" : formatNumber(style_.breaks[i - 1]);
            std::string hi = i < style_.breaks.size() ? formatNumber(style_.breaks[i]) : "";
            std::string text = lo.empty() ? "≤ " + hi : (hi.empty() ? "> " + lo : lo + " – " + hi);
            block.entries.push_back({kind, style_.breakColors[i], style_.stroke, {text, text}});
        }
        break;
    }
    block.title = style_.legendTitle;
    return true;
}

LayerStats VectorLayer::stats() const {
    LayerStats s = Layer::stats();
    s.features = data_.features.size();
    s.vertices = fillVerts_.size() + segments_.size() * 2 + markers_.size();
    s.loadMs = loadMs_;
    return s;
}

LayerPtr makeVectorLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    const JsonReader r(spec.config, scene.file, spec.keyPath);
    const JsonReader src = r.child("source");
    VectorSourceSpec vs;
    vs.path = scene.resolve(src.string("path"));
    vs.layer = src.string("layer", "");
    vs.crs = src.string("crs", "");
    vs.where = src.string("where", "");
    if (src.has("openOptions")) {  // {"X_POSSIBLE_NAMES": "lon", ...}: GDAL open options
        const JsonReader oo = src.child("openOptions");
        if (!oo.json().is_object()) oo.failHere("expected an object of GDAL open options");
        for (const auto& item : oo.json().items()) vs.openOptions.push_back(item.key() + "=" + oo.string(item.key()));
    }
    VectorStyle style = r.has("style") ? parseVectorStyle(r.child("style")) : VectorStyle{};
    VectorData data = loadVector(vs, ctx.displayCrs);  // throws: broken source
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return std::make_unique<VectorLayer>(spec.id, I18nText{spec.titleZh, spec.titleEn}, std::move(data),
                                         std::move(style), ctx, ms);
}

}  // namespace sandtable
