#version 450 core
// Officer trails: one instance per segment between two fixes, expanded to a quad in
// pixels (as line.vert). Time is a uniform: the trail fades with age and a segment the
// frame time has not reached is cut where the officer is at that time, so playing a day
// back needs no buffer update.
layout(location = 0) in vec4 aSeg;              // x0, y0, x1, y1 (origin-relative)
layout(location = 1) in vec2 aTimes;            // t0, t1: seconds relative to the layer's epoch
layout(location = 2) in uvec4 aSquadStatusFlags; // squad, status, flags (1: the selected officer's day), speed class
uniform mat4 uViewProjection;
uniform vec2 uViewport;
uniform float uPixelRatio;
uniform float uOpacity;
uniform float uNowSec;
uniform float uTrailSec;
uniform float uWidth;          // px at pixel ratio 1
uniform float uSelectedWidth;
uniform int uColorBy;          // 0 status, 1 squad, 2 speed class
uniform uint uSquadMask;
uniform uint uStatusMask;
uniform vec4 uStatusColors[4];
uniform vec4 uSquadColors[32];
uniform vec4 uSpeedColors[3];
out vec2 vPos;
flat out vec2 vA;
flat out vec2 vB;
flat out float vHalfWidth;
flat out vec4 vColor;
const vec2 kCorners[6] = vec2[](vec2(-1, -1), vec2(1, -1), vec2(1, 1), vec2(-1, -1), vec2(1, 1), vec2(-1, 1));
void main() {
    uint squad = aSquadStatusFlags.x, status = aSquadStatusFlags.y, flags = aSquadStatusFlags.z;
    bool selected = (flags & 1u) != 0u;
    float t0 = aTimes.x, t1 = aTimes.y;
    float age = uNowSec - t1;
    bool hidden = t0 > uNowSec || (!selected && uNowSec - t0 > uTrailSec) ||
                  (squad < 32u && ((uSquadMask >> squad) & 1u) == 0u) || ((uStatusMask >> status) & 1u) == 0u;
    if (hidden) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
        return;
    }
    // The part of the segment up to now.
    float u = t1 > t0 ? clamp((uNowSec - t0) / (t1 - t0), 0.0, 1.0) : 1.0;
    vec2 b = mix(aSeg.xy, aSeg.zw, u);
    vec4 c0 = uViewProjection * vec4(aSeg.xy, 0.0, 1.0);
    vec4 c1 = uViewProjection * vec4(b, 0.0, 1.0);
    vec2 s0 = (c0.xy * 0.5 + 0.5) * uViewport;
    vec2 s1 = (c1.xy * 0.5 + 0.5) * uViewport;
    vec2 d = s1 - s0;
    float len = length(d);
    vec2 dir = len > 1e-6 ? d / len : vec2(1.0, 0.0);
    vec2 nrm = vec2(-dir.y, dir.x);
    vec2 k = kCorners[gl_VertexID];
    float halfWidth = (selected ? uSelectedWidth : uWidth) * uPixelRatio * 0.5;
    float ext = halfWidth + 1.0;
    vec2 p = (k.x < 0.0 ? s0 : s1) + dir * k.x * ext + nrm * k.y * ext;
    vPos = p;
    vA = s0;
    vB = s1;
    vHalfWidth = halfWidth;
    vec4 c = selected ? vec4(1.0, 0.93, 0.35, 1.0)
                      : (uColorBy == 1 ? uSquadColors[squad & 31u]
                                       : (uColorBy == 2 ? uSpeedColors[min(aSquadStatusFlags.w, 2u)] : uStatusColors[status & 3u]));
    // Fades from full at the officer to a trace at the trail's far end.
    float fade = selected ? 1.0 : mix(1.0, 0.12, clamp(max(age, 0.0) / max(uTrailSec, 1.0), 0.0, 1.0));
    vColor = vec4(c.rgb, c.a * fade * uOpacity);
    gl_Position = vec4(p / uViewport * 2.0 - 1.0, 0.0, 1.0);
}
