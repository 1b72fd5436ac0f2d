// sandtable: the interactive cockpit on a scene (default: the bundled Putuo sample) with a
// live feed: by default an in-process simulated feed, so a newcomer sees officers moving
// with no broker installed; or replay / TCP / UDP / MQTT sources. With no display (or
// --headless) it renders the scene to a PNG instead and says where. See docs/cli.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "engine/data/scene.hpp"
#include "engine/feed/credentials.hpp"
#include "engine/gl/context.hpp"
#include "engine/health/wall_health.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/render/tour.hpp"
#include "engine/sim/feed_sources.hpp"
#include "engine/ui/cockpit.hpp"
#include "engine/ui/feed_panel.hpp"
#include "engine/util/cli.hpp"
#include "engine/util/i18n.hpp"
#include "layers/dispatch_layer.hpp"
#include "layers/layer_factory.hpp"
#include "layers/officer_layer.hpp"
#include "layers/wall_status_layer.hpp"

using namespace sandtable;

namespace {

struct Options {
    bool wall = false, noTour = false;
    std::vector<int> wallMonitors, wallRect;  // parsed and checked by CLI11
    std::string wallLead, wallFollow;
    cli::WallGeometry wallAt;
    std::string scene = std::string(SANDTABLE_DATA_DIR) + "/putuo/scene.json";
    std::string out = "sandtable-putuo.png", lang = "zh", select, dispatch, view, tcp, udp, metrics;
    bool headless = false;
    int monitor = -1;
    CockpitOptions cockpit;
    FeedSources feed;
};

// The still a machine without a display gets (the README's first command on a server).
int renderHeadless(const Options& o, const SceneSpec& scene) {
    if (o.feed.hasLiveSources())
        throw std::runtime_error(
            "--replay/--tcp/--udp/--mqtt need the window; headless, draw a feed file with "
            "sandtable-render --scene FILE --feed FILE.jsonl --at TIME");
    auto ctx = HeadlessContext::create();
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    map->language = o.lang == "en" ? Language::English : Language::Chinese;
    applySceneView(scene, *map, o.cockpit.width, o.cockpit.height);
    if (!o.view.empty()) applyViewString(o.view, *map);
    FrameState frame;
    frame.time = o.feed.simStart ? o.feed.simStart : wallClockMs();
    frame.timeMode = FrameState::TimeMode::Live;  // the state right now (or at --sim-start)
    attachFeed(*map, makeStillFeed(o.feed, scene, frame.time), static_cast<TimeMs>(o.feed.staleSeconds * 1000.0));
    writePng(o.out, renderOffscreen(*map, frame, o.cockpit.width, o.cockpit.height));
    std::printf("sandtable: wrote %s (%dx%d) with %s\n", std::filesystem::absolute(o.out).c_str(), o.cockpit.width,
                o.cockpit.height, ctx->renderer().c_str());
    return errors.empty() ? 0 : 3;
}

// The timeline's activity: fixes per bucket over the data's span, about 240 buckets,
// re-bucketed only when the feed publishes a new activity copy (at most once a second).
void fillTimeline(const FeedSnapshot& snap, Timeline& tl, const void*& bucketed) {
    tl.dataFrom = snap.counters.firstMessageTime;
    tl.dataTo = snap.counters.lastMessageTime;
    if (snap.activity.get() == bucketed) return;
    bucketed = snap.activity.get();
    tl.activity.clear();
    if (!snap.activity || snap.activity->empty() || tl.dataTo <= tl.dataFrom) return;
    constexpr size_t kBuckets = 240;
    const double span = static_cast<double>(tl.dataTo - tl.dataFrom + 1);
    tl.activity.assign(kBuckets, 0.0f);
    for (const auto& [minute, n] : *snap.activity) {
        const double t = static_cast<double>(minute * FeedState::kActivityBucketMs - tl.dataFrom);
        const auto i = static_cast<size_t>(std::clamp(t / span * kBuckets, 0.0, static_cast<double>(kBuckets - 1)));
        tl.activity[i] += static_cast<float>(n);
    }
}

int runCockpit(Options o, const SceneSpec& scene) {
    FeedSetup setup = makeFeedPipeline(o.feed, scene);
    auto feed = setup.feed;
    // The metrics endpoint (docs/reliability.md#health-and-metrics), loopback unless a host is
    // given; first, so that a port in use fails before the window opens.
    std::unique_ptr<health::WallHealth> health;
    std::unique_ptr<health::HealthServer> metrics;
    if (!o.metrics.empty()) {
        net::HostPort at;
        net::parseHostPort(o.metrics, at);  // checked by the validator
        health = std::make_unique<health::WallHealth>(feed, setup.liveClock);
        metrics = health::serveWallHealth(at, *health);
        std::fprintf(stderr, "sandtable: metrics on %s\n", metrics->url("/metrics").c_str());
    }
    WindowPlacement where;
    where.width = o.cockpit.width;
    where.height = o.cockpit.height;
    where.monitor = o.monitor;
    if (o.wall) {
        // A wall: one borderless window over a rectangle, chosen monitors, or all of them.
        where.borderless = true;
        where.monitor = -1;
        if (!o.wallRect.empty()) {
            where.haveRect = true;
            where.x = o.wallRect[0];
            where.y = o.wallRect[1];
            where.width = o.wallRect[2];
            where.height = o.wallRect[3];
        } else if (!o.wallMonitors.empty()) {
            where.spanMonitors = o.wallMonitors;
        } else {
            where.spanAllMonitors = true;
        }
    }
    auto window =
        WindowContext::create(where, std::string(tr("window.title", Language::Chinese)) + " — " + scene.titleZh);
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    map->language = o.lang == "en" ? Language::English : Language::Chinese;
    attachFeed(*map, feed, static_cast<TimeMs>(o.feed.staleSeconds * 1000.0));
    int fbw = 0, fbh = 0;
    glfwGetFramebufferSize(window->window(), &fbw, &fbh);
    // A wall node: this window is one monitor of the canvas (a leader fits the scene's view
    // to the whole canvas; a follower takes the leader's).
    WallNodeOptions& node = o.cockpit.wallNode;
    node.role = !o.wallLead.empty()     ? WallNodeOptions::Role::Lead
                : !o.wallFollow.empty() ? WallNodeOptions::Role::Follow
                                        : WallNodeOptions::Role::None;
    node.endpoint = node.role == WallNodeOptions::Role::Lead ? o.wallLead : o.wallFollow;
    std::tie(node.cols, node.rows) = o.wallAt.grid;
    std::tie(node.col, node.row) = o.wallAt.cell;
    node.bezel = o.wallAt.bezel;
    int canvasW = fbw, canvasH = fbh;
    wallLeaderCanvas(node, fbw, fbh, canvasW, canvasH);
    applySceneView(scene, *map, canvasW, canvasH);
    if (!o.view.empty()) applyViewString(o.view, *map);
    feed->start();
    // One clock: live (the wall clock, or an accelerated simulation's own clock); a
    // recording given with --replay is played back by it once it has been read.
    TimeController time;
    if (setup.liveClock) time.setLiveSource(setup.liveClock);
    time.setSpeed(o.feed.replaySpeed);
    time.setLoop(o.feed.loop);
    bool replayPending =
        !o.feed.replay.empty() && !o.feed.sim && o.feed.tcpPort < 0 && o.feed.udpPort < 0 && o.feed.mqtt.empty();
    // The wall's status strip, and its tour (the scene's "wall.tour").
    WallStatusLayer* wallStatus = nullptr;
    std::unique_ptr<TourPlayer> tour;
    if (o.wall) {
        o.cockpit.wall = true;
        o.cockpit.showPanel = false;
        wallStatus = &addWallStatus(*map, feed, static_cast<TimeMs>(o.feed.staleSeconds * 1000.0));
        const std::shared_ptr<indicators::IndicatorModel> model = wallStatus->indicators();
        if (!scene.wall.legendLayers.empty())  // a wall's legend lists what it is read for
            for (const auto& l : map->layers())
                l->showInLegend = std::find(scene.wall.legendLayers.begin(), scene.wall.legendLayers.end(), l->id()) !=
                                  scene.wall.legendLayers.end();
        if (!o.noTour && !scene.wall.tour.empty() && node.role != WallNodeOptions::Role::Follow)
            // The squads' places: the indicators' jurisdictions (read once, with the scene),
            // else the scene's file; a scene with none tours only its views and the district.
            tour = std::make_unique<TourPlayer>(scene.wall, *map,
                                                model ? model->jurisdictions()
                                                : scene.jurisdictionsPath.empty()
                                                    ? std::vector<Jurisdiction>{}
                                                    : loadJurisdictions(scene.jurisdictionsPath));
    }
    Cockpit cockpit(*window, *map, scene, std::move(time), o.cockpit);
    cockpit.health = health.get();
    if (tour) {
        cockpit.everyTurn = [&](double dt, bool input) {
            tour->advance(dt, input);
            if (const TourStop* stop = tour->current())
                wallStatus->setTourTitle(tour->paused() ? text("wall.tour_paused")
                                                        : I18nText{stop->titleZh, stop->titleEn});
        };
    }
    OfficerLayer* officers = nullptr;
    DispatchLayer* dispatch = nullptr;
    for (const auto& l : map->layers()) {
        if (auto* p = dynamic_cast<OfficerLayer*>(l.get())) officers = p;
        if (auto* d = dynamic_cast<DispatchLayer*>(l.get())) dispatch = d;
    }
    Vec2d dispatchAt{NAN, NAN};
    if (!o.dispatch.empty()) cli::parseLonLat(o.dispatch, dispatchAt);
    uint64_t seenVersion = ~uint64_t{0};
    const void* bucketed = nullptr;
    cockpit.beforeFrame = [&](TimeMs now) {
        const auto snap = feed->snapshot();
        const bool changed = snap->version != seenVersion;
        seenVersion = snap->version;
        if (changed) fillTimeline(*snap, cockpit.timeline, bucketed);
        // A recording plays back over its own span once it has been read whole.
        if (replayPending && !snap->transports.empty() && snap->transports[0].state == ConnState::Finished &&
            snap->counters.firstMessageTime > 0) {
            cockpit.time().replay(snap->counters.firstMessageTime, snap->counters.lastMessageTime);
            replayPending = false;
        }
        if (!officers || !officers->snapshot() || officers->snapshot()->officers.empty()) return changed;
        // --select / --dispatch: applied once the officers have arrived (wall presets).
        if (!o.select.empty() && officers->snapshot()->find(o.select)) {
            officers->select(o.select);
            officers->setFollow(true);
            o.select.clear();
        }
        if (std::isfinite(dispatchAt.x) && dispatch) {
            dispatch->dispatchAt(dispatchAt, now);
            dispatchAt = {NAN, NAN};
        }
        return changed;
    };
    cockpit.loadErrors = errors;
    cockpit.extraUi = [&](Language l) { drawFeedHealth(*feed->snapshot(), cockpit.time().now(), wallClockMs(), l); };
    const int rc = cockpit.run();
    feed->stop();
    return rc;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app("The Sandtable cockpit: the map, live officers and panels in a window.", "sandtable");
    cli::setup(app);
    app.add_option("--scene", o.scene, "scene file (docs/scene.md; default: the bundled Putuo sample)")
        ->check(CLI::ExistingFile);
    app.add_option("--width", o.cockpit.width, "window width, px")->check(CLI::Range(64, 16384))->capture_default_str();
    app.add_option("--height", o.cockpit.height, "window height, px")
        ->check(CLI::Range(64, 16384))
        ->capture_default_str();
    app.add_option("--lang", o.lang, "language of the map and the panels")
        ->check(CLI::IsMember({"zh", "en"}))
        ->capture_default_str();
    app.add_option("--view", o.view, "initial view LON,LAT,ZOOM[,ROTATION_DEG] instead of the scene's");
    app.add_flag("--headless", o.headless, "render one still to --out instead of opening a window");
    app.add_option("--out", o.out, "the still's PNG (headless, or no display)")->capture_default_str();
    auto* feed = app.add_option_group("Feed", "where officer positions come from (docs/feed.md)");
    bool noSim = false;
    feed->add_flag("--no-sim", noSim, "no simulated feed");
    feed->add_option("--sim-officers", o.feed.simOfficers, "simulated officers")
        ->check(CLI::Range(0, 1000000))
        ->capture_default_str();
    feed->add_option("--sim-speedup", o.feed.simSpeedup, "simulation speed (the clock follows it)")
        ->check(CLI::Range(0.0, 10000.0))
        ->capture_default_str();
    std::string simStart;
    feed->add_option("--sim-start", simStart,
                     "the simulation's first instant (ISO 8601 or epoch ms; default now); on a day of the "
                     "scene's records the officers walk the recorded check-ins")
        ->check(cli::timeValidator());
    feed->add_option("--sim-bad-rate", o.feed.simBadRate, "deliberately bad lines per good line")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    feed->add_option("--replay", o.feed.replay, "play back a recorded feed file (NDJSON; no simulator then)")
        ->check(CLI::ExistingFile);
    feed->add_option("--replay-speed,--replay-scale", o.feed.replaySpeed, "playback speed")
        ->check(CLI::Range(1.0, 3600.0))
        ->capture_default_str();
    feed->add_flag("--loop", o.feed.loop, "loop the playback");
    feed->add_option("--tcp", o.tcp, "listen for TCP senders on [HOST:]PORT (loopback by default)")
        ->check(cli::endpointValidator());
    feed->add_option("--udp", o.udp, "listen for UDP datagrams on [HOST:]PORT (loopback by default)")
        ->check(cli::endpointValidator());
    feed->add_option("--mqtt", o.feed.mqtt,
                     "subscribe at an MQTT broker HOST[:PORT], or a failover list HOST[:PORT],HOST[:PORT],... "
                     "(tried in turn)");
    feed->add_option("--topic", o.feed.topic, "MQTT topic filter")->capture_default_str();
    auto* mqttUser = feed->add_option("--mqtt-user", o.feed.mqttUser, "MQTT user name");
    auto* mqttPassword = feed->add_option("--mqtt-password", o.feed.mqttPassword,
                                          "MQTT password (visible to ps: prefer --mqtt-credentials)");
    std::string credentials;
    feed->add_option("--mqtt-credentials", credentials,
                     "file with 'user = NAME' and 'password = SECRET', readable by its owner only (chmod 600)")
        ->excludes(mqttUser)
        ->excludes(mqttPassword);
    auto* clientId =
        feed->add_option("--mqtt-client-id", o.feed.mqttClientId, "fixed MQTT client id (default: a random one)");
    feed->add_flag("--mqtt-persistent", o.feed.mqttPersistent,
                   "persistent session: the broker queues messages while the cockpit is away (needs --mqtt-client-id)")
        ->needs(clientId);
    feed->add_option("--mqtt-tls-ca", o.feed.mqttCaFile, "TLS to the broker, verified with this CA certificate")
        ->check(CLI::ExistingFile);
    feed->add_option("--stale-seconds", o.feed.staleSeconds, "an officer silent this long is shown as silent")
        ->check(CLI::Range(1.0, 86400.0))
        ->capture_default_str();
    auto* hist = app.add_option_group("History", "officer tracks kept across restarts (docs/history.md)");
    std::string historyDir, historyFile;
    auto* hd = hist->add_option("--history-dir", historyDir, "keep the history in DIR/history.gpkg");
    auto* hf = hist->add_option("--history", historyFile, "keep the history in FILE.gpkg or PG:CONNINFO");
    hd->excludes(hf);
    hist->add_flag("--no-history", o.feed.noHistory, "keep no history (on by default for TCP, UDP and MQTT)")
        ->excludes(hd)
        ->excludes(hf);
    hist->add_flag("--history-read-only", o.feed.historyReadOnly, "read the history, write nothing (a wall node)");
    hist->add_option("--history-hours", o.feed.historyHours, "hours of history reloaded at start")
        ->check(CLI::Range(0.0, 24.0 * 366))
        ->capture_default_str();
    hist->add_option("--retention-days", o.feed.retentionDays, "rows older than this are removed (0: keep all)")
        ->check(CLI::Range(0, 36500))
        ->capture_default_str();
    auto* wall = app.add_option_group("Wall and presets");
    wall->add_option("--select", o.select, "select and follow this officer once it reports");
    wall->add_option("--dispatch", o.dispatch, "show the dispatch query at LON,LAT")->check(cli::lonLatValidator());
    std::vector<int> fullscreen;
    wall->add_option("--fullscreen", fullscreen, "full screen on MONITOR (default 0, the primary)")
        ->expected(0, 1)
        ->check(CLI::Range(0, 15));
    bool noPanel = false;
    wall->add_flag("--no-panel", noPanel, "start without the control panel (H toggles it)");
    wall->add_flag(
        "--wall", o.wall,
        "wall mode: borderless over all monitors (or --wall-monitors / --wall-rect), big type, status strip, "
        "the scene's tour");
    wall->add_option("--wall-monitors", o.wallMonitors, "the monitors the wall spans, e.g. 0,1")
        ->delimiter(',')
        ->check(CLI::Range(0, 15));
    wall->add_option("--wall-rect", o.wallRect, "the wall's window at X,Y,W,H (screen pixels)")
        ->delimiter(',')
        ->expected(4)
        ->type_name("X,Y,W,H")
        ->check(CLI::Validator(
            [](std::string& v) {
                try {
                    return std::stoi(v) > -100000 ? std::string() : "out of range";
                } catch (const std::exception&) {
                    return std::string("expected whole pixels");
                }
            },
            ""));
    wall->add_flag("--no-tour", o.noTour, "wall mode without the scene's tour");
    auto* lead =
        wall->add_option("--wall-lead", o.wallLead,
                         "a wall of several machines: lead it, publishing every frame's state on this endpoint "
                         "(PORT or :PORT: loopback; HOST:PORT; tcp://...; this window is --wall-cell of "
                         "--wall-grid)")
            ->check(cli::wallEndpointValidator());
    wall->add_option("--wall-follow", o.wallFollow,
                     "a wall of several machines: follow the leader at this endpoint, drawing --wall-cell of its "
                     "canvas")
        ->check(cli::wallEndpointValidator())
        ->excludes(lead);
    cli::addWallGeometry(*wall, o.wallAt, "this window's monitor");
    auto* check = app.add_option_group("Unattended checks");
    check->add_option("--exit-after", o.cockpit.exitAfterSeconds, "close after SECONDS")->check(CLI::Range(0.0, 1e9));
    check->add_option("--screenshot-on-exit", o.cockpit.screenshotOnExit, "save the window to this PNG on exit");
    check->add_option("--trace", o.cockpit.tracePath, "write what input did as JSON lines (tests)");
    check
        ->add_option("--metrics", o.metrics,
                     "serve Prometheus metrics and /healthz on [HOST:]PORT (loopback by default; port 0: any free)")
        ->check(cli::endpointValidator());
    if (const int rc = cli::parse(app, argc, argv); rc >= 0) return rc;
    o.feed.sim = !noSim && o.feed.replay.empty();
    if (!simStart.empty()) cli::parseTime(simStart, o.feed.simStart);
    if (!credentials.empty()) {
        try {
            const Credentials c = readCredentialsFile(credentials);
            o.feed.mqttUser = c.user;
            o.feed.mqttPassword = c.password;
        } catch (const CredentialsError& e) {
            std::fprintf(stderr, "sandtable: --mqtt-credentials: %s\n", e.what());
            return 2;
        }
    }
    o.cockpit.showPanel = !noPanel;
    if ((!o.wallLead.empty() || !o.wallFollow.empty()) && !o.wall) {
        std::fprintf(stderr, "sandtable: --wall-lead and --wall-follow need --wall\n");
        return 2;
    }
    if (!cli::checkWallCell(o.wallAt, "sandtable")) return 2;
    if (!o.wallRect.empty() && (o.wallRect[2] < 64 || o.wallRect[3] < 64)) {
        std::fprintf(stderr, "sandtable: --wall-rect: W and H must be at least 64 px\n");
        return 2;
    }
    o.feed.history = historyDir.empty() ? historyFile : historyDir;
    o.feed.historyAsked = !o.feed.history.empty() || o.feed.historyReadOnly;
    if (app.count("--fullscreen")) o.monitor = fullscreen.empty() ? 0 : fullscreen[0];
    net::HostPort hp;
    if (!o.tcp.empty() && net::parseHostPort(o.tcp, hp)) {  // checked by the validator
        o.feed.tcpHost = hp.host;
        o.feed.tcpPort = hp.port;
    }
    if (!o.udp.empty() && net::parseHostPort(o.udp, hp)) {
        o.feed.udpHost = hp.host;
        o.feed.udpPort = hp.port;
    }
    try {
        const SceneSpec scene = loadScene(o.scene);
        if (!o.headless && !displayAvailable()) {
            std::printf("sandtable: no display found (DISPLAY is not set): rendering headless instead\n");
            o.headless = true;
        }
        return o.headless ? renderHeadless(o, scene) : runCockpit(o, scene);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable: error: %s\n", e.what());
        return 1;
    }
}
