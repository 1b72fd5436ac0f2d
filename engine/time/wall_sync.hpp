#pragma once
// A wall of several machines on one clock (docs/cli.md#a-wall-of-several-machines): the
// leader publishes the frame state (time, camera, canvas) each frame over ZeroMQ PUB/SUB;
// each follower renders its tile of that canvas from its own copy of the data as of the
// leader's time. Subscribers keep only the newest state (ZMQ_CONFLATE), so a follower that
// falls behind skips to the present and one that (re)starts renders the next state it
// gets, without the leader or the others waiting. Messages are one JSON object each.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/util/clock.hpp"

namespace sandtable {

struct WallFrameState {
    uint64_t seq = 0;  // the leader's frame number
    TimeMs time = 0;   // frame time (epoch ms)
    bool replay = false, paused = false;
    double speed = 1.0;
    double centerX = 0, centerY = 0, resolution = 1, rotation = 0;  // the canvas camera, display CRS
    int canvasWidth = 0, canvasHeight = 0;                          // px, bezels included
    // How the canvas is drawn, so that every node draws it alike: the UI scale (0: each
    // node derives it from the canvas size, as the headless nodes do), the canvas pixels
    // along the bottom kept for a wall's status strip, and the wall theme (big type).
    float pixelRatio = 0;
    int insetBottom = 0;
    bool wall = false;
    bool english = false;  // the map's language (the leader's L)
    bool final = false;    // the leader's last frame: headless followers write their tile and stop
};

std::string encodeWallFrame(const WallFrameState& s);
// False with the reason for a message that is not a frame state: malformed JSON, a missing
// or mistyped field, a non-finite or impossible value (resolution <= 0, canvas outside
// 1..65536 px). Never throws.
bool decodeWallFrame(std::string_view message, WallFrameState& out, std::string* error = nullptr);

// The part of the canvas one monitor shows: a grid of cols x rows equal tiles with `bezel`
// pixels hidden between neighbours (the canvas is cols*tile + (cols-1)*bezel wide).
struct WallTile {
    int x = 0, y = 0, width = 0, height = 0;
};
// False when the grid does not fit the canvas (a tile under 16 px, a cell outside the grid).
bool wallTileRect(int canvasWidth, int canvasHeight, int cols, int rows, int col, int row, int bezel, WallTile& out);

// A frame-state endpoint as the options take it: "PORT" or ":PORT" (loopback, like every
// listener), "HOST:PORT", or a ZeroMQ endpoint ("tcp://…", "ipc://…") as it is. Throws
// std::invalid_argument naming what is wrong.
std::string wallEndpoint(const std::string& given);

class WallPublisher {
public:
    // Binds a ZeroMQ PUB socket (wallEndpoint: "5560" is tcp://127.0.0.1:5560); throws
    // std::runtime_error naming it.
    explicit WallPublisher(const std::string& endpoint);
    ~WallPublisher();
    void publish(const WallFrameState& s);
    uint64_t sent() const { return sent_; }
    // The endpoint bound (a wildcard port, "tcp://127.0.0.1:*", resolved).
    std::string endpoint() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    uint64_t sent_ = 0;
};

class WallSubscriber {
public:
    // Connects a SUB socket that keeps only the newest message; throws naming the endpoint.
    explicit WallSubscriber(const std::string& endpoint);
    ~WallSubscriber();
    // The newest frame state received within timeoutMs (0: do not wait), or none.
    // Messages that do not decode are counted in bad() and skipped.
    std::optional<WallFrameState> next(int timeoutMs);
    uint64_t received() const { return received_; }
    uint64_t bad() const { return bad_; }
    const std::string& lastError() const { return lastError_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    uint64_t received_ = 0, bad_ = 0;
    std::string lastError_;
};

}  // namespace sandtable
