#include "apps/render/wall_node.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>

#include "engine/gl/resources.hpp"
#include "engine/health/wall_health.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/render/wall_frame.hpp"
#include "engine/time/wall_sync.hpp"
#include "engine/util/image.hpp"

namespace sandtable {

namespace {
using clk = std::chrono::steady_clock;
}  // namespace

int runWallLeader(Map& map, const WallLeadOptions& o) {
    WallPublisher pub(o.endpoint);
    map.camera.width = o.width;  // the scene's view on the whole canvas
    map.camera.height = o.height;
    WallFrameState s;
    s.replay = true;
    s.speed = o.speed;
    s.centerX = map.camera.center.x;
    s.centerY = map.camera.center.y;
    s.resolution = map.camera.resolution;
    s.rotation = map.camera.rotation;
    s.canvasWidth = o.width;
    s.canvasHeight = o.height;
    s.english = map.language == Language::English;
    const auto period = std::chrono::duration<double>(1.0 / o.fps);
    const auto t0 = clk::now();
    for (int i = 0; i <= o.frames; ++i) {
        s.seq = static_cast<uint64_t>(i);
        s.time = o.from + static_cast<TimeMs>(std::llround(i * o.speed * 1000.0 / o.fps));
        s.final = i == o.frames;
        pub.publish(s);
        std::this_thread::sleep_until(t0 + period * (i + 1));
    }
    const double publishS = std::chrono::duration<double>(clk::now() - t0).count();
    // The final state again and again for a while: a follower that joins or restarts late
    // still gets it (PUB/SUB keeps nothing for a subscriber that is not there).
    const auto holdEnd = clk::now() + std::chrono::duration<double>(o.holdSeconds);
    while (clk::now() < holdEnd) {
        pub.publish(s);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::printf(
        "sandtable-render: wall leader: %llu states sent on %s in %.2f s (%d at %d fps, then the final "
        "one for %.0f s), final t=%lld (seq %llu)\n",
        static_cast<unsigned long long>(pub.sent()), o.endpoint.c_str(), publishS, o.frames + 1, o.fps, o.holdSeconds,
        static_cast<long long>(s.time), static_cast<unsigned long long>(s.seq));
    if (!o.out.empty()) {
        writePng(o.out, renderCanvasRect(map, frameOf(s), o.width, o.height, PixelRect{0, 0, o.width, o.height}));
        std::printf("sandtable-render: wall leader: wrote the final canvas %s (%dx%d)\n", o.out.c_str(), o.width,
                    o.height);
    }
    return 0;
}

int runWallFollower(Map& map, const WallFollowOptions& o) {
    // The metrics endpoint: frames and the process (a follower has no feed of its own), and
    // /healthz's loop-stall rule (the loop turns every 200 ms, waiting or not).
    std::unique_ptr<health::WallHealth> health;
    std::unique_ptr<health::HealthServer> metrics;
    if (!o.metrics.empty()) {
        net::HostPort at;
        net::parseHostPort(o.metrics, at);  // checked by the validator
        health = std::make_unique<health::WallHealth>(nullptr);
        metrics = health::serveWallHealth(at, *health);
        std::fprintf(stderr, "sandtable-render: metrics on %s\n", metrics->url("/metrics").c_str());
    }
    health::FrameStats frames;
    WallSubscriber sub(o.endpoint);
    auto last = clk::now();
    uint64_t rendered = 0, firstSeq = 0;
    bool any = false;
    for (;;) {
        frames.turn(wallClockMs());
        frames.gpuBufferBytes = gl::memoryStats().bufferBytes;
        frames.gpuTextureBytes = gl::memoryStats().textureBytes;
        if (health) health->publish(frames);
        const auto s = sub.next(200);
        if (!s) {
            if (std::chrono::duration<double>(clk::now() - last).count() > o.waitSeconds) {
                std::fprintf(stderr, "sandtable-render: wall follower: no frame state from %s for %.0f s%s%s\n",
                             o.endpoint.c_str(), o.waitSeconds, sub.bad() ? "; last bad message: " : "",
                             sub.lastError().c_str());
                return 1;
            }
            continue;
        }
        last = clk::now();
        WallTile t;
        if (!wallTileRect(s->canvasWidth, s->canvasHeight, o.cols, o.rows, o.col, o.row, o.bezel, t)) {
            std::fprintf(stderr,
                         "sandtable-render: wall follower: cell %d,%d of %dx%d with %d px bezels does not fit "
                         "the %dx%d canvas\n",
                         o.col, o.row, o.cols, o.rows, o.bezel, s->canvasWidth, s->canvasHeight);
            return 2;
        }
        if (!any) firstSeq = s->seq;
        any = true;
        applyWallState(*s, map);
        const auto drawStart = clk::now();
        const Image tile = renderCanvasRect(map, frameOf(*s), s->canvasWidth, s->canvasHeight,
                                            PixelRect{t.x, t.y, t.width, t.height}, s->pixelRatio);
        frames.frame(std::chrono::duration<double>(clk::now() - drawStart).count(), wallClockMs());
        ++rendered;
        if (s->final) {
            if (!o.out.empty()) writePng(o.out, tile);
            std::printf(
                "sandtable-render: wall follower %d,%d: %llu states received (%llu bad), %llu rendered from "
                "seq %llu to the final %llu; tile %dx%d at %d,%d%s%s\n",
                o.col, o.row, static_cast<unsigned long long>(sub.received()),
                static_cast<unsigned long long>(sub.bad()), static_cast<unsigned long long>(rendered),
                static_cast<unsigned long long>(firstSeq), static_cast<unsigned long long>(s->seq), t.width, t.height,
                t.x, t.y, o.out.empty() ? "" : " -> ", o.out.c_str());
            return 0;
        }
    }
}

}  // namespace sandtable
