#version 450 core
in vec2 vUv;
uniform sampler2D uTile;
uniform float uOpacity;
out vec4 fragColor;
void main() {
    vec4 c = texture(uTile, vUv);
    fragColor = vec4(c.rgb, c.a * uOpacity);
}
