#pragma once
// The interactive host: a GLFW window running the one frame loop (poll events, clock
// tick, map render, ImGui panels, swap) over a Map. Mouse: drag pans, wheel zooms about
// the cursor, right-drag rotates. F12 saves a screenshot PNG.
#include <functional>
#include <string>
#include <vector>

#include "engine/data/scene.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/map.hpp"
#include "engine/util/clock.hpp"

namespace sandtable {

struct CockpitOptions {
    int width = 1600, height = 900;
    std::string screenshotDir = ".";
    double exitAfterSeconds = 0;  // 0 = run until closed (used by tests / screenshots)
    bool showPanel = true;        // H toggles; a wall runs without it
    // The clock is paced by a source (an accelerated simulation): pausing or changing its
    // speed here would put scene time and the feed out of step, so the panel only shows it.
    bool clockLocked = false;
    std::string screenshotOnExit; // save a screenshot to this file before exiting
};

class Cockpit {
public:
    Cockpit(WindowContext& window, Map& map, const SceneSpec& scene, Clock clock, CockpitOptions opts);
    ~Cockpit();
    // Per-frame hook run on the render thread before the map renders (e.g. pull a feed snapshot).
    std::function<void(TimeMs now)> beforeFrame;
    // Extra ImGui content (feed panels etc.).
    std::function<void(Language)> extraUi;
    std::vector<std::string> loadErrors;
    int run();
    Clock& clock() { return clock_; }

private:
    void handleInput();
    void drawUi(double frameMs);
    void saveScreenshot(const std::string& path);

    WindowContext& window_;
    Map& map_;
    const SceneSpec& scene_;
    Clock clock_;
    CockpitOptions opts_;
    std::string lastSaved_;
    bool screenshotRequested_ = false;
};

}  // namespace sandtable
