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

}  // namespace sandtable::bench
