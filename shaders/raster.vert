#version 450 core
// One raster tile: a quad over its display-CRS bounds (origin-relative).
uniform mat4 uViewProjection;
uniform vec2 uMin;
uniform vec2 uMax;
out vec2 vUv;
const vec2 kCorners[6] = vec2[](vec2(0, 0), vec2(1, 0), vec2(1, 1), vec2(0, 0), vec2(1, 1), vec2(0, 1));
void main() {
    vec2 k = kCorners[gl_VertexID];
    vec2 p = mix(uMin, uMax, k);
    vUv = vec2(k.x, 1.0 - k.y);  // texture rows run top to bottom
    gl_Position = uViewProjection * vec4(p, 0.0, 1.0);
}
