#version 450 core
// The scatter benchmark's floor (bench/floor_layer.cpp): the same discs as the officer
// markers, drawn by the least a GL_POINTS marker needs (position, one size, no styling).
layout(location = 0) in vec2 aPos;  // origin-relative
uniform mat4 uViewProjection;
uniform float uDiameter;  // px
void main() {
    gl_PointSize = uDiameter;
    gl_Position = uViewProjection * vec4(aPos, 0.0, 1.0);
}
