#pragma once
// Vector map data from any OGR source: filled polygons (triangulated by GEOS), outlines
// and lines as screen-space-width strokes with round joins and caps (instanced segment
// quads with a distance test, not glLineWidth), points as markers, labels from an
// attribute. Fill by a solid colour, by category, or by class breaks on a numeric
// attribute (the cockpit's choropleth uses the latter); strokes by a solid colour or by
// category (colour and width per value: road classes).
#include <map>
#include <string>
#include <vector>

#include "engine/data/scene.hpp"
#include "engine/data/vector_source.hpp"
#include "engine/gl/resources.hpp"
#include "engine/render/layer.hpp"
#include "engine/render/painter.hpp"

namespace sandtable {

struct VectorStyle {
    enum class FillMode { None, Solid, Category, Breaks };
    FillMode fillMode = FillMode::None;
    Color fill{0.5f, 0.5f, 0.5f, 1.0f};
    std::string fillField;  // Category / Breaks
    struct Category {
        Color color;
        I18nText label;
    };
    std::map<std::string, Category> categories;  // value -> colour
    Color categoryDefault{0.5f, 0.5f, 0.5f, 1.0f};
    std::vector<double> breaks;  // ascending upper bounds; N breaks -> N+1 classes
    std::vector<Color> breakColors;

    Color stroke{0, 0, 0, 0};
    float strokeWidth = 0.0f;  // px; 0 = no outline
    // "stroke": {"field", "categories": {value: colour or {"color", "width", "label"}},
    // "default"}: colour and width per value; values not listed get `stroke` (the
    // default) and `strokeWidth`. Wider strokes are drawn over narrower ones.
    std::string strokeField;
    struct StrokeCategory {
        Color color;
        float width = 0;  // px
        I18nText label;
    };
    std::map<std::string, StrokeCategory> strokeCategories;

    Color marker{1, 1, 1, 1};
    Color markerStroke{0, 0, 0, 1};
    float markerSize = 8.0f;  // px diameter
    std::string markerField;  // optional: category colours for markers
    std::map<std::string, Color> markerCategories;

    std::string labelField;
    std::string labelFieldEn;  // used in English mode when present
    TextStyle label;
    int labelPriority = 0;
    float labelOffsetY = 0;   // px (markers: put labels below)
    double labelMinZoom = 0;  // hide labels below this zoom

    enum class LegendMode { None, Single, Categories, Breaks };
    LegendMode legend = LegendMode::None;
    I18nText legendTitle;
    I18nText legendLabel;
};

// Parses a layer's "style" object (errors name the scene file and key).
VectorStyle parseVectorStyle(const JsonReader& style);

class VectorLayer final : public Layer {
public:
    VectorLayer(std::string id, I18nText title, VectorData data, VectorStyle style, const MapContext& ctx,
                double loadMs);

    void update(const FrameState& frame) override;
    void upload(UploadContext& ctx) override;
    void draw(const RenderContext& ctx) override;
    void collectLabels(const FrameState& frame, LabelSet& labels) override;
    bool legend(LegendBlock& block) const override;
    LayerStats stats() const override;
    // Geometry and style only: the same pixels for the same camera.
    std::optional<uint64_t> drawRevision() const override { return uploads_ + (dirty_ ? 1 : 0); }

    const VectorData& data() const { return data_; }
    const VectorStyle& style() const { return style_; }
    // Restyle (e.g. a new choropleth field); geometry stays, colours are re-uploaded.
    void setStyle(VectorStyle s);

private:
    Color fillColorOf(const VectorFeature& f) const;
    Color markerColorOf(const VectorFeature& f) const;
    VectorStyle::StrokeCategory strokeOf(const VectorFeature& f) const;
    void buildBuffers();

    VectorData data_;
    VectorStyle style_;
    MapContext ctx_;
    double loadMs_ = 0;
    bool dirty_ = true;
    uint64_t uploads_ = 0;  // buffers uploaded (drawRevision)
    double zoom_ = 0;
    Language language_ = Language::Chinese;

    struct FillVertex {
        float x, y;
        uint8_t r, g, b, a;
    };
    struct Segment {
        float x0, y0, x1, y1;
        uint8_t r, g, b, a;
        float width;  // px at pixel ratio 1
    };
    struct Marker {
        float x, y;
        uint8_t r, g, b, a;
    };
    std::vector<FillVertex> fillVerts_;
    // Every fill colour is opaque: at full opacity the fill is drawn without blending (the
    // same pixels; software GL then skips reading what is under it, and drops the work of
    // what an opaque triangle covers whole).
    bool fillOpaque_ = false;
    std::vector<Segment> segments_;
    std::vector<Marker> markers_;
    gl::Buffer fillBuf_, segBuf_, markerBuf_;
    gl::VertexArray fillVao_, segVao_, markerVao_;
};

// Scene entry of type "vector" (docs/scene.md). Throws SceneError for scene mistakes and
// std::runtime_error when the source cannot be read.
LayerPtr makeVectorLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx);

}  // namespace sandtable
