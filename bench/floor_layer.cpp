#include "bench/floor_layer.hpp"

#include <algorithm>

#include "engine/gl/shader.hpp"

namespace sandtable::bench {

void FloorLayer::setPositions(std::span<const OfficerInstance> inst) {
    if (inst.size() * 2 != xy_.size()) reallocate_ = true;
    xy_.resize(inst.size() * 2);
    for (size_t i = 0; i < inst.size(); ++i) {
        xy_[2 * i] = inst[i].x;
        xy_[2 * i + 1] = inst[i].y;
    }
    dirty_ = true;
}

void FloorLayer::upload(UploadContext&) {
    if (!buffer_) {
        buffer_ = gl::Buffer::create();
        vao_ = gl::VertexArray::create();
    }
    if (reallocate_) {
        buffer_.upload(std::span<const float>(xy_));
        glVertexArrayVertexBuffer(vao_.id(), 0, buffer_.id(), 0, 2 * sizeof(float));
        gl::vertexAttrib(vao_, 0, 2, GL_FLOAT, 0);
        reallocate_ = dirty_ = false;
    } else if (dirty_ && !xy_.empty()) {
        buffer_.update(0, xy_.data(), xy_.size() * sizeof(float));  // every position, as the officers'
        dirty_ = false;
    }
    count_ = xy_.size() / 2;
}

void FloorLayer::draw(const RenderContext& rc) {
    if (count_ == 0) return;
    // The officer layer's disc diameter at this zoom (officer_layer.cpp).
    const float t = static_cast<float>(std::clamp((zoom_ - 11.0) / 7.0, 0.0, 1.0));
    const float size = (opts_.minSizePx + (opts_.maxSizePx - opts_.minSizePx) * t) * rc.pixelRatio;
    Program& p = rc.shaders->graphics("bench_floor.vert", "bench_floor.frag");
    p.use();
    p.set("uViewProjection", rc.viewProjection);
    p.set("uDiameter", size);
    glEnable(GL_PROGRAM_POINT_SIZE);
    glDisable(GL_DEPTH_TEST);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glBindVertexArray(vao_.id());
    glDrawArrays(GL_POINTS, 0, static_cast<GLsizei>(count_));
    glBindVertexArray(0);
}

void BlitLayer::upload(UploadContext& u) {
    const Camera& cam = *u.frame.camera;
    if (!vao_) vao_ = gl::VertexArray::create();
    if (texture_ && width_ == cam.width && height_ == cam.height) return;
    width_ = cam.width;
    height_ = cam.height;
    // A soft blob pattern with transparent gaps, like a heatmap's colours.
    std::vector<uint8_t> rgba(static_cast<size_t>(width_) * static_cast<size_t>(height_) * 4);
    for (int y = 0; y < height_; ++y)
        for (int x = 0; x < width_; ++x) {
            uint8_t* p = &rgba[(static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 4];
            const int v = ((x / 37) ^ (y / 23)) & 255;
            p[0] = static_cast<uint8_t>(v);
            p[1] = static_cast<uint8_t>(255 - v);
            p[2] = 90;
            p[3] = static_cast<uint8_t>((x / 64 + y / 64) % 5 ? 220 : 0);
        }
    texture_ = gl::Texture::create2D(GL_RGBA8, width_, height_);
    texture_.setFilter(GL_NEAREST, GL_NEAREST);
    glTextureSubImage2D(texture_.id(), 0, 0, 0, width_, height_, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
}

void BlitLayer::draw(const RenderContext& rc) {
    if (!texture_) return;
    Program& p = rc.shaders->graphics("heatmap_quad.vert", "bench_blit.frag");
    p.set("uOffset", rc.target.x, rc.canvasHeight - rc.target.y - rc.target.height);
    p.set("uOpacity", opacity);
    p.use();
    gl::drawViewportTriangle(vao_, texture_.id(), gl::BlendAlpha::Straight);
}

}  // namespace sandtable::bench
