#version 450 core
// First pass of the separable colour pass (heatmap_color.frag, ROWS): for every canvas
// column and every grid row the canvas needs, the Catmull-Rom interpolation along the row
// (the same weights and clamping as the 16-tap form).
layout(binding = 0) uniform sampler2D uDensity;  // coarse grid, r32f
uniform float uOriginX;  // grid x of canvas x = 0
uniform float uStepX;    // grid cells per canvas pixel
uniform int uRow0;       // grid row of output row 0
out vec4 rowValue;       // .r (an r32f target)

void catmullRom(float t, out vec4 w) {
    float t2 = t * t, t3 = t2 * t;
    w = 0.5 * vec4(-t3 + 2.0 * t2 - t, 3.0 * t3 - 5.0 * t2 + 2.0, -3.0 * t3 + 4.0 * t2 + t, t3 - t2);
}

void main() {
    ivec2 t = ivec2(gl_FragCoord.xy);  // canvas column, output row
    float u = uOriginX + (float(t.x) + 0.5) * uStepX - 0.5;
    float f = floor(u);
    int i0 = int(f);
    ivec2 size = textureSize(uDensity, 0);
    rowValue = vec4(0.0);
    if (i0 < -2 || i0 > size.x + 1) return;
    vec4 wx;
    catmullRom(u - f, wx);
    int j = clamp(uRow0 + t.y, 0, size.y - 1);
    float line = 0.0;
    for (int a = 0; a < 4; ++a) line += wx[a] * texelFetch(uDensity, ivec2(clamp(i0 - 1 + a, 0, size.x - 1), j), 0).r;
    rowValue = vec4(line, 0.0, 0.0, 0.0);
}
