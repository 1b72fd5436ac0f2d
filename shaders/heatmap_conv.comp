#version 450 core
// Kernel convolution of the binned fixed-point sums onto the coarse density grid: each
// coarse cell sums table[dy][dx] * bin over the (2R+1)^2 window, then scales the sum
// back to weights (uInvScale). The table holds the kernel at the cell offsets (computed
// on the CPU by engine/analysis/kde.cpp, so CPU twin and GPU use identical numbers).
// Cost: cells x (2R+1)^2, independent of the number of points.
//
// Vectorised for CPU rasterisers (llvmpipe) and GPUs alike: an invocation computes 4
// neighbouring cells of a row; bins are read as aligned uvec4 chunks, and the table is
// stored as 4 copies shifted by one cell (one per output), so every chunk costs one bin
// load, four table loads and four dot products (16 multiply-adds).
layout(local_size_x = 8, local_size_y = 8) in;
layout(std430, binding = 1) readonly buffer Bins { uvec4 bins4[]; };  // stride uStride4 per row
layout(std430, binding = 3) readonly buffer Table { vec4 table4[]; }; // [o][dy][c], zero-padded
layout(r32f, binding = 0) writeonly uniform image2D uOut;
uniform ivec2 uCoarseSize;
uniform int uStride4;     // uvec4 chunks per bin row
uniform int uMargin;      // bin columns/rows before coarse cell 0 (multiple of 4)
uniform int uRadius;      // R
uniform int uRadiusPad;   // R rounded up to a multiple of 4
uniform float uInvScale;  // weight per fixed-point unit
void main() {
    ivec2 c = ivec2(gl_GlobalInvocationID.xy);
    int x0 = 4 * c.x;
    if (x0 >= uCoarseSize.x || c.y >= uCoarseSize.y) return;
    int nC = uRadiusPad / 2 + 1;          // chunks per row: 2 * Rp + 4 bins
    int rows = 2 * uRadius + 1;
    int plane = rows * nC;                // table4 entries per output shift
    int start4 = (x0 + uMargin - uRadiusPad) / 4;
    vec4 s = vec4(0.0);
    for (int dy = 0; dy < rows; ++dy) {
        int b = (c.y + uMargin - uRadius + dy) * uStride4 + start4;
        int t = dy * nC;
        for (int k = 0; k < nC; ++k) {
            vec4 v = vec4(bins4[b + k]);
            s.x += dot(table4[t + k], v);
            s.y += dot(table4[plane + t + k], v);
            s.z += dot(table4[2 * plane + t + k], v);
            s.w += dot(table4[3 * plane + t + k], v);
        }
    }
    s *= uInvScale;
    for (int o = 0; o < 4; ++o)
        if (x0 + o < uCoarseSize.x) imageStore(uOut, ivec2(x0 + o, c.y), vec4(s[o], 0.0, 0.0, 0.0));
}
