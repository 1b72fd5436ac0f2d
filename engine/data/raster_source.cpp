#include "engine/data/raster_source.hpp"

#include <cpl_error.h>
#include <gdal_priv.h>
#include <gdalwarper.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "engine/geo/projection.hpp"

namespace sandtable {

struct RasterSource::Impl {
    GDALDatasetUniquePtr src;
    GDALDatasetUniquePtr warped;
    std::vector<double> scaleMin, scaleMax;  // per band, for non-byte data
    std::vector<int> hasNoData;
    std::vector<double> noData;
    bool palette = false;
};

namespace {
std::string wktOf(const std::string& crs) {
    OGRSpatialReference srs;
    if (srs.SetFromUserInput(canonicalCrs(crs).c_str()) != OGRERR_NONE)
        throw std::runtime_error("unknown CRS '" + crs + "'");
    char* wkt = nullptr;
    srs.exportToWkt(&wkt);
    std::string s = wkt ? wkt : "";
    CPLFree(wkt);
    return s;
}
}  // namespace

RasterSource::RasterSource(const std::string& path, const std::string& displayCrs, const std::string& srcCrsOverride)
    : impl_(std::make_unique<Impl>()), path_(path) {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
    CPLErrorReset();
    impl_->src.reset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    if (!impl_->src) throw std::runtime_error("cannot open raster '" + path + "': " + CPLGetLastErrorMsg());
    bands_ = impl_->src->GetRasterCount();
    if (bands_ < 1) throw std::runtime_error("raster '" + path + "' has no bands");
    std::string srcWkt;
    if (!srcCrsOverride.empty())
        srcWkt = wktOf(srcCrsOverride);
    else if (const char* w = impl_->src->GetProjectionRef(); w && *w)
        srcWkt = w;
    else
        throw std::runtime_error("raster '" + path + "' has no CRS (set \"crs\" in the scene)");
    const std::string dstWkt = wktOf(displayCrs);
    GDALDatasetH vrt =
        GDALAutoCreateWarpedVRT(impl_->src.get(), srcWkt.c_str(), dstWkt.c_str(), GRA_Bilinear, 0.125, nullptr);
    if (!vrt) throw std::runtime_error("cannot warp raster '" + path + "' to the display CRS: " + CPLGetLastErrorMsg());
    impl_->warped.reset(GDALDataset::FromHandle(vrt));
    width_ = impl_->warped->GetRasterXSize();
    height_ = impl_->warped->GetRasterYSize();
    impl_->warped->GetGeoTransform(gt_);
    pixelSize_ = std::fabs(gt_[1]);
    bounds_.extend(Vec2d{gt_[0], gt_[3]});
    bounds_.extend(Vec2d{gt_[0] + gt_[1] * width_, gt_[3] + gt_[5] * height_});
    levels_ = 1;
    while ((std::max(width_, height_) >> (levels_ - 1)) > kTileSize) ++levels_;

    for (int b = 1; b <= bands_; ++b) {
        GDALRasterBand* band = impl_->warped->GetRasterBand(b);
        int has = 0;
        const double nd = band->GetNoDataValue(&has);
        impl_->hasNoData.push_back(has);
        impl_->noData.push_back(nd);
        double mn = 0, mx = 255;
        if (band->GetRasterDataType() != GDT_Byte) {
            double st[4];
            if (impl_->src->GetRasterBand(b)->ComputeRasterMinMax(TRUE, st) == CE_None) {
                mn = st[0];
                mx = st[1];
            }
            if (!(mx > mn)) mx = mn + 1;
        }
        impl_->scaleMin.push_back(mn);
        impl_->scaleMax.push_back(mx);
    }
    impl_->palette = bands_ == 1 && impl_->warped->GetRasterBand(1)->GetColorTable() != nullptr;
}

RasterSource::~RasterSource() = default;

int RasterSource::levelFor(double resolution) const {
    const int l = static_cast<int>(std::floor(std::log2(std::max(resolution / pixelSize_, 1.0))));
    return std::clamp(l, 0, levels_ - 1);
}

std::vector<TileKey> RasterSource::tilesIn(int level, const BBox& box) const {
    std::vector<TileKey> out;
    const double tileUnits = pixelSize_ * kTileSize * std::pow(2.0, level);
    const int nx = (width_ + (kTileSize << level) - 1) / (kTileSize << level);
    const int ny = (height_ + (kTileSize << level) - 1) / (kTileSize << level);
    const int x0 = std::max(0, static_cast<int>(std::floor((box.minX - bounds_.minX) / tileUnits)));
    const int x1 = std::min(nx - 1, static_cast<int>(std::floor((box.maxX - bounds_.minX) / tileUnits)));
    const int y0 = std::max(0, static_cast<int>(std::floor((bounds_.maxY - box.maxY) / tileUnits)));
    const int y1 = std::min(ny - 1, static_cast<int>(std::floor((bounds_.maxY - box.minY) / tileUnits)));
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) out.push_back({level, x, y});
    return out;
}

TilePixels RasterSource::read(const TileKey& key) const {
    TilePixels t;
    t.key = key;
    const int span = kTileSize << key.level;  // level-0 pixels per tile side
    const int px0 = key.x * span, py0 = key.y * span;
    const int pw = std::min(span, width_ - px0), ph = std::min(span, height_ - py0);
    t.width = std::max(1, pw >> key.level);
    t.height = std::max(1, ph >> key.level);
    t.bounds.extend(Vec2d{gt_[0] + gt_[1] * px0, gt_[3] + gt_[5] * py0});
    t.bounds.extend(Vec2d{gt_[0] + gt_[1] * (px0 + pw), gt_[3] + gt_[5] * (py0 + ph)});
    const size_t n = static_cast<size_t>(t.width) * t.height;
    t.rgba.assign(n * 4, 255);
    GDALRasterIOExtraArg extra;
    INIT_RASTERIO_EXTRA_ARG(extra);
    extra.eResampleAlg = key.level > 0 ? GRIORA_Average : GRIORA_NearestNeighbour;
    std::vector<double> buf(n);
    std::vector<uint8_t> valid(n, 1);
    const int useBands = std::min(bands_, 4);
    CPLPushErrorHandler(CPLQuietErrorHandler);  // a failure is reported by the layer, once
    struct PopHandler {
        ~PopHandler() { CPLPopErrorHandler(); }
    } popHandler;
    for (int b = 0; b < useBands; ++b) {
        GDALRasterBand* band = impl_->warped->GetRasterBand(b + 1);
        CPLErrorReset();
        if (band->RasterIO(GF_Read, px0, py0, pw, ph, buf.data(), t.width, t.height, GDT_Float64, 0, 0, &extra) !=
            CE_None) {
            std::fill(t.rgba.begin(), t.rgba.end(), 0);
            t.failed = true;
            const char* why = CPLGetLastErrorMsg();
            t.error = "raster '" + path_ + "': tile " + std::to_string(key.level) + "/" + std::to_string(key.x) + "/" +
                      std::to_string(key.y) + " could not be read: " + (why && *why ? why : "unknown GDAL error");
            return t;
        }
        const double mn = impl_->scaleMin[static_cast<size_t>(b)], mx = impl_->scaleMax[static_cast<size_t>(b)];
        for (size_t i = 0; i < n; ++i) {
            const double v = buf[i];
            if (impl_->hasNoData[static_cast<size_t>(b)] && v == impl_->noData[static_cast<size_t>(b)]) valid[i] = 0;
            if (impl_->palette) {
                const GDALColorEntry* e = band->GetColorTable()->GetColorEntry(static_cast<int>(v));
                if (e) {
                    t.rgba[i * 4] = static_cast<uint8_t>(e->c1);
                    t.rgba[i * 4 + 1] = static_cast<uint8_t>(e->c2);
                    t.rgba[i * 4 + 2] = static_cast<uint8_t>(e->c3);
                    t.rgba[i * 4 + 3] = static_cast<uint8_t>(e->c4);
                }
                continue;
            }
            const uint8_t c = static_cast<uint8_t>(std::lround(std::clamp((v - mn) / (mx - mn) * 255.0, 0.0, 255.0)));
            if (useBands == 1 || useBands == 2) {
                if (b == 0)
                    t.rgba[i * 4] = t.rgba[i * 4 + 1] = t.rgba[i * 4 + 2] = c;
                else
                    t.rgba[i * 4 + 3] = c;
            } else {
                t.rgba[i * 4 + static_cast<size_t>(b)] = c;
            }
        }
    }
    // Pixels outside the warped source come back as 0 in every band when the source has
    // no nodata value; treat those (and nodata pixels) as transparent.
    const bool anyNoData = std::any_of(impl_->hasNoData.begin(), impl_->hasNoData.end(), [](int h) { return h != 0; });
    for (size_t i = 0; i < n; ++i) {
        const bool black = t.rgba[i * 4] == 0 && t.rgba[i * 4 + 1] == 0 && t.rgba[i * 4 + 2] == 0;
        if (!valid[i] || (!anyNoData && black && useBands != 2 && useBands != 4)) t.rgba[i * 4 + 3] = 0;
    }
    return t;
}

}  // namespace sandtable
