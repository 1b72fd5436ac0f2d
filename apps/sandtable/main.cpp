// sandtable: the interactive cockpit on a scene (default: the bundled Putuo sample).
// With no display (or --headless) it renders the scene to a PNG instead and says where.
// See docs/cli.md.
#include <cstdio>
#include <filesystem>
#include <string>

#include "engine/data/scene.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/ui/cockpit.hpp"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include "engine/util/log.hpp"
#include "layers/layer_factory.hpp"

using namespace sandtable;

namespace {
const char* kUsage =
    "usage: sandtable [--scene FILE] [--width W] [--height H] [--lang zh|en] [--headless] [--out FILE.png]\n"
    "                 [--exit-after SECONDS] [--screenshot-on-exit FILE.png]\n";
}

int main(int argc, char** argv) {
    std::string scenePath = std::string(SANDTABLE_DATA_DIR) + "/putuo/scene.json";
    std::string out = "sandtable-putuo.png", lang = "zh";
    bool headless = false;
    CockpitOptions opts;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto next = [&]() -> std::string {
                if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
                return argv[++i];
            };
            if (a == "--scene") scenePath = next();
            else if (a == "--width") opts.width = std::stoi(next());
            else if (a == "--height") opts.height = std::stoi(next());
            else if (a == "--lang") lang = next();
            else if (a == "--headless") headless = true;
            else if (a == "--out") out = next();
            else if (a == "--exit-after") opts.exitAfterSeconds = std::stod(next());
            else if (a == "--screenshot-on-exit") opts.screenshotOnExit = next();
            else if (a == "--help" || a == "-h") { std::fputs(kUsage, stdout); return 0; }
            else throw std::runtime_error("unknown option '" + a + "'");
        }
        if (opts.width < 64 || opts.height < 64 || opts.width > 16384 || opts.height > 16384) throw std::runtime_error("--width/--height out of range");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable: %s\n%s", e.what(), kUsage);
        return 2;
    }
    try {
        const SceneSpec scene = loadScene(scenePath);
        const Language language = lang == "en" ? Language::English : Language::Chinese;
        if (!headless && !displayAvailable()) {
            std::printf("sandtable: no display found (DISPLAY is not set): rendering headless instead\n");
            headless = true;
        }
        if (headless) {
            auto ctx = HeadlessContext::create();
            std::vector<std::string> errors;
            auto map = buildMap(scene, errors);
            map->language = language;
            applySceneView(scene, *map, opts.width, opts.height);
            FrameState frame;
            frame.time = wallClockMs();
            writePng(out, renderOffscreen(*map, frame, opts.width, opts.height));
            std::printf("sandtable: wrote %s (%dx%d) with %s\n", std::filesystem::absolute(out).c_str(), opts.width, opts.height,
                        ctx->renderer().c_str());
            return errors.empty() ? 0 : 3;
        }
        auto window = WindowContext::create(opts.width, opts.height, "数字沙盘 Sandtable — " + scene.titleZh);
        std::vector<std::string> errors;
        auto map = buildMap(scene, errors);
        map->language = language;
        int fbw = 0, fbh = 0;
        glfwGetFramebufferSize(window->window(), &fbw, &fbh);
        applySceneView(scene, *map, fbw, fbh);
        Cockpit cockpit(*window, *map, scene, Clock::live(), opts);
        cockpit.loadErrors = errors;
        return cockpit.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable: error: %s\n", e.what());
        return 1;
    }
}
