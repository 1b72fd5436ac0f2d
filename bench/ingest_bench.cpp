// `ingest`: how fast the feed takes lines, and how long a line takes to reach the screen.
//  - throughput: FeedState::ingestLine over a pre-generated buffer of simulator lines
//    (positions in WGS84 and GCJ-02, ISO and epoch-ms times, check-ins), one thread, no
//    I/O; also the parse-only rate (FeedParser) so that parse vs apply can be told apart.
//  - latency: a FeedPipeline (its own ingest thread) fed by a paced in-memory transport
//    while a render loop at the bench's frame size takes snapshot() every frame and
//    mirrors changed officers into an OfficerLayer on the Putuo scene. Latency of a line =
//    wall clock after the frame that first shows it finished (glFinish) - the wall clock
//    when the pipeline queued it (OfficerState::receivedAt, millisecond resolution).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench.hpp"
#include "bench/officers.hpp"
#include "engine/feed/feed_state.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/gl/context.hpp"
#include "engine/sim/simulator.hpp"
#include "engine/util/log.hpp"
#include "layers/layer_factory.hpp"

namespace sandtable::bench {

namespace {

struct Lines {
    std::string bytes;
    std::vector<std::pair<size_t, size_t>> spans;  // offset, length
    TimeMs lastT = 0;
    std::string_view operator[](size_t i) const {
        return std::string_view(bytes).substr(spans[i].first, spans[i].second);
    }
    size_t size() const { return spans.size(); }
};

Lines generate(const Env& env, size_t count, size_t officers) {
    std::vector<Jurisdiction> js;
    const std::string path = env.options.dataDir + "/jurisdictions.geojson";
    try {
        if (std::filesystem::exists(path)) js = loadJurisdictions(path);
    } catch (const std::exception& e) {
        log::warn(std::string("bench: ") + e.what() + "; using synthetic jurisdictions");
    }
    if (js.empty()) js = syntheticJurisdictions();
    std::vector<Checkpoint> cps = deriveCheckpoints(js);
    SimConfig cfg;
    cfg.officers = officers;
    cfg.seed = 20241120;
    Simulator sim(cfg, std::move(js), std::move(cps));
    Lines out;
    out.bytes.reserve(count * 200);
    out.spans.reserve(count);
    TimeMs until = cfg.start;
    while (out.size() < count) {
        until += 60'000;
        sim.runUntil(until, [&](std::string_view line, TimeMs t) {
            if (out.size() >= count) return;
            out.spans.emplace_back(out.bytes.size(), line.size());
            out.bytes.append(line);
            out.lastT = std::max(out.lastT, t);
        });
    }
    return out;
}

// Queues lines at a steady rate (whole milliseconds' worth at a time) for `seconds`.
class PacedTransport final : public Transport {
public:
    PacedTransport(const Lines& lines, double rate, double seconds) : lines_(&lines), rate_(rate), seconds_(seconds) {}
    std::string name() const override { return "bench"; }
    std::string kind() const override { return "bench"; }
    void run(TransportContext& ctx) override {
        ctx.setState(ConnState::Connected);
        const auto start = std::chrono::steady_clock::now();
        size_t i = 0;
        while (!ctx.stopRequested() && i < lines_->size()) {
            const double el = msSince(start) / 1000.0;
            if (el >= seconds_) break;
            const size_t due = std::min(lines_->size(), static_cast<size_t>(el * rate_));
            for (; i < due; ++i) ctx.pushLine((*lines_)[i], i + 1);
            ctx.sleepFor(std::chrono::milliseconds(1));
        }
        ctx.setState(ConnState::Finished);
    }

private:
    const Lines* lines_;
    double rate_, seconds_;
};

void throughput(Env& env, const Lines& lines, size_t officers, double genMs) {
    const MemoryProbe memory;
    FeedConfig cfg;
    const TimeMs now = lines.lastT + 60'000;
    const int reps = env.options.quick ? 2 : 3;
    std::vector<double> rates, parseRates, ms;
    FeedCounters counters;
    for (int r = 0; r < reps; ++r) {
        FeedState state(cfg);
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < lines.size(); ++i) state.ingestLine(lines[i], "bench", i + 1, now);
        const double el = msSince(t0);
        ms.push_back(el);
        rates.push_back(static_cast<double>(lines.size()) / (el / 1000.0));
        counters = state.counters();
    }
    for (int r = 0; r < reps; ++r) {
        FeedParser parser(cfg);
        FeedMessage msg;
        size_t ok = 0;
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < lines.size(); ++i) ok += parser.parse(lines[i], now, msg).ok ? 1 : 0;
        parseRates.push_back(static_cast<double>(lines.size()) / (msSince(t0) / 1000.0));
        if (ok == 0) log::warn("bench: no line parsed");
    }
    nlohmann::json j = env.record("ingest", "throughput", 0, 0);
    j["sizes"] = {{"lines", lines.size()}, {"officers", officers}, {"bytes", lines.bytes.size()}};
    j["threads"] = 1;
    j["reps"] = reps;
    j["lines_per_s"] = percentile(rates, 0.5);
    j["lines_per_s_best"] = *std::max_element(rates.begin(), rates.end());
    j["parse_only_lines_per_s"] = percentile(parseRates, 0.5);
    j["ns_per_line"] = 1e9 / percentile(rates, 0.5);
    j["parse_ns_per_line"] = 1e9 / percentile(parseRates, 0.5);
    j["mb_per_s"] = static_cast<double>(lines.bytes.size()) / 1e6 / (percentile(ms, 0.5) / 1000.0);
    addStats(j, "pass_", ms);
    j["outcomes"] = {{"accepted", counters.accepted},     {"positions", counters.positions},
                     {"checkins", counters.checkins},     {"late", counters.late},
                     {"duplicates", counters.duplicates}, {"rejected", counters.rejected}};
    j["generate_ms"] = genMs;
    memory.add(j);
    env.out->emit(j);
}

void latency(Env& env, const SceneSpec& scene, const Lines& lines, double rate, double seconds, int width, int height) {
    const MemoryProbe memory;
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    applySceneView(scene, *map, width, height);
    OfficerLayer* layer = addOfficerLayer(*map);
    const TimeMs sceneNow = lines.lastT + 60'000;
    Target target(width, height);
    FrameState frame;
    frame.time = sceneNow;

    PipelineOptions po;
    po.now = [sceneNow] { return sceneNow; };  // no message counts as future
    auto pipeline = std::make_shared<FeedPipeline>(FeedConfig{}, po);
    pipeline->addTransport(std::make_unique<PacedTransport>(lines, rate, seconds));
    layer->setFeed(pipeline);          // the live path: the layer takes a snapshot every frame
    renderFrame(*map, frame, target);  // warm-up (shaders, glyphs) before any line arrives
    glFinish();
    pipeline->start();

    FrameTimer timer(env.timerQueries);
    std::vector<double> lat;
    uint64_t shownVersion = 0;
    size_t seen = 0;
    const auto start = std::chrono::steady_clock::now();
    while (msSince(start) < seconds * 1000.0) {
        timer.begin();
        ++frame.frameIndex;
        renderFrame(*map, frame, target);
        timer.end();
        const TimeMs shown = wallClockMs();
        // The snapshot this frame drew: every officer whose marker changed since the
        // previous drawn snapshot appears on screen for the first time now.
        const auto& snap = layer->snapshot();
        if (!snap || snap->version == shownVersion) continue;
        for (const OfficerState& o : snap->officers)
            if (o.version > shownVersion) lat.push_back(static_cast<double>(shown - o.receivedAt));
        shownVersion = snap->version;
        seen = snap->officers.size();
    }
    pipeline->stop();

    nlohmann::json j = env.record("ingest", "latency@" + std::to_string(static_cast<long>(rate)) + "/s", width, height);
    j["sizes"] = {{"lines_per_s", rate}, {"seconds", seconds}, {"officers_seen", seen}};
    addFrameStats(j, timer);
    j["latency_samples"] = lat.size();
    j["latency_median_ms"] = lat.empty() ? nlohmann::json(nullptr) : nlohmann::json(percentile(lat, 0.5));
    j["latency_p95_ms"] = lat.empty() ? nlohmann::json(nullptr) : nlohmann::json(percentile(lat, 0.95));
    j["latency_max_ms"] =
        lat.empty() ? nlohmann::json(nullptr) : nlohmann::json(*std::max_element(lat.begin(), lat.end()));
    j["publish_interval_ms"] = po.publishIntervalMs;
    j["layers"] = map->layers().size();
    memory.add(j);
    env.out->emit(j);
}

}  // namespace

void runIngest(Env& env) {
    const size_t count = env.options.quick ? 200'000 : 1'000'000;
    const size_t officers = env.options.quick ? 2'000 : 5'000;
    const auto t0 = std::chrono::steady_clock::now();
    const Lines lines = generate(env, count, officers);
    throughput(env, lines, officers, msSince(t0));

    const SceneSpec scene = benchScene(env);
    const auto res = env.resolutions({{1920, 1080}});
    if (env.options.quick) {
        latency(env, scene, lines, 2'000, 3.0, res[0].first, res[0].second);
        return;
    }
    for (double rate : {2'000.0, 20'000.0}) latency(env, scene, lines, rate, 10.0, res[0].first, res[0].second);
}

}  // namespace sandtable::bench
