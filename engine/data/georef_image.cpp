#include "engine/data/georef_image.hpp"

#include <cpl_conv.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace sandtable {

namespace {

std::string crsWkt(const std::string& crs) {
    OGRSpatialReference srs;
    if (srs.SetFromUserInput(crs.c_str()) != OGRERR_NONE)
        throw std::runtime_error("'" + crs + "' is not a CRS GDAL knows");
    char* wkt = nullptr;
    const char* options[] = {"FORMAT=WKT1_ESRI", nullptr};  // what .prj readers expect
    if (srs.exportToWkt(&wkt, options) != OGRERR_NONE || !wkt) {
        CPLFree(wkt);
        throw std::runtime_error("'" + crs + "' cannot be written as WKT");
    }
    std::string out = wkt;
    CPLFree(wkt);
    return out;
}

}  // namespace

GeoTransform cameraGeoTransform(const Camera& camera) {
    const Vec2d o = camera.screenToWorld({0.0, 0.0});
    const Vec2d dx = camera.screenToWorld({1.0, 0.0}) - o, dy = camera.screenToWorld({0.0, 1.0}) - o;
    return {o.x, dx.x, dy.x, o.y, dx.y, dy.y};
}

std::string worldFilePath(const std::string& imagePath) {
    std::filesystem::path p(imagePath);
    const std::string ext = p.extension().string();
    if (ext.size() >= 3) return p.replace_extension(ext.substr(0, 2) + ext.substr(ext.size() - 1) + "w").string();
    return imagePath + "w";
}

void writeWorldFile(const std::string& imagePath, const GeoTransform& gt, const std::string& crs) {
    const std::string wld = worldFilePath(imagePath);
    // World files give the centre of the top-left pixel.
    const double cx = gt[0] + 0.5 * gt[1] + 0.5 * gt[2], cy = gt[3] + 0.5 * gt[4] + 0.5 * gt[5];
    std::FILE* f = std::fopen(wld.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write world file '" + wld + "'");
    std::fprintf(f, "%.10f\n%.10f\n%.10f\n%.10f\n%.6f\n%.6f\n", gt[1], gt[4], gt[2], gt[5], cx, cy);
    if (std::fclose(f) != 0) throw std::runtime_error("cannot write world file '" + wld + "'");
    const std::string prj = std::filesystem::path(imagePath).replace_extension(".prj").string();
    std::FILE* p = std::fopen(prj.c_str(), "w");
    if (!p) throw std::runtime_error("cannot write '" + prj + "'");
    const std::string wkt = crsWkt(crs);
    std::fputs(wkt.c_str(), p);
    if (std::fclose(p) != 0) throw std::runtime_error("cannot write '" + prj + "'");
}

void writeGeoTiff(const std::string& path, const Image& img, const GeoTransform& gt, const std::string& crs) {
    GDALAllRegister();
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
    if (!drv) throw std::runtime_error("GDAL has no GTiff driver");
    const char* options[] = {"COMPRESS=DEFLATE", "TILED=YES",        "PHOTOMETRIC=RGB",
                             "ALPHA=YES",        "BIGTIFF=IF_SAFER", nullptr};
    GDALDatasetUniquePtr ds(drv->Create(path.c_str(), img.width, img.height, 4, GDT_Byte, const_cast<char**>(options)));
    if (!ds) throw std::runtime_error("cannot create GeoTIFF '" + path + "': " + CPLGetLastErrorMsg());
    double t[6] = {gt[0], gt[1], gt[2], gt[3], gt[4], gt[5]};
    ds->SetGeoTransform(t);
    OGRSpatialReference srs;
    if (srs.SetFromUserInput(crs.c_str()) != OGRERR_NONE)
        throw std::runtime_error(path + ": '" + crs + "' is not a CRS GDAL knows");
    ds->SetSpatialRef(&srs);
    // Interleaved RGBA rows straight from the image: band stride 1, pixel stride 4.
    int bands[4] = {1, 2, 3, 4};
    const CPLErr err =
        ds->RasterIO(GF_Write, 0, 0, img.width, img.height, const_cast<uint8_t*>(img.rgba.data()), img.width,
                     img.height, GDT_Byte, 4, bands, 4, static_cast<GSpacing>(img.width) * 4, 1, nullptr);
    if (err != CE_None) throw std::runtime_error("cannot write GeoTIFF '" + path + "': " + CPLGetLastErrorMsg());
    ds.reset();  // flush and close: errors on close surface here
}

}  // namespace sandtable
