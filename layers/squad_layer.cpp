#include "layers/squad_layer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "engine/analysis/color_ramps.hpp"
#include "engine/geo/projection.hpp"
#include "engine/render/labels.hpp"
#include "engine/render/painter.hpp"
#include "engine/util/i18n.hpp"
#include "layers/scene_resources.hpp"
#include "layers/squad_panel.hpp"

namespace sandtable {

namespace {

constexpr size_t kNoSquad = std::numeric_limits<size_t>::max();
const Color kLagging = Color::fromHex(0xff3b30);
const Color kNoData = Color::fromHex(0x5f6b77);
const Color kBadge = Color::fromHex(0x0a1420, 0.88f);
const Color kBadgeText = Color::fromHex(0xf4f7fa);

// Diagonal hatching (45 degrees, `spacing` px apart) of the polygon rings given in canvas
// pixels: even-odd scanlines along x - y = c, so holes and multi-parts come out right.
void hatch(Painter& p, const std::vector<std::vector<Vec2f>>& rings, float spacing, float width, Color color) {
    float cMin = std::numeric_limits<float>::max(), cMax = -cMin;
    for (const auto& r : rings)
        for (Vec2f v : r) {
            cMin = std::min(cMin, v.x - v.y);
            cMax = std::max(cMax, v.x - v.y);
        }
    std::vector<float> ts;  // crossings along the line, parametrised by x
    for (float c = std::ceil(cMin / spacing) * spacing; c <= cMax; c += spacing) {
        ts.clear();
        for (const auto& r : rings)
            for (size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) {
                const float da = r[i].x - r[i].y - c, db = r[j].x - r[j].y - c;
                if ((da > 0) == (db > 0)) continue;
                const float t = da / (da - db);
                ts.push_back(r[i].x + (r[j].x - r[i].x) * t);
            }
        std::sort(ts.begin(), ts.end());
        for (size_t k = 0; k + 1 < ts.size(); k += 2)
            p.line({ts[k], ts[k] - c}, {ts[k + 1], ts[k + 1] - c}, width, color);
    }
}

}  // namespace

SquadLayer::SquadLayer(std::string id, I18nText title, VectorData jurisdictions, SquadLayerOptions opts,
                       std::shared_ptr<indicators::IndicatorModel> model, const MapContext& ctx)
    : Layer(std::move(id), std::move(title)),
      ctx_(ctx),
      opts_(std::move(opts)),
      model_(std::move(model)),
      fill_("squad-fill", title_, std::move(jurisdictions), VectorStyle{}, ctx, 0.0),
      toDisplay_(std::make_unique<Transformer>("wgs84", ctx.displayCrs)),
      panel_(std::make_unique<SquadPanel>()) {
    const VectorData& d = fill_.data();
    const int field = d.fieldIndex("squad");
    for (const VectorFeature& f : d.features) {
        size_t s = kNoSquad;
        if (field >= 0)
            if (auto i = model_->squads().indexOf(f.values[static_cast<size_t>(field)])) s = *i;
        featureSquads_.push_back(s);
    }
    if (field < 0) warn("squads: the jurisdictions have no 'squad' attribute");
    if (!indicators::findIndicator(opts_.indicator)) {
        warn("squads: unknown indicator '" + opts_.indicator + "', showing the index");
        opts_.indicator = "index";
    }
}

SquadLayer::~SquadLayer() = default;

size_t SquadLayer::featureSquad(size_t f) const { return f < featureSquads_.size() ? featureSquads_[f] : kNoSquad; }

void SquadLayer::setIndicator(const std::string& key) {
    if (indicators::findIndicator(key)) opts_.indicator = key;
}

void SquadLayer::restyle() {
    const indicators::IndicatorDef& def = *indicators::findIndicator(opts_.indicator);
    const indicators::Result& r = model_->result();
    std::vector<double> values;
    for (const auto& s : r.squads)
        if (auto v = def.value(s)) values.push_back(*v);
    breaks_ = values.empty() ? std::vector<double>{} : indicators::naturalBreaks(values, opts_.classes);
    // A sequential ramp: darker and more saturated is better (or worse, for counts of
    // misses), readable on the dark theme; the numbers are on the badges and in the legend.
    const size_t n = breaks_.size() + 1;
    const std::vector<Color> ramp = rampTable(ColorRampId::Viridis, static_cast<int>(std::max<size_t>(n, 2)));
    classColors_.assign(ramp.begin(), ramp.begin() + static_cast<ptrdiff_t>(n));
    if (!def.higherIsBetter) std::reverse(classColors_.begin(), classColors_.end());
    VectorStyle st;
    st.fillMode = VectorStyle::FillMode::Category;
    st.fillField = "squad";
    st.categoryDefault = kNoData.withAlpha(opts_.fillOpacity);
    for (const auto& s : r.squads) {
        const auto v = def.value(s);
        if (!v) continue;
        const size_t cls =
            static_cast<size_t>(std::upper_bound(breaks_.begin(), breaks_.end(), *v - 1e-12) - breaks_.begin());
        st.categories[model_->squads()[s.squad].id] = {classColors_[cls].withAlpha(opts_.fillOpacity), {}};
    }
    st.stroke = Color::fromHex(0xe8eef5, 0.9f);
    st.strokeWidth = 1.5f;
    fill_.setStyle(std::move(st));
    styledVersion_ = model_->version();
    styledIndicator_ = opts_.indicator;
}

void SquadLayer::update(const FrameState& frame) {
    model_->update(frame.time);
    zoom_ = frame.zoom;
    if (model_->version() != styledVersion_ || styledIndicator_ != opts_.indicator) restyle();
    fill_.opacity = opacity;
    fill_.update(frame);
}

void SquadLayer::upload(UploadContext& ctx) {
    if (opts_.fill) fill_.upload(ctx);
}

void SquadLayer::draw(const RenderContext& rc) {
    if (opts_.fill) fill_.draw(rc);
}

void SquadLayer::overlay(const FrameState& frame, Painter& p) {
    const Camera& cam = *frame.camera;
    const float s = frame.pixelRatio;
    const indicators::Result& r = model_->result();
    const VectorData& d = fill_.data();
    const indicators::IndicatorDef& def = *indicators::findIndicator(opts_.indicator);
    for (size_t fi = 0; fi < d.features.size(); ++fi) {
        const size_t sq = featureSquad(fi);
        if (sq == kNoSquad || sq >= r.squads.size()) continue;
        const indicators::SquadFigures& f = r.squads[sq];
        const bool lagging = f.lagging.value_or(false);
        const bool noData = opts_.fill && !def.value(f);
        if (!lagging && !noData) continue;
        // Rings in canvas pixels, for the hatching and the outline.
        std::vector<std::vector<Vec2f>> rings;
        for (const auto& poly : d.features[fi].polygons)
            for (const auto& ring : poly) {
                std::vector<Vec2f> px;
                for (Vec2d w : ring) {
                    const Vec2d q = cam.worldToScreen(w);
                    px.push_back({static_cast<float>(q.x), static_cast<float>(q.y)});
                }
                if (px.size() >= 3) rings.push_back(std::move(px));
            }
        hatch(p, rings, 9 * s, 1.6f * s, lagging ? kLagging.withAlpha(0.55f) : Color::fromHex(0xd0d8e0, 0.45f));
        if (lagging)
            for (const auto& ring : rings)
                for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++)
                    p.line(ring[j], ring[i], 3.5f * s, kLagging);
    }
    badgeBoxes_.clear();
    // Badges: rank and index under each jurisdiction's name; lagging squads in red with a
    // "lagging" tag and a downward triangle, so the status does not hang on colour alone.
    for (size_t fi = 0; fi < d.features.size(); ++fi) {
        const size_t sq = featureSquad(fi);
        if (sq == kNoSquad || sq >= r.squads.size() || std::isnan(d.features[fi].labelPoint.x)) continue;
        const indicators::SquadFigures& f = r.squads[sq];
        const Vec2d a = cam.worldToScreen(d.features[fi].labelPoint);
        if (a.x < -100 || a.y < -100 || a.x > cam.width + 100 || a.y > cam.height + 100) continue;
        char rank[48];
        if (f.rank)
            std::snprintf(rank, sizeof rank, tr("squads.badge_rank", frame.language), *f.rank);
        else
            std::snprintf(rank, sizeof rank, "%s", tr("squads.badge_no_rank", frame.language));
        const std::string value = indicators::formatIndicator(*indicators::findIndicator("index"), f.index);
        const bool lagging = f.lagging.value_or(false);
        const std::string line = std::string(rank) + "  " + value;
        const std::string tag = lagging ? tr("squads.lagging_tag", frame.language) : "";
        const float ts = 15 * s, pad = 5 * s;
        const float w = p.textWidth(line, ts) + (lagging ? p.textWidth(tag, ts) + 26 * s : 0) + 2 * pad;
        const float h = ts + 2 * pad;
        const float x = static_cast<float>(a.x) - w * 0.5f, y = static_cast<float>(a.y) + 13 * s;
        badgeBoxes_.push_back({{x, y, w, h}, sq});
        p.rect(x, y, w, h, lagging ? kLagging.withAlpha(0.92f) : kBadge);
        p.rectOutline(x, y, w, h, 1.2f * s, lagging ? Color::fromHex(0xffffff) : Color::fromHex(0x4fc3f7, 0.8f));
        float tx = x + pad;
        if (lagging) {
            p.mark(MarkShape::Triangle, {tx + 8 * s, y + h * 0.5f}, 12 * s, Color::fromHex(0xffffff), kLagging, 0);
            tx += 20 * s;
            tx += p.text(tag, tx, y + pad + ts * 0.85f,
                         TextStyle{ts, kBadgeText, {0, 0, 0, 0}, 0, TextAnchor::Left, true});
            tx += 6 * s;
        }
        p.text(line, tx, y + pad + ts * 0.85f, TextStyle{ts, kBadgeText, {0, 0, 0, 0}, 0, TextAnchor::Left, true});
    }
}

void SquadLayer::collectLabels(const FrameState&, LabelSet& labels) {
    // The badges drawn this frame (overlay() runs first) keep other labels off them.
    for (const auto& b : badgeBoxes_) labels.reserve(b.box[0], b.box[1], b.box[2], b.box[3]);
}

bool SquadLayer::legend(LegendBlock& b) const {
    const indicators::IndicatorDef& def = *indicators::findIndicator(opts_.indicator);
    const Language zh = Language::Chinese, en = Language::English;
    auto title = [&](Language l) {
        char buf[160];
        std::snprintf(buf, sizeof buf, tr("squads.legend_title", l), tr(std::string("kpi.") + def.key, l),
                      tr(indicators::unitKey(def), l));
        return std::string(buf);
    };
    b.title = {title(zh), title(en)};
    if (opts_.fill) {
        for (size_t i = 0; i < classColors_.size(); ++i) {
            std::string range;
            auto fmt = [&](double v) { return indicators::formatIndicator(def, v); };
            if (breaks_.empty())
                range = "";
            else if (i == 0)
                range = "≤ " + fmt(breaks_[0]);
            else if (i == breaks_.size())
                range = "> " + fmt(breaks_.back());
            else
                range = fmt(breaks_[i - 1]) + " – " + fmt(breaks_[i]);
            b.entries.push_back(
                {LegendEntry::Kind::Fill, classColors_[i].withAlpha(opts_.fillOpacity), {}, {range, range}});
        }
        LegendEntry nd{LegendEntry::Kind::Fill, kNoData.withAlpha(opts_.fillOpacity), {}, text("squads.no_data")};
        nd.hatched = true;
        b.entries.push_back(nd);
    }
    LegendEntry lag{LegendEntry::Kind::Fill, kLagging.withAlpha(0.25f), kLagging, text("squads.lagging_legend")};
    lag.hatched = true;
    b.entries.push_back(lag);
    return true;
}

bool SquadLayer::handleClick(const Camera&, Vec2d screen, bool) {
    // A click on a badge (where the last overlay drew it, at any pixel ratio) opens that
    // squad's profile in the panel.
    for (const Badge& b : badgeBoxes_)
        if (screen.x >= b.box[0] && screen.x < b.box[0] + b.box[2] && screen.y >= b.box[1] &&
            screen.y < b.box[1] + b.box[3]) {
            selectedSquad = static_cast<int>(b.squad);
            return true;
        }
    return false;
}

std::string SquadLayer::selection() const {
    return selectedSquad >= 0 ? model_->squads()[static_cast<size_t>(selectedSquad)].id : std::string();
}

void SquadLayer::requestView(Vec2d lonLat, double resolution) {
    Vec2d p = lonLat;
    if (!toDisplay_->forward(p)) return;
    viewRequest_ = ViewRequest{p, resolution};
}

void SquadLayer::requestSquadView(size_t squad) {
    for (size_t fi = 0; fi < fill_.data().features.size(); ++fi)
        if (featureSquad(fi) == squad) {
            BBox box;
            for (const auto& poly : fill_.data().features[fi].polygons)
                for (Vec2d v : poly[0]) box.extend(v);
            // Fit the jurisdiction into a 1080-pixel-high view with a margin.
            const double res = std::max(box.maxX - box.minX, box.maxY - box.minY) / 700.0;
            viewRequest_ = ViewRequest{box.center(), res};
            return;
        }
}

std::optional<Layer::ViewRequest> SquadLayer::takeViewRequest() {
    auto r = viewRequest_;
    viewRequest_.reset();
    return r;
}

LayerPtr makeSquadLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx, SceneResources& res) {
    const JsonReader r(spec.config, scene.file, spec.keyPath);
    SquadLayerOptions o;
    o.indicator = r.string("indicator", o.indicator);
    if (!indicators::findIndicator(o.indicator)) {
        std::string known;
        for (const auto& d : indicators::indicatorDefs()) known += std::string(known.empty() ? "" : ", ") + d.key;
        r.fail("indicator", "unknown indicator '" + o.indicator + "' (expected " + known + ")");
    }
    o.fill = r.boolean("fill", o.fill);
    o.fillOpacity = static_cast<float>(r.number("fillOpacity", o.fillOpacity, 0.0, 1.0));
    o.classes = static_cast<int>(r.number("classes", o.classes, 2, 7));
    VectorSourceSpec vs;
    vs.path = r.has("source") ? scene.resolve(r.child("source").string("path")) : scene.jurisdictionsPath;
    if (vs.path.empty()) r.fail("source", "the squads layer needs the jurisdictions (a source, or the scene's)");
    auto model = res.indicators();  // throws: records or squads unreadable
    VectorData data = loadVector(vs, ctx.displayCrs);
    return std::make_unique<SquadLayer>(spec.id, I18nText{spec.titleZh, spec.titleEn}, std::move(data), o,
                                        std::move(model), ctx);
}

}  // namespace sandtable
