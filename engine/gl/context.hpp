#pragma once
// One renderer, two hosts. A GlContext makes an OpenGL 4.5 core context current on the
// calling thread and loads GL with glad:
//  - HeadlessContext: EGL, no display needed. Tries the EGL device platform first when
//    asked for (NVIDIA machines, where GLFW's headless mode fails), then Mesa's
//    surfaceless platform, then the default display. Rendering goes to an FBO.
//  - WindowContext: a GLFW window (the interactive cockpit and wall).
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct GLFWwindow;

namespace sandtable {

class GlContext {
public:
    virtual ~GlContext() = default;
    virtual void makeCurrent() = 0;
    // "renderer string" (GL_RENDERER) and version, for stats and benchmarks.
    std::string renderer() const;
    std::string version() const;
};

class HeadlessContext final : public GlContext {
public:
    // Throws std::runtime_error explaining every platform tried and why it failed.
    static std::unique_ptr<HeadlessContext> create();
    ~HeadlessContext() override;
    void makeCurrent() override;
    const std::string& platform() const { return platform_; }  // "device", "surfaceless", ...

private:
    HeadlessContext() = default;
    void* display_ = nullptr;
    void* context_ = nullptr;
    std::string platform_;
};

// Best effort: a context for tests; std::nullopt-like nullptr plus the reason when none.
std::unique_ptr<HeadlessContext> tryCreateHeadless(std::string* whyNot);

// Where a window goes: a plain window, exclusive full screen on one monitor, or (walls) a
// borderless window at a rectangle or covering the union of several monitors.
struct WindowPlacement {
    int width = 1600, height = 900;
    int monitor = -1;         // >= 0: full screen on this monitor at its mode
    bool borderless = false;  // no title bar or frame
    bool haveRect = false;    // x, y, width, height below are screen coordinates
    int x = 0, y = 0;
    std::vector<int> spanMonitors;  // borderless over these monitors' union...
    bool spanAllMonitors = false;   // ... or over all of them
};

class WindowContext final : public GlContext {
public:
    static std::unique_ptr<WindowContext> create(const WindowPlacement& where, const std::string& title);
    // Throws std::runtime_error when no window can be opened (e.g. no display).
    // monitor >= 0: full screen on that monitor (0 = primary) at its current video mode,
    // for the command-center wall; width/height are then ignored.
    static std::unique_ptr<WindowContext> create(int width, int height, const std::string& title, int monitor = -1);
    ~WindowContext() override;
    void makeCurrent() override;
    GLFWwindow* window() const { return window_; }

private:
    WindowContext() = default;
    GLFWwindow* window_ = nullptr;
};

// True when a window can plausibly be opened (DISPLAY or WAYLAND_DISPLAY set).
bool displayAvailable();

}  // namespace sandtable
