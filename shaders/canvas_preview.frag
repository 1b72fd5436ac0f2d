#version 450 core
// A zoom gesture's preview on software GL (Map::zoomPreview): the map's canvas cache, as
// last drawn whole, scaled and moved to the view now and filtered bilinearly; what it
// does not cover (zooming out) shows the background. The cache is addressed modulo its
// size, GL's rows from the bottom, and repeats: cached pixel q (continuous, rows from the
// top) is at texture position (q.x, h - q.y) + uRingOffset.
// Vertex shader: heatmap_quad.vert (one triangle over the viewport, the whole canvas).
layout(binding = 0) uniform sampler2D uRing;
uniform vec2 uOrigin;  // the cached pixel at the canvas's top-left corner
uniform vec2 uDx;      // its step per canvas pixel to the right
uniform vec2 uDy;      // and per canvas pixel down
uniform ivec2 uRingOffset;
uniform int uTargetHeight;
uniform vec4 uBackground;
out vec4 fragColor;
void main() {
    vec2 p = vec2(gl_FragCoord.x, float(uTargetHeight) - gl_FragCoord.y);  // rows from the top
    vec2 q = uOrigin + p.x * uDx + p.y * uDy;
    vec2 size = vec2(textureSize(uRing, 0));
    if (any(lessThan(q, vec2(0.0))) || any(greaterThan(q, size))) {
        fragColor = uBackground;
        return;
    }
    // The cache's own edge: no texel from its other side.
    q = clamp(q, vec2(0.5), size - vec2(0.5));
    fragColor = texture(uRing, (vec2(q.x, size.y - q.y) + vec2(uRingOffset)) / size);
}
