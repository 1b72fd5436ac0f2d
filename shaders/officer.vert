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
out vec4 vColor;
flat out float vHeading;     // screen radians clockwise from up; < -10: none
flat out float vStale;
flat out uint vFlags;
flat out float vSize;
void main() {
    uint squad = aSquadStatusFlags.x;
    uint status = aSquadStatusFlags.y;
    vFlags = aSquadStatusFlags.z;
    bool stale = uNowSec - aPosHeadingSeen.w > uStaleSec;
    bool hidden = ((uSquadMask >> squad) & 1u) == 0u || ((uStatusMask >> status) & 1u) == 0u || (stale && uShowStale == 0);
    vStale = stale ? 1.0 : 0.0;
    vColor = stale ? uStaleColor : (uColorBy == 1 ? uSquadColors[squad & 31u] : uStatusColors[status & 3u]);
    float h = aPosHeadingSeen.z;
    vHeading = (isnan(h) || stale) ? -100.0 : radians(h) + uNorth;
    float size = uDiameter * (((vFlags & 1u) != 0u) ? 1.35 : 1.0);
    vSize = size;
    gl_PointSize = hidden ? 0.0 : size * 2.0 + 4.0;  // room for the heading wedge and rings
    gl_Position = hidden ? vec4(2.0, 2.0, 2.0, 1.0) : uViewProjection * vec4(aPosHeadingSeen.xy, 0.0, 1.0);
}
