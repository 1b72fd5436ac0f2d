#version 450 core
// The floor's disc: inside or not, one colour.
out vec4 fragColor;
void main() {
    vec2 p = gl_PointCoord - 0.5;
    if (dot(p, p) > 0.25) discard;
    fragColor = vec4(0.26, 0.63, 0.28, 1.0);
}
