#pragma once
// The interactive host: a GLFW window running the one frame loop (poll events, clock
// tick, map render, ImGui panels, swap) over a Map. Mouse: drag pans, wheel zooms about
// the cursor, right-drag rotates. F12 saves a screenshot PNG, L toggles the language,
// H the panel.
//
// Map input comes from GLFW's event callbacks, queued and applied in order at the start
// of each frame, so that nothing is lost however slow a frame is: a key tapped and
// released within one frame still toggles, a drag that starts, moves and ends between
// two frames still pans by exactly the distance the hand moved. ImGui gets the same
// events through its own (chained) callbacks for the panels.
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/scene.hpp"
#include "engine/gl/context.hpp"
#include "engine/health/frame_stats.hpp"
#include "engine/health/wall_health.hpp"
#include "engine/render/map.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/time/time_controller.hpp"
#include "engine/time/wall_sync.hpp"
#include "engine/ui/service_notify.hpp"

namespace sandtable {

// A node of a wall of several machines (docs/cli.md#a-wall-of-several-machines), each
// window one monitor of a canvas of cols x rows equal monitors with `bezel` pixels hidden
// between neighbours. The leader draws its monitor's tile and publishes the state of every
// frame it prepares (time, canvas camera, canvas, UI scale, language); its operator's hand
// moves the whole canvas. A follower draws its tile of the newest state it received and
// ignores map and time input (H still shows its panel, F12 saves its tile).
struct WallNodeOptions {
    enum class Role : uint8_t { None, Lead, Follow };
    Role role = Role::None;
    std::string endpoint;  // ZeroMQ: the leader binds it, followers connect to it
    int cols = 1, rows = 1, col = 0, row = 0, bezel = 0;
};
// The canvas a leader's window of fbw x fbh is one monitor of, and that monitor's tile.
PixelRect wallLeaderCanvas(const WallNodeOptions& w, int fbw, int fbh, int& canvasWidth, int& canvasHeight);

struct CockpitOptions {
    int width = 1600, height = 900;
    std::string screenshotDir = ".";
    double exitAfterSeconds = 0;  // 0 = run until closed (used by tests / screenshots)
    bool showPanel = true;        // H toggles; a wall runs without it
    // Frame pacing: at most this many frames a second (0: no cap); with nothing changing
    // (no input, no new data, no replay playing) the cockpit waits instead of drawing,
    // waking for the banner clock's next second.
    double maxFps = 30.0;
    // A wall: no editing chrome (panels and timeline hidden; H still shows them for the
    // maintenance engineer), type readable from 5 m (the pixel ratio such that a map label
    // is at least 1/45 of the height), and this bottom strip kept for the wall's status.
    bool wall = false;
    float wallStripFraction = kWallStripFraction;
    std::string screenshotOnExit;  // save a screenshot to this file before exiting
    // JSON lines of what the operator's input did (view changes, selections, toggles), for
    // automated interaction tests and diagnostics (docs/cli.md).
    std::string tracePath;
    WallNodeOptions wallNode;
};

// One input event as GLFW delivered it (window coordinates, y down).
struct InputEvent {
    enum class Kind : uint8_t { Key, Button, Move, Scroll };
    Kind kind = Kind::Move;
    int code = 0;    // GLFW key or mouse button
    int action = 0;  // GLFW_PRESS / GLFW_RELEASE / GLFW_REPEAT
    int mods = 0;
    double x = 0, y = 0;  // Move: cursor; Scroll: offsets
};

// What the timeline shows: the span of the data held and its activity (fixes per bucket),
// filled by the host each frame it changes.
struct Timeline {
    TimeMs dataFrom = 0, dataTo = 0;
    std::vector<float> activity;  // evenly spaced buckets over [dataFrom, dataTo]
};

class Cockpit {
public:
    Cockpit(WindowContext& window, Map& map, const SceneSpec& scene, TimeController time, CockpitOptions opts);
    ~Cockpit();
    // Per-frame hook run on the render thread before the map renders (e.g. pull a feed
    // snapshot). Returns true when there is something new to draw (new data).
    std::function<bool(TimeMs now)> beforeFrame;
    // Run every loop turn with the real seconds since the last and whether operator input
    // arrived (a wall's tour advances and pauses here).
    std::function<void(double realSeconds, bool operatorInput)> everyTurn;
    // Extra ImGui content (feed panels etc.).
    std::function<void(Language)> extraUi;
    std::vector<std::string> loadErrors;
    // The metrics endpoint's view of this loop (--metrics): the frame stats are handed to it
    // every turn (it copies them a few times a second, never waiting). Null: none.
    health::WallHealth* health = nullptr;
    int run();
    TimeController& time() { return time_; }
    Timeline timeline;

    // Queued by the GLFW callbacks (public for them; not for other callers).
    void pushEvent(const InputEvent& e) { events_.push_back(e); }

private:
    void handleInput();
    void applyEvent(const InputEvent& e, double scale);
    void drawTimeline(Language lang);
    void changeSpeed(int steps);
    bool overUi(double x, double y) const;
    void trace(const std::string& jsonFields);
    void traceView();
    void traceTime();
    void drawUi(double frameMs);
    void saveScreenshot(const std::string& path);
    // The canvas and this window's tile of it for a framebuffer of fbw x fbh (sets the
    // camera's size to the canvas); a follower's from the newest leader state.
    void layoutCanvas(int fbw, int fbh);
    bool takeLeaderState(int waitMs);
    void drawWallNotice(Language lang);
    void traceWall(const char* event, const WallFrameState& s);

    WindowContext& window_;
    Map& map_;
    const SceneSpec& scene_;
    TimeController time_;
    CockpitOptions opts_;
    bool inputThisFrame_ = false;
    std::string lastSaved_;
    bool screenshotRequested_ = false;

    std::deque<InputEvent> events_;
    struct Rect {
        float x, y, w, h;
    };
    std::vector<Rect> uiRects_;  // ImGui windows of the last frame (window coordinates)
    bool wantText_ = false;      // an ImGui text field had focus in the last frame
    double cursorX_ = 0, cursorY_ = 0;
    // The mouse gesture in progress: which button, and whether the map or the UI owns it.
    int dragButton_ = -1;
    bool dragOnMap_ = false;
    double pressX_ = 0, pressY_ = 0;
    bool dragMoved_ = false;
    std::FILE* trace_ = nullptr;
    uint64_t frameIndex_ = 0;
    ServiceNotifier service_;  // systemd: READY after the first frame, WATCHDOG from the loop
    health::FrameStats frameStats_;
    struct ViewKey {
        double cx = 0, cy = 0, res = 0, rot = 0;
        int w = 0, h = 0;
        bool operator==(const ViewKey&) const = default;
    };
    ViewKey tracedView_;
    // A wall node (opts_.wallNode): the tile of the canvas this window shows (the whole
    // canvas otherwise), and the leader's newest state on a follower.
    PixelRect tile_;
    double tileScale_ = 1.0;  // a follower's pixels per leader pixel (a denser monitor)
    std::unique_ptr<WallPublisher> wallPub_;
    std::unique_ptr<WallSubscriber> wallSub_;
    std::optional<WallFrameState> leaderState_;
    bool leaderStateNew_ = false, leaderLost_ = false, tileMisfitLogged_ = false;
    std::chrono::steady_clock::time_point leaderSeen_{};
    uint64_t statesDrawn_ = 0;
};

}  // namespace sandtable
