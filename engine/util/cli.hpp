#pragma once
// What every program's command line shares (CLI11, Debian's libcli11-dev): one way to parse,
// to print --help, and to fail on a bad value (the option, the value and what is
// accepted, then exit status 2), plus the value types the apps take: times, points,
// views and endpoints.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

#include "engine/feed/net.hpp"
#include "engine/feed/protocol.hpp"
#include "engine/time/wall_sync.hpp"
#include "engine/util/math.hpp"

namespace sandtable::cli {

// Parses argv into `app`. Returns -1 when the program should go on, otherwise the exit
// status to return at once: 0 after --help (printed to stdout), 2 after a bad argument
// (the error and a pointer to --help on stderr).
inline int parse(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
        return -1;
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        return 0;
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "%s: %s\nRun with --help for the options.\n", app.get_name().c_str(), e.what());
        return 2;
    }
}

// The house settings of every program's options: a footer pointing to the docs, one
// help layout.
inline void setup(CLI::App& app) {
    app.footer("See docs/cli.md.");
    app.get_formatter()->column_width(34);
}

// ISO 8601 with an offset (2024-11-20T08:30:00+08:00) or epoch milliseconds.
inline bool parseTime(const std::string& s, TimeMs& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    const long long ms = std::strtoll(s.c_str(), &end, 10);
    if (end && *end == '\0') {
        out = static_cast<TimeMs>(ms);
        return true;
    }
    return parseIsoTime(s, out);
}
inline const CLI::Validator& timeValidator() {
    static const CLI::Validator v(
        [](std::string& s) -> std::string {
            TimeMs t = 0;
            return parseTime(s, t) ? std::string()
                                   : "expected ISO 8601 with an offset or epoch milliseconds, got '" + s + "'";
        },
        "TIME");
    return v;
}

// "LON,LAT" in WGS84 degrees.
inline bool parseLonLat(const std::string& s, Vec2d& out) {
    const auto comma = s.find(',');
    if (comma == std::string::npos) return false;
    try {
        size_t a = 0, b = 0;
        out.x = std::stod(s.substr(0, comma), &a);
        out.y = std::stod(s.substr(comma + 1), &b);
        return a == comma && b == s.size() - comma - 1 && std::abs(out.x) <= 180 && std::abs(out.y) <= 85;
    } catch (const std::exception&) {
        return false;
    }
}
inline const CLI::Validator& lonLatValidator() {
    static const CLI::Validator v(
        [](std::string& s) -> std::string {
            Vec2d p;
            return parseLonLat(s, p) ? std::string()
                                     : "expected LON,LAT with lon within ±180 and lat within ±85, got '" + s + "'";
        },
        "LON,LAT");
    return v;
}

// "PORT" (loopback) or "HOST:PORT"; an empty host (":7070") means loopback (net::parseHostPort).
inline const CLI::Validator& endpointValidator() {
    static const CLI::Validator v(
        [](std::string& s) -> std::string {
            net::HostPort hp;
            return net::parseHostPort(s, hp) ? std::string()
                                             : "expected PORT or HOST:PORT (port 0..65535), got '" + s + "'";
        },
        "[HOST:]PORT");
    return v;
}

// Two whole numbers joined by `sep` ("3x2", "1,0"), each in [lo, hi], into `out`: a value
// of another form is refused naming the form it should have (CLI11's own delimiter split
// only says that numbers are missing).
inline bool parseIntPair(const std::string& s, char sep, std::pair<int, int>& out) {
    const size_t at = s.find(sep);
    if (at == std::string::npos) return false;
    auto num = [](const std::string& t, int& v) {
        if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return false;
        v = std::stoi(t);
        return true;
    };
    return num(s.substr(0, at), out.first) && num(s.substr(at + 1), out.second);
}
inline CLI::Option* addIntPair(CLI::App& app, const std::string& name, std::pair<int, int>& out, char sep, int lo,
                               int hi, const std::string& form, const std::string& description) {
    const CLI::Validator check(
        [sep, lo, hi, form](std::string& s) -> std::string {
            std::pair<int, int> v;
            if (!parseIntPair(s, sep, v))
                return "expected " + form + ", two whole numbers joined by '" + std::string(1, sep) + "', got '" + s +
                       "'";
            if (v.first < lo || v.first > hi || v.second < lo || v.second > hi)
                return "'" + s + "': each number of " + form + " is " + std::to_string(lo) + " to " +
                       std::to_string(hi);
            return {};
        },
        "each in [" + std::to_string(lo) + " - " + std::to_string(hi) + "]");
    return app
        .add_option_function<std::string>(
            name, [&out, sep](const std::string& s) { parseIntPair(s, sep, out); }, description)
        ->check(check)
        ->type_name(form);
}

// A frame-state endpoint of a wall (wallEndpoint: PORT or :PORT loopback, HOST:PORT, or a
// ZeroMQ endpoint), refused naming the forms it may take.
inline const CLI::Validator& wallEndpointValidator() {
    static const CLI::Validator v(
        [](std::string& s) -> std::string {
            try {
                wallEndpoint(s);
                return {};
            } catch (const std::invalid_argument& e) {
                return e.what();
            }
        },
        "ENDPOINT");
    return v;
}

// Where a wall node's monitor is: --wall-grid COLSxROWS, --wall-cell COL,ROW, --bezel PX.
struct WallGeometry {
    std::pair<int, int> grid{1, 1}, cell{0, 0};
    int bezel = 0;
};
inline void addWallGeometry(CLI::App& app, WallGeometry& g, const std::string& cellIs) {
    addIntPair(app, "--wall-grid", g.grid, 'x', 1, 64, "COLSxROWS", "the wall's monitors, COLSxROWS (default 1x1)");
    addIntPair(app, "--wall-cell", g.cell, ',', 0, 63, "COL,ROW", cellIs + ", COL,ROW from the top left (default 0,0)");
    app.add_option("--bezel", g.bezel, "pixels hidden between neighbouring monitors")
        ->check(CLI::Range(0, 2000))
        ->capture_default_str();
}
// False, with the message printed as `program`, when the cell is outside the grid.
inline bool checkWallCell(const WallGeometry& g, const char* program) {
    if (g.cell.first < g.grid.first && g.cell.second < g.grid.second) return true;
    std::fprintf(stderr, "%s: --wall-cell %d,%d: outside the %dx%d grid\n", program, g.cell.first, g.cell.second,
                 g.grid.first, g.grid.second);
    return false;
}

}  // namespace sandtable::cli
