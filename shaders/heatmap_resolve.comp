#version 450 core
// 64-bit fixed-point bin sums -> float weights (double maths: the high word matters).
layout(local_size_x = 256) in;
layout(std430, binding = 1) readonly buffer Bins { uint bins[]; };
layout(std430, binding = 2) writeonly buffer BinF { float binF[]; };
uniform uint uBinCount;
uniform double uInvScale;
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i >= uBinCount) return;
    uint lo = bins[2u * i], hi = bins[2u * i + 1u];
    double v = (double(int(hi)) * 4294967296.0 + double(lo)) * uInvScale;
    binF[i] = float(max(v, 0.0lf));  // a removal can leave -0 rounding; density is >= 0
}
