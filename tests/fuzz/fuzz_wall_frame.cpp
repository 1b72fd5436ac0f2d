// Fuzz target: the wall's frame-state messages (engine/time/wall_sync.*), what a follower
// takes from the network. A message either decodes into a state every follower can draw
// (a finite camera, a positive resolution, a canvas of 1..65536 px) or is refused with a
// reason; one that decodes encodes and decodes again to the same state.
#include <cmath>
#include <cstdint>
#include <string>

#include "engine/time/wall_sync.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace sandtable;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    WallFrameState s;
    std::string err;
    if (!decodeWallFrame(fuzz::asText(data, size), s, &err)) {
        if (err.empty()) fuzz::bug("refused without a reason");
        return 0;
    }
    if (!std::isfinite(s.centerX) || !std::isfinite(s.centerY) || !std::isfinite(s.rotation) || !(s.resolution > 0) ||
        !std::isfinite(s.resolution) || s.canvasWidth < 1 || s.canvasHeight < 1 || s.canvasWidth > 65536 ||
        s.canvasHeight > 65536 || !(s.speed >= 0))
        fuzz::bug("accepted an impossible state");
    WallFrameState again;
    if (!decodeWallFrame(encodeWallFrame(s), again, &err)) fuzz::bug("its own encoding does not decode");
    if (again.seq != s.seq || again.time != s.time || again.centerX != s.centerX || again.resolution != s.resolution ||
        again.canvasWidth != s.canvasWidth || again.final != s.final)
        fuzz::bug("round trip changed the state");
    WallTile t;
    (void)wallTileRect(s.canvasWidth, s.canvasHeight, 2, 2, 1, 1, 20, t);
    return 0;
}
