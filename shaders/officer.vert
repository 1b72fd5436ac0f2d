#version 450 core
// One officer per point sprite. Staleness comes from last-seen time vs the clock
// uniform, so time passing needs no buffer update. The sprite is the disc and its
// anti-aliased edge (the heading mark is drawn inside the disc): on software GL every
// sprite pixel costs, and a sprite sized for a wedge outside the disc was ~6x the disc's
// area. Only the selected officer and dispatch candidates get a sprite large enough for
// their rings.
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
flat out vec4 vColor;        // rgb; a: 1 stale, 0 live
flat out vec4 vShape;        // heading as a screen direction (x right, y down; zero: none), disc radius px, half the sprite side px
flat out vec4 vPointer;      // the heading pointer: half-width = clamp(x - y * u, 0, r / 2) at u px along the heading, from u = w (base) to z (tip)
flat out uint vFlags;
void main() {
    uint squad = aSquadStatusFlags.x;
    uint status = aSquadStatusFlags.y;
    vFlags = aSquadStatusFlags.z;
    bool stale = uNowSec - aPosHeadingSeen.w > uStaleSec;
    bool hidden = (vFlags & 4u) != 0u || (squad < 32u && ((uSquadMask >> squad) & 1u) == 0u) || ((uStatusMask >> status) & 1u) == 0u || (stale && uShowStale == 0);
    vec3 c = stale ? uStaleColor.rgb : (uColorBy == 1 ? uSquadColors[squad & 31u] : uStatusColors[status & 3u]).rgb;
    vColor = vec4(c, stale ? 1.0 : 0.0);
    float h = aPosHeadingSeen.z;
    // sin/cos once per officer here, not per pixel.
    float a = radians(h) + uNorth;
    vec2 dir = (isnan(h) || stale) ? vec2(0.0) : vec2(sin(a), -cos(a));
    float size = uDiameter * (((vFlags & 1u) != 0u) ? 1.35 : 1.0);
    // The disc's anti-aliased edge ends at half the diameter, so the plain sprite is the
    // diameter's square (every sprite pixel is shaded on software GL).
    float r = size * 0.5 - 0.5;
    float half_ = vFlags != 0u ? ceil(size * 0.5 + 7.0 * uPixelRatio) + 1.0 : size * 0.5;
    vShape = vec4(dir, r, half_);
    // A triangle from behind the centre to the ring: its half-width falls linearly from
    // r / 2 at the base to 0 at the tip. No heading: a tip no pixel reaches.
    float tip = r - 1.5 * uPixelRatio, base = -0.4 * r;
    float k = 0.5 * r / max(tip - base, 1e-3);
    vPointer = dir == vec2(0.0) ? vec4(0.0, 0.0, -1e4, -1e4) : vec4(k * tip, k, tip, base);
    gl_PointSize = hidden ? 0.0 : half_ * 2.0;
    gl_Position = hidden ? vec4(2.0, 2.0, 2.0, 1.0) : uViewProjection * vec4(aPosHeadingSeen.xy, 0.0, 1.0);
}
