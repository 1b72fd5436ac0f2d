// sandtable-bench: offscreen (EGL) benchmarks of the renderer and the feed; one JSON line
// per measured case on stdout. See docs/benchmarks.md.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>
#include <string>

#include "bench/bench.hpp"
#include "engine/gl/context.hpp"
#include "engine/gl/gl.hpp"
#include "engine/util/cli.hpp"

using namespace sandtable;

int main(int argc, char** argv) {
    bench::Options o;
    o.scene = std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo/scene.json";
    o.dataDir = std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo";
    std::string out, names;
    bool infoOnly = false, list = false, noCanvasCache = false, noZoomPreview = false;
    CLI::App app("Offscreen benchmarks of the renderer and the feed: one JSON line per case.", "sandtable-bench");
    cli::setup(app);
    app.add_flag("--quick", o.quick, "a short run of every workload (the CI smoke test)");
    app.add_option("--workload,--workloads", names, "only these workloads, NAME[,NAME] (--list)");
    app.add_option("--width", o.width, "one resolution instead of each workload's own")->check(CLI::Range(16, 16384));
    app.add_option("--height", o.height, "(with --width)")->check(CLI::Range(16, 16384));
    app.add_option("--frames", o.frames, "frames per case")->check(CLI::Range(1, 1000000));
    app.add_flag("--no-canvas-cache", noCanvasCache,
                 "interact: draw every layer every frame (the cockpit keeps the still layers' pixels)");
    app.add_flag("--no-zoom-preview", noZoomPreview,
                 "interact: draw the cached layers at every wheel notch (the cockpit shows them scaled until the "
                 "zoom settles, on software GL)");
    app.add_option("--out", out, "also write the lines to this file");
    app.add_option("--scene", o.scene, "scene for the scene workload")->check(CLI::ExistingFile);
    app.add_option("--data", o.dataDir, "sample data folder")->check(CLI::ExistingDirectory);
    app.add_flag("--list", list, "list the workloads");
    auto* soak = app.add_option_group("Soak", "the soak workload (scripts/soak.sh, docs/reliability.md#soak)");
    soak->add_option("--soak-hours", o.soakHours, "simulated hours (default 2; --quick 0.1)")
        ->check(CLI::Range(0.01, 48.0));
    soak->add_option("--soak-officers", o.soakOfficers, "simulated officers")
        ->capture_default_str()
        ->check(CLI::Range(1, 200000));
    soak->add_option("--soak-interval", o.soakIntervalS, "seconds between an officer's reports")
        ->capture_default_str()
        ->check(CLI::Range(1, 600));
    soak->add_option("--soak-speedup", o.soakSpeedup, "simulated seconds per second")
        ->capture_default_str()
        ->check(CLI::Range(1.0, 3600.0));
    soak->add_option("--soak-fps", o.soakFps, "frames drawn per second")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 120.0));
    soak->add_option("--soak-track-mb", o.soakTrackMb, "the in-memory tracks' budget, MiB (default: the feed's, 256)")
        ->check(CLI::Range(1, 65536));
    cli::addIntPair(*soak, "--soak-wall", o.soakWall, 'x', 1, 16, "COLSxROWS",
                    "soak as a wall leader: the canvas as COLSxROWS monitors (wall theme, status strip, frame "
                    "states over ZeroMQ to a follower socket, the leader's tile drawn)");
    soak->add_option("--soak-bezel", o.soakBezel, "pixels between a --soak-wall's monitors")
        ->check(CLI::Range(0, 200))
        ->capture_default_str();
    soak->add_option("--soak-dir", o.soakDir, "keep the soak's history here (default: a temporary folder, removed)");
    app.add_flag("--info", infoOnly, "one line: renderer, GL version, EGL platform");
    if (const int rc = cli::parse(app, argc, argv); rc >= 0) return rc;
    o.canvasCache = !noCanvasCache;
    o.zoomPreview = !noZoomPreview;
    if ((o.width > 0) != (o.height > 0)) {
        std::fprintf(stderr, "sandtable-bench: --width and --height go together\n");
        return 2;
    }
    if (list) {
        for (const auto& w : bench::registry()) std::printf("%-10s %s\n", w.name.c_str(), w.description.c_str());
        return 0;
    }

    std::set<std::string> wanted;
    std::stringstream ss(names);
    for (std::string n; std::getline(ss, n, ',');)
        if (!n.empty()) wanted.insert(n);
    for (const auto& n : wanted) {
        bool known = false;
        for (const auto& w : bench::registry()) known |= w.name == n;
        if (!known) {
            std::fprintf(stderr, "sandtable-bench: unknown workload '%s' (--list shows them)\n", n.c_str());
            return 2;
        }
    }

    try {
        bench::Reporter reporter(out);
        auto ctx = HeadlessContext::create();
        bench::Env env;
        env.options = o;
        env.gl = ctx.get();
        env.renderer = ctx->renderer();
        env.glVersion = ctx->version();
        env.eglPlatform = ctx->platform();
        GLint bits = 0;
        glGetQueryiv(GL_TIME_ELAPSED, GL_QUERY_COUNTER_BITS, &bits);
        env.timerQueries = bits > 0;
        env.out = &reporter;
        if (infoOnly) {  // one line: renderer, GL version, EGL platform (scripts check the device)
            nlohmann::json j = env.record("info", "renderer", 0, 0);
            j["timer_queries"] = env.timerQueries;
            reporter.emit(j);
            return 0;
        }
        // On stderr so stdout stays pure JSON lines; the GPU script shows it first.
        std::fprintf(stderr, "sandtable-bench: renderer %s (%s, EGL %s)%s\n", env.renderer.c_str(),
                     env.glVersion.c_str(), env.eglPlatform.c_str(), o.quick ? ", quick" : "");
        int failed = 0;
        for (const auto& w : bench::registry()) {
            if (wanted.empty() ? w.onlyWhenNamed : !wanted.count(w.name)) continue;
            std::fprintf(stderr, "sandtable-bench: %s ...\n", w.name.c_str());
            try {
                w.run(env);
            } catch (const std::exception& e) {
                // One broken workload must not hide the others' numbers.
                std::fprintf(stderr, "sandtable-bench: %s failed: %s\n", w.name.c_str(), e.what());
                nlohmann::json j = env.record(w.name, "error", 0, 0);
                j["error"] = e.what();
                reporter.emit(j);
                ++failed;
            }
        }
        return failed ? 1 : 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable-bench: error: %s\n", e.what());
        return 1;
    }
}
