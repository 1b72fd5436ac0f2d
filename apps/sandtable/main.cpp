// sandtable: the interactive cockpit on a scene (default: the bundled Putuo sample) with a
// live feed: by default an in-process simulated feed, so a newcomer sees officers moving
// with no broker installed; or replay / TCP / UDP / MQTT sources. With no display (or
// --headless) it renders the scene to a PNG instead and says where. See docs/cli.md.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "engine/data/scene.hpp"
#include "engine/feed/mqtt_transport.hpp"
#include "engine/feed/pipeline.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/sim/simulator.hpp"
#include "engine/ui/cockpit.hpp"
#include "engine/ui/feed_panel.hpp"
#include "engine/util/cli.hpp"
#include "engine/util/log.hpp"
#include "layers/layer_factory.hpp"
#include "layers/officer_layer.hpp"

using namespace sandtable;

namespace {
const char* kUsage =
    "usage: sandtable [--scene FILE] [--width W] [--height H] [--lang zh|en] [--headless] [--out FILE.png]\n"
    "                 [--sim-officers N] [--sim-speedup X] [--sim-bad-rate R] [--no-sim]\n"
    "                 [--replay FILE [--replay-scale X] [--loop]] [--tcp PORT] [--udp PORT]\n"
    "                 [--mqtt HOST:PORT] [--topic FILTER] [--mqtt-user U --mqtt-password P]\n"
    "                 [--stale-seconds S] [--select OFFICER_ID] [--dispatch LON,LAT]\n"
    "                 [--fullscreen [MONITOR]] [--no-panel] [--view LON,LAT,ZOOM[,ROTATION]]\n"
    "                 [--trace FILE.jsonl]\n"
    "                 [--history-dir DIR | --history FILE.gpkg|PG:CONN] [--no-history] [--history-read-only]\n"
    "                 [--history-hours H] [--retention-days N]\n"
    "                 [--exit-after SECONDS] [--screenshot-on-exit FILE.png]\n"
    "--tcp and --udp take PORT (bound to 127.0.0.1) or HOST:PORT.\n";

struct FeedArgs {
    bool sim = true;
    size_t simOfficers = 400;
    double simSpeedup = 1.0, simBadRate = 0.005, replayScale = 1.0, staleSeconds = 120;
    std::string replay, mqtt, topic = "sandtable/feed/#", mqttUser, mqttPassword;
    bool loop = false;
    int tcpPort = -1, udpPort = -1;
    std::string tcpHost = "127.0.0.1", udpHost = "127.0.0.1";
    // History (docs/history.md): on by default for real sources, off for the simulator
    // alone (simulated officers must not end up in a real history) unless asked for.
    std::string history;  // --history-dir or --history; empty: the default state folder
    bool historyAsked = false, noHistory = false, historyReadOnly = false;
    double historyHours = 6;  // reloaded at start so a restart keeps the trails
    int retentionDays = 90;
    bool realSources() const { return !replay.empty() || tcpPort >= 0 || udpPort >= 0 || !mqtt.empty(); }
};

// "PORT" or "HOST:PORT".
void parseEndpoint(const std::string& flag, const std::string& v, std::string& host, int& port) {
    const auto colon = v.rfind(':');
    if (colon != std::string::npos) host = v.substr(0, colon);
    port = cli::parseInt(flag + " port", colon == std::string::npos ? v : v.substr(colon + 1), 0, 65535);
}

// Scene time shared with the ingest thread (future-time checks, the simulator's start).
std::atomic<TimeMs> gSceneNow{0};

std::shared_ptr<FeedPipeline> makeFeed(const FeedArgs& a, const std::string& dataDir) {
    FeedConfig cfg;
    cfg.staleAfterMs = static_cast<TimeMs>(a.staleSeconds * 1000.0);
    PipelineOptions po;
    po.now = [] { return gSceneNow.load(); };
    if (!a.noHistory && (a.historyAsked || a.realSources())) {
        HistoryOptions ho;
        ho.target = a.history.empty() ? HistoryStore::defaultDir() : a.history;
        ho.squads = cfg.squads;
        ho.readOnly = a.historyReadOnly;
        ho.retentionDays = a.retentionDays;
        po.history = std::make_shared<HistoryStore>(ho);  // throws naming the target and the reason
    }
    auto feed = std::make_shared<FeedPipeline>(cfg, po);
    if (po.history) {
        const TimeMs now = gSceneNow.load();
        std::string err;
        const HistoryLoad ld =
            feed->restoreHistory(now - static_cast<TimeMs>(a.historyHours * 3600000.0), now + 1, &err);
        std::printf("sandtable: history %s%s: %llu fixes of the last %g h restored in %.0f ms%s%s\n",
                    po.history->stats().target.c_str(), a.historyReadOnly ? " (read-only)" : "",
                    static_cast<unsigned long long>(ld.stored), a.historyHours, ld.ms, err.empty() ? "" : "; ",
                    err.c_str());
    }
    if (a.sim) {
        SimulatorTransportOptions so;
        so.sim.officers = a.simOfficers;
        so.sim.badRate = a.simBadRate;
        so.sim.seed = 20241120;
        so.jurisdictions = loadJurisdictions(dataDir + "/putuo/jurisdictions.geojson");
        so.checkpoints = loadCheckpoints(dataDir + "/putuo/checkpoints.geojson");
        so.speedup = a.simSpeedup;
        feed->addTransport(std::make_unique<SimulatorTransport>(so, "simulator"));
    }
    if (!a.replay.empty()) {
        ReplayOptions ro;
        ro.path = a.replay;
        ro.timeScale = a.replayScale;
        ro.loop = a.loop;
        ro.rebaseTo = [] { return gSceneNow.load(); };  // the scene clock
        feed->addTransport(
            std::make_unique<ReplayTransport>(ro, "replay " + std::filesystem::path(a.replay).filename().string()));
    }
    if (a.tcpPort >= 0) {
        TcpListenOptions to;
        to.port = static_cast<uint16_t>(a.tcpPort);
        to.host = a.tcpHost;
        feed->addTransport(std::make_unique<TcpListenTransport>(to, "tcp"));
    }
    if (a.udpPort >= 0) {
        UdpListenOptions uo;
        uo.port = static_cast<uint16_t>(a.udpPort);
        uo.host = a.udpHost;
        feed->addTransport(std::make_unique<UdpListenTransport>(uo, "udp"));
    }
    if (!a.mqtt.empty()) {
        MqttOptions mo;
        int port = 1883;
        mo.host = a.mqtt;
        if (a.mqtt.find(':') != std::string::npos) parseEndpoint("--mqtt", a.mqtt, mo.host, port);
        mo.port = static_cast<uint16_t>(port);
        mo.topics = {a.topic};
        mo.username = a.mqttUser;
        mo.password = a.mqttPassword;
        feed->addTransport(std::make_unique<MqttTransport>(mo, "mqtt " + a.mqtt));
    }
    return feed;
}
}  // namespace

int main(int argc, char** argv) {
    const std::string dataDir = SANDTABLE_DATA_DIR;
    std::string scenePath = dataDir + "/putuo/scene.json";
    std::string out = "sandtable-putuo.png", lang = "zh";
    bool headless = false;
    CockpitOptions opts;
    FeedArgs fa;
    std::string selectId, viewString;
    int monitor = -1;
    Vec2d dispatchAt{NAN, NAN};
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto next = [&]() -> std::string {
                if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
                return argv[++i];
            };
            if (a == "--scene")
                scenePath = next();
            else if (a == "--width")
                opts.width = cli::parseInt(a, next(), 64, 16384);
            else if (a == "--height")
                opts.height = cli::parseInt(a, next(), 64, 16384);
            else if (a == "--lang")
                lang = next();
            else if (a == "--headless")
                headless = true;
            else if (a == "--out")
                out = next();
            else if (a == "--exit-after")
                opts.exitAfterSeconds = cli::parseDouble(a, next(), 0.0, 1e9);
            else if (a == "--screenshot-on-exit")
                opts.screenshotOnExit = next();
            else if (a == "--no-sim")
                fa.sim = false;
            else if (a == "--sim-officers")
                fa.simOfficers = static_cast<size_t>(cli::parseInt(a, next(), 0, 1000000));
            else if (a == "--sim-speedup")
                fa.simSpeedup = cli::parseDouble(a, next(), 0.0, 10000.0);
            else if (a == "--sim-bad-rate")
                fa.simBadRate = cli::parseDouble(a, next(), 0.0, 1.0);
            else if (a == "--replay")
                fa.replay = next();
            else if (a == "--replay-scale")
                fa.replayScale = cli::parseDouble(a, next(), 0.0, 10000.0);
            else if (a == "--loop")
                fa.loop = true;
            else if (a == "--tcp")
                parseEndpoint(a, next(), fa.tcpHost, fa.tcpPort);
            else if (a == "--udp")
                parseEndpoint(a, next(), fa.udpHost, fa.udpPort);
            else if (a == "--select")
                selectId = next();
            else if (a == "--view")
                viewString = next();
            else if (a == "--trace")
                opts.tracePath = next();
            else if (a == "--fullscreen") {
                monitor = 0;
                if (i + 1 < argc && argv[i + 1][0] != '-') monitor = cli::parseInt(a, argv[++i], 0, 15);
            } else if (a == "--no-panel")
                opts.showPanel = false;
            else if (a == "--dispatch") {
                const std::string v = next();
                const auto comma = v.find(',');
                if (comma == std::string::npos) throw std::runtime_error("--dispatch: expected LON,LAT");
                dispatchAt = {cli::parseDouble("--dispatch longitude", v.substr(0, comma), -180.0, 180.0),
                              cli::parseDouble("--dispatch latitude", v.substr(comma + 1), -85.0, 85.0)};
            } else if (a == "--mqtt")
                fa.mqtt = next();
            else if (a == "--topic")
                fa.topic = next();
            else if (a == "--mqtt-user")
                fa.mqttUser = next();
            else if (a == "--mqtt-password")
                fa.mqttPassword = next();
            else if (a == "--stale-seconds")
                fa.staleSeconds = cli::parseDouble(a, next(), 1.0, 86400.0);
            else if (a == "--history-dir" || a == "--history") {
                fa.history = next();
                fa.historyAsked = true;
            } else if (a == "--no-history")
                fa.noHistory = true;
            else if (a == "--history-read-only")
                fa.historyReadOnly = fa.historyAsked = true;
            else if (a == "--history-hours")
                fa.historyHours = cli::parseDouble(a, next(), 0.0, 24.0 * 366);
            else if (a == "--retention-days")
                fa.retentionDays = cli::parseInt(a, next(), 0, 36500);
            else if (a == "--help" || a == "-h") {
                std::fputs(kUsage, stdout);
                return 0;
            } else
                throw std::runtime_error("unknown option '" + a + "'");
        }
        if (lang != "zh" && lang != "en") throw std::runtime_error("--lang: expected zh or en");
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
        gSceneNow = wallClockMs();
        if (headless) {
            // A still has no time for live sources to deliver anything: say so rather than
            // draw an empty map. (A recorded feed file draws with sandtable-render --feed.)
            if (!fa.replay.empty() || fa.tcpPort >= 0 || fa.udpPort >= 0 || !fa.mqtt.empty())
                throw std::runtime_error(
                    "--replay/--tcp/--udp/--mqtt need the window; headless, draw a feed file with "
                    "sandtable-render --scene FILE --feed FILE.jsonl --at TIME");
            auto ctx = HeadlessContext::create();
            std::vector<std::string> errors;
            auto map = buildMap(scene, errors);
            map->language = language;
            applySceneView(scene, *map, opts.width, opts.height);
            if (!viewString.empty()) applyViewString(viewString, *map);
            FrameState frame;
            frame.time = wallClockMs();
            auto feed = std::make_shared<FeedPipeline>();
            if (fa.sim) {
                // One still of the simulated feed: ten simulated minutes up to now.
                SimConfig sc;
                sc.officers = fa.simOfficers;
                sc.badRate = fa.simBadRate;
                sc.seed = 20241120;
                sc.start = frame.time - 10 * 60 * 1000;
                Simulator sim(sc, loadJurisdictions(dataDir + "/putuo/jurisdictions.geojson"),
                              loadCheckpoints(dataDir + "/putuo/checkpoints.geojson"));
                uint64_t n = 0;
                sim.runUntil(frame.time,
                             [&](std::string_view line, TimeMs) { feed->ingestLine(line, "simulator", ++n); });
                feed->publish();
            }
            attachFeed(*map, feed, static_cast<TimeMs>(fa.staleSeconds * 1000.0));
            writePng(out, renderOffscreen(*map, frame, opts.width, opts.height));
            std::printf("sandtable: wrote %s (%dx%d) with %s\n", std::filesystem::absolute(out).c_str(), opts.width,
                        opts.height, ctx->renderer().c_str());
            return errors.empty() ? 0 : 3;
        }
        auto feed = makeFeed(fa, dataDir);
        auto window = WindowContext::create(opts.width, opts.height, "数字沙盘 Sandtable — " + scene.titleZh, monitor);
        std::vector<std::string> errors;
        auto map = buildMap(scene, errors);
        map->language = language;
        attachFeed(*map, feed, static_cast<TimeMs>(fa.staleSeconds * 1000.0));
        int fbw = 0, fbh = 0;
        glfwGetFramebufferSize(window->window(), &fbw, &fbh);
        applySceneView(scene, *map, fbw, fbh);
        if (!viewString.empty()) applyViewString(viewString, *map);
        feed->start();
        // Live clock; an accelerated simulation runs a replay clock at its speed-up so that
        // scene time and the feed agree.
        const bool accelerated = fa.sim && fa.simSpeedup != 1.0 && fa.simSpeedup > 0;
        opts.clockLocked = accelerated;
        Cockpit cockpit(*window, *map, scene,
                        accelerated ? Clock::replay(gSceneNow.load(), fa.simSpeedup) : Clock::live(), opts);
        OfficerLayer* officers = nullptr;
        for (const auto& l : map->layers())
            if (auto* o = dynamic_cast<OfficerLayer*>(l.get())) officers = o;
        // --select / --dispatch: applied once the officers have arrived (wall presets).
        cockpit.beforeFrame = [&](TimeMs now) {
            gSceneNow = now;
            if (!officers || !officers->snapshot() || officers->snapshot()->officers.empty()) return;
            if (!selectId.empty() && officers->snapshot()->find(selectId)) {
                officers->select(selectId);
                officers->setFollow(true);
                selectId.clear();
            }
            if (std::isfinite(dispatchAt.x)) {
                officers->dispatchAt(dispatchAt, now);
                dispatchAt = {NAN, NAN};
            }
        };
        cockpit.loadErrors = errors;
        cockpit.extraUi = [&](Language l) { drawFeedHealth(*feed->snapshot(), cockpit.clock().now(), l); };
        const int rc = cockpit.run();
        feed->stop();
        return rc;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable: error: %s\n", e.what());
        return 1;
    }
}
