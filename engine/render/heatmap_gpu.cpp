#include "engine/render/heatmap_gpu.hpp"

#include <algorithm>
#include <cmath>

#include "engine/gl/shader.hpp"

namespace sandtable {

namespace {

// Points as the GPU holds them: origin-relative float32 x, y, weight (vec4, w unused).
std::vector<float> packPoints(std::span<const HeatPoint> pts, Vec2d origin) {
    std::vector<float> data(pts.size() * 4);
    for (size_t i = 0; i < pts.size(); ++i) {
        data[4 * i + 0] = static_cast<float>(pts[i].pos.x - origin.x);
        data[4 * i + 1] = static_cast<float>(pts[i].pos.y - origin.y);
        data[4 * i + 2] = static_cast<float>(pts[i].weight);
        data[4 * i + 3] = 0.0f;
    }
    return data;
}

int roundUp4(int v) { return (v + 3) / 4 * 4; }
constexpr GLuint kMaxGroups = 65535;

GLuint groupsFor(size_t n, size_t local) {
    return static_cast<GLuint>(std::clamp<size_t>((n + local - 1) / local, 1, kMaxGroups));
}

}  // namespace

GridSpec gridForCamera(const Camera& cam) {
    GridSpec g;
    g.topLeft = cam.screenToWorld({0.0, 0.0});
    g.pixelSize = cam.resolution;
    g.rotation = cam.rotation;
    g.width = cam.width;
    g.height = cam.height;
    return g;
}

void HeatmapGpu::setPoints(std::span<const HeatPoint> pts, Vec2d origin) {
    origin_ = origin;
    scale_.reset(pts);
    const std::vector<float> data = packPoints(pts, origin);
    if (!points_) points_ = gl::Buffer::create();
    // Headroom so that streamed points rarely force a reallocation.
    capacity_ = std::max<size_t>(pts.size() + pts.size() / 2, 1024);
    points_.reserve(capacity_ * 4 * sizeof(float));
    if (!data.empty()) points_.update(0, data.data(), data.size() * sizeof(float));
    count_ = pts.size();
    ST_GL_CHECK("HeatmapGpu::setPoints");
}

bool HeatmapGpu::appendPoints(std::span<const HeatPoint> pts) {
    if (pts.empty()) return true;
    // Every bin sum must stay below 2^31 units (see BinScale); otherwise, or with no scale
    // yet (no positive weight so far), the caller re-uploads everything.
    if (!points_ || !scale_.append(pts, count_)) return false;
    if (count_ + pts.size() > capacity_) {
        gl::Buffer bigger = gl::Buffer::create();
        const size_t cap = std::max<size_t>((count_ + pts.size()) * 2, 1024);
        bigger.reserve(cap * 4 * sizeof(float));
        if (count_)
            glCopyNamedBufferSubData(points_.id(), bigger.id(), 0, 0,
                                     static_cast<GLsizeiptr>(count_ * 4 * sizeof(float)));
        points_ = std::move(bigger);
        capacity_ = cap;
    }
    const std::vector<float> data = packPoints(pts, origin_);
    points_.update(count_ * 4 * sizeof(float), data.data(), data.size() * sizeof(float));
    count_ += pts.size();
    ST_GL_CHECK("HeatmapGpu::appendPoints");
    return true;
}

void HeatmapGpu::aggregate(const KernelSpec& k, const BinnedLayout& L, size_t first, size_t count) {
    validate(k);
    layout_ = L;
    // Bin rows padded to whole uvec4 chunks (and room for the last chunk the convolution reads).
    stride_ = roundUp4(L.binWidth() + 4);
    const size_t nBins = static_cast<size_t>(stride_) * static_cast<size_t>(L.binHeight());
    if (!bins_) bins_ = gl::Buffer::create();
    if (!table_) table_ = gl::Buffer::create();
    bins_.reserve(nBins * sizeof(GLuint));
    const GLuint zero = 0;
    glClearNamedBufferSubData(bins_.id(), GL_R32UI, 0, static_cast<GLsizeiptr>(nBins * sizeof(GLuint)), GL_RED_INTEGER,
                              GL_UNSIGNED_INT, &zero);
    // The table as 4 copies shifted by one cell, in zero-padded vec4 chunks (see heatmap_conv.comp).
    const std::vector<float> table = convolutionTable(L, k);
    const int R = L.radiusCells, n = 2 * R + 1, Rp = roundUp4(R), nC = Rp / 2 + 1;
    std::vector<float> shifted(static_cast<size_t>(4 * n * nC * 4), 0.0f);
    for (int o = 0; o < 4; ++o)
        for (int dy = 0; dy < n; ++dy)
            for (int c = 0; c < nC; ++c)
                for (int e = 0; e < 4; ++e) {
                    const int dx = 4 * c + e - Rp - o;
                    if (dx < -R || dx > R) continue;
                    shifted[((static_cast<size_t>(o) * n + dy) * nC + c) * 4 + e] =
                        table[static_cast<size_t>(dy) * n + (dx + R)];
                }
    table_.upload(std::span<const float>(shifted));
    if (!coarse_ || coarse_.width() != L.coarse.width || coarse_.height() != L.coarse.height) {
        coarse_ = gl::Texture::create2D(GL_R32F, L.coarse.width, L.coarse.height);
        coarse_.setFilter(GL_NEAREST, GL_NEAREST);
    }
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    binRange(first, count, +1);
    convolve();
}

void HeatmapGpu::binRange(size_t first, size_t count, int sign) {
    if (count == 0 || count_ == 0) return;
    count = std::min(count, count_ - std::min(first, count_));
    if (count == 0) return;
    Program& p = shaders_->compute("heatmap_bin.comp");
    const GridSpec bg = layout_.bins();
    const double c = std::cos(bg.rotation), s = std::sin(bg.rotation);
    const GLuint id = p.id();
    glProgramUniform1ui(id, p.uniform("uFirst"), static_cast<GLuint>(first));
    glProgramUniform1ui(id, p.uniform("uCount"), static_cast<GLuint>(count));
    glProgramUniform2f(id, p.uniform("uTopLeft"), static_cast<float>(bg.topLeft.x - origin_.x),
                       static_cast<float>(bg.topLeft.y - origin_.y));
    glProgramUniform2f(id, p.uniform("uRight"), static_cast<float>(c / bg.pixelSize),
                       static_cast<float>(-s / bg.pixelSize));
    glProgramUniform2f(id, p.uniform("uDown"), static_cast<float>(-s / bg.pixelSize),
                       static_cast<float>(-c / bg.pixelSize));
    glProgramUniform2i(id, p.uniform("uSize"), bg.width, bg.height);
    glProgramUniform1i(id, p.uniform("uStride"), stride_);
    glProgramUniform1f(id, p.uniform("uScale"), static_cast<float>(scale_.scale()));
    glProgramUniform1i(id, p.uniform("uSign"), sign < 0 ? -1 : 1);
    p.use();
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, points_.id());
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, bins_.id());
    glDispatchCompute(groupsFor(count, 256), 1, 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    ST_GL_CHECK("HeatmapGpu::binRange");
}

void HeatmapGpu::convolve() {
    const BinnedLayout& L = layout_;
    if (!coarse_ || coarse_.width() != L.coarse.width || coarse_.height() != L.coarse.height) {
        coarse_ = gl::Texture::create2D(GL_R32F, L.coarse.width, L.coarse.height);
        coarse_.setFilter(GL_NEAREST, GL_NEAREST);
    }
    Program& c = shaders_->compute("heatmap_conv.comp");
    const GLuint id = c.id();
    glProgramUniform2i(id, c.uniform("uCoarseSize"), L.coarse.width, L.coarse.height);
    glProgramUniform1i(id, c.uniform("uStride4"), stride_ / 4);
    glProgramUniform1i(id, c.uniform("uMargin"), L.margin);
    glProgramUniform1i(id, c.uniform("uRadius"), L.radiusCells);
    glProgramUniform1i(id, c.uniform("uRadiusPad"), roundUp4(L.radiusCells));
    glProgramUniform1f(id, c.uniform("uInvScale"), static_cast<float>(1.0 / scale_.scale()));
    c.use();
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, bins_.id());
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, table_.id());
    glBindImageTexture(0, coarse_.id(), 0, GL_FALSE, 0, GL_WRITE_ONLY, GL_R32F);
    const int groupsX = (L.coarse.width + 31) / 32;  // 8 invocations x 4 cells
    glDispatchCompute(static_cast<GLuint>(groupsX), static_cast<GLuint>((L.coarse.height + 7) / 8), 1);
    glMemoryBarrier(GL_TEXTURE_FETCH_BARRIER_BIT | GL_TEXTURE_UPDATE_BARRIER_BIT | GL_SHADER_IMAGE_ACCESS_BARRIER_BIT);
    ST_GL_CHECK("HeatmapGpu::convolve");
}

DensityGrid HeatmapGpu::readCoarse() const {
    DensityGrid g;
    g.spec = layout_.coarse;
    g.values.assign(g.spec.pixelCount(), 0.0f);
    if (!coarse_) return g;
    glGetTextureImage(coarse_.id(), 0, GL_RED, GL_FLOAT, static_cast<GLsizei>(g.values.size() * sizeof(float)),
                      g.values.data());
    ST_GL_CHECK("HeatmapGpu::readCoarse");
    return g;
}

DensityGrid HeatmapGpu::exact(std::span<const HeatPoint> pts, const GridSpec& grid, const KernelSpec& k) {
    const double rp = exactRadiusPixels(k, grid);
    DensityGrid out;
    out.spec = grid;
    out.values.assign(grid.pixelCount(), 0.0f);
    if (grid.pixelCount() == 0) return out;
    // Counting sort of the points into cells at least one radius wide, in grid pixels.
    // Whole-pixel cell sizes and origin keep the shader's distances exact (see the shader).
    const int cs = static_cast<int>(std::ceil(std::max(rp, 4.0)));
    const int co = static_cast<int>(std::ceil(rp));
    const int cellsX = (grid.width + 2 * co) / cs + 2;
    const int cellsY = (grid.height + 2 * co) / cs + 2;
    const size_t nCells = static_cast<size_t>(cellsX) * static_cast<size_t>(cellsY);
    std::vector<GLuint> start(nCells + 1, 0);
    std::vector<uint32_t> cellOf(pts.size(), UINT32_MAX);
    std::vector<Vec2d> g(pts.size());
    for (size_t i = 0; i < pts.size(); ++i) {
        g[i] = grid.toGrid(pts[i].pos);
        if (!(g[i].x >= -rp && g[i].x <= grid.width + rp && g[i].y >= -rp && g[i].y <= grid.height + rp)) continue;
        const int cx = std::clamp(static_cast<int>(std::floor((g[i].x + co) / cs)), 0, cellsX - 1);
        const int cy = std::clamp(static_cast<int>(std::floor((g[i].y + co) / cs)), 0, cellsY - 1);
        cellOf[i] = static_cast<uint32_t>(cy * cellsX + cx);
        ++start[cellOf[i] + 1];
    }
    for (size_t c = 0; c < nCells; ++c) start[c + 1] += start[c];
    std::vector<GLuint> fill(start.begin(), start.end() - 1);
    std::vector<float> sorted(static_cast<size_t>(start[nCells]) * 4 + 4, 0.0f);
    for (size_t i = 0; i < pts.size(); ++i) {
        if (cellOf[i] == UINT32_MAX) continue;
        const size_t j = fill[cellOf[i]]++;
        const int cx = static_cast<int>(cellOf[i] % static_cast<uint32_t>(cellsX));
        const int cy = static_cast<int>(cellOf[i] / static_cast<uint32_t>(cellsX));
        sorted[4 * j + 0] = static_cast<float>(g[i].x - (cx * cs - co));
        sorted[4 * j + 1] = static_cast<float>(g[i].y - (cy * cs - co));
        sorted[4 * j + 2] = static_cast<float>(pts[i].weight);
    }
    gl::Buffer pb = gl::Buffer::create(), cb = gl::Buffer::create(), ob = gl::Buffer::create();
    pb.upload(std::span<const float>(sorted));
    cb.upload(std::span<const GLuint>(start));
    ob.reserve(out.values.size() * sizeof(float));
    Program& p = shaders_->compute("heatmap_exact.comp");
    const GLuint id = p.id();
    glProgramUniform2i(id, p.uniform("uSize"), grid.width, grid.height);
    glProgramUniform2i(id, p.uniform("uCells"), cellsX, cellsY);
    glProgramUniform1i(id, p.uniform("uCellSize"), cs);
    glProgramUniform1i(id, p.uniform("uCellOrigin"), co);
    glProgramUniform1f(id, p.uniform("uRadius"), static_cast<float>(rp));
    glProgramUniform1i(id, p.uniform("uShape"), static_cast<int>(k.shape));
    glProgramUniform1f(id, p.uniform("uDecay"), static_cast<float>(k.decay));
    glProgramUniform1f(id, p.uniform("uScale"), static_cast<float>(kernelScale(k)));
    glProgramUniform1f(id, p.uniform("uGaussK"), static_cast<float>(kGaussianSigmasPerRadius));
    p.use();
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, pb.id());
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, cb.id());
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, ob.id());
    glDispatchCompute(static_cast<GLuint>((grid.width + 15) / 16), static_cast<GLuint>((grid.height + 15) / 16), 1);
    glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
    glGetNamedBufferSubData(ob.id(), 0, static_cast<GLsizeiptr>(out.values.size() * sizeof(float)), out.values.data());
    ST_GL_CHECK("HeatmapGpu::exact");
    return out;
}

}  // namespace sandtable
