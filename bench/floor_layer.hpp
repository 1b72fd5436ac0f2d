#pragma once
// The scatter benchmark's floor: N discs of the officer markers' diameter at the officers'
// positions, moved every frame like them, drawn with a minimal GL_POINTS shader
// (shaders/bench_floor.*) through the same Map::render. What any point-marker layer costs
// at best on this device: the officer layer's time over this is its `floor_ratio`.
#include <span>
#include <vector>

#include "engine/gl/resources.hpp"
#include "engine/render/layer.hpp"
#include "layers/officer_layer.hpp"

namespace sandtable::bench {

class FloorLayer final : public Layer {
public:
    explicit FloorLayer(OfficerLayerOptions opts) : Layer("bench-floor", {"floor", "floor"}), opts_(opts) {}
    // Positions of the officers (the same instances the officer layer gets).
    void setPositions(std::span<const OfficerInstance> inst);
    void update(const FrameState& frame) override { zoom_ = frame.zoom; }
    void upload(UploadContext&) override;
    void draw(const RenderContext& rc) override;

private:
    OfficerLayerOptions opts_;
    double zoom_ = 0.0;
    std::vector<float> xy_;
    bool dirty_ = false, reallocate_ = true;
    size_t count_ = 0;
    gl::Buffer buffer_;
    gl::VertexArray vao_;
};

// The heatmap pan's floor: one canvas-sized RGBA texture drawn over the map with alpha
// blending (what the heatmap layer's draw() does at best: one texel fetch per pixel).
class BlitLayer final : public Layer {
public:
    BlitLayer() : Layer("bench-blit", {"blit", "blit"}) {}
    void update(const FrameState&) override {}
    void upload(UploadContext& u) override;
    void draw(const RenderContext& rc) override;

private:
    gl::Texture texture_;
    gl::VertexArray vao_;
    int width_ = 0, height_ = 0;
};

}  // namespace sandtable::bench
