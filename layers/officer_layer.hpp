#pragma once
// Live officers: one instanced GL_POINTS sprite per officer (disc + heading wedge),
// coloured by squad or by status, stale officers drawn distinctly (never dropped), sizes
// in pixels growing with zoom between a min and a max, labels at high zoom, the
// selected officer and dispatch candidates highlighted (OfficerFocus), a click selects
// the nearest marker. The panel is in officer_panel.cpp; dispatch assist and incidents
// are the DispatchLayer's.
//
// Per frame the layer takes the feed's snapshot and uploads only the slots that changed
// since the last one (one glNamedBufferSubData over the changed range); staleness is
// evaluated in the shader from last-seen times and the clock, so time passing costs
// nothing on the CPU.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/data/scene.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/gl/resources.hpp"
#include "engine/render/layer.hpp"
#include "layers/officer_focus.hpp"

namespace sandtable {

class OfficerPanel;

// One officer on the GPU (20 bytes).
struct OfficerInstance {
    float x = 0, y = 0;     // display CRS minus MapContext::origin
    float heading = NAN;    // degrees clockwise from north; NaN: none
    float lastSeenSec = 0;  // seconds relative to the layer's epoch (see epoch())
    uint8_t squad = 0, status = 0, flags = 0, pad = 0;
};
// kOfficerAbsent: no fix at or before the frame time (a replay before the officer's first).
enum OfficerFlag : uint8_t { kOfficerSelected = 1, kOfficerCandidate = 2, kOfficerAbsent = 4 };

struct OfficerLayerOptions {
    enum class ColorBy { Squad, Status };
    ColorBy colorBy = ColorBy::Status;
    float minSizePx = 9.0f, maxSizePx = 20.0f;  // disc diameter at zoom 11 and 18 (x pixel ratio)
    double labelMinZoom = 15.5;
    TimeMs staleAfterMs = 120 * 1000;
    size_t dispatchK = 5;  // for the dispatch layer added beside it
    // The squads (names, colours) are the scene's catalogue, MapContext::squads.
};

// Scene entry of type "officers" (docs/scene.md); throws SceneError naming the key.
OfficerLayerOptions parseOfficerLayerOptions(const JsonReader& r);

// The markers' colours (legend, panels and the dispatch overlay share them).
Color officerStatusColor(OfficerStatus s);
Color officerStaleColor();
const I18nText& officerStatusName(OfficerStatus s, Language);  // zh/en names

class OfficerLayer final : public Layer {
public:
    OfficerLayer(std::string id, I18nText title, const MapContext& ctx, OfficerLayerOptions opts);
    ~OfficerLayer() override;

    // Live path: the layer reads this pipeline's snapshot every frame.
    void setFeed(std::shared_ptr<FeedPipeline> feed);
    const std::shared_ptr<FeedPipeline>& feed() const { return feed_; }
    // Direct path (benchmarks, tests): replace all instances / overwrite a range.
    void setInstances(std::span<const OfficerInstance> inst);
    void updateInstances(size_t first, std::span<const OfficerInstance> inst);
    // Time base of OfficerInstance::lastSeenSec.
    TimeMs epoch() const { return epoch_; }
    void setEpoch(TimeMs t) { epoch_ = t; }

    void update(const FrameState& frame) override;
    void upload(UploadContext& ctx) override;
    void draw(const RenderContext& ctx) override;
    void drawUi(Language lang) override;  // officer_panel.cpp
    void collectLabels(const FrameState& frame, LabelSet& labels) override;
    bool legend(LegendBlock& block) const override;
    LayerStats stats() const override;
    bool handleClick(const Camera& camera, Vec2d screen, bool modifier) override;
    std::optional<Vec2d> followTarget() const override;
    std::string selection() const override { return focus_->selected; }

    // The selection, filters and highlights this layer shows (shared with other layers).
    const std::shared_ptr<OfficerFocus>& focus() const { return focus_; }
    void setFocus(std::shared_ptr<OfficerFocus> f) { focus_ = std::move(f); }
    void select(const std::string& officerId) { focus_->select(officerId); }
    const std::string& selected() const { return focus_->selected; }
    void setFollow(bool f) {
        focus_->follow = f;
        focus_->changed();
    }
    OfficerLayerOptions& options() { return opts_; }
    const OfficerLayerOptions& options() const { return opts_; }
    const MapContext& context() const { return ctx_; }
    size_t officerCount() const { return instances_.size(); }
    // Instances sent to the GPU by the last upload() (one contiguous range).
    size_t lastUploadCount() const { return uploadsLastFrame_; }
    GLuint bufferId() const { return buffer_.id(); }  // tests read the instances back
    const std::shared_ptr<const FeedSnapshot>& snapshot() const { return snap_; }
    // Live and stale counts at the last update's time.
    size_t liveCount() const { return live_; }
    size_t staleCount() const { return stale_; }
    TimeMs now() const { return now_; }
    // Markers placed as of the frame time from the tracks (a replay, the timeline taken
    // back) rather than from the latest state; officers with no fix yet then.
    bool showingPast() const { return asOf_; }
    size_t absentCount() const { return absent_; }
    // Live mode shows the latest state unless the frame time is this far behind it.
    static constexpr TimeMs kAsOfSlackMs = 30 * 1000;

private:
    OfficerInstance toInstance(const OfficerState& o) const;
    Vec2d displayOf(double lon, double lat) const;
    void markDirty(size_t first, size_t last);
    void applyFlags();  // O(flagged): selection and dispatch highlights

    MapContext ctx_;
    OfficerLayerOptions opts_;
    std::unique_ptr<Transformer> toDisplay_, toWgs84_;  // built once: PROJ setup costs milliseconds
    std::shared_ptr<FeedPipeline> feed_;
    std::shared_ptr<const FeedSnapshot> snap_;
    uint64_t snapVersion_ = 0;
    bool haveSnapshot_ = false;
    TimeMs epoch_ = 0;
    bool epochSet_ = false;
    TimeMs now_ = 0;
    double zoom_ = 0;
    size_t live_ = 0, stale_ = 0, absent_ = 0;
    bool asOf_ = false;
    TimeMs asOfTime_ = 0;
    size_t directFlagged_ = 0;  // direct path: instances with highlight flags (picks the shader variant)

    std::vector<OfficerInstance> instances_;
    size_t dirtyFirst_ = SIZE_MAX, dirtyLast_ = 0;  // inclusive slot range to upload
    size_t gpuCount_ = 0;
    bool reallocate_ = true;
    gl::Buffer buffer_;
    gl::VertexArray vao_;
    size_t uploadsLastFrame_ = 0;

    std::shared_ptr<OfficerFocus> focus_;
    uint64_t focusVersion_ = 0;
    int64_t selectedSlot_ = -1;
    std::vector<uint32_t> flagged_;                    // slots whose flags are set
    float northAngle_ = 0;                             // screen angle of true north (radians, clockwise)
    std::vector<float> statusPalette_, squadPalette_;  // vec4s for the shader, built once
    std::unique_ptr<OfficerPanel> panel_;
};

// Scene entry of type "officers" (docs/scene.md).
LayerPtr makeOfficerLayer(const SceneSpec& scene, const LayerSpec& spec, const MapContext& ctx);

}  // namespace sandtable
