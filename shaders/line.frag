#version 450 core
in vec2 vPos;
flat in vec2 vA;
flat in vec2 vB;
uniform float uHalfWidth;
uniform vec4 uColor;
out vec4 fragColor;
void main() {
    vec2 ab = vB - vA;
    float t = clamp(dot(vPos - vA, ab) / max(dot(ab, ab), 1e-6), 0.0, 1.0);
    float dist = length(vPos - (vA + ab * t));
    float cover = clamp(uHalfWidth + 0.5 - dist, 0.0, 1.0);
    if (cover <= 0.0) discard;
    fragColor = vec4(uColor.rgb, uColor.a * cover);
}
