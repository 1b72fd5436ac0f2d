#include "engine/analysis/color_ramps.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string>

namespace sandtable {

namespace {

// matplotlib lib/matplotlib/_cm_listed.py, entries 0, 16, 32, ..., 240, 255.
constexpr std::array<Color, 17> kViridis = {{
    {0.267004f, 0.004874f, 0.329415f, 1},
    {0.282327f, 0.094955f, 0.417331f, 1},
    {0.278826f, 0.175490f, 0.483397f, 1},
    {0.258965f, 0.251537f, 0.524736f, 1},
    {0.229739f, 0.322361f, 0.545706f, 1},
    {0.199430f, 0.387607f, 0.554642f, 1},
    {0.172719f, 0.448791f, 0.557885f, 1},
    {0.149039f, 0.508051f, 0.557250f, 1},
    {0.127568f, 0.566949f, 0.550556f, 1},
    {0.120638f, 0.625828f, 0.533488f, 1},
    {0.157851f, 0.683765f, 0.501686f, 1},
    {0.246070f, 0.738910f, 0.452024f, 1},
    {0.369214f, 0.788888f, 0.382914f, 1},
    {0.515992f, 0.831158f, 0.294279f, 1},
    {0.678489f, 0.863742f, 0.189503f, 1},
    {0.845561f, 0.887322f, 0.099702f, 1},
    {0.993248f, 0.906157f, 0.143936f, 1},
}};

constexpr std::array<Color, 17> kInferno = {{
    {0.001462f, 0.000466f, 0.013866f, 1},
    {0.042253f, 0.028139f, 0.141141f, 1},
    {0.129285f, 0.047293f, 0.290788f, 1},
    {0.238273f, 0.036621f, 0.396353f, 1},
    {0.341500f, 0.062325f, 0.429425f, 1},
    {0.441207f, 0.099338f, 0.431594f, 1},
    {0.540920f, 0.134729f, 0.415123f, 1},
    {0.640135f, 0.171438f, 0.381065f, 1},
    {0.735683f, 0.215906f, 0.330245f, 1},
    {0.822386f, 0.275197f, 0.266085f, 1},
    {0.894305f, 0.353399f, 0.193584f, 1},
    {0.946965f, 0.449191f, 0.115272f, 1},
    {0.978422f, 0.557937f, 0.034931f, 1},
    {0.987874f, 0.675267f, 0.065257f, 1},
    {0.974638f, 0.797692f, 0.206332f, 1},
    {0.947594f, 0.917399f, 0.410665f, 1},
    {0.988362f, 0.998364f, 0.644924f, 1},
}};

constexpr std::array<Color, 17> kMagma = {{
    {0.001462f, 0.000466f, 0.013866f, 1},
    {0.039608f, 0.031090f, 0.133515f, 1},
    {0.113094f, 0.065492f, 0.276784f, 1},
    {0.211718f, 0.061992f, 0.418647f, 1},
    {0.316654f, 0.071690f, 0.485380f, 1},
    {0.414709f, 0.110431f, 0.504662f, 1},
    {0.512831f, 0.148179f, 0.507648f, 1},
    {0.613617f, 0.181811f, 0.498536f, 1},
    {0.716387f, 0.214982f, 0.475290f, 1},
    {0.816914f, 0.255895f, 0.436461f, 1},
    {0.904281f, 0.319610f, 0.388137f, 1},
    {0.960949f, 0.418323f, 0.359630f, 1},
    {0.986700f, 0.535582f, 0.382210f, 1},
    {0.996096f, 0.653659f, 0.446213f, 1},
    {0.996898f, 0.769591f, 0.534892f, 1},
    {0.992440f, 0.884330f, 0.640099f, 1},
    {0.987053f, 0.991438f, 0.749504f, 1},
}};

// ColorBrewer 2.0, sequential YlOrRd, 9 classes.
const std::array<Color, 9> kYlOrRd = {
    Color::fromHex(0xffffcc), Color::fromHex(0xffeda0), Color::fromHex(0xfed976),
    Color::fromHex(0xfeb24c), Color::fromHex(0xfd8d3c), Color::fromHex(0xfc4e2a),
    Color::fromHex(0xe31a1c), Color::fromHex(0xbd0026), Color::fromHex(0x800026),
};

}  // namespace

const char* toString(ColorRampId r) {
    switch (r) {
    case ColorRampId::Viridis:
        return "viridis";
    case ColorRampId::Inferno:
        return "inferno";
    case ColorRampId::Magma:
        return "magma";
    case ColorRampId::YlOrRd:
        return "ylorrd";
    }
    return "?";
}

bool parseColorRamp(std::string_view s, ColorRampId& out) {
    std::string l(s);
    std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (ColorRampId r : kAllColorRamps)
        if (l == toString(r)) {
            out = r;
            return true;
        }
    return false;
}

std::span<const Color> rampStops(ColorRampId r) {
    switch (r) {
    case ColorRampId::Viridis:
        return kViridis;
    case ColorRampId::Inferno:
        return kInferno;
    case ColorRampId::Magma:
        return kMagma;
    case ColorRampId::YlOrRd:
        return kYlOrRd;
    }
    return kViridis;
}

Color sampleRamp(ColorRampId r, double t) {
    const std::span<const Color> s = rampStops(r);
    if (!(t > 0.0)) return s.front();
    if (t >= 1.0) return s.back();
    const double x = t * static_cast<double>(s.size() - 1);
    const size_t i = std::min(s.size() - 2, static_cast<size_t>(x));
    const float f = static_cast<float>(x - static_cast<double>(i));
    const Color& a = s[i];
    const Color& b = s[i + 1];
    return {a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f, 1.0f};
}

std::vector<Color> rampTable(ColorRampId r, int n) {
    std::vector<Color> out;
    if (n <= 0) return out;
    out.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) out.push_back(sampleRamp(r, n == 1 ? 0.0 : static_cast<double>(i) / (n - 1)));
    return out;
}

}  // namespace sandtable
