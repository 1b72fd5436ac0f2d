#version 450 core
// Draws one rectangle of the cached colourised heatmap (canvas-sized) with the layer opacity.
layout(binding = 0) uniform sampler2D uColor;
uniform float uOpacity;
uniform vec2 uOffset;  // the rectangle's lower-left corner in the cache, texels
out vec4 fragColor;
void main() {
    vec4 c = texelFetch(uColor, ivec2(gl_FragCoord.xy + uOffset), 0);
    if (c.a <= 0.0) discard;
    fragColor = vec4(c.rgb, c.a * uOpacity);
}
