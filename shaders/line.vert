#version 450 core
// Screen-space-width strokes: one instance per segment, expanded to a quad in pixels
// that covers the segment's capsule (round caps, so consecutive segments join round).
// Colour and width come with each segment (stroke categories: road classes).
layout(location = 0) in vec4 aSeg;    // x0, y0, x1, y1 (origin-relative)
layout(location = 1) in vec4 aColor;  // straight alpha
layout(location = 2) in float aWidth; // px at pixel ratio 1
uniform mat4 uViewProjection;
uniform vec2 uViewport;
uniform float uPixelRatio;
uniform float uOpacity;
out vec2 vPos;  // fragment position, px
flat out vec2 vA;
flat out vec2 vB;
flat out float vHalfWidth;
flat out vec4 vColor;
const vec2 kCorners[6] = vec2[](vec2(-1, -1), vec2(1, -1), vec2(1, 1), vec2(-1, -1), vec2(1, 1), vec2(-1, 1));
void main() {
    vec4 c0 = uViewProjection * vec4(aSeg.xy, 0.0, 1.0);
    vec4 c1 = uViewProjection * vec4(aSeg.zw, 0.0, 1.0);
    vec2 s0 = (c0.xy * 0.5 + 0.5) * uViewport;
    vec2 s1 = (c1.xy * 0.5 + 0.5) * uViewport;
    vec2 d = s1 - s0;
    float len = length(d);
    vec2 dir = len > 1e-6 ? d / len : vec2(1.0, 0.0);
    vec2 nrm = vec2(-dir.y, dir.x);
    vec2 k = kCorners[gl_VertexID];
    float halfWidth = aWidth * uPixelRatio * 0.5;
    float ext = halfWidth + 1.0;
    vec2 p = (k.x < 0.0 ? s0 : s1) + dir * k.x * ext + nrm * k.y * ext;
    vPos = p;
    vA = s0;
    vB = s1;
    vHalfWidth = halfWidth;
    vColor = vec4(aColor.rgb, aColor.a * uOpacity);
    gl_Position = vec4(p / uViewport * 2.0 - 1.0, 0.0, 1.0);
}
