#version 450 core
// Exact KDE gather (export path): every pixel centre sums weight * kernel(distance) over
// the points in the 3x3 cells around it (cells are at least one radius wide; points were
// sorted into cells on the CPU). Same kernel definitions as engine/analysis/kde.cpp.
layout(local_size_x = 16, local_size_y = 16) in;
// Point positions are relative to their cell's corner (small numbers, so float keeps
// ~1e-6 px), and cell corners are whole pixels, so pixel centres relative to a corner are
// exact: distances at the rim of the discontinuous uniform kernel stay trustworthy.
layout(std430, binding = 0) readonly buffer Points { vec4 pts[]; };  // x, y (pixels from cell corner), weight, 0
layout(std430, binding = 1) readonly buffer CellStart { uint cellStart[]; };
layout(std430, binding = 2) writeonly buffer Out { float outv[]; };
uniform ivec2 uSize;       // output grid
uniform ivec2 uCells;      // cell grid
uniform int uCellSize;     // pixels
uniform int uCellOrigin;   // cell grid starts at (-uCellOrigin, -uCellOrigin) pixels
uniform float uRadius;     // pixels
uniform int uShape;        // KernelShape order: quartic, triangular, uniform, triweight, epanechnikov, gaussian
uniform float uDecay;
uniform float uScale;      // 1 (raw) or the normalising constant
uniform float uGaussK;     // sigmas per radius (gaussian)

float profile(float u) {
    float a = 1.0 - u * u;
    switch (uShape) {
        case 0: return a * a;
        case 1: return 1.0 - (1.0 - uDecay) * u;
        case 2: return 1.0;
        case 3: return a * a * a;
        case 4: return a;
        default: { float s = uGaussK * u; return exp(-0.5 * s * s); }
    }
}

void main() {
    ivec2 px = ivec2(gl_GlobalInvocationID.xy);
    if (px.x >= uSize.x || px.y >= uSize.y) return;
    vec2 c = vec2(px) + 0.5;
    ivec2 cell = (px + uCellOrigin) / uCellSize;
    float r2 = uRadius * uRadius;
    float sum = 0.0;
    for (int cy = max(cell.y - 1, 0); cy <= min(cell.y + 1, uCells.y - 1); ++cy) {
        for (int cx = max(cell.x - 1, 0); cx <= min(cell.x + 1, uCells.x - 1); ++cx) {
            uint ci = uint(cy * uCells.x + cx);
            vec2 local = c - vec2(ivec2(cx, cy) * uCellSize - uCellOrigin);
            for (uint k = cellStart[ci]; k < cellStart[ci + 1u]; ++k) {
                vec4 p = pts[k];
                vec2 d = p.xy - local;
                float dd = dot(d, d);
                if (dd <= r2) sum += p.z * profile(sqrt(dd) / uRadius);
            }
        }
    }
    outv[px.y * uSize.x + px.x] = sum * uScale;
}
