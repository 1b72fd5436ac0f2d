#version 450 core
// Kernel convolution of the binned weights onto the coarse density grid: each coarse cell
// sums table[dy][dx] * bin over the (2R+1)^2 window. The table holds the kernel at the
// cell offsets (computed on the CPU by engine/analysis/kde.cpp, so CPU twin and GPU use
// identical numbers). Cost: cells x (2R+1)^2, independent of the number of points.
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 2) readonly buffer BinF { float binF[]; };
layout(std430, binding = 3) readonly buffer Table { float table[]; };
layout(r32f, binding = 0) writeonly uniform image2D uOut;
uniform ivec2 uCoarseSize;
uniform int uBinWidth;
uniform int uMargin;
uniform int uRadius;
void main() {
    ivec2 c = ivec2(gl_GlobalInvocationID.xy);
    if (c.x >= uCoarseSize.x || c.y >= uCoarseSize.y) return;
    int n = 2 * uRadius + 1;
    float s = 0.0;
    for (int dy = -uRadius; dy <= uRadius; ++dy) {
        int brow = (c.y + uMargin + dy) * uBinWidth + (c.x + uMargin);
        int trow = (dy + uRadius) * n + uRadius;
        for (int dx = -uRadius; dx <= uRadius; ++dx) s += table[trow + dx] * binF[brow + dx];
    }
    imageStore(uOut, c, vec4(s, 0.0, 0.0, 0.0));
}
