#version 450 core
// Signed distance field text with a halo: distance in screen px from the glyph edge
// (positive inside), anti-aliased over one pixel.
in vec2 vUv;
in vec4 vColor;
in vec4 vHalo;
in vec3 vParams;
uniform sampler2D uAtlas;
out vec4 fragColor;
void main() {
    float d = (texture(uAtlas, vUv).r - 128.0 / 255.0) * vParams.x + vParams.z;
    float fill = clamp(d + 0.5, 0.0, 1.0);
    float halo = clamp(d + vParams.y + 0.5, 0.0, 1.0) * vHalo.a;
    // Fill over halo ("over" compositing, straight alpha out).
    float a = fill * vColor.a + halo * (1.0 - fill * vColor.a);
    vec3 rgb = a > 0.0 ? (vColor.rgb * fill * vColor.a + vHalo.rgb * halo * (1.0 - fill * vColor.a)) / a : vec3(0.0);
    if (a <= 0.002) discard;
    fragColor = vec4(rgb, a);
}
