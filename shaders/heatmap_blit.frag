#version 450 core
// Draws one rectangle of the cached colourised heatmap with the layer opacity. The cache
// is canvas-sized and addressed modulo its size (see heatmap_color.frag): canvas pixel
// (x, y), rows from the top, is texel ((x, y) + uShift) mod uCanvas.
// INTERIM: the half-resolution colouring of a zoom gesture instead (one texel per 2x2
// canvas pixels, no shift), sampled bilinearly at the pixel's centre.
layout(binding = 0) uniform sampler2D uColor;
uniform float uOpacity;
#ifdef INTERIM
uniform vec2 uInterimScale;  // 1 / (2 * the interim's size): canvas pixels to texture coordinates
#else
uniform ivec2 uCanvas;
uniform ivec2 uShift;  // in [0, uCanvas)
#endif
uniform ivec2 uTargetOrigin;  // the framebuffer's rectangle in the canvas: top-left corner
uniform int uTargetHeight;    // and height
out vec4 fragColor;
void main() {
    ivec2 f = ivec2(gl_FragCoord.xy);
    ivec2 px = ivec2(uTargetOrigin.x + f.x, uTargetOrigin.y + uTargetHeight - 1 - f.y);
#ifdef INTERIM
    vec4 c = texture(uColor, (vec2(px) + 0.5) * uInterimScale);
#else
    // (px + shift) mod canvas without an integer division (software GL has no vector one).
    ivec2 q = px + uShift;
    q -= ivec2(greaterThanEqual(q, uCanvas)) * uCanvas;
    vec4 c = texelFetch(uColor, q, 0);
#endif
    if (c.a <= 0.0) discard;
    fragColor = vec4(c.rgb, c.a * uOpacity);
}
