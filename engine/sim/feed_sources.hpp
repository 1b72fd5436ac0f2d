#pragma once
// The feed sources a host runs, from one description: the in-process simulator (so the
// cockpit shows moving officers with no broker), file replay, TCP and UDP listeners and
// MQTT. The simulator patrols the scene's jurisdictions and walks its checkpoints.
#include <functional>
#include <memory>
#include <string>

#include "engine/data/jurisdictions.hpp"
#include "engine/data/roads.hpp"
#include "engine/data/scene.hpp"
#include "engine/feed/pipeline.hpp"

namespace sandtable {

struct FeedSources {
    bool sim = true;
    size_t simOfficers = 400;
    double simSpeedup = 1.0;
    double simBadRate = 0.005;
    uint64_t simSeed = 20241120;
    int simIntervalS = 0;  // every simulated officer reports this often; 0: each at its own 5-30 s
    // The simulation's first instant; 0: now. Where the scene's records hold check-ins
    // after it, the simulated officers walk exactly those (a recorded day replayed:
    // engine/sim/recorded_day.hpp), else they walk random creek rounds.
    TimeMs simStart = 0;
    std::string replay;            // feed file (NDJSON), loaded whole with its own times
    double replaySpeed = 1.0;      // the time controller's speed when it plays the file back
    bool loop = false;             // ... and whether it loops
    std::string tcpHost, udpHost;  // empty port below: none
    int tcpPort = -1, udpPort = -1;
    std::string mqtt;  // HOST[:PORT] or a failover list HOST[:PORT],HOST[:PORT],...; empty: none
    std::string topic = "sandtable/feed/#";
    std::string mqttUser, mqttPassword;
    // A persistent session (docs/feed.md#mqtt): a fixed client id and no clean session, so
    // the broker queues QoS 1 messages while the cockpit is away; TLS with this CA file.
    std::string mqttClientId, mqttCaFile;
    bool mqttPersistent = false;
    double staleSeconds = 120;
    size_t trackBudgetBytes = 0;  // the in-memory tracks' budget; 0: the feed's default (256 MiB)
    // The history (docs/history.md): on by default for live network sources (TCP, UDP,
    // MQTT), off for the simulator and for a replayed file (simulated or already recorded
    // officers must not end up in a real history twice) unless asked for.
    std::string history;  // --history-dir or --history; empty: HistoryStore::defaultDir()
    bool historyAsked = false, noHistory = false, historyReadOnly = false;
    double historyHours = 6;  // reloaded at start so a restart keeps the trails
    int retentionDays = 90;
    bool wantsHistory() const { return !noHistory && (historyAsked || tcpPort >= 0 || udpPort >= 0 || !mqtt.empty()); }

    // Anything that only a running window can take (a still has no time to receive).
    bool hasLiveSources() const { return !replay.empty() || tcpPort >= 0 || udpPort >= 0 || !mqtt.empty(); }
    // The feed's rules: the stale limit above, and the squads of the scene's catalogue
    // (sceneSquads: a line naming any other squad is rejected as unknown_squad).
    FeedConfig feedConfig(const SceneSpec& scene) const;
};

// The scene's jurisdictions, checkpoints and roads for the simulator (ten synthetic
// rectangles and checkpoints along their southern edge when the scene names none; no
// roads: straight legs). Throws std::runtime_error naming the file when one cannot be read.
struct SimGeography {
    std::vector<Jurisdiction> jurisdictions;
    std::vector<Checkpoint> checkpoints;
    std::vector<RoadLine> roads;
};
SimGeography simGeography(const SceneSpec& scene);

// A pipeline with every source of `s` added (not started), and the clock the host's time
// controller follows in live mode: the simulation's own when it runs faster (or slower)
// than real time or starts at another time, else empty (the wall clock).
struct FeedSetup {
    std::shared_ptr<FeedPipeline> feed;
    std::function<TimeMs()> liveClock;
};
FeedSetup makeFeedPipeline(const FeedSources& s, const SceneSpec& scene);
// The feed of one still at `at`: the simulator's last ten minutes up to `at` (the only
// source a still can draw; see FeedSources::hasLiveSources).
std::shared_ptr<FeedPipeline> makeStillFeed(const FeedSources& s, const SceneSpec& scene, TimeMs at);

}  // namespace sandtable
