#version 450 core
// One officer per point sprite. Staleness comes from last-seen time vs the clock
// uniform, so time passing needs no buffer update.
layout(location = 0) in vec4 aPosHeadingSeen;  // x, y (origin-relative), heading deg, last seen s
layout(location = 1) in uvec4 aSquadStatusFlags;
uniform mat4 uViewProjection;
uniform float uDiameter;     // px
uniform float uNowSec;
uniform float uStaleSec;
uniform float uNorth;        // screen angle of true north, radians clockwise from up
uniform int uColorBy;        // 0 status, 1 squad
uniform uint uSquadMask;
uniform uint uStatusMask;
uniform int uShowStale;
uniform vec4 uStatusColors[4];
uniform vec4 uSquadColors[32];
uniform vec4 uStaleColor;
uniform float uPixelRatio;
out vec4 vColor;
flat out vec2 vDir;          // heading as a screen direction (x right, y down); zero: none
flat out float vStale;
flat out uint vFlags;
flat out float vSize;
flat out float vHalf;        // half the sprite side, px
void main() {
    uint squad = aSquadStatusFlags.x;
    uint status = aSquadStatusFlags.y;
    vFlags = aSquadStatusFlags.z;
    bool stale = uNowSec - aPosHeadingSeen.w > uStaleSec;
    bool hidden = (vFlags & 4u) != 0u || ((uSquadMask >> squad) & 1u) == 0u || ((uStatusMask >> status) & 1u) == 0u || (stale && uShowStale == 0);
    vStale = stale ? 1.0 : 0.0;
    vColor = stale ? uStaleColor : (uColorBy == 1 ? uSquadColors[squad & 31u] : uStatusColors[status & 3u]);
    float h = aPosHeadingSeen.z;
    // sin/cos once per officer here, not per pixel.
    float a = radians(h) + uNorth;
    vDir = (isnan(h) || stale) ? vec2(0.0) : vec2(sin(a), -cos(a));
    float size = uDiameter * (((vFlags & 1u) != 0u) ? 1.35 : 1.0);
    vSize = size;
    // Just large enough for the wedge tip (0.95 x size) and the selection rings: on
    // software GL every sprite pixel costs, most of them are discarded.
    float ringsPx = size * 0.5 + 7.0 * uPixelRatio;
    vHalf = ceil(max(vDir == vec2(0.0) ? 0.0 : size * 0.95, ringsPx)) + 1.0;
    gl_PointSize = hidden ? 0.0 : vHalf * 2.0;
    gl_Position = hidden ? vec4(2.0, 2.0, 2.0, 1.0) : uViewProjection * vec4(aPosHeadingSeen.xy, 0.0, 1.0);
}
