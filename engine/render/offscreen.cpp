#include "engine/render/offscreen.hpp"

#include <algorithm>

namespace sandtable {

// Below 1080p sizes shrink a little, never below 3/4, so that text stays legible.
float pixelRatioFor(int width, int height) {
    return std::max(0.75f, static_cast<float>(std::min(width, height)) / 1080.0f);
}

Image renderOffscreen(Map& map, const FrameState& frame, int width, int height) {
    gl::RenderTarget target = gl::RenderTarget::create(width, height);
    target.bind();
    FrameState still = frame;
    still.complete = true;
    map.render(still, width, height, pixelRatioFor(width, height));
    glFinish();
    Image img = readFramebuffer(width, height);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return img;
}

}  // namespace sandtable
