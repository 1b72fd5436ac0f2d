#include "bench/bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "engine/geo/projection.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/map.hpp"
#include "engine/render/offscreen.hpp"
#include "layers/layer_factory.hpp"

namespace sandtable::bench {

const std::vector<Workload>& registry() {
    // Order of a full run: cheap and memory-light first, so one failing late case still
    // leaves the others' lines in the output.
    static const std::vector<Workload> table = {
        {"scatter", "N live officers (OfficerLayer), every position moved every frame", runScatter},
        {"heatmap",
         "M-point HeatmapLayer, radius 30 px: first frame, 1 px/frame pans (cached grid) against a textured blit, "
         "full re-aggregations",
         runHeatmap},
        {"ingest", "feed lines/s through FeedState on one thread; arrival-to-frame latency through FeedPipeline",
         runIngest},
        {"scene", "the Putuo scene + officers + complaints heatmap at 1080p and 4K", runScene},
        {"interact", "the Putuo scene + 2,000 officers + heatmap under a scripted drag and zoom, 1080p and 4K",
         runInteract},
        {"export", "exact density export (--export-heatmap) of 1M points at 1920x1080, r = 30 px", runExport},
        {"idle", "CPU share of the real cockpit window (Xvfb), Putuo sample, panel hidden, nobody touching it",
         runIdle},
        {"history", "positions into a GeoPackage (import rows/s), 24 h of 200 officers back into memory, coverage",
         runHistory},
        {"trips",
         "trails of 100 and 1,000 officers x 1,000 fixes, 600 s, the clock moving every frame: street and district "
         "zoom",
         runTrips},
        // Not in a full run (it takes simulated hours): --workload soak, scripts/soak.sh.
        {"soak",
         "simulated hours of officers through the pipeline, the history store and 10 fps offscreen frames: memory, "
         "GPU bytes, frame time and queues every simulated minute (--workload soak only)",
         runSoak, true},
    };
    return table;
}

// ---------------------------------------------------------------- output

Reporter::Reporter(const std::string& path) {
    if (!path.empty()) {
        file_ = std::fopen(path.c_str(), "w");
        if (!file_) throw std::runtime_error("cannot write '" + path + "'");
    }
}

Reporter::~Reporter() {
    if (file_) std::fclose(file_);
}

void Reporter::emit(const nlohmann::json& record) {
    // NaN/inf would make the line invalid JSON; dump() writes them as null.
    const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);  // a long run shows progress, and a crash keeps finished lines
    if (file_) {
        std::fputs(line.c_str(), file_);
        std::fflush(file_);
    }
}

std::vector<std::pair<int, int>> Env::resolutions(std::vector<std::pair<int, int>> defaults) const {
    if (options.width > 0 && options.height > 0) return {{options.width, options.height}};
    return defaults;
}

static std::string cpuInfoField(const char* key) {
    std::ifstream f("/proc/cpuinfo");
    const std::string k = key;
    for (std::string line; std::getline(f, line);)
        if (line.rfind(k, 0) == 0) {
            const size_t c = line.find(':');
            return c == std::string::npos ? line : line.substr(c + 2);
        }
    return "unknown";
}

// What decides llvmpipe's speed (and a CPU kernel's): the instruction sets, as a short list.
static nlohmann::json cpuFlags() {
    std::istringstream all(" " + cpuInfoField("flags") + " ");
    std::set<std::string> have;
    for (std::string f; all >> f;) have.insert(f);
    nlohmann::json out = nlohmann::json::array();
    for (const char* f : {"sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq",
                          "avx512_bf16", "avx512_fp16", "amx_tile", "neon", "asimd", "sve"})
        if (have.count(f)) out.push_back(f);
    return out;
}

// The version after `marker` in s ("Mesa 22.3.6", "LLVM 15.0.6"), or null.
static nlohmann::json versionAfter(const std::string& s, const std::string& marker) {
    const size_t at = s.find(marker);
    if (at == std::string::npos) return nullptr;
    size_t i = at + marker.size(), j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    return j > i ? nlohmann::json(s.substr(i, j - i)) : nlohmann::json(nullptr);
}

// Compilers running beside the bench (other builds on a shared machine skew every figure).
static int compilersRunning() {
    int n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = e.path().filename().string();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        std::ifstream f(e.path() / "comm");
        std::string comm;
        if (f >> comm &&
            (comm == "cc1plus" || comm == "cc1" || comm == "clang" || comm == "clang++" || comm == "rustc"))
            ++n;
    }
    return n;
}

nlohmann::json Env::record(const std::string& workload, const std::string& caseName, int width, int height) const {
    nlohmann::json j;
    j["workload"] = workload;
    j["case"] = caseName;
    j["sizes"] = nlohmann::json::object();
    if (width > 0)
        j["resolution"] = std::to_string(width) + "x" + std::to_string(height);
    else
        j["resolution"] = nullptr;
    j["width"] = width;
    j["height"] = height;
    j["renderer"] = renderer;
    j["gl_version"] = glVersion;
    j["egl_platform"] = eglPlatform;
    j["quick"] = options.quick;
    // What software GL's speed depends on: the CPU and its vector units, Mesa and LLVM
    // (llvmpipe's JIT), the rasteriser threads (LP_NUM_THREADS; unset: one per core).
    static const std::string model = cpuInfoField("model name");
    static const nlohmann::json flags = cpuFlags();
    j["cpu"] = model;
    j["cpu_flags"] = flags;
    j["cores"] = std::thread::hardware_concurrency();
    j["mesa_version"] = versionAfter(glVersion, "Mesa ");
    j["llvm_version"] = versionAfter(renderer, "LLVM ");
    const char* lp = std::getenv("LP_NUM_THREADS");
    j["lp_num_threads"] = lp ? nlohmann::json(lp) : nlohmann::json(nullptr);
#ifdef NDEBUG
    j["build"] = "release";
#else
    j["build"] = "debug";
#endif
    // Other work on the machine skews wall times (2 shared cores here): keep it on record.
    std::ifstream la("/proc/loadavg");
    double l1 = NAN, l5 = NAN, l15 = NAN;
    if (la >> l1 >> l5 >> l15) {
        j["loadavg_1m"] = l1;
        j["loadavg_5m"] = l5;
        j["loadavg_15m"] = l15;
    }
    j["compilers_running"] = compilersRunning();
    return j;
}

// ---------------------------------------------------------------- random inputs

BBox putuoBox(const std::string& displayCrs) {
    Transformer t("EPSG:4326", displayCrs);
    BBox b;
    // Edges sampled, not just corners: a projected lon/lat box is not a rectangle.
    for (int i = 0; i <= 16; ++i) {
        const double f = i / 16.0;
        for (Vec2d p :
             {Vec2d{kLonMin + f * (kLonMax - kLonMin), kLatMin}, Vec2d{kLonMin + f * (kLonMax - kLonMin), kLatMax},
              Vec2d{kLonMin, kLatMin + f * (kLatMax - kLatMin)}, Vec2d{kLonMax, kLatMin + f * (kLatMax - kLatMin)}}) {
            if (t.forward(p)) b.extend(p);
        }
    }
    if (!b.valid()) throw std::runtime_error("cannot project the Putuo extent to " + displayCrs);
    return b;
}

Hotspots::Hotspots(const BBox& box, Rng& rng, int count) : box_(box) {
    const double w = box.maxX - box.minX;
    for (int i = 0; i < count; ++i) {
        centres_.push_back({rng.uniform(box.minX, box.maxX), rng.uniform(box.minY, box.maxY)});
        sigmas_.push_back(w * rng.uniform(0.004, 0.03));  // ~50-360 m over Putuo's ~12 km
    }
}

Vec2d Hotspots::sample(Rng& rng) const {
    // 30 % background, 70 % around a hotspot; clamped into the box.
    Vec2d p;
    if (rng.uniform() < 0.3 || centres_.empty()) {
        p = {rng.uniform(box_.minX, box_.maxX), rng.uniform(box_.minY, box_.maxY)};
    } else {
        const size_t i = static_cast<size_t>(rng.below(centres_.size()));
        p = {centres_[i].x + sigmas_[i] * rng.normal(), centres_[i].y + sigmas_[i] * rng.normal()};
    }
    p.x = std::clamp(p.x, box_.minX, box_.maxX);
    p.y = std::clamp(p.y, box_.minY, box_.maxY);
    return p;
}

// ---------------------------------------------------------------- timing

FrameTimer::FrameTimer(bool gpuTimer) : gpuTimer_(gpuTimer) {
    if (gpuTimer_) query_ = gl::Query::create();
}

void FrameTimer::begin() {
    t0_ = std::chrono::steady_clock::now();
    if (gpuTimer_) glBeginQuery(GL_TIME_ELAPSED, query_.id());
}

void FrameTimer::end() {
    if (gpuTimer_) glEndQuery(GL_TIME_ELAPSED);
    glFinish();
    wall_.push_back(msSince(t0_));
    if (gpuTimer_) {
        GLuint64 ns = 0;
        glGetQueryObjectui64v(query_.id(), GL_QUERY_RESULT, &ns);  // ready: glFinish above
        gpu_.push_back(static_cast<double>(ns) * 1e-6);
    }
}

bool wantFrame(const Env& env, size_t done, std::chrono::steady_clock::time_point start) {
    if (env.options.frames > 0) return done < static_cast<size_t>(env.options.frames);
    const size_t minFrames = env.options.quick ? 3 : 5;
    const size_t maxFrames = env.options.quick ? 30 : 300;
    const double budgetS = env.options.quick ? 2.0 : 10.0;
    if (done < minFrames) return true;
    return done < maxFrames && msSince(start) < budgetS * 1000.0;
}

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    const double rank = std::ceil(q * static_cast<double>(v.size()));
    const size_t i = static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(v.size()))) - 1;
    return v[i];
}

void addStats(nlohmann::json& j, const std::string& prefix, const std::vector<double>& s) {
    if (s.empty()) {
        j[prefix + "median_ms"] = nullptr;
        return;
    }
    j[prefix + "median_ms"] = percentile(s, 0.5);
    j[prefix + "p95_ms"] = percentile(s, 0.95);
    j[prefix + "max_ms"] = *std::max_element(s.begin(), s.end());
    j[prefix + "mean_ms"] = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
}

void addFrameStats(nlohmann::json& j, const FrameTimer& t) {
    j["frames"] = t.wallMs().size();
    addStats(j, "", t.wallMs());
    if (!t.gpuMs().empty()) {
        j["gpu_median_ms"] = percentile(t.gpuMs(), 0.5);
        j["gpu_p95_ms"] = percentile(t.gpuMs(), 0.95);
    } else {
        j["gpu_median_ms"] = nullptr;
    }
    // Raw samples (0.01 ms) so that bimodal or drifting frame times can be seen.
    nlohmann::json raw = nlohmann::json::array();
    for (double v : t.wallMs()) raw.push_back(std::round(v * 100.0) / 100.0);
    j["frame_ms"] = raw;
    const double med = percentile(t.wallMs(), 0.5);
    j["fps"] = med > 0 ? 1000.0 / med : 0.0;
}

// ---------------------------------------------------------------- memory

static bool resetPeakRss() {
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0), so each
    // case reports its own peak rather than the largest case so far.
    std::ofstream f("/proc/self/clear_refs");
    if (!f) return false;
    f << "5";
    f.flush();
    return static_cast<bool>(f);
}

static double statusKb(const char* key) {
    std::ifstream f("/proc/self/status");
    std::string line;
    const std::string k = key;
    while (std::getline(f, line))
        if (line.compare(0, k.size(), k) == 0) return std::strtod(line.c_str() + k.size(), nullptr);
    return NAN;
}

double peakRssMb() { return statusKb("VmHWM:") / 1024.0; }
double rssMb() { return statusKb("VmRSS:") / 1024.0; }

RenderCpu renderCpu() {
    namespace fs = std::filesystem;
    const std::string self = std::to_string(::gettid());
    RenderCpu r;
    std::error_code ec;
    for (auto it = fs::directory_iterator("/proc/self/task", ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const std::string tid = it->path().filename().string();
        std::string comm;
        std::getline(std::ifstream(it->path() / "comm"), comm);
        if (tid != self && comm.rfind("llvmpipe", 0) != 0) continue;
        double run = 0, wait = 0;
        if (!(std::ifstream(it->path() / "schedstat") >> run >> wait)) continue;  // the thread ended
        r.runMs = (std::isnan(r.runMs) ? 0 : r.runMs) + run / 1e6;
        r.waitMs = (std::isnan(r.waitMs) ? 0 : r.waitMs) + wait / 1e6;
    }
    return r;
}

MemoryProbe::MemoryProbe() : reset_(resetPeakRss()), startMb_(rssMb()) {}

void MemoryProbe::add(nlohmann::json& j) const {
    j["peak_rss_mb"] = peakRssMb();
    j["rss_mb"] = rssMb();
    j["rss_at_start_mb"] = startMb_;
    j["peak_rss_scope"] = reset_ ? "case" : "process";
}

// ---------------------------------------------------------------- drawing

Target::Target(int w, int h)
    : rt(gl::RenderTarget::create(w, h)), width(w), height(h), pixelRatio(pixelRatioFor(w, h)) {
    rt.bind();
}

Target::~Target() { glBindFramebuffer(GL_FRAMEBUFFER, 0); }

SceneSpec benchScene(const Env& env) { return loadScene(env.options.scene); }

std::unique_ptr<Map> emptyMap(const SceneSpec& scene, int width, int height) {
    SceneSpec bare = scene;
    bare.layers.clear();
    std::vector<std::string> errors;
    auto map = buildMap(bare, errors);  // same CRS/origin logic as every host
    applySceneView(bare, *map, width, height);
    return map;
}

void renderFrame(Map& map, const FrameState& frame, const Target& target) {
    // Map::render leaves the target bound; layers that use other framebuffers restore it.
    glBindFramebuffer(GL_FRAMEBUFFER, target.rt.framebuffer());
    map.render(frame, target.width, target.height, target.pixelRatio);
}

}  // namespace sandtable::bench
