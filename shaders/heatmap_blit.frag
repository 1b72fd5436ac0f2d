#version 450 core
// Draws the cached colourised heatmap (same size as the viewport) with the layer opacity.
layout(binding = 0) uniform sampler2D uColor;
uniform float uOpacity;
out vec4 fragColor;
void main() {
    vec4 c = texelFetch(uColor, ivec2(gl_FragCoord.xy), 0);
    if (c.a <= 0.0) discard;
    fragColor = vec4(c.rgb, c.a * uOpacity);
}
