#version 450 core
// Disc with a white outline and a dark heading pointer inside it. Variants (the layer
// picks the least one the frame needs, since software GL runs both sides of every branch
// for every pixel): STALE adds the stale look (grey, translucent, dashed ring, no
// pointer), RINGS the selection halo (white) and the dispatch candidate ring (cyan) on
// the larger sprites of flagged officers.
flat in vec4 vColor;  // rgb; a: 1 stale
flat in vec4 vShape;  // heading direction (screen, y down; zero: none), disc radius px, half the sprite side px
flat in vec4 vPointer;  // the heading pointer's width line and extent (officer.vert)
flat in uint vFlags;
uniform float uPixelRatio;
uniform float uOpacity;
out vec4 fragColor;

float cover(float d) { return clamp(0.5 - d, 0.0, 1.0); }  // d: signed px distance, < 0 inside

void main() {
    vec2 p = (gl_PointCoord - 0.5) * (vShape.w * 2.0);  // px, x right, y down
    float r = vShape.z;
    float dist = length(p);
    float disc = cover(dist - r);
#ifdef RINGS
    if (disc <= 0.0 && vFlags == 0u) discard;  // the sprite's corners
#else
    if (disc <= 0.0) discard;
#endif
    float ringW = 1.5 * uPixelRatio;
    float inner = cover(dist - (r - ringW));
    // Heading pointer: a triangle from behind the centre to the ring (one coverage from
    // the nearest of its three edges; its constants per officer from the vertex shader).
    vec2 d = vShape.xy;
    float u = dot(p, d), v = abs(dot(p, vec2(-d.y, d.x)));
    float w = clamp(vPointer.x - vPointer.y * u, 0.0, 0.5 * r);
    float pointer = cover(max(v - w, max(u - vPointer.z, vPointer.w - u))) * 0.85;
    vec3 fill = mix(vColor.rgb, vec3(0.03, 0.07, 0.11), pointer);
#ifdef STALE
    vec4 ring = vec4(1.0);
    float fillA = 1.0;
    if (vColor.a > 0.5) {
        // Dashed ring, 8 dashes: the sign of sin(8 angle), i.e. of Im((x + iy)^8), no atan.
        float x2 = p.x * p.x, y2 = p.y * p.y;
        float im8 = p.x * p.y * (x2 * x2 * x2 - 7.0 * x2 * x2 * y2 + 7.0 * x2 * y2 * y2 - y2 * y2 * y2);
        ring = vec4(0.85, 0.88, 0.92, step(0.0, im8));
        fillA = 0.45;
    }
    vec4 col = mix(ring, vec4(fill, fillA), inner);
    col.a *= disc;
#else
    vec4 col = vec4(mix(vec3(1.0), fill, inner), disc);
#endif
#ifdef RINGS
    col.rgb *= col.a;  // premultiplied while the rings are composited
    if ((vFlags & 2u) != 0u) {
        float c = cover(abs(dist - (r + 4.0 * uPixelRatio)) - 1.5 * uPixelRatio);
        col = mix(col, vec4(0.0, 0.9, 1.0, 1.0), c);
    }
    if ((vFlags & 1u) != 0u) {
        float c = cover(abs(dist - (r + 3.0 * uPixelRatio)) - 2.0 * uPixelRatio);
        col = mix(col, vec4(1.0, 1.0, 1.0, 1.0), c);
    }
    if (col.a <= 0.003) discard;
    col.rgb /= col.a;
#endif
    fragColor = vec4(col.rgb, col.a * uOpacity);
}
