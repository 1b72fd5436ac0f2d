#version 450 core
// Colourises the coarse density grid into the layer's colour cache: Catmull-Rom
// interpolation at each canvas pixel centre (the maths of resample() in
// engine/analysis/kde.cpp), normalisation, colour ramp. The cache is canvas-sized and
// addressed modulo its size (texel = (canvas pixel + uShift) mod uCanvas, rows from the
// top), so that after a pan by whole pixels only the uncovered strips are coloured (the
// layer scissors them). Zero density is written transparent (not discarded: a strip
// overwrites what the texel held); straight (non-premultiplied) alpha.
// ROWS: the second pass of the separable form (grid axes along the canvas axes, the usual
// case): the horizontal interpolation of every grid row the canvas needs is already in
// uRows (heatmap_color_rows.frag, one value per canvas column), so a pixel costs 4 fetches
// instead of 16. Software GL pays every fetch; a whole-canvas pass is ~3x cheaper so.
layout(binding = 0) uniform sampler2D uDensity;  // coarse grid, r32f, texelFetch only
layout(binding = 1) uniform sampler2D uRamp;     // N x 1 RGBA ramp, texelFetch only
layout(binding = 2) uniform sampler2D uRows;     // ROWS: [canvas column, grid row - uRow0]
uniform ivec2 uCanvas;     // canvas (and cache) size
uniform ivec2 uShift;      // in [0, uCanvas)
uniform vec2 uGridOrigin;  // grid coordinates (cells from the grid's top-left corner) of canvas point (0, 0)
uniform vec2 uGridDx;      // grid coordinates per canvas pixel to the right
uniform vec2 uGridDy;      // ... and down
uniform int uRow0;         // ROWS: the grid row in uRows' row 0
uniform float uInvMax;     // 1 / normalisation maximum
uniform float uFadeBelow;  // t below which alpha fades linearly to 0 (soft edges)
out vec4 fragColor;

void catmullRom(float t, out vec4 w) {
    float t2 = t * t, t3 = t2 * t;
    w = 0.5 * vec4(-t3 + 2.0 * t2 - t, 3.0 * t3 - 5.0 * t2 + 2.0, -3.0 * t3 + 4.0 * t2 + t, t3 - t2);
}

void main() {
    // Canvas pixel of this texel: (texel - shift) mod canvas, without an integer division.
    ivec2 px = ivec2(gl_FragCoord.xy) - uShift;
    px += ivec2(lessThan(px, ivec2(0))) * uCanvas;
    vec2 s = vec2(px) + 0.5;
    vec2 uv = uGridOrigin + s.x * uGridDx + s.y * uGridDy - 0.5;  // cell centres at integers
    vec2 f = floor(uv);
    ivec2 i0 = ivec2(f);
    ivec2 size = textureSize(uDensity, 0);
    fragColor = vec4(0.0);
    if (i0.x < -2 || i0.y < -2 || i0.x > size.x + 1 || i0.y > size.y + 1) return;  // outside the grid: no density
    vec4 wy;
    catmullRom(uv.y - f.y, wy);
    float v = 0.0;
#ifdef ROWS
    int rows = textureSize(uRows, 0).y;
    for (int b = 0; b < 4; ++b) v += wy[b] * texelFetch(uRows, ivec2(px.x, clamp(i0.y - 1 + b - uRow0, 0, rows - 1)), 0).r;
#else
    vec4 wx;
    catmullRom(uv.x - f.x, wx);
    for (int b = 0; b < 4; ++b) {
        int j = clamp(i0.y - 1 + b, 0, size.y - 1);
        float line = 0.0;
        for (int a = 0; a < 4; ++a) line += wx[a] * texelFetch(uDensity, ivec2(clamp(i0.x - 1 + a, 0, size.x - 1), j), 0).r;
        v += wy[b] * line;
    }
#endif
    float t = v * uInvMax;
    if (!(t > 1e-6)) return;  // zero (or cubic undershoot): transparent
    // The ramp table's nearest entry (1024 of them: within a tenth of an 8-bit step of
    // linear filtering, at a quarter of its fetches).
    int n = textureSize(uRamp, 0).x;
    vec4 c = texelFetch(uRamp, ivec2(int(clamp(t, 0.0, 1.0) * float(n - 1) + 0.5), 0), 0);
    float a = uFadeBelow > 0.0 ? clamp(t / uFadeBelow, 0.0, 1.0) : 1.0;  // opacity: when the cache is drawn
    fragColor = vec4(c.rgb, a);
}
