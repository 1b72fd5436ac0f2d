#version 450 core
// Linear binning of heatmap points into a grid of 64-bit fixed-point sums. Integer
// atomics make the sums exact and independent of thread order (bit-identical images on
// every run, which golden tests need); core GL 4.5 has no float atomics. uSign = -1
// removes points (time window moving on) exactly, by adding the two's complement.
layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer Points { vec4 pts[]; };  // x, y (origin-relative), weight, unused
layout(std430, binding = 1) buffer Bins { uint bins[]; };           // (lo, hi) per bin

uniform uint uFirst;
uniform uint uCount;
uniform vec2 uTopLeft;    // bin grid top-left corner, origin-relative
uniform vec2 uRight;      // unit vector of the grid's x axis / pixel size
uniform vec2 uDown;       // unit vector of the grid's y axis (downwards) / pixel size
uniform ivec2 uSize;      // bin grid size
uniform float uScale;     // fixed-point units per unit of weight
uniform int uSign;        // +1 add, -1 remove

void deposit(int x, int y, float amount) {
    uint q = uint(amount * uScale + 0.5);
    if (q == 0u) return;
    uint lo = q, hi = 0u;
    if (uSign < 0) { lo = 0u - q; hi = 0xFFFFFFFFu; }
    uint i = uint(y * uSize.x + x) * 2u;
    uint old = atomicAdd(bins[i], lo);
    uint carry = (old + lo < old) ? 1u : 0u;
    uint h = hi + carry;
    if (h != 0u) atomicAdd(bins[i + 1u], h);
}

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint k = gl_GlobalInvocationID.x; k < uCount; k += stride) {
        vec4 p = pts[uFirst + k];
        vec2 d = p.xy - uTopLeft;
        vec2 g = vec2(dot(d, uRight), dot(d, uDown)) - 0.5;  // bin centres at integers
        vec2 f = floor(g);
        ivec2 i0 = ivec2(f);
        vec2 t = g - f;
        if (i0.x < 0 || i0.y < 0 || i0.x + 1 >= uSize.x || i0.y + 1 >= uSize.y) continue;
        float w = p.z;
        deposit(i0.x, i0.y, w * (1.0 - t.x) * (1.0 - t.y));
        deposit(i0.x + 1, i0.y, w * t.x * (1.0 - t.y));
        deposit(i0.x, i0.y + 1, w * (1.0 - t.x) * t.y);
        deposit(i0.x + 1, i0.y + 1, w * t.x * t.y);
    }
}
