#version 450 core
// Draws one rectangle of a layer's canvas-sized cache (premultiplied alpha, drawn by GL
// with the canvas's camera: texel row 0 is the canvas's bottom row) as it is; the layer blends it with one, one
// minus source alpha. Pixels of the GL viewport outside the canvas (seam margins) take
// nothing. Vertex shader: heatmap_quad.vert (one triangle over the viewport)
layout(binding = 0) uniform sampler2D uCache;
uniform ivec2 uTargetOrigin;  // the framebuffer's rectangle in the canvas: top-left corner
uniform int uTargetHeight;    // and height
out vec4 fragColor;
void main() {
    ivec2 f = ivec2(gl_FragCoord.xy);
    ivec2 px = ivec2(uTargetOrigin.x + f.x, uTargetOrigin.y + uTargetHeight - 1 - f.y);
    ivec2 size = textureSize(uCache, 0);
    if (any(lessThan(px, ivec2(0))) || any(greaterThanEqual(px, size))) discard;
    vec4 c = texelFetch(uCache, ivec2(px.x, size.y - 1 - px.y), 0);
    if (c.a <= 0.0) discard;
    fragColor = c;
}
