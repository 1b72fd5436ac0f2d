#version 450 core
// Screen-space shapes in canvas pixels (origin top-left), drawn into one rectangle of the canvas.
layout(location = 0) in vec2 aPos;
layout(location = 1) in vec4 aColor;
uniform vec2 uViewport;  // the drawn rectangle's size, px
uniform vec2 uOrigin;    // its top-left corner on the canvas, px
out vec4 vColor;
void main() {
    vec2 p = aPos - uOrigin;
    vec2 ndc = vec2(p.x / uViewport.x * 2.0 - 1.0, 1.0 - p.y / uViewport.y * 2.0);
    gl_Position = vec4(ndc, 0.0, 1.0);
    vColor = aColor;
}
