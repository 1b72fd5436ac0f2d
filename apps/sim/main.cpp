// sandtable-sim: writes a simulated officer feed to a file, TCP, UDP or MQTT.
// See docs/feed.md for the options and the protocol.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/sim/records_generator.hpp"
#include "engine/sim/sim_output.hpp"
#include "engine/sim/simulator.hpp"
#include "engine/util/log.hpp"
#include "engine/util/sample_data.hpp"

using namespace sandtable;
namespace fs = std::filesystem;

namespace {

const char* kUsage = R"(usage: sandtable-sim [options]
       sandtable-sim records --out DIR [records options]   (see sandtable-sim records --help)
  --officers N          officers to simulate (200)
  --duration SECONDS    simulated time span (3600)
  --seed S              random seed; same seed, same bytes (1)
  --start ISO8601       first instant (2024-11-20T08:00:00+08:00)
  --out FILE            write lines to FILE ("-": stdout; the default when no output is given)
  --tcp HOST:PORT       connect and send lines to a TCP feed listener
  --udp HOST:PORT       send one datagram per line
  --mqtt HOST:PORT      publish one message per line
  --topic T             MQTT topic (sandtable/feed/sim)
  --qos Q               MQTT QoS 0 or 1 (1)
  --username U --password P   MQTT credentials
  --speedup X           X times real time; 0 = as fast as possible
                        (default: 0 for files only, 1 with a network output)
  --bad-rate R          extra deliberately bad lines per good line, 0..1 (0)
  --dup-rate R          exact re-sends per good line, 0..1 (0)
  --gcj-fraction F      senders reporting GCJ-02 (0.2)
  --checkin-fraction F  officers on Suzhou Creek check-in rounds (0.2)
  --jurisdictions FILE  squad polygons (data/putuo/jurisdictions.geojson)
  --checkpoints FILE    check-in points (data/putuo/records/checkpoints.csv if present,
                        else derived from the jurisdictions' southern edge)
  --roads FILE          road lines the patrols follow (data/putuo/roads.geojson if present;
                        motorways and trunk roads are not walked)
  --no-roads            patrols walk straight legs between random points of their beat
  --synthetic           use ten synthetic rectangles instead of a jurisdictions file
                        (and no roads unless --roads is given)
  --quiet               no summary on stderr
)";

std::string defaultData(const std::string& name) { return findSampleData(name, SANDTABLE_SOURCE_DIR); }

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "sandtable-sim: %s\n", msg.c_str());
    std::exit(2);
}

double number(const char* flag, const char* v) {
    char* end = nullptr;
    const double d = std::strtod(v, &end);
    if (!end || *end) die(std::string("bad number for ") + flag + ": " + v);
    return d;
}

const char* kRecordsUsage = R"(usage: sandtable-sim records --out DIR [options]
Writes sample indicator records (docs/domain.md format, docs/kpi.md) into DIR:
complaints, cases, checkpoints, checkins, objects, inspections, training (.csv).
  --out DIR             folder to write (created if missing)
  --month YYYY-MM       the last (report) month (2024-10)
  --months N            months generated, ending with --month (6)
  --seed S              random seed; same inputs, same bytes (20241031)
  --squads FILE         squad catalogue (data/putuo/squads.csv)
  --jurisdictions FILE  squad polygons (data/putuo/jurisdictions.geojson)
  --checkpoints FILE    checkpoints to give check-ins (data/putuo/records/checkpoints.csv);
                        written to DIR/checkpoints.csv as they are
  --no-bad-rows         leave out the deliberately bad rows (data/README.md)
  --quiet               no summary on stderr
)";

int recordsMain(int argc, char** argv) {
    RecordsGeneratorConfig cfg;
    std::string out, squadsPath, jurisdictionsPath, checkpointsPath;
    bool quiet = false;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) die("missing value for " + a);
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            std::fputs(kRecordsUsage, stdout);
            return 0;
        } else if (a == "--out") {
            out = value();
        } else if (a == "--month") {
            const std::string m = value();
            int y = 0, mo = 0;
            char tail = 0;
            if (std::sscanf(m.c_str(), "%4d-%2d%c", &y, &mo, &tail) != 2 || mo < 1 || mo > 12)
                die("bad --month '" + m + "' (expected YYYY-MM)");
            cfg.year = y;
            cfg.month = mo;
        } else if (a == "--months") {
            const double n = number("--months", value());
            if (n < 1 || n > 60 || n != static_cast<int>(n)) die("--months must be a whole number 1..60");
            cfg.months = static_cast<int>(n);
        } else if (a == "--seed") {
            cfg.seed = std::strtoull(value(), nullptr, 10);
        } else if (a == "--squads") {
            squadsPath = value();
        } else if (a == "--jurisdictions") {
            jurisdictionsPath = value();
        } else if (a == "--checkpoints") {
            checkpointsPath = value();
        } else if (a == "--no-bad-rows") {
            cfg.badRows = false;
        } else if (a == "--quiet") {
            quiet = true;
        } else {
            die("unknown option " + a + " (see sandtable-sim records --help)");
        }
    }
    if (out.empty()) die("records: --out DIR is required");
    if (squadsPath.empty()) squadsPath = defaultData("squads.csv");
    if (jurisdictionsPath.empty()) jurisdictionsPath = defaultData("jurisdictions.geojson");
    if (checkpointsPath.empty()) checkpointsPath = defaultData("records/checkpoints.csv");
    if (squadsPath.empty() || jurisdictionsPath.empty() || checkpointsPath.empty())
        die("records: cannot find the default data; pass --squads, --jurisdictions and --checkpoints");
    try {
        const SquadCatalogue squads = SquadCatalogue::load(squadsPath);
        const auto jurisdictions = loadJurisdictions(jurisdictionsPath);
        const auto checkpoints = loadCheckpoints(checkpointsPath);
        const RecordsGeneratorStats st = generateRecords(cfg, squads, jurisdictions, checkpoints, out);
        if (!quiet) {
            static const char* names[] = {"complaints", "cases",       "checkpoints", "checkins",
                                          "objects",    "inspections", "training"};
            std::fprintf(stderr, "sandtable-sim records: %d months to %04d-%02d into %s\n", cfg.months, cfg.year,
                         cfg.month, out.c_str());
            for (size_t t = 0; t < st.rows.size(); ++t)
                std::fprintf(stderr, "  %-12s %zu rows\n", names[t], st.rows[t]);
            std::fprintf(stderr, "  %zu deliberately bad rows\n", st.badRows);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable-sim records: error: %s\n", e.what());
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::string(argv[1]) == "records") return recordsMain(argc, argv);
    SimConfig cfg;
    double durationS = 3600, speedup = -1;
    std::string out, jurisdictionsPath, checkpointsPath, roadsPath, topic = "sandtable/feed/sim", username, password;
    std::vector<std::string> tcp, udp, mqtt;
    int qos = 1;
    bool synthetic = false, quiet = false, noRoads = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) die("missing value for " + a);
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a == "--officers")
            cfg.officers = static_cast<size_t>(number("--officers", value()));
        else if (a == "--duration")
            durationS = number("--duration", value());
        else if (a == "--seed")
            cfg.seed = std::strtoull(value(), nullptr, 10);
        else if (a == "--start") {
            if (!parseIsoTime(value(), cfg.start)) die("bad --start (need ISO 8601 with offset)");
        } else if (a == "--out")
            out = value();
        else if (a == "--tcp")
            tcp.push_back(value());
        else if (a == "--udp")
            udp.push_back(value());
        else if (a == "--mqtt")
            mqtt.push_back(value());
        else if (a == "--topic")
            topic = value();
        else if (a == "--qos")
            qos = static_cast<int>(number("--qos", value()));
        else if (a == "--username")
            username = value();
        else if (a == "--password")
            password = value();
        else if (a == "--speedup")
            speedup = number("--speedup", value());
        else if (a == "--bad-rate")
            cfg.badRate = number("--bad-rate", value());
        else if (a == "--dup-rate")
            cfg.duplicateRate = number("--dup-rate", value());
        else if (a == "--gcj-fraction")
            cfg.gcj02Fraction = number("--gcj-fraction", value());
        else if (a == "--checkin-fraction")
            cfg.checkinFraction = number("--checkin-fraction", value());
        else if (a == "--jurisdictions")
            jurisdictionsPath = value();
        else if (a == "--checkpoints")
            checkpointsPath = value();
        else if (a == "--roads")
            roadsPath = value();
        else if (a == "--no-roads")
            noRoads = true;
        else if (a == "--synthetic")
            synthetic = true;
        else if (a == "--quiet")
            quiet = true;
        else
            die("unknown option " + a + " (see --help)");
    }
    if (durationS < 0 || cfg.badRate < 0 || cfg.badRate > 1 || cfg.duplicateRate < 0 || cfg.duplicateRate > 1)
        die("--duration must be >= 0 and rates within 0..1");

    std::vector<Jurisdiction> jurisdictions;
    std::vector<Checkpoint> checkpoints;
    std::vector<RoadLine> roads;
    if (noRoads && !roadsPath.empty()) die("--roads and --no-roads contradict each other");
    try {
        if (!synthetic) {
            if (jurisdictionsPath.empty()) jurisdictionsPath = defaultData("jurisdictions.geojson");
            if (jurisdictionsPath.empty()) die("no jurisdictions file found; pass --jurisdictions FILE or --synthetic");
            jurisdictions = loadJurisdictions(jurisdictionsPath);
            if (checkpointsPath.empty()) checkpointsPath = defaultData("records/checkpoints.csv");
            if (roadsPath.empty() && !noRoads) roadsPath = defaultData("roads.geojson");
        } else {
            jurisdictions = syntheticJurisdictions();
        }
        checkpoints = checkpointsPath.empty() ? deriveCheckpoints(jurisdictions) : loadCheckpoints(checkpointsPath);
        if (!roadsPath.empty()) roads = loadRoads(roadsPath);
    } catch (const std::exception& e) {
        die(e.what());
    }

    std::vector<std::unique_ptr<SimSink>> sinks;
    try {
        for (const auto& s : tcp) {
            net::HostPort hp;
            std::string err;
            if (!net::parseHostPort(s, hp, &err)) die(err);
            sinks.push_back(makeTcpSink(hp));
        }
        for (const auto& s : udp) {
            net::HostPort hp;
            std::string err;
            if (!net::parseHostPort(s, hp, &err)) die(err);
            sinks.push_back(makeUdpSink(hp));
        }
        for (const auto& s : mqtt) {
            MqttSinkOptions o;
            std::string err;
            if (!net::parseHostPort(s, o.broker, &err)) die(err);
            o.topic = topic;
            o.qos = qos;
            o.username = username;
            o.password = password;
            sinks.push_back(makeMqttSink(o));
        }
        if (!out.empty() || sinks.empty()) sinks.insert(sinks.begin(), makeFileSink(out.empty() ? "-" : out));
    } catch (const std::exception& e) {
        die(e.what());
    }
    if (speedup < 0) speedup = (tcp.empty() && udp.empty() && mqtt.empty()) ? 0 : 1;

    Simulator sim(cfg, jurisdictions, checkpoints, roads);
    const auto emit = [&](std::string_view line, TimeMs) {
        for (auto& s : sinks) s->write(line);
    };
    const TimeMs end = cfg.start + static_cast<TimeMs>(durationS * 1000.0);
    const auto wall0 = std::chrono::steady_clock::now();
    for (TimeMs until = cfg.start; until < end;) {
        if (speedup > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            const double ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall0).count();
            until = std::min(end, cfg.start + static_cast<TimeMs>(ms * speedup));
        } else {
            until = std::min(end, until + 600000);
        }
        sim.runUntil(until, emit);
    }
    for (auto& s : sinks) s->flush();

    if (!quiet) {
        const SimStats& st = sim.stats();
        std::fprintf(stderr, "sandtable-sim: %zu officers, %zu jurisdictions, %zu checkpoints, %.0f s from %s\n",
                     cfg.officers, jurisdictions.size(), checkpoints.size(), durationS,
                     formatIsoTime(cfg.start).c_str());
        if (!roads.empty()) {
            size_t nodes = 0, beats = 0;
            double km = 0;
            for (size_t j = 0; j < jurisdictions.size(); ++j) {
                const RoadGraph& g = sim.roadGraph(j);
                nodes += g.size();
                km += g.lengthM() / 1000.0;
                beats += g.empty() ? 0 : 1;
            }
            std::fprintf(
                stderr,
                "  roads: %zu lines from %s; walkable network in %zu of %zu jurisdictions, %zu nodes, %.0f km\n",
                roads.size(), roadsPath.c_str(), beats, jurisdictions.size(), nodes, km);
        }
        std::fprintf(stderr,
                     "  %llu lines: %llu positions, %llu check-ins, %llu status changes, %llu duplicates, %llu bad\n",
                     static_cast<unsigned long long>(st.lines), static_cast<unsigned long long>(st.positions),
                     static_cast<unsigned long long>(st.checkins), static_cast<unsigned long long>(st.statusChanges),
                     static_cast<unsigned long long>(st.duplicates), static_cast<unsigned long long>(st.badTotal));
        for (size_t r = 0; r < kRejectReasonCount; ++r)
            if (st.bad[r])
                std::fprintf(stderr, "    bad %-16s %llu\n", rejectReasonName(static_cast<RejectReason>(r)),
                             static_cast<unsigned long long>(st.bad[r]));
        for (const auto& s : sinks)
            std::fprintf(stderr, "  -> %s: %llu written, %llu dropped\n", s->describe().c_str(),
                         static_cast<unsigned long long>(s->written), static_cast<unsigned long long>(s->dropped));
    }
    return 0;
}
