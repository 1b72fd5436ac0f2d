#pragma once
// A minimal fork-join loop for the CPU kernels (heatmap aggregation, exact density export):
// [0, n) cut into one contiguous range per thread, the calling thread taking the first.
// Threads are started per call (tens of microseconds): the work items here take
// milliseconds or more, and a pool would need its own lifetime rules.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace sandtable {

// The number of threads CPU kernels use: the machine's cores (at least 1).
inline int cpuThreads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

// Calls fn(begin, end, index) for `threads` ranges covering [0, n) (fewer when n is small).
inline void parallelFor(size_t n, int threads, const std::function<void(size_t, size_t, int)>& fn) {
    const size_t t = std::clamp<size_t>(static_cast<size_t>(std::max(1, threads)), 1, std::max<size_t>(n, 1));
    if (t == 1) {
        fn(0, n, 0);
        return;
    }
    std::vector<std::thread> pool;
    pool.reserve(t - 1);
    for (size_t i = 1; i < t; ++i) pool.emplace_back(fn, n * i / t, n * (i + 1) / t, static_cast<int>(i));
    fn(0, n / t, 0);
    for (std::thread& th : pool) th.join();
}

}  // namespace sandtable
