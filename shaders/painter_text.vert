#version 450 core
// SDF glyph quads in canvas pixels (origin top-left), drawn into one rectangle of the canvas.
layout(location = 0) in vec2 aPos;
layout(location = 1) in vec2 aUv;
layout(location = 2) in vec4 aColor;
layout(location = 3) in vec4 aHalo;
layout(location = 4) in vec3 aParams;  // px per SDF unit, halo width px, weight px
uniform vec2 uViewport;  // the drawn rectangle's size, px
uniform vec2 uOrigin;    // its top-left corner on the canvas, px
out vec2 vUv;
out vec4 vColor;
out vec4 vHalo;
out vec3 vParams;
void main() {
    vec2 p = aPos - uOrigin;
    vec2 ndc = vec2(p.x / uViewport.x * 2.0 - 1.0, 1.0 - p.y / uViewport.y * 2.0);
    gl_Position = vec4(ndc, 0.0, 1.0);
    vUv = aUv;
    vColor = aColor;
    vHalo = aHalo;
    vParams = aParams;
}
