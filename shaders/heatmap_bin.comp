#version 450 core
// Linear binning of heatmap points into a grid of 32-bit fixed-point sums. Integer
// atomics make the sums exact and independent of thread order (bit-identical images on
// every run, which golden tests need); core GL 4.5 has no float atomics. uSign = -1
// removes points (time window moving on) exactly: unsigned wrap-around, and the fixed-
// point scale is chosen on the CPU so that no bin's true total can reach 2^31.
// One atomic per touched bin: 32-bit words (no carry word), the weight scaled once per
// point, no divisions.
layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer Points { vec4 pts[]; };  // x, y (origin-relative), weight, unused
layout(std430, binding = 1) buffer Bins { uint bins[]; };           // row stride uStride

uniform uint uFirst;
uniform uint uCount;
uniform vec2 uTopLeft;    // bin grid top-left corner, origin-relative
uniform vec2 uRight;      // unit vector of the grid's x axis / pixel size
uniform vec2 uDown;       // unit vector of the grid's y axis (downwards) / pixel size
uniform ivec2 uSize;      // bin grid size (points whose 2x2 footprint leaves it are skipped)
uniform int uStride;      // words per bin row (>= uSize.x, padded for vec4 reads)
uniform float uScale;     // fixed-point units per unit of weight
uniform int uSign;        // +1 add, -1 remove

void deposit(uint i, float amount) {
    uint q = uint(amount + 0.5);
    if (q != 0u) atomicAdd(bins[i], uSign < 0 ? 0u - q : q);
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
        float w = p.z * uScale;
        float top = w * (1.0 - t.y), bottom = w * t.y;
        uint i = uint(i0.y * uStride + i0.x);
        deposit(i, top * (1.0 - t.x));
        deposit(i + 1u, top * t.x);
        deposit(i + uint(uStride), bottom * (1.0 - t.x));
        deposit(i + uint(uStride) + 1u, bottom * t.x);
    }
}
