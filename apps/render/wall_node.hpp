#pragma once
// sandtable-render as a node of a wall of several machines, headless (docs/cli.md#a-wall-
// of-several-machines): the leader publishes the frame states of a replay over ZeroMQ,
// each follower renders its tile of the canvas for the newest state it has. The map and
// its data are set up by main (the same scene and feed on every node).
#include <string>

#include "engine/render/map.hpp"

namespace sandtable {

struct WallLeadOptions {
    std::string endpoint;             // tcp://HOST:PORT to bind
    TimeMs from = 0;                  // the replay's first instant
    double speed = 600;               // data seconds per second
    int fps = 10;                     // states per second
    int frames = 60;                  // states before the final one
    double holdSeconds = 5;           // the final state is repeated this long (late and restarted followers)
    int width = 1920, height = 1080;  // the canvas, bezels included
    std::string out;                  // optional: the final state's whole canvas as a PNG (a reference)
};
// Returns the exit status.
int runWallLeader(Map& map, const WallLeadOptions& o);

struct WallFollowOptions {
    std::string endpoint;  // tcp://HOST:PORT to connect to
    int cols = 1, rows = 1, col = 0, row = 0, bezel = 0;
    double waitSeconds = 30;  // no state for this long: give up (exit 1)
    std::string out;          // the final state's tile as a PNG
    std::string metrics;      // [HOST:]PORT of the metrics endpoint (frames, the process, /healthz); empty: none
};
int runWallFollower(Map& map, const WallFollowOptions& o);

}  // namespace sandtable
