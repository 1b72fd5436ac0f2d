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

#include "engine/sim/recorded_day.hpp"
#include "engine/sim/records_generator.hpp"
#include "engine/sim/sim_output.hpp"
#include "engine/sim/simulator.hpp"
#include "engine/util/cli.hpp"
#include "engine/util/log.hpp"
#include "engine/util/sample_data.hpp"

using namespace sandtable;
namespace fs = std::filesystem;

namespace {

std::string defaultData(const std::string& name) { return findSampleData(name, SANDTABLE_SOURCE_DIR); }

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "sandtable-sim: %s\n", msg.c_str());
    std::exit(2);
}

struct RecordsArgs {
    RecordsGeneratorConfig cfg;
    std::string out, month = "2024-10", squadsPath, jurisdictionsPath, checkpointsPath;
    bool noBadRows = false, quiet = false;
};

int recordsMain(RecordsArgs& a) {
    RecordsGeneratorConfig& cfg = a.cfg;
    std::sscanf(a.month.c_str(), "%4d-%2d", &cfg.year, &cfg.month);  // checked by its validator
    cfg.badRows = !a.noBadRows;
    const std::string& out = a.out;
    std::string &squadsPath = a.squadsPath, &jurisdictionsPath = a.jurisdictionsPath,
                &checkpointsPath = a.checkpointsPath;
    const bool quiet = a.quiet;
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
    SimConfig cfg;
    double durationS = 3600, speedup = -1;
    std::string out, start = "2024-11-20T08:00:00+08:00", jurisdictionsPath, checkpointsPath, roadsPath, recordsPath,
                     squadsPath, topic = "sandtable/feed/sim", username, password;
    bool noRecords = false;
    std::vector<std::string> tcp, udp, mqtt;
    int qos = 1;
    bool synthetic = false, quiet = false, noRoads = false;
    CLI::App app(
        "Writes a simulated officer feed (docs/feed.md) to a file, TCP, UDP or MQTT; "
        "'records' writes sample indicator records (docs/kpi.md).",
        "sandtable-sim");
    cli::setup(app);
    app.add_option("--officers", cfg.officers, "officers to simulate")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    app.add_option("--duration", durationS, "simulated time span, seconds")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--seed", cfg.seed, "random seed; same seed, same bytes")->capture_default_str();
    app.add_option("--start", start, "first instant (ISO 8601 with an offset, or epoch ms)")
        ->check(cli::timeValidator())
        ->capture_default_str();
    app.add_option("--out", out, "write lines to FILE (\"-\": stdout; the default when no output is given)");
    app.add_option("--tcp", tcp, "connect and send lines to a TCP feed listener at [HOST:]PORT")
        ->check(cli::endpointValidator());
    app.add_option("--udp", udp, "send one datagram per line to [HOST:]PORT")->check(cli::endpointValidator());
    app.add_option("--mqtt", mqtt, "publish one message per line at the broker [HOST:]PORT")
        ->check(cli::endpointValidator());
    app.add_option("--topic", topic, "MQTT topic")->capture_default_str();
    app.add_option("--qos", qos, "MQTT QoS")->check(CLI::IsMember({0, 1}))->capture_default_str();
    app.add_option("--username", username, "MQTT user name");
    app.add_option("--password", password, "MQTT password");
    app.add_option("--speedup", speedup,
                   "X times real time; 0 = as fast as possible (default: 0 for files only, 1 "
                   "with a network output)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--bad-rate", cfg.badRate, "extra deliberately bad lines per good line")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--dup-rate", cfg.duplicateRate, "exact re-sends per good line")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--gcj-fraction", cfg.gcj02Fraction, "senders reporting GCJ-02")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--checkin-fraction", cfg.checkinFraction, "officers on Suzhou Creek check-in rounds")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--jurisdictions", jurisdictionsPath, "squad polygons (default data/putuo/jurisdictions.geojson)");
    app.add_option("--checkpoints", checkpointsPath,
                   "check-in points (default data/putuo/records/checkpoints.csv if present, else derived from the "
                   "jurisdictions' southern edge)");
    auto* roadsOpt = app.add_option("--roads", roadsPath,
                                    "road lines the patrols follow (default data/putuo/roads.geojson if present; "
                                    "motorways and trunk roads are not walked)");
    app.add_flag("--no-roads", noRoads, "patrols walk straight legs between random points of their beat")
        ->excludes(roadsOpt);
    auto* recordsOpt =
        app.add_option("--records", recordsPath,
                       "records whose check-ins in the simulated span the officers walk, arriving at the recorded "
                       "instants (default data/putuo/records if present; docs/kpi.md#a-simulated-day)");
    app.add_flag("--no-records", noRecords, "random creek rounds even on a day the records cover")
        ->excludes(recordsOpt);
    app.add_option("--squads", squadsPath, "the records' squad catalogue (default data/putuo/squads.csv)");
    app.add_flag("--synthetic", synthetic,
                 "ten synthetic rectangles instead of a jurisdictions file (no roads unless --roads is given)");
    app.add_flag("--quiet", quiet, "no summary on stderr");

    RecordsArgs ra;
    ra.cfg.seed = 20241031;
    auto* rec = app.add_subcommand("records",
                                   "write sample indicator records (docs/domain.md format) into a folder: complaints, "
                                   "cases, checkpoints, checkins, objects, inspections, training (.csv)");
    cli::setup(*rec);
    rec->add_option("--out", ra.out, "folder to write (created if missing)")->required();
    rec->add_option("--month", ra.month, "the last (report) month")
        ->check(CLI::Validator(
            [](std::string& v) {
                int y = 0, m = 0;
                char tail = 0;
                return std::sscanf(v.c_str(), "%4d-%2d%c", &y, &m, &tail) == 2 && m >= 1 && m <= 12
                           ? std::string()
                           : "expected YYYY-MM, got '" + v + "'";
            },
            "YYYY-MM"))
        ->capture_default_str();
    rec->add_option("--months", ra.cfg.months, "months generated, ending with --month")
        ->check(CLI::Range(1, 60))
        ->capture_default_str();
    rec->add_option("--seed", ra.cfg.seed, "random seed; same inputs, same bytes")->capture_default_str();
    rec->add_option("--squads", ra.squadsPath, "squad catalogue (default data/putuo/squads.csv)");
    rec->add_option("--jurisdictions", ra.jurisdictionsPath,
                    "squad polygons (default data/putuo/jurisdictions.geojson)");
    rec->add_option("--checkpoints", ra.checkpointsPath,
                    "checkpoints to give check-ins (default data/putuo/records/checkpoints.csv); written to "
                    "DIR/checkpoints.csv as they are");
    rec->add_flag("--no-bad-rows", ra.noBadRows, "leave out the deliberately bad rows (data/README.md)");
    rec->add_flag("--quiet", ra.quiet, "no summary on stderr");
    if (const int rc = cli::parse(app, argc, argv); rc >= 0) return rc;
    if (rec->parsed()) return recordsMain(ra);
    cli::parseTime(start, cfg.start);

    std::vector<Jurisdiction> jurisdictions;
    std::vector<Checkpoint> checkpoints;
    std::vector<RoadLine> roads;
    try {
        if (!synthetic) {
            if (jurisdictionsPath.empty()) jurisdictionsPath = defaultData("jurisdictions.geojson");
            if (jurisdictionsPath.empty()) die("no jurisdictions file found; pass --jurisdictions FILE or --synthetic");
            jurisdictions = loadJurisdictions(jurisdictionsPath);
            if (checkpointsPath.empty()) checkpointsPath = defaultData("records/checkpoints.csv");
            if (roadsPath.empty() && !noRoads) roadsPath = defaultData("roads.geojson");
            if (recordsPath.empty() && !noRecords) recordsPath = defaultData("records");
        } else {
            jurisdictions = syntheticJurisdictions();
        }
        checkpoints = checkpointsPath.empty() ? deriveCheckpoints(jurisdictions) : loadCheckpoints(checkpointsPath);
        if (!roadsPath.empty()) roads = loadRoads(roadsPath);
        if (!recordsPath.empty() && !noRecords) {
            if (squadsPath.empty()) squadsPath = defaultData("squads.csv");
            const SquadCatalogue squads =
                squadsPath.empty() ? SquadCatalogue::builtIn() : SquadCatalogue::load(squadsPath);
            cfg.plannedCheckins =
                recordedCheckins(recordsPath, squads, cfg.start, cfg.start + static_cast<TimeMs>(durationS * 1000.0))
                    .checkins;
        }
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
        if (!cfg.plannedCheckins.empty())
            std::fprintf(stderr, "  check-ins walked from the records %s: %zu planned, %llu skipped\n",
                         recordsPath.c_str(), cfg.plannedCheckins.size(),
                         static_cast<unsigned long long>(st.plannedSkipped));
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
