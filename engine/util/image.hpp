#pragma once
// An 8-bit RGBA image in memory (rows top to bottom) with PNG read/write (libpng) and
// the comparison used by the golden render tests.
#include <cstdint>
#include <string>
#include <vector>

namespace sandtable {

struct Image {
    int width = 0, height = 0;
    std::vector<uint8_t> rgba;  // width * height * 4

    Image() = default;
    Image(int w, int h) : width(w), height(h), rgba(static_cast<size_t>(w) * h * 4, 0) {}
    uint8_t* pixel(int x, int y) { return &rgba[(static_cast<size_t>(y) * width + x) * 4]; }
    const uint8_t* pixel(int x, int y) const { return &rgba[(static_cast<size_t>(y) * width + x) * 4]; }
    void flipVertically();
};

// Throws std::runtime_error naming the file and the reason.
void writePng(const std::string& path, const Image& img);
Image readPng(const std::string& path);

struct ImageDiff {
    size_t differing = 0;  // pixels over the colour threshold and not anti-aliased edges
    size_t total = 0;
    double fraction() const { return total ? static_cast<double>(differing) / static_cast<double>(total) : 0.0; }
    Image diff;  // differing pixels red over a faded copy of the expected image
};

// Pixel comparison in the manner of MapLibre's render tests: YIQ colour distance with a
// threshold (0..1), ignoring pixels that differ only because they sit on an anti-aliased
// edge in either image.
ImageDiff compareImages(const Image& expected, const Image& actual, double threshold = 0.1);

}  // namespace sandtable
