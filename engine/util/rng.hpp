#pragma once
// Deterministic random numbers for simulations, generated sample data, benchmark inputs
// and tests: std::mt19937_64 (its output is fixed by the standard) with our own
// transforms, because the standard distributions differ between standard libraries and
// these streams must be the same everywhere for a seed.
#include <cmath>
#include <cstdint>
#include <random>

#include "engine/util/math.hpp"

namespace sandtable {

class Rng {
public:
    explicit Rng(uint64_t seed) : g_(seed) {}
    double uniform() { return static_cast<double>(g_() >> 11) * 0x1.0p-53; }  // [0, 1)
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    // Inclusive [a, b].
    int64_t uniformInt(int64_t a, int64_t b) {
        return a + static_cast<int64_t>(uniform() * static_cast<double>(b - a + 1));
    }
    uint64_t below(uint64_t n) { return g_() % n; }  // bias irrelevant for n << 2^64
    // Standard normal by Box-Muller, one value per call; u1 in (0, 1] keeps the log finite.
    double normal() {
        const double u1 = 1.0 - uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
    }
    bool chance(double p) { return uniform() < p; }
    // Knuth's multiplication method: fine for small means (sample data counts).
    int poisson(double mean) {
        const double l = std::exp(-mean);
        int k = 0;
        double p = 1.0;
        do {
            ++k;
            p *= uniform();
        } while (p > l && k < 1000);
        return k - 1;
    }
    uint64_t next() { return g_(); }

private:
    std::mt19937_64 g_;
};

}  // namespace sandtable
