#include "engine/sim/simulator.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "engine/geo/gcj02.hpp"

namespace sandtable {

using namespace std::chrono;

Simulator::Simulator(SimConfig config, std::vector<Jurisdiction> jurisdictions, std::vector<Checkpoint> checkpoints,
                     const std::vector<RoadLine>& roads)
    : config_(config),
      jurisdictions_(std::move(jurisdictions)),
      checkpoints_(std::move(checkpoints)),
      rng_(config.seed) {
    if (jurisdictions_.empty()) jurisdictions_ = syntheticJurisdictions();
    BBox all;
    for (const auto& j : jurisdictions_) all.merge(j.bbox);
    kx_ = std::cos(degToRad(all.center().y)) * kMetresPerDeg;
    ky_ = kMetresPerDeg;
    config_.minIntervalS = std::max(1, config_.minIntervalS);
    config_.maxIntervalS = std::max(config_.minIntervalS, config_.maxIntervalS);
    if (!roads.empty()) {
        RoadGraphOptions go;
        go.joinM = config_.roadReachM;
        for (const auto& j : jurisdictions_) graphs_.emplace_back(j, roads, kx_, ky_, go);
    }

    if (!config_.plannedCheckins.empty()) config_.checkinFraction = 0;  // the records' check-ins are the rounds
    officers_.resize(config_.officers);
    for (size_t i = 0; i < officers_.size(); ++i) {
        Officer& o = officers_[i];
        char id[32];
        std::snprintf(id, sizeof id, "PT-%04zu", i + 1);
        o.id = id;
        o.squad = static_cast<uint32_t>(i % jurisdictions_.size());
        o.gcj = rng_.uniform() < config_.gcj02Fraction;
        o.epochMs = rng_.uniform() < config_.epochMsFraction;
        o.speed = rng_.uniform(1.0, 1.6);
        if (rng_.uniform() < config_.checkinFraction) {
            for (uint32_t c = 0; c < checkpoints_.size(); ++c)
                if (checkpoints_[c].squad == jurisdictions_[o.squad].squad) o.round.push_back(c);
            std::sort(o.round.begin(), o.round.end(),
                      [&](uint32_t a, uint32_t b) { return checkpoints_[a].lonLat.x < checkpoints_[b].lonLat.x; });
            if (o.round.size() < 2) o.round.clear();  // a round needs somewhere to walk to
        }
        if (!o.round.empty()) {
            o.roundPos = static_cast<size_t>(rng_.uniformInt(0, static_cast<int64_t>(o.round.size()) - 1));
            o.pos = checkpoints_[o.round[o.roundPos]].lonLat;
            o.roundPos = (o.roundPos + 1) % o.round.size();
            o.target = checkpoints_[o.round[o.roundPos]].lonLat;
        } else {
            o.pos = randomPointIn(jurisdictions_[o.squad]);
            // With a road network, start where a road is within reach (most of a beat is),
            // walking to it; without one this draws nothing, so road-less runs are unchanged.
            if (!graphs_.empty() && !graphs_[o.squad].empty())
                for (int k = 0; k < 20 && graphs_[o.squad].nearest(o.pos).second > config_.roadReachM; ++k)
                    o.pos = randomPointIn(jurisdictions_[o.squad]);
            if (!joinNetwork(o)) o.target = nextWaypoint(o);
        }
        o.statusUntil = config_.start + rng_.uniformInt(5, 60) * 60000;
        const TimeMs first = config_.start + rng_.uniformInt(0, config_.maxIntervalS * 1000 - 1);
        o.lastT = first;
        events_.push({first, static_cast<uint32_t>(i)});
    }
    if (!config_.plannedCheckins.empty()) planCheckins();
}

namespace {
constexpr TimeMs kApproachMs = 20 * 60 * 1000;  // a planned check-in's walk starts this long before it
}

void Simulator::planCheckins() {
    std::unordered_map<std::string, uint32_t> officerIndex, checkpointIndex;
    for (size_t i = 0; i < officers_.size(); ++i) officerIndex.emplace(officers_[i].id, static_cast<uint32_t>(i));
    for (size_t i = 0; i < checkpoints_.size(); ++i)
        checkpointIndex.emplace(checkpoints_[i].id, static_cast<uint32_t>(i));
    for (const PlannedCheckin& p : config_.plannedCheckins) {
        const auto o = officerIndex.find(p.officer);
        const auto c = checkpointIndex.find(p.checkpoint);
        if (o == officerIndex.end() || c == checkpointIndex.end() || p.at < config_.start) {
            ++stats_.plannedSkipped;
            continue;
        }
        officers_[o->second].plan.emplace_back(p.at, c->second);
    }
    for (size_t i = 0; i < officers_.size(); ++i) {
        auto& plan = officers_[i].plan;
        std::sort(plan.begin(), plan.end());
        plan.erase(std::unique(plan.begin(), plan.end()), plan.end());  // a repeated row is one visit
        for (const auto& [at, c] : plan) events_.push({at, static_cast<uint32_t>(i) | kPlanEvent});
    }
}

bool Simulator::approaching(const Officer& o, TimeMs t) const {
    return o.planNext < o.plan.size() && o.plan[o.planNext].first - t <= kApproachMs;
}

void Simulator::checkIn(uint32_t index, TimeMs t, const Emit& emit) {
    Officer& o = officers_[index];
    if (o.planNext >= o.plan.size()) return;
    const Checkpoint& c = checkpoints_[o.plan[o.planNext].second];
    move(o, t, emit);  // the approach ends on the checkpoint now
    o.pos = c.lonLat;
    ++o.planNext;
    if (o.status == OfficerStatus::Break || o.status == OfficerStatus::Offline) o.status = OfficerStatus::Patrol;
    o.silent = false;
    char buf[256];
    std::snprintf(buf, sizeof buf, R"({"type":"checkin","checkpoint":"%s","officer":"%s","t":%s})", c.id.c_str(),
                  o.id.c_str(), timeText(o, t).c_str());
    write(buf, t, emit);
    ++stats_.checkins;
    if (!approaching(o, t)) {  // back to the beat until the next one
        o.node = -1;
        o.route.clear();
        if (!joinNetwork(o)) o.target = nextWaypoint(o);
    }
}

Vec2d Simulator::randomPointIn(const Jurisdiction& j) {
    for (int i = 0; i < 200; ++i) {
        const Vec2d p{rng_.uniform(j.bbox.minX, j.bbox.maxX), rng_.uniform(j.bbox.minY, j.bbox.maxY)};
        if (j.contains(p)) return p;
    }
    return j.bbox.center();
}

Vec2d Simulator::nextWaypoint(const Officer& o) {
    const Jurisdiction& j = jurisdictions_[o.squad];
    // Keep legs short-ish (street blocks) and inside the jurisdiction, also at the midpoint.
    for (int i = 0; i < 30; ++i) {
        const Vec2d p = randomPointIn(j);
        const double d = std::hypot((p.x - o.pos.x) * kx_, (p.y - o.pos.y) * ky_);
        if (d > 1500 && i < 20) continue;
        if (j.contains((o.pos + p) * 0.5)) return p;
    }
    return randomPointIn(j);
}

const RoadGraph& Simulator::roadGraph(size_t i) const {
    static const RoadGraph none;
    return i < graphs_.size() ? graphs_[i] : none;
}

// Onto the network at the nearest node when one is within reach.
bool Simulator::joinNetwork(Officer& o) {
    if (graphs_.empty() || graphs_[o.squad].empty()) return false;
    const RoadGraph& g = graphs_[o.squad];
    const auto [n, d] = g.nearest(o.pos);
    if (n < 0 || d > config_.roadReachM) return false;
    o.node = n;
    o.fromNode = -1;
    o.route.clear();
    o.target = g.lonLat(static_cast<uint32_t>(n));
    return true;
}

// The next node at a junction: never back the way it came unless the road ends there;
// straight on is likeliest, a right angle about a third as likely, a hairpin a tenth
// (weight 0.1 + 0.9 ((1 + cos turn) / 2)^2), so trails run along streets and turn at
// some corners instead of jittering at every one.
uint32_t Simulator::turn(const Officer& o) {
    const RoadGraph& g = graphs_[o.squad];
    const auto at = static_cast<uint32_t>(o.node);
    const std::vector<uint32_t>& next = g.neighbours(at);
    std::vector<uint32_t> options;
    for (uint32_t n : next)
        if (static_cast<int32_t>(n) != o.fromNode) options.push_back(n);
    if (options.empty()) return o.fromNode >= 0 ? static_cast<uint32_t>(o.fromNode) : next.front();
    if (options.size() == 1) return options.front();
    if (o.fromNode < 0) return options[rng_.below(options.size())];
    const Vec2d here = g.lonLat(at), from = g.lonLat(static_cast<uint32_t>(o.fromNode));
    const double inX = (here.x - from.x) * kx_, inY = (here.y - from.y) * ky_;
    std::vector<double> w;
    double sum = 0;
    for (uint32_t n : options) {
        const Vec2d p = g.lonLat(n);
        const double outX = (p.x - here.x) * kx_, outY = (p.y - here.y) * ky_;
        const double len = std::hypot(inX, inY) * std::hypot(outX, outY);
        const double c = len > 0 ? (inX * outX + inY * outY) / len : 0.0;
        const double straight = (1 + c) / 2;
        w.push_back(0.1 + 0.9 * straight * straight);
        sum += w.back();
    }
    double u = rng_.uniform() * sum;
    for (size_t i = 0; i < options.size(); ++i) {
        if (u < w[i]) return options[i];
        u -= w[i];
    }
    return options.back();
}

// Where to walk after reaching the target: along the network (a dispatch's route first),
// or, off it, onto it when a road is within reach, else a new open-ground waypoint.
Vec2d Simulator::nextTarget(Officer& o) {
    if (o.node < 0) {
        if (joinNetwork(o)) return o.target;
        return nextWaypoint(o);
    }
    const RoadGraph& g = graphs_[o.squad];
    uint32_t next;
    if (!o.route.empty()) {
        next = o.route.back();
        o.route.pop_back();
    } else {
        next = turn(o);
    }
    o.fromNode = o.node;
    o.node = static_cast<int32_t>(next);
    return g.lonLat(next);
}

TimeMs Simulator::nextEventTime() const {
    return events_.empty() ? std::numeric_limits<TimeMs>::max() : events_.top().first;
}

std::vector<SimOfficerInfo> Simulator::officers() const {
    std::vector<SimOfficerInfo> out;
    for (const Officer& o : officers_) out.push_back({o.id, jurisdictions_[o.squad].squad, o.lastReport});
    return out;
}

void Simulator::runUntil(TimeMs until, const Emit& emit) {
    while (!events_.empty() && events_.top().first < until) {
        const Event e = events_.top();
        events_.pop();
        if (e.second & kPlanEvent)
            checkIn(e.second & ~kPlanEvent, e.first, emit);
        else
            step(e.second, e.first, emit);
    }
}

void Simulator::write(std::string_view line, TimeMs t, const Emit& emit) {
    ++stats_.lines;
    emit(line, t);
}

std::string Simulator::timeText(const Officer& o, TimeMs t) const {
    if (o.epochMs) return std::to_string(t);
    return "\"" + formatIsoTime(t) + "\"";
}

void Simulator::move(Officer& o, TimeMs t, const Emit& emit) {
    const double dtS = static_cast<double>(t - o.lastT) / 1000.0;
    if (approaching(o, t)) {
        // Straight to the planned checkpoint, timed to arrive at the check-in's instant.
        const auto [at, c] = o.plan[o.planNext];
        const Vec2d cp = checkpoints_[c].lonLat;
        const double leftS = static_cast<double>(at - o.lastT) / 1000.0;
        const double dx = (cp.x - o.pos.x) * kx_, dy = (cp.y - o.pos.y) * ky_;
        if (std::hypot(dx, dy) > 1e-6) o.heading = std::fmod(radToDeg(std::atan2(dx, dy)) + 360.0, 360.0);
        o.pos = leftS <= dtS || leftS <= 0 ? cp : o.pos + (cp - o.pos) * (dtS / leftS);
        o.lastT = t;
        o.node = -1;
        o.route.clear();
        o.target = cp;
        if (o.status == OfficerStatus::Break || o.status == OfficerStatus::Offline) o.status = OfficerStatus::Patrol;
        return;
    }
    o.lastT = t;
    if (o.status == OfficerStatus::Break || o.status == OfficerStatus::Offline || dtS <= 0) return;
    double left = (o.status == OfficerStatus::Dispatched ? 2.5 : o.speed) * dtS;
    for (int guard = 0; left > 0 && guard < 256; ++guard) {  // road edges can be a few metres
        const double dx = (o.target.x - o.pos.x) * kx_, dy = (o.target.y - o.pos.y) * ky_;
        const double d = std::hypot(dx, dy);
        if (d > 1e-6) o.heading = std::fmod(radToDeg(std::atan2(dx, dy)) + 360.0, 360.0);
        if (d > left) {
            o.pos = o.pos + (o.target - o.pos) * (left / d);
            break;
        }
        o.pos = o.target;
        left -= d;
        if (!o.round.empty()) {
            const Checkpoint& c = checkpoints_[o.round[o.roundPos]];
            char buf[256];
            std::snprintf(buf, sizeof buf, R"({"type":"checkin","checkpoint":"%s","officer":"%s","t":%s})",
                          c.id.c_str(), o.id.c_str(), timeText(o, t).c_str());
            write(buf, t, emit);
            ++stats_.checkins;
            // Walk the round back and forth along the creek.
            if (o.roundPos + 1 >= o.round.size()) o.roundDir = -1;
            if (o.roundPos == 0) o.roundDir = 1;
            o.roundPos = static_cast<size_t>(static_cast<int64_t>(o.roundPos) + o.roundDir);
            o.target = checkpoints_[o.round[o.roundPos]].lonLat;
        } else {
            o.target = nextTarget(o);
        }
    }
}

void Simulator::changeStatus(Officer& o, TimeMs t) {
    const OfficerStatus old = o.status;
    int64_t minutes;
    if (o.status == OfficerStatus::Patrol) {
        const double r = rng_.uniform();
        if (r < 0.70) {
            minutes = rng_.uniformInt(20, 60);
        } else if (r < 0.85) {
            o.status = OfficerStatus::Dispatched;
            minutes = rng_.uniformInt(5, 20);
        } else if (r < 0.97) {
            o.status = OfficerStatus::Break;
            minutes = rng_.uniformInt(10, 30);
        } else {
            o.status = OfficerStatus::Offline;
            minutes = rng_.uniformInt(3, 10);
        }
    } else {
        o.status = OfficerStatus::Patrol;
        minutes = rng_.uniformInt(20, 60);
    }
    o.statusUntil = t + minutes * 60000;
    if (o.status == OfficerStatus::Dispatched && o.round.empty()) {
        const Vec2d incident = randomPointIn(jurisdictions_[o.squad]);
        if (o.node >= 0) {
            // Along the roads to the node nearest the incident, after the node it walks to.
            const RoadGraph& g = graphs_[o.squad];
            o.route = g.path(static_cast<uint32_t>(o.node), static_cast<uint32_t>(g.nearest(incident).first));
            std::reverse(o.route.begin(), o.route.end());
        } else {
            o.target = incident;
        }
    }
    if (o.status != old) ++stats_.statusChanges;
}

namespace {
struct PosFields {
    std::string type = "pos", officer, squad, t, lon, lat, crs, status, speed, heading, acc, extra;
    bool omitLat = false;
    std::string render() const {
        std::string s = "{\"type\":\"" + type + "\",\"officer\":\"" + officer + "\",\"squad\":\"" + squad +
                        "\",\"t\":" + t + ",\"lon\":" + lon;
        if (!omitLat) s += ",\"lat\":" + lat;
        if (!crs.empty()) s += ",\"crs\":\"" + crs + "\"";
        s += ",\"status\":\"" + status + "\",\"speed\":" + speed + ",\"heading\":" + heading + ",\"acc\":" + acc;
        s += extra;
        s += "}";
        return s;
    }
};
std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}
}  // namespace

void Simulator::step(uint32_t index, TimeMs t, const Emit& emit) {
    Officer& o = officers_[index];
    if (o.silent) {  // back from offline
        o.silent = false;
        o.status = OfficerStatus::Patrol;
        o.statusUntil = t + rng_.uniformInt(20, 60) * 60000;
        o.lastT = t;
    } else {
        move(o, t, emit);
        if (t >= o.statusUntil && !approaching(o, t)) changeStatus(o, t);
    }

    // GPS noise in metres, reported accuracy roughly 1.5 sigma.
    const double nx = rng_.normal() * config_.gpsNoiseM, ny = rng_.normal() * config_.gpsNoiseM;
    Vec2d reported{o.pos.x + nx / kx_, o.pos.y + ny / ky_};
    const double acc = std::round(config_.gpsNoiseM * 1.5 + rng_.uniform(0, 4));
    const bool moving = o.status == OfficerStatus::Patrol || o.status == OfficerStatus::Dispatched;
    const double speed =
        moving ? std::max(0.0, (o.status == OfficerStatus::Dispatched ? 2.5 : o.speed) * (1 + 0.1 * rng_.normal()))
               : 0.0;

    PosFields f;
    f.officer = o.id;
    f.squad = jurisdictions_[o.squad].squad;
    f.t = timeText(o, t);
    if (o.gcj) {
        const Vec2d g = gcj02::fromWgs84(reported);
        f.lon = fixed(g.x, 6);
        f.lat = fixed(g.y, 6);
        f.crs = "gcj02";
    } else {
        f.lon = fixed(reported.x, 6);
        f.lat = fixed(reported.y, 6);
    }
    f.status = officerStatusName(o.status);
    f.speed = fixed(speed, 1);
    f.heading = fixed(o.heading, 0);
    f.acc = fixed(acc, 0);
    const std::string good = f.render();
    write(good, t, emit);
    ++stats_.positions;
    o.lastReport = t;

    if (config_.duplicateRate > 0 && rng_.uniform() < config_.duplicateRate) {
        write(good, t, emit);
        ++stats_.duplicates;
    }
    if (config_.badRate > 0 && rng_.uniform() < config_.badRate) {
        // A bad line of one class, with exactly one defect, about this officer.
        static constexpr RejectReason kinds[] = {
            RejectReason::LineTooLong,  RejectReason::MalformedJson, RejectReason::UnknownType,
            RejectReason::MissingField, RejectReason::InvalidField,  RejectReason::BadTime,
            RejectReason::FutureTime,   RejectReason::BadCoordinate, RejectReason::UnknownCrs,
            RejectReason::OutsideArea,  RejectReason::UnknownSquad,  RejectReason::UnknownStatus,
            RejectReason::BadSpeed,     RejectReason::ImpliedSpeed};
        const RejectReason kind = kinds[rng_.uniformInt(0, static_cast<int64_t>(std::size(kinds)) - 1)];
        PosFields b = f;
        b.crs.clear();  // plain WGS84 so that only the intended field is wrong
        b.lon = fixed(o.pos.x, 6);
        b.lat = fixed(o.pos.y, 6);
        std::string line;
        TimeMs bt = t;
        switch (kind) {
        case RejectReason::LineTooLong:
            b.extra = ",\"pad\":\"" + std::string(5000, 'x') + "\"";
            break;
        case RejectReason::UnknownType:
            b.type = "teleport";
            break;
        case RejectReason::MissingField:
            b.omitLat = true;
            break;
        case RejectReason::InvalidField:
            b.acc = "-5";
            break;
        case RejectReason::BadTime:
            b.t = "\"yesterday\"";
            break;
        case RejectReason::FutureTime:
            bt = 4102444800000 + (t % 86400000);
            b.t = timeText(o, bt);
            break;  // 2100
        case RejectReason::BadCoordinate:
            b.lat = "95.000000";
            break;
        case RejectReason::UnknownCrs:
            b.crs = "bd09";
            break;
        case RejectReason::OutsideArea:
            b.lon = "116.391000";
            b.lat = "39.907000";
            break;
        case RejectReason::UnknownSquad:
            b.squad = "pudong";
            break;
        case RejectReason::UnknownStatus:
            b.status = "asleep";
            break;
        case RejectReason::BadSpeed:
            b.speed = "99.0";
            break;
        case RejectReason::ImpliedSpeed:
            bt = t + 1;
            b.t = timeText(o, bt);
            b.lat = fixed(o.pos.y + 0.03, 6);
            break;
        default:
            break;
        }
        line = b.render();
        if (kind == RejectReason::MalformedJson) line = good.substr(0, good.size() / 2);
        write(line, kind == RejectReason::ImpliedSpeed ? bt : t, emit);
        ++stats_.bad[static_cast<size_t>(kind)];
        ++stats_.badTotal;
    }

    TimeMs next;
    if (o.status == OfficerStatus::Offline) {
        o.silent = true;  // phone off until the status ends
        next = std::max(o.statusUntil, t + 1000);
    } else {
        next = t + rng_.uniformInt(config_.minIntervalS * 1000, config_.maxIntervalS * 1000);
    }
    events_.push({next, index});
}

// ---- in-process transport ----

SimulatorTransport::SimulatorTransport(SimulatorTransportOptions opts, std::string name)
    : opts_(std::move(opts)), name_(std::move(name)) {}

void SimulatorTransport::run(TransportContext& ctx) {
    SimConfig cfg = opts_.sim;
    if (opts_.startNow) cfg.start = wallClockMs();
    now_ = cfg.start;
    Simulator sim(cfg, opts_.jurisdictions, opts_.checkpoints, opts_.roads);
    std::string detail = "simulating " + std::to_string(cfg.officers) + " officers";
    if (const uint64_t skipped = sim.stats().plannedSkipped) {
        // Recorded check-ins it cannot walk (an officer it does not have, an unknown
        // checkpoint, before the start): said in the panel and the log, as sandtable-sim does.
        detail += "; " + std::to_string(skipped) + " of the " + std::to_string(cfg.plannedCheckins.size()) +
                  " recorded check-ins cannot be walked (officer or checkpoint unknown, or before the start)";
        ctx.setError(std::to_string(skipped) + " recorded check-ins not walked");
    }
    ctx.setState(ConnState::Connected, detail);
    uint64_t n = 0;
    const auto push = [&](std::string_view line, TimeMs) {
        ctx.addBytes(line.size() + 1);
        ctx.pushLine(line, ++n, 0, true);
    };
    const TimeMs end = opts_.durationS > 0 ? cfg.start + static_cast<TimeMs>(opts_.durationS * 1000.0)
                                           : std::numeric_limits<TimeMs>::max();
    const auto wall0 = steady_clock::now();
    while (!ctx.stopRequested()) {
        TimeMs until;
        if (opts_.speedup > 0) {
            const double elapsedMs = duration<double, std::milli>(steady_clock::now() - wall0).count();
            until = std::min(end, cfg.start + static_cast<TimeMs>(elapsedMs * opts_.speedup));
        } else {
            until = std::min(end, sim.nextEventTime() + 60000);
        }
        now_ = until;  // before the lines it covers: none of them is ahead of it
        sim.runUntil(until, push);
        if (until >= end) {
            ctx.setState(ConnState::Finished, "simulated " + std::to_string(n) + " lines");
            return;
        }
        if (opts_.speedup > 0) ctx.sleepFor(milliseconds(100));
    }
}

}  // namespace sandtable
