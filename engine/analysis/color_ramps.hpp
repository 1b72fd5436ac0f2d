#pragma once
// Colour ramps for density rasters: matplotlib's perceptually uniform viridis, inferno
// and magma (17 stops: every 16th entry of matplotlib's 256-entry tables, plus the last)
// and ColorBrewer's sequential YlOrRd (9 classes). Sampled linearly between stops in
// sRGB, the way matplotlib's ListedColormap tables were meant to be read.
#include <span>
#include <string_view>
#include <vector>

#include "engine/util/math.hpp"

namespace sandtable {

enum class ColorRampId { Viridis, Inferno, Magma, YlOrRd };
inline constexpr ColorRampId kAllColorRamps[] = {ColorRampId::Viridis, ColorRampId::Inferno, ColorRampId::Magma,
                                                 ColorRampId::YlOrRd};

const char* toString(ColorRampId r);                        // "viridis", "inferno", "magma", "ylorrd"
bool parseColorRamp(std::string_view s, ColorRampId& out);  // case-insensitive

// The ramp's defining stops, evenly spaced, low to high (alpha 1).
std::span<const Color> rampStops(ColorRampId r);
// Colour at t in [0, 1] (clamped), linear between stops.
Color sampleRamp(ColorRampId r, double t);
// n evenly spaced samples (for the shader's lookup texture and the legend).
std::vector<Color> rampTable(ColorRampId r, int n);

}  // namespace sandtable
