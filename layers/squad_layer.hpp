#pragma once
// The data cockpit on the map: the squads' jurisdictions as a choropleth of any indicator
// (class breaks chosen for the data: natural breaks over the squads' values, legend with
// the unit), a badge per squad with its index and rank, and lagging squads marked so they
// are seen from 5 m: a red outline, hatching and a "lagging" tag (shape and pattern as
// well as colour). Squads with no data for the indicator are grey and hatched. The
// figures come from the scene's IndicatorModel (engine/indicators/live_model.hpp), shared
// with the checkpoint and inspection layers; the panel (squad_panel.cpp) holds the squad
// table, the profile, the district summary and the alert list.
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/scene.hpp"
#include "engine/data/vector_source.hpp"
#include "engine/indicators/live_model.hpp"
#include "engine/indicators/presentation.hpp"
#include "engine/render/layer.hpp"
#include "layers/vector_layer.hpp"

namespace sandtable {

class SceneResources;
class SquadPanel;

struct SquadLayerOptions {
    std::string indicator = "index";  // the choropleth's (IndicatorDef key)
    bool fill = true;                 // the choropleth fill (badges and lagging marks always)
    float fillOpacity = 0.55f;
    int classes = 5;
};

class SquadLayer final : public Layer {
public:
    SquadLayer(std::string id, I18nText title, VectorData jurisdictions, SquadLayerOptions opts,
               std::shared_ptr<indicators::IndicatorModel> model, const MapContext& ctx);
    ~SquadLayer() override;

    void update(const FrameState& frame) override;
    void upload(UploadContext& ctx) override;
    void overlay(const FrameState& frame, Painter& painter) override;
    void draw(const RenderContext& ctx) override;
    void drawUi(Language lang) override;  // squad_panel.cpp
    void collectLabels(const FrameState& frame, LabelSet& labels) override;
    bool legend(LegendBlock& block) const override;
    std::optional<ViewRequest> takeViewRequest() override;
    // Where the last overlay drew each squad's badge (a click there opens its profile).
    struct Badge {
        std::array<float, 4> box;  // x, y, w, h in canvas pixels
        size_t squad;
    };
    const std::vector<Badge>& badges() const { return badgeBoxes_; }
    bool handleClick(const Camera& camera, Vec2d screen, bool modifier) override;
    std::string selection() const override;

    const std::shared_ptr<indicators::IndicatorModel>& model() const { return model_; }
    SquadLayerOptions& options() { return opts_; }
    void setIndicator(const std::string& key);
    // The class breaks of the current indicator (ascending upper bounds), empty: no data.
    const std::vector<double>& breaks() const { return breaks_; }
    // Squad (catalogue index) whose profile the panel shows; -1: none.
    int selectedSquad = -1;
    // Ask the host to fly to a place (WGS84) at a zoom-ish resolution (display units / px).
    void requestView(Vec2d lonLat, double resolution);
    void requestSquadView(size_t squad);

private:
    void restyle();
    size_t featureSquad(size_t feature) const;  // catalogue index of a jurisdiction feature (or npos)

    MapContext ctx_;
    SquadLayerOptions opts_;
    std::shared_ptr<indicators::IndicatorModel> model_;
    VectorLayer fill_;  // the jurisdictions' geometry, restyled per indicator
    std::vector<size_t> featureSquads_;
    std::unique_ptr<Transformer> toDisplay_;
    uint64_t styledVersion_ = 0;
    std::string styledIndicator_;
    std::vector<double> breaks_;
    std::vector<Color> classColors_;
    std::optional<ViewRequest> viewRequest_;
    std::unique_ptr<SquadPanel> panel_;
    double zoom_ = 0;
    std::vector<Badge> badgeBoxes_;
};

LayerPtr makeSquadLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx, SceneResources& res);

}  // namespace sandtable
