#version 450 core
// Composited premultiplied. Disc with a white outline and a heading wedge; stale: grey, translucent, dashed ring;
// selected: thick white halo; dispatch candidate: cyan ring.
in vec4 vColor;
flat in vec2 vDir;
flat in float vStale;
flat in uint vFlags;
flat in float vSize;
flat in float vHalf;
uniform float uPixelRatio;
uniform float uOpacity;
out vec4 fragColor;

float cover(float d) { return clamp(0.5 - d, 0.0, 1.0); }  // d: signed px distance, < 0 inside

void main() {
    vec2 p = (gl_PointCoord - 0.5) * (vHalf * 2.0);  // px, x right, y down
    float r = vSize * 0.5;
    float dist = length(p);
    vec4 col = vec4(0.0);
    // Heading wedge: a triangle ahead of the disc.
    if (vDir != vec2(0.0)) {
        vec2 d = vDir;
        vec2 n = vec2(-d.y, d.x);
        float u = dot(p, d), v = dot(p, n);
        float tip = r + r * 0.9, base = r * 0.2, halfW = r * 0.8;
        float w = halfW * clamp((tip - u) / (tip - base), 0.0, 1.0);
        float inside = min(cover(abs(v) - w), min(cover(u - tip), cover(base - u)));
        col = mix(col, vec4(vColor.rgb * 0.75, 1.0), inside);
    }
    float ringW = 1.5 * uPixelRatio;
    float disc = cover(dist - r);
    float inner = cover(dist - (r - ringW));
    vec4 ring = vec4(1.0);
    if (vStale > 0.5) {
        // Dashed ring: 8 dashes.
        float a = atan(p.y, p.x);
        ring = vec4(0.85, 0.88, 0.92, step(0.0, sin(a * 8.0)));
    }
    vec4 fill = vec4(vColor.rgb, vStale > 0.5 ? 0.45 : 1.0);
    vec4 discCol = mix(ring, fill, inner);
    discCol.a *= disc;
    discCol.rgb *= discCol.a;               // premultiplied from here on
    col = discCol + col * (1.0 - discCol.a);
    if ((vFlags & 2u) != 0u) {
        float c = cover(abs(dist - (r + 4.0 * uPixelRatio)) - 1.5 * uPixelRatio);
        col = mix(col, vec4(0.0, 0.9, 1.0, 1.0), c);
    }
    if ((vFlags & 1u) != 0u) {
        float c = cover(abs(dist - (r + 3.0 * uPixelRatio)) - 2.0 * uPixelRatio);
        col = mix(col, vec4(1.0, 1.0, 1.0, 1.0), c);
    }
    if (col.a <= 0.003) discard;
    fragColor = vec4(col.rgb / col.a, col.a * uOpacity);
}
