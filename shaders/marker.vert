#version 450 core
// Point markers: one instance per point, a screen-aligned quad sized in pixels.
layout(location = 0) in vec2 aPos;
layout(location = 1) in vec4 aColor;
uniform mat4 uViewProjection;
uniform vec2 uViewport;
uniform float uRadius;
uniform float uStrokeWidth;
out vec2 vLocal;  // px from the centre
out vec4 vColor;
const vec2 kCorners[6] = vec2[](vec2(-1, -1), vec2(1, -1), vec2(1, 1), vec2(-1, -1), vec2(1, 1), vec2(-1, 1));
void main() {
    vec4 c = uViewProjection * vec4(aPos, 0.0, 1.0);
    float ext = uRadius + uStrokeWidth + 1.0;
    vec2 k = kCorners[gl_VertexID] * ext;
    vLocal = k;
    vColor = aColor;
    gl_Position = vec4(c.xy + k / uViewport * 2.0, 0.0, 1.0);
}
