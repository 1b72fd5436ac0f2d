#include "layers/decorations_layer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/geo/projection.hpp"
#include "engine/render/labels.hpp"
#include "engine/render/painter.hpp"
#include "engine/util/civil_time.hpp"
#include "engine/util/i18n.hpp"

namespace sandtable {

DecorationsLayer::DecorationsLayer(std::string id, I18nText title, const MapContext& ctx, DecorationsOptions opts)
    : Layer(std::move(id), std::move(title)),
      opts_(std::move(opts)),
      toWgs84_(std::make_unique<Transformer>(ctx.displayCrs, "wgs84")),
      fromWgs84_(std::make_unique<Transformer>("wgs84", ctx.displayCrs)) {}

DecorationsLayer::~DecorationsLayer() = default;

LayerPtr makeDecorationsLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx) {
    const JsonReader r(spec.config, scene.file, spec.keyPath);
    DecorationsOptions o;
    o.title = r.boolean("banner", true);
    o.scaleBar = r.boolean("scaleBar", true);
    o.northArrow = r.boolean("northArrow", true);
    o.legend = r.boolean("legend", true);
    o.clock = r.boolean("clock", true);
    o.panel = r.color("panel", o.panel);
    o.text = r.color("text", o.text);
    o.accent = r.color("accent", o.accent);
    o.banner = {scene.titleZh, scene.titleEn};
    o.attribution = {scene.attributionZh, scene.attributionEn};
    o.credits = {scene.creditsZh, scene.creditsEn};
    return std::make_unique<DecorationsLayer>(spec.id, I18nText{spec.titleZh, spec.titleEn}, ctx, std::move(o));
}

void DecorationsLayer::overlay(const FrameState& frame, Painter& p) {
    boxes_.clear();
    creditsBox_ = placeCredits(frame, p);
    if (opts_.title) drawTitle(frame, p);
    if (opts_.scaleBar) drawScaleBar(frame, p);
    if (opts_.northArrow) drawNorthArrow(frame, p);
    // The legend stands on the credits line when there is one.
    const float s = frame.pixelRatio;
    const float legendBottom = creditsBox_.w > 0
                                   ? creditsBox_.y - 6 * s
                                   : static_cast<float>(frame.camera->height) - frame.insetBottom - 16 * s;
    if (opts_.legend) drawLegend(frame, p, legendBottom);
    drawCredits(frame, p);
}

void DecorationsLayer::collectLabels(const FrameState&, LabelSet& labels) {
    for (const Box& b : boxes_) labels.reserve(b.x, b.y, b.w, b.h);
}

void DecorationsLayer::drawTitle(const FrameState& f, Painter& p) {
    const float s = f.pixelRatio, pad = 14 * s;
    const std::string& title = opts_.banner.get(f.language);
    if (title.empty()) return;
    const float titleSize = 24 * s, subSize = 14 * s;
    std::string sub = opts_.attribution.get(f.language);
    // The time shown and whether it is live: a replay must never be mistaken for now.
    std::string clock;
    if (opts_.clock && f.time > 0) {
        clock = localDateTimeText(f.time) + tr("decor.local_time", f.language);
        if (f.timeMode == FrameState::TimeMode::Live) {
            clock += tr("decor.live", f.language);
        } else if (f.timeMode == FrameState::TimeMode::Replay) {
            char buf[64];
            std::snprintf(buf, sizeof buf, tr("decor.replay", f.language), f.speed);
            clock += buf;
            if (f.paused) clock += tr("decor.paused", f.language);
        }
    }
    const float w =
        std::max({p.textWidth(title, titleSize), p.textWidth(sub, subSize), p.textWidth(clock, subSize)}) + 2 * pad;
    const float h =
        pad * 2 + titleSize * 1.25f + (sub.empty() ? 0 : subSize * 1.5f) + (clock.empty() ? 0 : subSize * 1.5f);
    const float x = 16 * s, y = 16 * s;
    p.rect(x, y, w, h, opts_.panel);
    p.rect(x, y, 4 * s, h, opts_.accent);
    float base = y + pad + titleSize;
    TextStyle ts{titleSize, opts_.text, {0, 0, 0, 0}, 0, TextAnchor::Left, true};
    p.text(title, x + pad, base, ts);
    TextStyle ss{subSize, opts_.text.withAlpha(0.75f), {0, 0, 0, 0}, 0, TextAnchor::Left, false};
    if (!clock.empty()) {
        base += subSize * 1.5f;
        p.text(clock, x + pad, base, TextStyle{subSize, opts_.accent, {0, 0, 0, 0}, 0});
    }
    if (!sub.empty()) {
        base += subSize * 1.5f;
        p.text(sub, x + pad, base, ss);
    }
    boxes_.push_back({x, y, w, h});
}

void DecorationsLayer::drawScaleBar(const FrameState& f, Painter& p) {
    const Camera& cam = *f.camera;
    const float s = f.pixelRatio;
    const double metresPerPx = cam.resolution * groundMetresPerUnit(*toWgs84_, cam.center);
    const double maxMetres = metresPerPx * 160.0 * s;
    double nice = std::pow(10.0, std::floor(std::log10(maxMetres)));
    for (double m : {5.0, 2.0, 1.0})
        if (nice * m <= maxMetres) {
            nice *= m;
            break;
        }
    const float len = static_cast<float>(nice / metresPerPx);
    char label[32];
    if (nice >= 1000)
        std::snprintf(label, sizeof label, "%g km", nice / 1000.0);
    else
        std::snprintf(label, sizeof label, "%g m", nice);
    const float x = 24 * s, y = static_cast<float>(cam.height) - f.insetBottom - 30 * s, h = 6 * s;
    const float textSize = 14 * s;
    p.rect(x - 10 * s, y - textSize - 16 * s, len + 20 * s + p.textWidth(label, textSize) * 0.0f, textSize + 30 * s,
           opts_.panel);
    p.rect(x, y, len / 2, h, opts_.text);
    p.rect(x + len / 2, y, len / 2, h, opts_.text.withAlpha(0.35f));
    p.rectOutline(x, y, len, h, 1 * s, opts_.text);
    p.text(label, x + len / 2, y - 6 * s, TextStyle{textSize, opts_.text, {0, 0, 0, 0}, 0, TextAnchor::Center});
    boxes_.push_back({x - 10 * s, y - textSize - 16 * s, len + 20 * s, textSize + 30 * s});
}

void DecorationsLayer::drawNorthArrow(const FrameState& f, Painter& p) {
    const Camera& cam = *f.camera;
    const float s = f.pixelRatio;
    // True north at the view centre: step north in lon/lat and see where it lands on screen
    // (includes the projection's grid convergence and the camera rotation).
    Vec2d ll = cam.center;
    double angle = 0;
    if (toWgs84_->forward(ll)) {
        Vec2d n{ll.x, ll.y + 0.01};
        if (fromWgs84_->forward(n)) {
            const Vec2d a = cam.worldToScreen(cam.center), b = cam.worldToScreen(n);
            angle = std::atan2(b.x - a.x, -(b.y - a.y));  // 0 = up, clockwise positive
        }
    }
    const float r = 26 * s;
    const Vec2f c{static_cast<float>(cam.width) - 24 * s - r, 24 * s + r};
    p.circle(c, r, opts_.panel, 40);
    p.ring(c, r - 1 * s, 1.5f * s, opts_.text.withAlpha(0.5f), 40);
    auto rot = [&](float x, float y) {
        const float ca = static_cast<float>(std::cos(angle)), sa = static_cast<float>(std::sin(angle));
        return Vec2f{c.x + x * ca - y * sa, c.y + x * sa + y * ca};
    };
    const float tip = -r * 0.62f, tail = r * 0.5f, half = r * 0.26f;
    p.triangle(rot(0, tip), rot(-half, tail), rot(0, tail * 0.45f), Color::fromHex(0xef5350));
    p.triangle(rot(0, tip), rot(0, tail * 0.45f), rot(half, tail), Color::fromHex(0xb71c1c));
    const Vec2f lp = rot(0, -r - 10 * s);
    const std::string north = tr("decor.north", f.language);
    p.text(north, lp.x, lp.y + 5 * s, TextStyle{14 * s, opts_.text, opts_.panel, 2.0f * s, TextAnchor::Center, true});
    boxes_.push_back({c.x - r, c.y - r - 20 * s, 2 * r, 2 * r + 20 * s});
}

void DecorationsLayer::drawLegend(const FrameState& f, Painter& p, float bottom) {
    const float s = f.pixelRatio;
    if (!f.legend || f.legend->empty()) return;
    const std::vector<LegendBlock>& blocks = *f.legend;
    const Language lang = f.language;
    // On a wall the type is already large (the pixel ratio makes 12 px 1/45 of the height):
    // the legend takes the smallest wall size and tighter rows, so it leaves the map room.
    const float kw = f.wall ? 0.82f : 1.0f;
    const float text = 14 * s * kw, head = 15 * s * kw, row = 24 * s * (f.wall ? 0.74f : 1.0f), sw = 22 * s * kw,
                pad = 12 * s * kw, rampW = 150 * s * kw, rampH = 10 * s * kw;
    const std::string legendTitle = tr("decor.legend", lang);
    // Each block's size; blocks fill columns from the right edge, a new column when the
    // next block would rise above the north arrow (a long legend on a short canvas).
    struct Size {
        float w, h;
    };
    std::vector<Size> sizes;
    for (const auto& b : blocks) {
        Size z{0, 0};
        const std::string& bt = b.title.get(lang);
        if (!bt.empty()) {
            z.w = std::max(z.w, p.textWidth(bt, text));
            z.h += row;
        }
        for (const auto& e : b.entries) {
            z.w = std::max(z.w, sw + 8 * s + p.textWidth(e.label.get(lang), text));
            z.h += row;
        }
        for (size_t i = 0; i < b.ramps.size(); ++i) {
            z.w = std::max(z.w, rampW);
            z.h += rampH + text * 1.9f;
        }
        sizes.push_back(z);
    }
    const float maxH = bottom - 110 * s;  // below the north arrow
    std::vector<std::vector<size_t>> columns(1);
    std::vector<float> colH(1, head * 1.6f);
    for (size_t i = 0; i < blocks.size(); ++i) {
        if (!columns.back().empty() && colH.back() + sizes[i].h + 2 * pad > maxH) {
            columns.emplace_back();
            colH.push_back(0);
        }
        columns.back().push_back(i);
        colH.back() += sizes[i].h;
    }
    std::vector<float> colW(columns.size(), 0);
    colW[0] = p.textWidth(legendTitle, head);
    for (size_t c = 0; c < columns.size(); ++c)
        for (size_t i : columns[c]) colW[c] = std::max(colW[c], sizes[i].w);
    float totalW = 0, totalH = 0;
    for (size_t c = 0; c < columns.size(); ++c) {
        totalW += colW[c] + 2 * pad;
        totalH = std::max(totalH, colH[c]);
    }
    totalH += 2 * pad - 4 * s;
    const float x0 = static_cast<float>(f.camera->width) - totalW - 16 * s, y = bottom - totalH;
    p.rect(x0, y, totalW, totalH, opts_.panel);
    p.text(legendTitle, x0 + pad, y + pad + head, TextStyle{head, opts_.text, {0, 0, 0, 0}, 0, TextAnchor::Left, true});
    const TextStyle ts{text, opts_.text, {0, 0, 0, 0}, 0};
    float x = x0;
    for (size_t c = 0; c < columns.size(); ++c) {
        float cy = y + pad + head + head * 0.6f;
        for (size_t bi : columns[c]) {
            const LegendBlock& b = blocks[bi];
            const std::string& bt = b.title.get(lang);
            if (!bt.empty()) {
                cy += row;
                p.text(bt, x + pad, cy - 6 * s, TextStyle{text, opts_.text.withAlpha(0.7f), {0, 0, 0, 0}, 0});
            }
            for (const auto& e : b.entries) {
                const float top = cy + 5 * s, mid = cy + row * 0.5f + 2 * s;
                switch (e.kind) {
                case LegendEntry::Kind::Fill:
                    p.rect(x + pad, top, sw, row - 10 * s, e.color);
                    if (e.hatched) {  // the map's hatching (45 degree strokes), clipped to the swatch
                        const float hx0 = x + pad, hx1 = hx0 + sw, sh = row - 10 * s, y0 = top, y1 = top + sh;
                        const Color hc = e.outline.a > 0 ? e.outline : Color::fromHex(0xffffff, 0.7f);
                        for (float k = -sh; k < sw; k += 5 * s) {
                            Vec2f a0{hx0 + k, y1}, a1{hx0 + k + sh, y0};
                            if (a0.x < hx0) a0 = {hx0, y1 - (hx0 - a0.x)};
                            if (a1.x > hx1) a1 = {hx1, y0 + (a1.x - hx1)};
                            p.line(a0, a1, 1.2f * s, hc);
                        }
                    }
                    if (e.outline.a > 0) p.rectOutline(x + pad, top, sw, row - 10 * s, 1.5f * s, e.outline);
                    break;
                case LegendEntry::Kind::Line:
                    // A stroke class shows its own width (at least 2 px, so its colour reads).
                    p.line({x + pad, mid}, {x + pad + sw, mid},
                           (e.width > 0 ? std::clamp(e.width, 2.0f, 8.0f) : 3.0f) * s, e.color);
                    break;
                case LegendEntry::Kind::Marker:
                    if (e.shape == 0) {
                        if (e.outline.a > 0) p.circle({x + pad + sw / 2, mid}, 7 * s, e.outline, 20);
                        p.circle({x + pad + sw / 2, mid}, 5.5f * s, e.color, 20);
                    } else {
                        p.mark(static_cast<MarkShape>(e.shape), {x + pad + sw / 2, mid}, 12 * s, e.color, e.outline,
                               1.5f * s);
                    }
                    break;
                }
                p.text(e.label.get(lang), x + pad + sw + 8 * s, cy + row * 0.5f + text * 0.42f + 2 * s, ts);
                cy += row;
            }
            for (const auto& r : b.ramps) {
                const float top = cy + 6 * s;
                const size_t n = r.stops.size();
                for (size_t i = 0; i + 1 < n; ++i) {
                    const float rx0 = x + pad + rampW * static_cast<float>(i) / static_cast<float>(n - 1);
                    const float rx1 = x + pad + rampW * static_cast<float>(i + 1) / static_cast<float>(n - 1);
                    // A fine step count (the ramp's own stops) reads as continuous.
                    p.rect(rx0, top, rx1 - rx0 + 0.5f, rampH, r.stops[i]);
                }
                p.text(r.lowLabel, x + pad, top + rampH + text * 1.2f, ts);
                p.text(r.highLabel, x + pad + rampW, top + rampH + text * 1.2f,
                       TextStyle{text, opts_.text, {0, 0, 0, 0}, 0, TextAnchor::Right});
                cy += rampH + text * 1.9f;
            }
        }
        x += colW[c] + 2 * pad;
    }
    boxes_.push_back({x0, y, totalW, totalH});
}

// One small line in the bottom-right corner, right-aligned with the legend above it: the
// usual place for a map's data credits, and the one corner the cockpit's panels (layers
// on the left, the timeline at the bottom centre) leave free, so it shows on every
// render and in the window.
DecorationsLayer::Box DecorationsLayer::placeCredits(const FrameState& f, Painter& p) const {
    const std::string& text = opts_.credits.get(f.language);
    if (text.empty()) return {0, 0, 0, 0};
    const float s = f.pixelRatio, size = 13 * s, pad = 8 * s;
    const float w = p.textWidth(text, size) + 2 * pad, h = size + 1.5f * pad;
    const float x = std::max(8 * s, static_cast<float>(f.camera->width) - w - 16 * s);
    return {x, static_cast<float>(f.camera->height) - f.insetBottom - h - 10 * s, w, h};
}

void DecorationsLayer::drawCredits(const FrameState& f, Painter& p) {
    const Box& b = creditsBox_;
    if (b.w <= 0) return;
    const float s = f.pixelRatio, size = 13 * s, pad = 8 * s;
    p.rect(b.x, b.y, b.w, b.h, opts_.panel);
    p.text(opts_.credits.get(f.language), b.x + pad, b.y + b.h * 0.5f + size * 0.36f,
           TextStyle{size, opts_.text.withAlpha(0.85f), {0, 0, 0, 0}, 0, TextAnchor::Left});
    boxes_.push_back(b);
}

}  // namespace sandtable
