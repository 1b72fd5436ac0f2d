#version 450 core
in vec2 vPos;
flat in vec2 vA;
flat in vec2 vB;
flat in float vHalfWidth;
flat in vec4 vColor;
out vec4 fragColor;
void main() {
    vec2 ab = vB - vA;
    float t = clamp(dot(vPos - vA, ab) / max(dot(ab, ab), 1e-6), 0.0, 1.0);
    float dist = length(vPos - (vA + ab * t));
    float cover = clamp(vHalfWidth + 0.5 - dist, 0.0, 1.0);
    if (cover <= 0.0) discard;
    fragColor = vec4(vColor.rgb, vColor.a * cover);
}
