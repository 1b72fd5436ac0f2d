#include "engine/data/vector_source.hpp"

#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "engine/data/geos_util.hpp"
#include "engine/geo/projection.hpp"

namespace sandtable {

namespace {

void registerGdal() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

std::vector<Vec2d> ringCoords(GEOSContextHandle_t h, const GEOSGeometry* line) {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, line);
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(h, seq, &n);
    std::vector<Vec2d> pts(n);
    for (unsigned i = 0; i < n; ++i) GEOSCoordSeq_getXY_r(h, seq, i, &pts[i].x, &pts[i].y);
    return pts;
}

void collect(GEOSContextHandle_t h, const GEOSGeometry* g, VectorFeature& f) {
    const int type = GEOSGeomTypeId_r(h, g);
    switch (type) {
    case GEOS_POINT: {
        double x = 0, y = 0;
        if (GEOSisEmpty_r(h, g) == 0 && GEOSGeomGetX_r(h, g, &x) && GEOSGeomGetY_r(h, g, &y))
            f.points.push_back({x, y});
        break;
    }
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        f.lines.push_back(ringCoords(h, g));
        break;
    case GEOS_POLYGON: {
        if (GEOSisEmpty_r(h, g) == 1) break;
        std::vector<std::vector<Vec2d>> rings;
        rings.push_back(ringCoords(h, GEOSGetExteriorRing_r(h, g)));
        const int holes = GEOSGetNumInteriorRings_r(h, g);
        for (int i = 0; i < holes; ++i) rings.push_back(ringCoords(h, GEOSGetInteriorRingN_r(h, g, i)));
        f.polygons.push_back(std::move(rings));
        break;
    }
    default: {
        const int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; ++i) collect(h, GEOSGetGeometryN_r(h, g, i), f);
    }
    }
}

GEOSGeometry* polygonFromRings(GEOSContextHandle_t h, const std::vector<std::vector<Vec2d>>& rings) {
    auto makeRing = [&](const std::vector<Vec2d>& r) -> GEOSGeometry* {
        std::vector<Vec2d> pts = r;
        if (pts.size() >= 1 && !(pts.front() == pts.back())) pts.push_back(pts.front());
        if (pts.size() < 4) return nullptr;
        GEOSCoordSequence* seq = GEOSCoordSeq_create_r(h, static_cast<unsigned>(pts.size()), 2);
        for (unsigned i = 0; i < pts.size(); ++i) GEOSCoordSeq_setXY_r(h, seq, i, pts[i].x, pts[i].y);
        return GEOSGeom_createLinearRing_r(h, seq);
    };
    if (rings.empty()) return nullptr;
    GEOSGeometry* shell = makeRing(rings[0]);
    if (!shell) return nullptr;
    std::vector<GEOSGeometry*> holes;
    for (size_t i = 1; i < rings.size(); ++i)
        if (GEOSGeometry* r = makeRing(rings[i])) holes.push_back(r);
    return GEOSGeom_createPolygon_r(h, shell, holes.data(), static_cast<unsigned>(holes.size()));
}

void appendTriangles(GEOSContextHandle_t h, const GEOSGeometry* tris, std::vector<Vec2d>& out) {
    const int n = GEOSGetNumGeometries_r(h, tris);
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* t = GEOSGetGeometryN_r(h, tris, i);
        if (GEOSGeomTypeId_r(h, t) != GEOS_POLYGON) continue;
        const auto ring = ringCoords(h, GEOSGetExteriorRing_r(h, t));
        if (ring.size() >= 3) out.insert(out.end(), ring.begin(), ring.begin() + 3);
    }
}

}  // namespace

int VectorData::fieldIndex(const std::string& name) const {
    for (size_t i = 0; i < fieldNames.size(); ++i)
        if (fieldNames[i] == name) return static_cast<int>(i);
    return -1;
}

std::string VectorData::describe(const VectorFeature& f) const {
    std::string s = "feature " + std::to_string(f.fid);
    const int ni = fieldIndex("name");
    if (ni >= 0 && ni < static_cast<int>(f.values.size()) && !f.values[static_cast<size_t>(ni)].empty())
        s += " (name=" + f.values[static_cast<size_t>(ni)] + ")";
    return s;
}

bool triangulatePolygon(const std::vector<std::vector<Vec2d>>& rings, std::vector<Vec2d>& out, std::string* why) {
    GeosContext ctx;
    GEOSContextHandle_t h = ctx.get();
    GeosGeom poly(h, polygonFromRings(h, rings));
    if (!poly) {
        if (why) *why = "fewer than 3 distinct vertices in the outer ring";
        return false;
    }
    GeosGeom tris(h, GEOSConstrainedDelaunayTriangulation_r(h, poly.get()));
    if (!tris) {
        if (why) *why = "GEOS could not triangulate";
        return false;
    }
    appendTriangles(h, tris.get(), out);
    return true;
}

VectorData loadVector(const VectorSourceSpec& spec, const std::string& displayCrs) {
    registerGdal();
    VectorData data;
    data.source = spec.path + (spec.layer.empty() ? "" : ":" + spec.layer);
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);  // the reason goes into the exception instead
    std::vector<const char*> openOptions;
    for (const auto& o : spec.openOptions) openOptions.push_back(o.c_str());
    openOptions.push_back(nullptr);
    GDALDatasetUniquePtr ds(
        GDALDataset::Open(spec.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, openOptions.data()));
    CPLPopErrorHandler();
    if (!ds) {
        std::string msg = CPLGetLastErrorMsg();
        throw std::runtime_error("cannot open vector source '" + spec.path + "'" + (msg.empty() ? "" : ": " + msg));
    }
    OGRLayer* layer = spec.layer.empty() ? ds->GetLayer(0) : ds->GetLayerByName(spec.layer.c_str());
    if (!layer) throw std::runtime_error("vector source '" + spec.path + "' has no layer '" + spec.layer + "'");
    if (!spec.where.empty() && layer->SetAttributeFilter(spec.where.c_str()) != OGRERR_NONE)
        throw std::runtime_error("vector source '" + data.source + "': bad filter '" + spec.where + "'");

    std::string srcCrs = spec.crs;
    if (srcCrs.empty()) {
        const OGRSpatialReference* srs = layer->GetSpatialRef();
        if (srs) {
            char* wkt = nullptr;
            const char* opts[] = {"FORMAT=WKT2_2019", nullptr};
            srs->exportToWkt(&wkt, opts);
            srcCrs = wkt ? wkt : "";
            CPLFree(wkt);
        }
        if (srcCrs.empty()) {
            srcCrs = "EPSG:4326";
            data.warnings.push_back(data.source + ": no CRS in the source, assuming WGS84 lon/lat");
        }
    }
    Transformer xf(srcCrs, displayCrs);

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    for (int i = 0; i < defn->GetFieldCount(); ++i) data.fieldNames.push_back(defn->GetFieldDefn(i)->GetNameRef());

    GeosContext ctx;
    GEOSContextHandle_t h = ctx.get();
    for (auto& feat : *layer) {
        VectorFeature f;
        f.fid = feat->GetFID();
        for (int i = 0; i < defn->GetFieldCount(); ++i) {
            f.values.emplace_back(feat->IsFieldSetAndNotNull(i) ? feat->GetFieldAsString(i) : "");
            const OGRFieldType t = defn->GetFieldDefn(i)->GetType();
            const bool numeric = t == OFTInteger || t == OFTInteger64 || t == OFTReal;
            f.numbers.push_back(numeric && feat->IsFieldSetAndNotNull(i) ? feat->GetFieldAsDouble(i) : NAN);
        }
        const OGRGeometry* og = feat->GetGeometryRef();
        if (!og || og->IsEmpty()) {
            ++data.skipped;
            data.warnings.push_back(data.source + ": " + data.describe(f) + " skipped: no geometry");
            continue;
        }
        std::vector<unsigned char> wkb(static_cast<size_t>(og->WkbSize()));
        og->exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
        GeosGeom g(h, GEOSGeomFromWKB_buf_r(h, wkb.data(), wkb.size()));
        if (!g) {
            ++data.skipped;
            data.warnings.push_back(data.source + ": " + data.describe(f) + " skipped: geometry not readable by GEOS");
            continue;
        }
        if (GEOSisValid_r(h, g.get()) != 1) {
            char* reason = GEOSisValidReason_r(h, g.get());
            std::string why = reason ? reason : "invalid";
            GEOSFree_r(h, reason);
            GeosGeom fixed(h, GEOSMakeValid_r(h, g.get()));
            if (!fixed || GEOSisEmpty_r(h, fixed.get()) == 1) {
                ++data.skipped;
                data.warnings.push_back(data.source + ": " + data.describe(f) + " skipped: invalid geometry (" + why +
                                        ") could not be repaired");
                continue;
            }
            ++data.repaired;
            data.warnings.push_back(data.source + ": " + data.describe(f) + " repaired: " + why);
            g = std::move(fixed);
        }
        struct Ctx {
            const Transformer* xf;
            bool ok;
        } tctx{&xf, true};
        auto cb = [](double* x, double* y, void* ud) -> int {
            auto* c = static_cast<Ctx*>(ud);
            Vec2d p{*x, *y};
            if (!std::isfinite(p.x) || !std::isfinite(p.y) || !c->xf->forward(p)) {
                c->ok = false;
                return 0;
            }
            *x = p.x;
            *y = p.y;
            return 1;
        };
        GeosGeom projected(h, GEOSGeom_transformXY_r(h, g.get(), cb, &tctx));
        if (!projected || !tctx.ok) {
            ++data.skipped;
            data.warnings.push_back(data.source + ": " + data.describe(f) + " skipped: coordinates outside what '" +
                                    srcCrs.substr(0, 40) + "' can transform to the display CRS");
            continue;
        }
        collect(h, projected.get(), f);
        // Triangulate the polygonal part as a whole (holes and multipolygons included).
        for (const auto& rings : f.polygons) {
            std::string why;
            if (!triangulatePolygon(rings, f.triangles, &why))
                data.warnings.push_back(data.source + ": " + data.describe(f) + ": a polygon part not filled: " + why);
        }
        for (const auto& rings : f.polygons)
            for (const auto& r : rings)
                for (auto p : r) f.bounds.extend(p);
        for (const auto& l : f.lines)
            for (auto p : l) f.bounds.extend(p);
        for (auto p : f.points) f.bounds.extend(p);
        if (!f.polygons.empty()) {
            // Label at the pole of inaccessibility (the visual centre), not the centroid.
            const double tol = std::max(f.bounds.maxX - f.bounds.minX, f.bounds.maxY - f.bounds.minY) / 200.0;
            GeosGeom mic(h, GEOSMaximumInscribedCircle_r(h, projected.get(), tol));
            GeosGeom pos(h, mic ? GEOSGeomGetStartPoint_r(h, mic.get()) : GEOSPointOnSurface_r(h, projected.get()));
            double x = 0, y = 0;
            if (pos && GEOSGeomGetX_r(h, pos.get(), &x) && GEOSGeomGetY_r(h, pos.get(), &y)) f.labelPoint = {x, y};
        } else if (!f.lines.empty() && !f.lines[0].empty()) {
            f.labelPoint = f.lines[0][f.lines[0].size() / 2];
        } else if (!f.points.empty()) {
            f.labelPoint = f.points[0];
        }
        data.bounds.merge(f.bounds);
        data.features.push_back(std::move(f));
    }
    return data;
}

}  // namespace sandtable
