#version 450 core
in vec2 vLocal;
in vec4 vColor;
uniform float uRadius;
uniform float uStrokeWidth;
uniform vec4 uStroke;
uniform float uOpacity;
out vec4 fragColor;
void main() {
    float d = length(vLocal);
    float outer = clamp(uRadius + uStrokeWidth * 0.5 + 0.5 - d, 0.0, 1.0);
    float inner = clamp(uRadius - uStrokeWidth * 0.5 + 0.5 - d, 0.0, 1.0);
    if (outer <= 0.0) discard;
    vec4 c = mix(uStroke, vColor, inner);
    fragColor = vec4(c.rgb, c.a * outer * uOpacity);
}
