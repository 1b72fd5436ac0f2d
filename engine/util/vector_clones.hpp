#pragma once
// ST_VECTOR_CLONES: for the CPU kernels' inner loops (plain loops over contiguous floats
// that GCC vectorises). On x86-64 with GCC each such function is also compiled for AVX-512
// (x86-64-v4) and AVX2 + FMA (x86-64-v3) and the best is picked at load time, since the
// build's baseline is SSE2 only; elsewhere it expands to nothing.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ST_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define ST_VECTOR_CLONES
#endif
