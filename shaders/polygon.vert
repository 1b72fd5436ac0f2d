#version 450 core
// Filled polygons: origin-relative float positions, per-vertex colour.
layout(location = 0) in vec2 aPos;
layout(location = 1) in vec4 aColor;
uniform mat4 uViewProjection;
out vec4 vColor;
void main() {
    gl_Position = uViewProjection * vec4(aPos, 0.0, 1.0);
    vColor = aColor;
}
