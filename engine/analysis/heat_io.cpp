#include "engine/analysis/heat_io.hpp"
#include "engine/util/civil_time.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "engine/geo/projection.hpp"

namespace sandtable {

namespace {

struct DatasetCloser {
    void operator()(GDALDataset* d) const { GDALClose(d); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

// OGR DateTime -> Unix ms. OGR's TZ flag: 100 = UTC, 100 + n = UTC + n*15 min; unknown
// (0) and local time (1) are taken as UTC, which the docs state.
bool fieldTimeMs(OGRFeature& f, int idx, TimeMs& out) {
    const OGRFieldType t = f.GetFieldDefnRef(idx)->GetType();
    if (t == OFTInteger || t == OFTInteger64 || t == OFTReal) {
        out = static_cast<TimeMs>(f.GetFieldAsDouble(idx));
        return true;
    }
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, tz = 0;
    float s = 0;
    if (!f.GetFieldAsDateTime(idx, &y, &mo, &d, &h, &mi, &s, &tz)) return false;
    int64_t ms = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400000LL +
                 (h * 3600LL + mi * 60LL) * 1000LL + static_cast<int64_t>(std::lround(s * 1000.0f));
    if (tz > 1) ms -= static_cast<int64_t>(tz - 100) * 15 * 60000LL;
    out = ms;
    return true;
}

// A numeric attribute; strings must parse completely ("12.5" yes, "n/a" no).
bool fieldNumber(OGRFeature& f, int idx, double& out) {
    if (!f.IsFieldSetAndNotNull(idx)) return false;
    const OGRFieldType t = f.GetFieldDefnRef(idx)->GetType();
    if (t == OFTInteger || t == OFTInteger64 || t == OFTReal) {
        out = f.GetFieldAsDouble(idx);
        return true;
    }
    const char* s = f.GetFieldAsString(idx);
    char* end = nullptr;
    out = std::strtod(s, &end);
    if (end == s) return false;
    while (*end == ' ') ++end;
    return *end == '\0';
}

int requireField(OGRLayer& layer, const std::string& name, const std::string& path) {
    const int idx = layer.GetLayerDefn()->GetFieldIndex(name.c_str());
    if (idx < 0)
        throw std::runtime_error("heatmap source '" + path + "' layer '" + layer.GetName() + "' has no field '" + name +
                                 "'");
    return idx;
}

}  // namespace

OgrPointResult readOgrPoints(const OgrPointSource& src, const std::string& displayCrs) {
    GDALAllRegister();
    DatasetPtr ds(static_cast<GDALDataset*>(
        GDALOpenEx(src.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
    if (!ds) throw std::runtime_error("heatmap: cannot open '" + src.path + "': " + CPLGetLastErrorMsg());
    OGRLayer* layer = src.layer.empty() ? ds->GetLayer(0) : ds->GetLayerByName(src.layer.c_str());
    if (!layer) throw std::runtime_error("heatmap: '" + src.path + "' has no layer '" + src.layer + "'");

    const bool attrXY = !src.xField.empty() && !src.yField.empty();
    const int xIdx = attrXY ? requireField(*layer, src.xField, src.path) : -1;
    const int yIdx = attrXY ? requireField(*layer, src.yField, src.path) : -1;
    const int wIdx = src.weightField.empty() ? -1 : requireField(*layer, src.weightField, src.path);
    const int tIdx = src.timeField.empty() ? -1 : requireField(*layer, src.timeField, src.path);

    OgrPointResult res;
    bool swapXY = false;
    res.sourceCrs = src.sourceCrs;
    if (res.sourceCrs.empty()) {
        const OGRSpatialReference* srs = attrXY ? nullptr : layer->GetSpatialRef();
        if (srs) {
            char* wkt = nullptr;
            const char* opts[] = {"FORMAT=WKT2_2019", nullptr};
            srs->exportToWkt(&wkt, opts);
            res.sourceCrs = wkt ? wkt : "";
            CPLFree(wkt);
            // Our Transformer takes east/north (lon/lat) order. OGR gives coordinates in
            // the layer's data axis order; compare with the traditional GIS order.
            std::unique_ptr<OGRSpatialReference> trad(srs->Clone());
            trad->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
            swapXY = srs->GetDataAxisToSRSAxisMapping() != trad->GetDataAxisToSRSAxisMapping();
        } else {
            res.sourceCrs = "EPSG:4326";
        }
    }
    const Transformer tr(res.sourceCrs, displayCrs);

    layer->ResetReading();
    for (std::unique_ptr<OGRFeature> f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
        HeatPoint hp;
        if (wIdx >= 0 && !fieldNumber(*f, wIdx, hp.weight)) {
            ++res.stats.badWeight;
            continue;
        }
        if (tIdx >= 0 && f->IsFieldSetAndNotNull(tIdx) && !fieldTimeMs(*f, tIdx, hp.time)) hp.time = 0;

        std::vector<Vec2d> pts;
        if (attrXY) {
            Vec2d p;
            if (!fieldNumber(*f, xIdx, p.x) || !fieldNumber(*f, yIdx, p.y)) {
                ++res.stats.noCoordinates;
                continue;
            }
            pts.push_back(p);
        } else {
            const OGRGeometry* g = f->GetGeometryRef();
            if (!g || g->IsEmpty()) {
                ++res.stats.noCoordinates;
                continue;
            }
            const OGRwkbGeometryType gt = wkbFlatten(g->getGeometryType());
            if (gt == wkbPoint) {
                const auto* p = g->toPoint();
                pts.push_back({p->getX(), p->getY()});
            } else if (gt == wkbMultiPoint) {
                for (const OGRPoint* p : *g->toMultiPoint())
                    if (p && !p->IsEmpty()) pts.push_back({p->getX(), p->getY()});
            } else {
                ++res.stats.notPoint;
                continue;
            }
        }
        for (Vec2d p : pts) {
            if (swapXY) std::swap(p.x, p.y);
            if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
                ++res.stats.noCoordinates;
                continue;
            }
            if (!std::isfinite(hp.weight)) {
                ++res.stats.badWeight;
                continue;
            }
            if (hp.weight < 0) {
                ++res.stats.negativeWeight;
                continue;
            }
            if (!tr.forward(p) || !std::isfinite(p.x) || !std::isfinite(p.y)) {
                ++res.stats.transformFailed;
                continue;
            }
            HeatPoint q = hp;
            q.pos = p;
            res.points.push_back(q);
        }
    }
    res.stats.accepted = res.points.size();
    return res;
}

void writeDensityGeoTiff(const std::string& path, const DensityGrid& grid, const std::string& crs) {
    GDALAllRegister();
    if (grid.spec.width <= 0 || grid.spec.height <= 0 || grid.values.size() != grid.spec.pixelCount())
        throw std::runtime_error("heatmap export '" + path + "': the density grid is empty or inconsistent");
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
    if (!drv) throw std::runtime_error("heatmap export: GDAL has no GTiff driver");
    OGRSpatialReference srs;
    if (srs.SetFromUserInput(canonicalCrs(crs).c_str()) != OGRERR_NONE)
        throw std::runtime_error("heatmap export '" + path + "': GDAL does not understand the CRS '" + crs + "'");
    char** opts = nullptr;
    opts = CSLSetNameValue(opts, "COMPRESS", "DEFLATE");
    opts = CSLSetNameValue(opts, "PREDICTOR", "3");
    opts = CSLSetNameValue(opts, "TILED", "YES");
    DatasetPtr ds(drv->Create(path.c_str(), grid.spec.width, grid.spec.height, 1, GDT_Float32, opts));
    CSLDestroy(opts);
    if (!ds) throw std::runtime_error("heatmap export: cannot create '" + path + "': " + CPLGetLastErrorMsg());
    std::array<double, 6> gt = grid.spec.geoTransform();
    ds->SetGeoTransform(gt.data());
    ds->SetSpatialRef(&srs);
    GDALRasterBand* band = ds->GetRasterBand(1);
    band->SetDescription("density");
    const CPLErr err =
        band->RasterIO(GF_Write, 0, 0, grid.spec.width, grid.spec.height, const_cast<float*>(grid.values.data()),
                       grid.spec.width, grid.spec.height, GDT_Float32, 0, 0, nullptr);
    if (err != CE_None)
        throw std::runtime_error("heatmap export: writing '" + path + "' failed: " + CPLGetLastErrorMsg());
    ds.reset();  // flush and close now so errors surface here
}

RasterReadBack readDensityRaster(const std::string& path) {
    GDALAllRegister();
    DatasetPtr ds(static_cast<GDALDataset*>(
        GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
    if (!ds) throw std::runtime_error("cannot open raster '" + path + "': " + CPLGetLastErrorMsg());
    RasterReadBack r;
    ds->GetGeoTransform(r.geoTransform.data());
    if (const OGRSpatialReference* srs = ds->GetSpatialRef()) {
        char* wkt = nullptr;
        srs->exportToWkt(&wkt);
        r.crsWkt = wkt ? wkt : "";
        CPLFree(wkt);
    }
    GDALRasterBand* band = ds->GetRasterBand(1);
    r.dataType = GDALGetDataTypeName(band->GetRasterDataType());
    GridSpec& s = r.grid.spec;
    s.width = ds->GetRasterXSize();
    s.height = ds->GetRasterYSize();
    s.topLeft = {r.geoTransform[0], r.geoTransform[3]};
    s.pixelSize = std::hypot(r.geoTransform[1], r.geoTransform[4]);
    s.rotation = std::atan2(-r.geoTransform[4], r.geoTransform[1]);
    r.grid.values.resize(s.pixelCount());
    if (band->RasterIO(GF_Read, 0, 0, s.width, s.height, r.grid.values.data(), s.width, s.height, GDT_Float32, 0, 0,
                       nullptr) != CE_None)
        throw std::runtime_error("reading raster '" + path + "' failed: " + CPLGetLastErrorMsg());
    return r;
}

}  // namespace sandtable
