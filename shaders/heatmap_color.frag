#version 450 core
// Colourises the coarse density grid at each screen pixel: Catmull-Rom upsampling (the
// same maths as upsample() in engine/analysis/kde.cpp), normalisation, colour ramp,
// opacity. Zero density is fully transparent; straight (non-premultiplied) alpha.
layout(binding = 0) uniform sampler2D uDensity;  // coarse grid, r32f, texelFetch only
layout(binding = 1) uniform sampler2D uRamp;     // N x 1 RGBA ramp
uniform int uViewportHeight;
uniform int uFactor;       // screen pixels per coarse cell
uniform int uBorder;       // coarse cells before the screen's first pixel
uniform float uInvMax;     // 1 / normalisation maximum
uniform float uOpacity;
uniform float uFadeBelow;  // t below which alpha fades linearly to 0 (soft edges)
out vec4 fragColor;

void catmullRom(float t, out vec4 w) {
    float t2 = t * t, t3 = t2 * t;
    w = 0.5 * vec4(-t3 + 2.0 * t2 - t, 3.0 * t3 - 5.0 * t2 + 2.0, -3.0 * t3 + 4.0 * t2 + t, t3 - t2);
}

void main() {
    // Screen pixel centre with rows counted from the top, like the density grid.
    vec2 s = vec2(gl_FragCoord.x, float(uViewportHeight) - gl_FragCoord.y);
    vec2 uv = s / float(uFactor) + float(uBorder) - 0.5;
    vec2 f = floor(uv);
    ivec2 i0 = ivec2(f);
    vec4 wx, wy;
    catmullRom(uv.x - f.x, wx);
    catmullRom(uv.y - f.y, wy);
    ivec2 size = textureSize(uDensity, 0);
    float v = 0.0;
    for (int b = 0; b < 4; ++b) {
        int j = clamp(i0.y - 1 + b, 0, size.y - 1);
        float line = 0.0;
        for (int a = 0; a < 4; ++a) line += wx[a] * texelFetch(uDensity, ivec2(clamp(i0.x - 1 + a, 0, size.x - 1), j), 0).r;
        v += wy[b] * line;
    }
    float t = v * uInvMax;
    if (!(t > 1e-6)) discard;  // zero (or cubic undershoot): transparent
    vec4 c = texture(uRamp, vec2(clamp(t, 0.0, 1.0), 0.5));
    float a = uOpacity * (uFadeBelow > 0.0 ? clamp(t / uFadeBelow, 0.0, 1.0) : 1.0);
    fragColor = vec4(c.rgb, a);
}
