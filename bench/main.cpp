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

namespace {

const char* kUsage =
    "usage: sandtable-bench [--quick] [--workload NAME[,NAME]] [--width W --height H] [--frames N]\n"
    "                       [--out FILE.jsonl] [--scene FILE] [--data DIR] [--list] [--info]\n";

}  // namespace

int main(int argc, char** argv) {
    bench::Options o;
    o.scene = std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo/scene.json";
    o.dataDir = std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo";
    std::string out, names;
    bool infoOnly = false;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto next = [&]() -> const char* {
                if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
                return argv[++i];
            };
            if (a == "--quick")
                o.quick = true;
            else if (a == "--workload" || a == "--workloads")
                names = next();
            else if (a == "--width")
                o.width = cli::parseInt(a, next(), 16, 16384);
            else if (a == "--height")
                o.height = cli::parseInt(a, next(), 16, 16384);
            else if (a == "--frames")
                o.frames = cli::parseInt(a, next(), 1, 1'000'000);
            else if (a == "--out")
                out = next();
            else if (a == "--scene")
                o.scene = next();
            else if (a == "--data")
                o.dataDir = next();
            else if (a == "--info")
                infoOnly = true;
            else if (a == "--list") {
                for (const auto& w : bench::registry())
                    std::printf("%-10s %s\n", w.name.c_str(), w.description.c_str());
                return 0;
            } else if (a == "--help" || a == "-h") {
                std::fputs(kUsage, stdout);
                return 0;
            } else
                throw std::runtime_error("unknown option '" + a + "'");
        }
        if ((o.width > 0) != (o.height > 0)) throw std::runtime_error("--width and --height go together");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable-bench: %s\n%s", e.what(), kUsage);
        return 2;
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
            if (!wanted.empty() && !wanted.count(w.name)) continue;
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
