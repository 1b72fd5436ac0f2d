#pragma once
// What every program's command line shares (CLI11, Debian's libcli11-dev): one way to parse,
// to print --help, and to fail on a bad value (the option, the value and what is
// accepted, then exit status 2), plus the value types the apps take: times, points,
// views and endpoints.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "engine/feed/net.hpp"
#include "engine/feed/protocol.hpp"
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

}  // namespace sandtable::cli
