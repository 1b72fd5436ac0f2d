#include "engine/render/offscreen.hpp"

#include <algorithm>

namespace sandtable {

// Below 1080p sizes shrink a little, never below 3/4, so that text stays legible.
float pixelRatioFor(int width, int height) {
    return std::max(0.75f, static_cast<float>(std::min(width, height)) / 1080.0f);
}

float wallPixelRatio(int monitorWidth, int monitorHeight) {
    return std::max(pixelRatioFor(monitorWidth, monitorHeight), static_cast<float>(monitorHeight) / 540.0f);
}

Image renderInteractive(Map& map, const FrameState& frame, int width, int height) {
    gl::RenderTarget target = gl::RenderTarget::create(width, height);
    target.bind();
    map.render(frame, width, height, pixelRatioFor(width, height));
    glFinish();
    Image img = readFramebuffer(width, height);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return img;
}

Image renderOffscreen(Map& map, const FrameState& frame, int width, int height) {
    FrameState still = frame;
    still.complete = true;
    return renderInteractive(map, still, width, height);
}

Image renderCanvasRect(Map& map, const FrameState& frame, int canvasWidth, int canvasHeight, const PixelRect& rect,
                       float pixelRatio) {
    gl::RenderTarget target = gl::RenderTarget::create(rect.width, rect.height);
    target.bind();
    FrameState still = frame;
    still.complete = true;
    map.prepare(still, canvasWidth, canvasHeight,
                pixelRatio > 0 ? pixelRatio : pixelRatioFor(canvasWidth, canvasHeight));
    map.draw(rect);
    glFinish();
    Image img = readFramebuffer(rect.width, rect.height);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return img;
}

Image renderTiled(Map& map, const FrameState& frame, int width, int height, int tileWidth, int tileHeight,
                  const std::function<void(int, int)>& progress) {
    tileWidth = std::clamp(tileWidth, 1, width);
    tileHeight = std::clamp(tileHeight, 1, height);
    FrameState still = frame;
    still.complete = true;
    gl::RenderTarget target = gl::RenderTarget::create(tileWidth, tileHeight);
    target.bind();
    map.prepare(still, width, height, pixelRatioFor(width, height));
    Image out(width, height);
    const int nx = (width + tileWidth - 1) / tileWidth, ny = (height + tileHeight - 1) / tileHeight;
    for (int ty = 0; ty < ny; ++ty)
        for (int tx = 0; tx < nx; ++tx) {
            const PixelRect r{tx * tileWidth, ty * tileHeight, std::min(tileWidth, width - tx * tileWidth),
                              std::min(tileHeight, height - ty * tileHeight)};
            map.draw(r);
            const Image tile = readFramebuffer(r.width, r.height);
            for (int y = 0; y < r.height; ++y)
                std::copy_n(tile.pixel(0, y), static_cast<size_t>(r.width) * 4, out.pixel(r.x, r.y + y));
            if (progress) progress(ty * nx + tx + 1, nx * ny);
        }
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return out;
}

}  // namespace sandtable
