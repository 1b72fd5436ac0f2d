#include "bench/bench.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
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
        {"heatmap", "M-point HeatmapLayer, radius 30 px: first frame, then 1 px/frame pans (re-aggregation)",
         runHeatmap},
        {"ingest", "feed lines/s through FeedState on one thread; arrival-to-frame latency through FeedPipeline",
         runIngest},
        {"scene", "the Putuo scene + officers + complaints heatmap at 1080p and 4K", runScene},
        {"history", "positions into a GeoPackage (import rows/s), 24 h of 200 officers back into memory, coverage",
         runHistory},
        // {"trips", "...", runTrips},  // trajectories: add here when the layer lands
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

static std::string cpuModel() {
    std::ifstream f("/proc/cpuinfo");
    for (std::string line; std::getline(f, line);)
        if (line.rfind("model name", 0) == 0) {
            const size_t c = line.find(':');
            return c == std::string::npos ? line : line.substr(c + 2);
        }
    return "unknown";
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
    j["cpu"] = cpuModel();
    j["cores"] = std::thread::hardware_concurrency();
    // Other work on the machine skews wall times (2 shared cores here): keep it on record.
    std::ifstream la("/proc/loadavg");
    double load1 = NAN;
    if (la >> load1) j["loadavg_1m"] = load1;
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
