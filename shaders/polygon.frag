#version 450 core
in vec4 vColor;
uniform float uOpacity;
out vec4 fragColor;
void main() { fragColor = vec4(vColor.rgb, vColor.a * uOpacity); }
