#include "engine/sim/feed_sources.hpp"

#include <filesystem>

#include "engine/data/squads.hpp"
#include "engine/feed/mqtt_transport.hpp"
#include "engine/feed/net.hpp"
#include "engine/sim/recorded_day.hpp"
#include "engine/sim/simulator.hpp"
#include "engine/tracks/history.hpp"
#include "engine/util/log.hpp"

namespace sandtable {

FeedConfig FeedSources::feedConfig(const SceneSpec& scene) const {
    FeedConfig cfg;
    cfg.staleAfterMs = static_cast<TimeMs>(staleSeconds * 1000.0);
    cfg.squads = sceneSquads(scene).ids();
    if (trackBudgetBytes) cfg.trackBudgetBytes = trackBudgetBytes;
    return cfg;
}

SimGeography simGeography(const SceneSpec& scene) {
    SimGeography g;
    if (!scene.jurisdictionsPath.empty()) {
        g.jurisdictions = loadJurisdictions(scene.jurisdictionsPath);
    } else {
        log::warn(scene.file + ": names no jurisdictions; the simulator patrols ten synthetic rectangles");
        g.jurisdictions = syntheticJurisdictions(sceneSquads(scene).ids());
    }
    g.checkpoints =
        scene.checkpointsPath.empty() ? deriveCheckpoints(g.jurisdictions) : loadCheckpoints(scene.checkpointsPath);
    if (!scene.roadsPath.empty()) g.roads = loadRoads(scene.roadsPath);
    return g;
}

namespace {

// The scene's recorded check-ins of [from, to) for the simulator, or none (logged).
std::vector<PlannedCheckin> plannedFromRecords(const SceneSpec& scene, TimeMs from, TimeMs to) {
    if (scene.recordsPath.empty()) return {};
    try {
        RecordedCheckins rc = recordedCheckins(scene.recordsPath, sceneSquads(scene), from, to);
        if (!rc.checkins.empty())
            log::info("simulator: walks the " + std::to_string(rc.checkins.size()) + " check-ins " + rc.source +
                      " records from " + formatIsoTime(from) + " (a recorded day replayed)");
        return std::move(rc.checkins);
    } catch (const std::exception& e) {
        log::warn(std::string("simulator: the records' check-ins are not walked: ") + e.what());
        return {};
    }
}

constexpr TimeMs kPlanSpanMs = 2 * 86400000LL;  // the recorded check-ins a live simulation plans ahead

}  // namespace

FeedSetup makeFeedPipeline(const FeedSources& s, const SceneSpec& scene) {
    FeedSetup setup;
    const FeedConfig cfg = s.feedConfig(scene);
    PipelineOptions po;
    if (s.wantsHistory()) {
        HistoryOptions ho;
        ho.target = s.history.empty() ? HistoryStore::defaultDir() : s.history;
        ho.squads = cfg.squads;
        ho.readOnly = s.historyReadOnly;
        ho.retentionDays = s.retentionDays;
        po.history = std::make_shared<HistoryStore>(ho);  // throws naming the target and the reason
    }
    auto feed = std::make_shared<FeedPipeline>(cfg, po);
    setup.feed = feed;
    if (po.history)  // the last hours come back at start: a restart keeps the trails (the pipeline logs it)
        feed->restoreHistory(wallClockMs() - static_cast<TimeMs>(s.historyHours * 3600000.0), wallClockMs() + 1);
    if (s.sim) {
        SimGeography geo = simGeography(scene);
        SimulatorTransportOptions so;
        so.sim.officers = s.simOfficers;
        so.sim.badRate = s.simBadRate;
        so.sim.seed = s.simSeed;
        if (s.simIntervalS > 0) so.sim.minIntervalS = so.sim.maxIntervalS = s.simIntervalS;
        so.jurisdictions = std::move(geo.jurisdictions);
        so.checkpoints = std::move(geo.checkpoints);
        so.roads = std::move(geo.roads);
        so.speedup = s.simSpeedup;
        if (s.simStart) {
            so.startNow = false;
            so.sim.start = s.simStart;
        }
        const TimeMs start = s.simStart ? s.simStart : wallClockMs();
        so.sim.plannedCheckins = plannedFromRecords(scene, start, start + kPlanSpanMs);
        auto sim = std::make_unique<SimulatorTransport>(so, "simulator");
        if (s.simSpeedup != 1.0 || s.simStart) {
            const SimulatorTransport* clock = sim.get();  // owned by the pipeline, which outlives the host's use
            setup.liveClock = [feed, clock] { return clock->now() > 0 ? clock->now() : wallClockMs(); };
        }
        feed->addTransport(std::move(sim));
    }
    if (!s.replay.empty()) {
        ReplayOptions ro;
        ro.path = s.replay;
        feed->addTransport(
            std::make_unique<ReplayTransport>(ro, "replay " + std::filesystem::path(s.replay).filename().string()));
    }
    if (s.tcpPort >= 0) {
        TcpListenOptions to;
        to.port = static_cast<uint16_t>(s.tcpPort);
        to.host = s.tcpHost.empty() ? "127.0.0.1" : s.tcpHost;
        feed->addTransport(std::make_unique<TcpListenTransport>(to, "tcp"));
    }
    if (s.udpPort >= 0) {
        UdpListenOptions uo;
        uo.port = static_cast<uint16_t>(s.udpPort);
        uo.host = s.udpHost.empty() ? "127.0.0.1" : s.udpHost;
        feed->addTransport(std::make_unique<UdpListenTransport>(uo, "udp"));
    }
    if (!s.mqtt.empty()) {
        MqttOptions mo;
        std::string err;  // HOST[:PORT] or a failover list HOST[:PORT],HOST[:PORT],...
        if (!parseMqttBrokers(s.mqtt, mo.brokers, &err)) throw std::runtime_error("--mqtt: " + err);
        mo.host = mo.brokers.front().host;
        mo.port = mo.brokers.front().port;
        mo.topics = {s.topic};
        mo.username = s.mqttUser;
        mo.password = s.mqttPassword;
        mo.qos = 1;
        mo.clientId = s.mqttClientId;
        mo.cleanSession = !s.mqttPersistent;
        if (!s.mqttCaFile.empty()) {
            mo.tls.enabled = true;
            mo.tls.cafile = s.mqttCaFile;
        }
        feed->addTransport(std::make_unique<MqttTransport>(mo, "mqtt " + s.mqtt));
    }
    return setup;
}

std::shared_ptr<FeedPipeline> makeStillFeed(const FeedSources& s, const SceneSpec& scene, TimeMs at) {
    PipelineOptions po;
    po.now = [at] { return at; };
    auto feed = std::make_shared<FeedPipeline>(s.feedConfig(scene), po);
    if (s.sim) {
        SimGeography geo = simGeography(scene);
        SimConfig sc;
        sc.officers = s.simOfficers;
        sc.badRate = s.simBadRate;
        sc.seed = s.simSeed;
        sc.start = at - 10 * 60 * 1000;
        sc.plannedCheckins = plannedFromRecords(scene, sc.start, at);
        Simulator sim(sc, std::move(geo.jurisdictions), std::move(geo.checkpoints), geo.roads);
        uint64_t n = 0;
        sim.runUntil(at, [&](std::string_view line, TimeMs) { feed->ingestLine(line, "simulator", ++n); });
    }
    feed->publish();
    return feed;
}

}  // namespace sandtable
