#pragma once
// Simulated officer feed: N officers across the squads' jurisdictions walking plausible
// routes (along the road network where one is near: engine/sim/road_graph.hpp), some on
// check-in rounds along Suzhou Creek, status changes, 5-30 s report
// intervals with GPS noise, some senders in GCJ-02, and optionally deliberately bad lines
// of every class. Deterministic for a seed: one Rng (engine/util/rng.hpp) drawn in event
// order, events ordered by (time, officer).
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/data/jurisdictions.hpp"
#include "engine/feed/protocol.hpp"
#include "engine/feed/transport.hpp"
#include "engine/sim/road_graph.hpp"
#include "engine/util/rng.hpp"

namespace sandtable {

constexpr TimeMs kSimDefaultStart = 1732060800000;  // 2024-11-20T08:00:00+08:00

// A check-in the records say happened. Given these, the simulator replays the records'
// day: the named officer walks to the checkpoint, arrives at `at` and reports the check-in
// at that exact millisecond, so the live copy and the recorded row are one visit
// (docs/kpi.md) and the map's checkpoint status follows the records as the day replays.
struct PlannedCheckin {
    std::string checkpoint, officer;  // ids as in checkins.csv (officers PT-NNNN, as simulated)
    TimeMs at = 0;
};

struct SimConfig {
    size_t officers = 200;
    uint64_t seed = 1;
    TimeMs start = kSimDefaultStart;
    double badRate = 0.0;          // extra deliberately bad lines per good line (0..1)
    double duplicateRate = 0.0;    // exact re-sends per good line (0..1)
    double gcj02Fraction = 0.2;    // senders reporting GCJ-02 ("crs":"gcj02")
    double epochMsFraction = 0.2;  // senders writing "t" as epoch milliseconds
    double checkinFraction = 0.2;  // officers on creek check-in rounds (squads with checkpoints)
    int minIntervalS = 5, maxIntervalS = 30;
    double gpsNoiseM = 6.0;  // 1-sigma horizontal noise
    // With roads: a patrol walks the road network when a road node is within this many
    // metres (and the network's pieces this close are joined), else it walks the open
    // beat until one is.
    double roadReachM = 150.0;
    // Non-empty: the creek rounds are these check-ins (checkinFraction is not used); a
    // check-in of an officer the simulation does not have, at a checkpoint it does not
    // know, or before `start` is skipped (SimStats::plannedSkipped).
    std::vector<PlannedCheckin> plannedCheckins;
};

struct SimStats {
    uint64_t lines = 0;  // everything written
    uint64_t positions = 0, checkins = 0, statusChanges = 0;
    uint64_t duplicates = 0;
    std::array<uint64_t, kRejectReasonCount> bad{};  // deliberately bad lines by the reason they must get
    uint64_t badTotal = 0;
    uint64_t plannedSkipped = 0;  // planned check-ins that could not be walked (see SimConfig)
};

struct SimOfficerInfo {
    std::string id, squad;
    TimeMs lastReport = 0;  // "t" of its last good position line; 0: none yet
};

class Simulator {
public:
    // `roads` (optional): the patrols follow them inside each jurisdiction (motorways and
    // trunk roads excepted, RoadGraph::walkable); without roads they walk straight legs
    // between random points of their beat.
    Simulator(SimConfig config, std::vector<Jurisdiction> jurisdictions, std::vector<Checkpoint> checkpoints,
              const std::vector<RoadLine>& roads = {});

    using Emit = std::function<void(std::string_view line, TimeMs t)>;
    // Emits every event with time < until, in time order (a bad line may follow its good
    // line by 1 ms).
    void runUntil(TimeMs until, const Emit& emit);
    TimeMs nextEventTime() const;

    const SimStats& stats() const { return stats_; }
    std::vector<SimOfficerInfo> officers() const;
    const SimConfig& config() const { return config_; }
    // The walkable network of jurisdiction i (empty without roads or where none is inside).
    const RoadGraph& roadGraph(size_t i) const;

private:
    struct Officer {
        std::string id;
        uint32_t squad = 0;  // index into jurisdictions_
        bool gcj = false, epochMs = false;
        std::vector<uint32_t> round;  // checkpoint indices of a check-in round, in walking order
        size_t roundPos = 0;
        int roundDir = 1;
        Vec2d pos, target;
        // On the road network: the node it walks to (target) and the one it came from;
        // -1 when off the network. `route`: the nodes still to walk to a dispatch, last first.
        int32_t node = -1, fromNode = -1;
        std::vector<uint32_t> route;
        double speed = 1.3;  // m/s on the move
        OfficerStatus status = OfficerStatus::Patrol;
        TimeMs statusUntil = 0;
        TimeMs lastT = 0;
        TimeMs lastReport = 0;
        double heading = 0;
        bool silent = false;  // offline: not reporting
        // Planned check-ins (time, checkpoint index), in time order, and the next one.
        std::vector<std::pair<TimeMs, uint32_t>> plan;
        size_t planNext = 0;
    };
    // Event indexes with this bit are an officer's planned check-in, not a report.
    static constexpr uint32_t kPlanEvent = 0x80000000u;
    using Event = std::pair<TimeMs, uint32_t>;

    Vec2d randomPointIn(const Jurisdiction& j);
    Vec2d nextWaypoint(const Officer& o);
    bool joinNetwork(Officer& o);
    uint32_t turn(const Officer& o);
    Vec2d nextTarget(Officer& o);
    void step(uint32_t index, TimeMs t, const Emit& emit);
    void move(Officer& o, TimeMs t, const Emit& emit);
    void changeStatus(Officer& o, TimeMs t);
    void planCheckins();
    bool approaching(const Officer& o, TimeMs t) const;  // walking to its next planned check-in
    void checkIn(uint32_t index, TimeMs t, const Emit& emit);
    std::string timeText(const Officer& o, TimeMs t) const;
    void write(std::string_view line, TimeMs t, const Emit& emit);

    SimConfig config_;
    std::vector<Jurisdiction> jurisdictions_;
    std::vector<Checkpoint> checkpoints_;
    std::vector<RoadGraph> graphs_;  // one per jurisdiction, or none without roads
    Rng rng_;
    std::vector<Officer> officers_;
    std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
    SimStats stats_;
    double kx_ = 0, ky_ = 0;  // metres per degree lon / lat at the area's centre
};

// Runs a Simulator inside a FeedPipeline as one of its transports: the simulated feed
// starts at sim.start (0: the wall clock when it starts) and advances `speedup` times real
// time. Its clock is its own now (the future-time check of its lines, and what a host's
// time controller follows in live mode when the simulation runs faster than real time).
struct SimulatorTransportOptions {
    SimConfig sim;
    std::vector<Jurisdiction> jurisdictions;
    std::vector<Checkpoint> checkpoints;
    std::vector<RoadLine> roads;  // optional: patrols follow them
    double speedup = 1.0;         // 0: generate `durationS` as fast as the pipeline takes it
    double durationS = 0;         // 0: forever
    bool startNow = true;         // start at the wall clock when run() begins, else at sim.start
};
class SimulatorTransport final : public Transport {
public:
    explicit SimulatorTransport(SimulatorTransportOptions opts, std::string name = "simulator");
    std::string name() const override { return name_; }
    std::string kind() const override { return "sim"; }
    void run(TransportContext& ctx) override;
    // The simulated clock: start + speedup x real time since the start (0 before it runs).
    TimeMs now() const override { return now_.load(); }

private:
    SimulatorTransportOptions opts_;
    std::atomic<TimeMs> now_{0};
    std::string name_;
};

}  // namespace sandtable
