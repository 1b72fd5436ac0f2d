#include "engine/util/image.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace sandtable {

void Image::flipVertically() {
    const size_t row = static_cast<size_t>(width) * 4;
    std::vector<uint8_t> tmp(row);
    for (int y = 0; y < height / 2; ++y) {
        uint8_t* a = &rgba[static_cast<size_t>(y) * row];
        uint8_t* b = &rgba[static_cast<size_t>(height - 1 - y) * row];
        std::memcpy(tmp.data(), a, row);
        std::memcpy(a, b, row);
        std::memcpy(b, tmp.data(), row);
    }
}

namespace {
struct FileCloser {
    void operator()(FILE* f) const {
        if (f) std::fclose(f);
    }
};
}  // namespace

void writePng(const std::string& path, const Image& img) {
    std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "wb"));
    if (!f) throw std::runtime_error("cannot write PNG '" + path + "': " + std::strerror(errno));
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        throw std::runtime_error("cannot write PNG '" + path + "': out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        throw std::runtime_error("cannot write PNG '" + path + "': libpng error");
    }
    png_init_io(png, f.get());
    png_set_IHDR(png, info, static_cast<png_uint_32>(img.width), static_cast<png_uint_32>(img.height), 8,
                 PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    for (int y = 0; y < img.height; ++y) png_write_row(png, img.pixel(0, y));
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
}

Image readPng(const std::string& path) {
    std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) throw std::runtime_error("cannot read PNG '" + path + "': " + std::strerror(errno));
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) {
        png_destroy_read_struct(&png, &info, nullptr);
        throw std::runtime_error("cannot read PNG '" + path + "': out of memory");
    }
    Image img;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, nullptr);
        throw std::runtime_error("cannot read PNG '" + path + "': not a valid PNG");
    }
    png_init_io(png, f.get());
    png_read_info(png, info);
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    png_read_update_info(png, info);
    img = Image(static_cast<int>(png_get_image_width(png, info)), static_cast<int>(png_get_image_height(png, info)));
    std::vector<png_bytep> rows(static_cast<size_t>(img.height));
    for (int y = 0; y < img.height; ++y) rows[static_cast<size_t>(y)] = img.pixel(0, y);
    png_read_image(png, rows.data());
    png_read_end(png, nullptr);
    png_destroy_read_struct(&png, &info, nullptr);
    return img;
}

namespace {

// YIQ colour difference (pixelmatch), normalised to 0..1.
double yiqDistance(const uint8_t* a, const uint8_t* b) {
    auto blend = [](double c, double alpha) { return 255.0 + (c - 255.0) * alpha; };
    const double aa = a[3] / 255.0, ab = b[3] / 255.0;
    const double r1 = blend(a[0], aa), g1 = blend(a[1], aa), b1 = blend(a[2], aa);
    const double r2 = blend(b[0], ab), g2 = blend(b[1], ab), b2 = blend(b[2], ab);
    const double y = (r1 - r2) * 0.29889531 + (g1 - g2) * 0.58662247 + (b1 - b2) * 0.11448223;
    const double i = (r1 - r2) * 0.59597799 - (g1 - g2) * 0.27417610 - (b1 - b2) * 0.32180189;
    const double q = (r1 - r2) * 0.21147017 - (g1 - g2) * 0.52261711 + (b1 - b2) * 0.31114694;
    return (0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q) / 35215.0;
}

double luma(const uint8_t* p) { return p[0] * 0.29889531 + p[1] * 0.58662247 + p[2] * 0.11448223; }

bool samePixel(const uint8_t* a, const uint8_t* b) {
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

// More than two of the 8 neighbours identical to the pixel: it lies in a flat region.
bool hasManySiblings(const Image& img, int x, int y) {
    const uint8_t* c = img.pixel(x, y);
    int same = 0;
    for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
            if (!dx && !dy) continue;
            const int nx = x + dx, ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= img.width || ny >= img.height) continue;
            same += samePixel(c, img.pixel(nx, ny));
        }
    return same > 2;
}

// pixelmatch's anti-aliasing test: the pixel has at most two identical neighbours, both
// darker and brighter neighbours, and its darkest or brightest neighbour sits in a flat
// region in both images (so it is an edge between flat areas, not detail).
bool antialiased(const Image& img, int x, int y, const Image& other) {
    const double c = luma(img.pixel(x, y));
    int zeroes = (x == 0 || x == img.width - 1 || y == 0 || y == img.height - 1) ? 1 : 0;
    double minD = 0, maxD = 0;
    int minX = 0, minY = 0, maxX = 0, maxY = 0;
    for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
            if (!dx && !dy) continue;
            const int nx = x + dx, ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= img.width || ny >= img.height) continue;
            const double d = luma(img.pixel(nx, ny)) - c;
            if (d == 0) {
                if (++zeroes > 2) return false;
            } else if (d < minD) {
                minD = d;
                minX = nx;
                minY = ny;
            } else if (d > maxD) {
                maxD = d;
                maxX = nx;
                maxY = ny;
            }
        }
    if (minD == 0 || maxD == 0) return false;
    return (hasManySiblings(img, minX, minY) && hasManySiblings(other, minX, minY)) ||
           (hasManySiblings(img, maxX, maxY) && hasManySiblings(other, maxX, maxY));
}

}  // namespace

ImageDiff compareImages(const Image& expected, const Image& actual, double threshold) {
    ImageDiff d;
    if (expected.width != actual.width || expected.height != actual.height) {
        d.total = static_cast<size_t>(std::max(expected.width * expected.height, actual.width * actual.height));
        d.differing = d.total;
        d.diff = Image(std::max(1, actual.width), std::max(1, actual.height));
        return d;
    }
    d.total = static_cast<size_t>(expected.width) * expected.height;
    d.diff = Image(expected.width, expected.height);
    const double maxDelta = threshold * threshold;
    for (int y = 0; y < expected.height; ++y)
        for (int x = 0; x < expected.width; ++x) {
            const uint8_t* e = expected.pixel(x, y);
            const uint8_t* a = actual.pixel(x, y);
            uint8_t* o = d.diff.pixel(x, y);
            const double dist = yiqDistance(e, a);
            const uint8_t gray = static_cast<uint8_t>(255 - (255 - luma(e)) * 0.1);
            o[0] = o[1] = o[2] = gray;
            o[3] = 255;
            if (dist > maxDelta) {
                if (antialiased(expected, x, y, actual) || antialiased(actual, x, y, expected)) {
                    o[0] = 255;
                    o[1] = 200;
                    o[2] = 0;  // yellow: ignored anti-aliasing
                } else {
                    o[0] = 255;
                    o[1] = 0;
                    o[2] = 0;
                    ++d.differing;
                }
            }
        }
    return d;
}

}  // namespace sandtable
