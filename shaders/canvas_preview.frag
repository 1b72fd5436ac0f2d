#version 450 core
// A zoom gesture's preview: the canvas cache sampled bilinearly (canvas_preview.vert).
// Vertex shader: canvas_preview.vert
layout(binding = 0) uniform sampler2D uRing;
in vec2 vTex;
out vec4 fragColor;
void main() {
    fragColor = texture(uRing, vTex);
}
