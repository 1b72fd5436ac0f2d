#version 450 core
// The heatmap pan's floor (bench/floor_layer.cpp): a canvas-sized texture, one texel
// fetch per pixel, transparent texels discarded, the rest blended with an opacity.
layout(binding = 0) uniform sampler2D uColor;
uniform ivec2 uOffset;  // the rectangle's lower-left corner in the texture
uniform float uOpacity;
out vec4 fragColor;
void main() {
    vec4 c = texelFetch(uColor, ivec2(gl_FragCoord.xy) + uOffset, 0);
    if (c.a <= 0.0) discard;
    fragColor = vec4(c.rgb, c.a * uOpacity);
}
