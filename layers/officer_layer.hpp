#pragma once
// Live officers: one instanced GL_POINTS sprite per officer (disc + heading wedge),
// coloured by squad or by status, stale officers drawn distinctly (never dropped), sizes
// in pixels growing with zoom between a min and a max, labels at high zoom, selection,
// follow mode, filters by squad/status, search by id, and dispatch assist (K nearest
// available officers to a clicked point or a feed incident, from a spatial index).
//
// Per frame the layer takes the feed's snapshot and uploads only the slots that changed
// since the last one (one glNamedBufferSubData over the changed range); staleness is
// evaluated in the shader from last-seen times and the clock, so time passing costs
// nothing on the CPU.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/feed/dispatch.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/gl/resources.hpp"
#include "engine/render/layer.hpp"

namespace sandtable {

// One officer on the GPU (20 bytes).
struct OfficerInstance {
    float x = 0, y = 0;     // display CRS minus MapContext::origin
    float heading = NAN;    // degrees clockwise from north; NaN: none
    float lastSeenSec = 0;  // seconds relative to the layer's epoch (see epoch())
    uint8_t squad = 0, status = 0, flags = 0, pad = 0;
};
enum OfficerFlag : uint8_t { kOfficerSelected = 1, kOfficerCandidate = 2 };

struct OfficerLayerOptions {
    enum class ColorBy { Squad, Status };
    ColorBy colorBy = ColorBy::Status;
    float minSizePx = 9.0f, maxSizePx = 20.0f;  // disc diameter at zoom 11 and 18 (x pixel ratio)
    double labelMinZoom = 15.5;
    TimeMs staleAfterMs = 120 * 1000;
    size_t dispatchK = 5;
    std::vector<std::string> squads = defaultSquadIds();
    std::vector<I18nText> squadNames = defaultSquadNames();  // aligned with squads (legend, panel)
    // The ten Putuo squads' names (docs/domain.md), aligned with defaultSquadIds().
    static std::vector<I18nText> defaultSquadNames();
};

class OfficerLayer final : public Layer {
public:
    OfficerLayer(std::string id, I18nText title, const MapContext& ctx, OfficerLayerOptions opts);
    ~OfficerLayer() override;

    // Live path: the layer reads this pipeline's snapshot every frame.
    void setFeed(std::shared_ptr<FeedPipeline> feed);
    // Direct path (benchmarks, tests): replace all instances / overwrite a range.
    void setInstances(std::span<const OfficerInstance> inst);
    void updateInstances(size_t first, std::span<const OfficerInstance> inst);
    // Time base of OfficerInstance::lastSeenSec.
    TimeMs epoch() const { return epoch_; }
    void setEpoch(TimeMs t) { epoch_ = t; }

    void update(const FrameState& frame) override;
    void upload() override;
    void draw(const RenderContext& ctx) override;
    void drawUi(Language lang) override;
    void collectLabels(const FrameState& frame, LabelSet& labels) override;
    bool legend(LegendBlock& block) const override;
    LayerStats stats() const override;
    bool handleClick(const Camera& camera, Vec2d screen, bool modifier) override;
    std::optional<Vec2d> followTarget() const override;
    std::string selection() const override { return selectedId_; }

    // Dispatch assist at a WGS84 point: K nearest available officers (also highlighted).
    const std::vector<DispatchCandidate>& dispatchAt(Vec2d lonLat, TimeMs now);
    const std::vector<DispatchCandidate>& candidates() const { return candidates_; }
    void select(const std::string& officerId);
    const std::string& selected() const { return selectedId_; }
    void setFollow(bool f) { follow_ = f; }
    OfficerLayerOptions& options() { return opts_; }
    size_t officerCount() const { return instances_.size(); }
    // Instances sent to the GPU by the last upload() (one contiguous range).
    size_t lastUploadCount() const { return uploadsLastFrame_; }
    GLuint bufferId() const { return buffer_.id(); }  // tests read the instances back
    const std::shared_ptr<const FeedSnapshot>& snapshot() const { return snap_; }
    // Live and stale counts at the last update's time.
    size_t liveCount() const { return live_; }
    size_t staleCount() const { return stale_; }

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
    size_t live_ = 0, stale_ = 0;

    std::vector<OfficerInstance> instances_;
    size_t dirtyFirst_ = SIZE_MAX, dirtyLast_ = 0;  // inclusive slot range to upload
    size_t gpuCount_ = 0;
    bool reallocate_ = true;
    gl::Buffer buffer_;
    gl::VertexArray vao_;
    size_t uploadsLastFrame_ = 0;

    // Interaction state.
    std::string selectedId_;
    int64_t selectedSlot_ = -1;
    std::vector<uint32_t> flagged_;  // slots whose flags are set
    bool follow_ = false;
    uint32_t squadMask_ = 0xffffffffu;
    uint32_t statusMask_ = 0xfu;
    bool showStale_ = true;
    char search_[64] = {0};
    std::string searchMessage_;
    bool dispatchMode_ = false;
    Vec2d dispatchPoint_{NAN, NAN};  // WGS84; finite while a dispatch query is shown
    TimeMs dispatchTime_ = 0;        // scene time of the last query (refreshed each second)
    std::vector<DispatchCandidate> candidates_;
    std::unique_ptr<DispatchIndex> index_;
    uint64_t indexVersion_ = ~uint64_t{0};
    TimeMs indexTime_ = 0;
    float northAngle_ = 0;
    std::vector<float> statusPalette_, squadPalette_;  // vec4s for the shader, built once                   // screen
                                                       // angle of true north (radians, clockwise)
};

}  // namespace sandtable
