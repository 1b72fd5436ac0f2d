#pragma once
// Benchmark harness for sandtable-bench (docs/benchmarks.md): a registry of named
// workloads, frame timing (wall clock around a glFinish per frame, plus GL_TIME_ELAPSED
// GPU time where the driver has timer queries), percentiles, peak memory and one JSON
// line per measured case. Workloads draw through the same Map::render as every host.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/scene.hpp"
#include "engine/gl/resources.hpp"
#include "engine/util/math.hpp"
#include "engine/util/rng.hpp"

namespace sandtable {
class HeadlessContext;
class Map;
struct FrameState;
}  // namespace sandtable

namespace sandtable::bench {

struct Options {
    bool quick = false;
    int width = 0, height = 0;  // 0: each workload's own resolutions
    int frames = 0;             // 0: time-budgeted (see framesDone)
    bool canvasCache = true;    // `interact` draws with Map::cacheCanvas, as the cockpit does
    bool zoomPreview = true;    // and with its zoom preview (Map::zoomPreview: on software GL)
    std::string scene;          // scene file for `scene` and `ingest` latency
    std::string dataDir;        // data/putuo (jurisdictions for the simulator)
    // `soak` (scripts/soak.sh): simulated hours (0: 2, --quick 0.1), officers, their
    // report interval, the simulation's speed, the frame rate, the track budget (0: the
    // feed's), the history's folder (empty: a temporary one, removed after).
    double soakHours = 0;
    int soakOfficers = 2000, soakIntervalS = 5;
    double soakSpeedup = 100, soakFps = 10;
    int soakTrackMb = 0;
    std::string soakDir;
    // A wall leader's soak: the canvas (--width x --height) is COLS x ROWS monitors with
    // soakBezel px between them, in the wall theme with its status strip; each frame's state
    // goes over ZeroMQ on loopback to a follower socket in the same process and the
    // leader's tile is drawn from the frame prepared for the canvas. {1,1}: the plain soak.
    std::pair<int, int> soakWall{1, 1};
    int soakBezel = 20;
};

// Writes each record as one JSON line to stdout and, when given, to a file.
class Reporter {
public:
    explicit Reporter(const std::string& path = {});
    ~Reporter();
    Reporter(const Reporter&) = delete;
    Reporter& operator=(const Reporter&) = delete;
    void emit(const nlohmann::json& record);

private:
    std::FILE* file_ = nullptr;
};

struct Env {
    Options options;
    HeadlessContext* gl = nullptr;
    std::string renderer, glVersion, eglPlatform;
    bool timerQueries = false;  // GL_TIME_ELAPSED has counter bits
    Reporter* out = nullptr;

    // The resolutions a workload runs at: --width/--height when given, else `defaults`.
    std::vector<std::pair<int, int>> resolutions(std::vector<std::pair<int, int>> defaults) const;
    // A record with the fields every line carries (workload, case, resolution, renderer).
    nlohmann::json record(const std::string& workload, const std::string& caseName, int width, int height) const;
};

// A workload measures one or more cases and emits one record per case.
struct Workload {
    std::string name;
    std::string description;
    std::function<void(Env&)> run;
    bool onlyWhenNamed = false;  // left out of a full run (and of --quick): only --workload NAME runs it
};
// name -> function, in the order a full run executes them. Add new workloads in
// bench.cpp's table.
const std::vector<Workload>& registry();

// The benchmark area: Putuo's lon/lat extent and its box in a display CRS.
inline constexpr double kLonMin = 121.32, kLonMax = 121.45, kLatMin = 31.21, kLatMax = 31.31;
BBox putuoBox(const std::string& displayCrs);
// Clustered sample positions (a few dozen Gaussian hotspots over a uniform background),
// like complaints and officers concentrate on streets and markets.
class Hotspots {
public:
    Hotspots(const BBox& box, Rng& rng, int count = 40);
    Vec2d sample(Rng& rng) const;

private:
    BBox box_;
    std::vector<Vec2d> centres_;
    std::vector<double> sigmas_;
};

// Frame timing: begin() before the frame's CPU work, end() after it; end() calls glFinish
// so software GL's rendering is inside the wall time. GPU time comes from a
// GL_TIME_ELAPSED query around the frame, read after the glFinish (no stall added).
class FrameTimer {
public:
    explicit FrameTimer(bool gpuTimer);
    void begin();
    void end();
    const std::vector<double>& wallMs() const { return wall_; }
    const std::vector<double>& gpuMs() const { return gpu_; }
    void clear() {
        wall_.clear();
        gpu_.clear();
    }

private:
    bool gpuTimer_;
    gl::Query query_;
    std::chrono::steady_clock::time_point t0_;
    std::vector<double> wall_, gpu_;
};

// Whether to measure another frame: --frames exactly, else at least minFrames and until
// the time budget (seconds since `start`) or maxFrames is reached.
bool wantFrame(const Env& env, size_t done, std::chrono::steady_clock::time_point start);

double msSince(std::chrono::steady_clock::time_point t0);
double percentile(std::vector<double> v, double q);  // nearest rank, q in [0, 1]
// Adds median_ms, p95_ms, max_ms (and mean_ms) of samples under `prefix`.
void addStats(nlohmann::json& j, const std::string& prefix, const std::vector<double>& samples);
// Adds frames, median/p95/max, gpu_median_ms (null without timer queries) and fps.
void addFrameStats(nlohmann::json& j, const FrameTimer& t);

// Memory of one case: peak resident memory since the case started (Linux VmHWM, reset
// through /proc/self/clear_refs where the kernel allows; else process-wide) and the
// resident memory at its start, since freed memory of earlier cases often stays resident.
class MemoryProbe {
public:
    MemoryProbe();
    void add(nlohmann::json& j) const;  // peak_rss_mb, rss_mb, rss_at_start_mb, peak_rss_scope

private:
    bool reset_;
    double startMb_;
};
double peakRssMb();
double rssMb();
// What the scheduler gave the calling thread and the GL driver's own threads (Mesa's
// llvmpipe-N rasterizers) so far (/proc/self/task/*/schedstat, nanosecond counters): CPU
// time run, and time spent runnable waiting for a CPU. Drawing's work, which does not
// change with how busy the machine is, and how busy the machine was. NAN where the kernel
// has no schedstat.
struct RenderCpu {
    double runMs = NAN, waitMs = NAN;
};
RenderCpu renderCpu();

// The offscreen target a workload draws into; bound for the workload's lifetime.
struct Target {
    Target(int width, int height);
    ~Target();
    Target(const Target&) = delete;
    Target& operator=(const Target&) = delete;
    gl::RenderTarget rt;
    int width, height;
    float pixelRatio;
};

// The scene file's spec (CRS, view, layers); throws naming the file when it cannot be read.
SceneSpec benchScene(const Env& env);
// A map with the scene's CRS, origin, background and initial view at width x height, and
// no layers: workloads that measure one layer add only that one.
std::unique_ptr<Map> emptyMap(const SceneSpec& scene, int width, int height);

// Draws one frame of map into the bound target (Map::render, no read-back).
void renderFrame(Map& map, const FrameState& frame, const Target& target);

// Workloads (one translation unit each).
void runScatter(Env& env);
void runHeatmap(Env& env);
void runIngest(Env& env);
void runScene(Env& env);
void runInteract(Env& env);
void runExport(Env& env);
void runIdle(Env& env);
void runHistory(Env& env);
void runTrips(Env& env);
void runSoak(Env& env);

}  // namespace sandtable::bench
