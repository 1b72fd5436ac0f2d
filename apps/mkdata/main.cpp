// sandtable-mkdata: derives the committed Putuo sample (data/putuo/) from the inputs in
// ../shared/data. Rerunnable and deterministic; see data/README.md for provenance.
//
//   sandtable-mkdata --districts shanghai_districts.geojson --anchors anchors.csv --out data/putuo
//                    [--osm ../shared/data/osm]
//
// Steps: district outlines are converted from GCJ-02 to WGS84; the 10 illustrative
// jurisdictions are the Voronoi cells of the anchor points clipped to Putuo; Suzhou Creek
// is approximated by Putuo's shared edge with Changning; checkpoints are placed every
// ~900 m along it (records/checkpoints.csv). With --osm, the OpenStreetMap major roads,
// metro lines and stations (ODbL) are clipped to Putuo plus a margin, reduced to the
// attributes the map and the simulator use and simplified below what the sample's zooms
// show (roads.geojson, metro_lines.geojson, metro_stations.geojson). Complaints and the
// other records come from `sandtable-sim records`.
#include <cpl_conv.h>
#include <gdal_priv.h>
#include <geos_c.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/geo/gcj02.hpp"
#include "engine/geo/projection.hpp"
#include "engine/sim/records_generator.hpp"
#include "engine/util/cli.hpp"

using namespace sandtable;

namespace {

GEOSContextHandle_t gctx;

struct Geos {
    GEOSGeometry* g = nullptr;
    explicit Geos(GEOSGeometry* x = nullptr) : g(x) {}
    ~Geos() {
        if (g) GEOSGeom_destroy_r(gctx, g);
    }
    Geos(Geos&& o) noexcept : g(o.g) { o.g = nullptr; }
    Geos& operator=(Geos&& o) noexcept {
        std::swap(g, o.g);
        return *this;
    }
    Geos(const Geos&) = delete;
    GEOSGeometry* release() {
        auto* x = g;
        g = nullptr;
        return x;
    }
};

Geos fromOgr(const OGRGeometry& geom) {
    std::vector<unsigned char> wkb(static_cast<size_t>(geom.WkbSize()));
    geom.exportToWkb(wkbNDR, wkb.data());
    return Geos(GEOSGeomFromWKB_buf_r(gctx, wkb.data(), wkb.size()));
}

OGRGeometry* toOgr(const GEOSGeometry* g) {
    size_t n = 0;
    unsigned char* wkb = GEOSGeomToWKB_buf_r(gctx, g, &n);
    OGRGeometry* out = nullptr;
    OGRGeometryFactory::createFromWkb(wkb, nullptr, &out, n);
    GEOSFree_r(gctx, wkb);
    return out;
}

// GCJ-02 -> WGS84 for every vertex.
Geos gcjToWgs(const GEOSGeometry* g) {
    auto cb = [](double* x, double* y, void*) -> int {
        const Vec2d w = gcj02::toWgs84({*x, *y});
        *x = w.x;
        *y = w.y;
        return 1;
    };
    return Geos(GEOSGeom_transformXY_r(gctx, g, cb, nullptr));
}

struct OutLayer {
    GDALDatasetUniquePtr ds;
    OGRLayer* layer = nullptr;
};

OutLayer create(const std::string& path, OGRwkbGeometryType type,
                const std::vector<std::pair<std::string, OGRFieldType>>& fields) {
    auto* drv = GetGDALDriverManager()->GetDriverByName("GeoJSON");
    VSIUnlink(path.c_str());
    OutLayer o;
    o.ds.reset(drv->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!o.ds) throw std::runtime_error("cannot create " + path);
    OGRSpatialReference wgs;
    wgs.importFromEPSG(4326);
    wgs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    char** opts = CSLSetNameValue(nullptr, "COORDINATE_PRECISION", "6");
    opts = CSLSetNameValue(opts, "RFC7946", "NO");
    o.layer = o.ds->CreateLayer("layer", &wgs, type, opts);
    CSLDestroy(opts);
    for (auto& [name, t] : fields) {
        OGRFieldDefn fd(name.c_str(), t);
        o.layer->CreateField(&fd);
    }
    return o;
}

void add(OutLayer& o, const GEOSGeometry* g, const std::map<std::string, std::string>& str,
         const std::map<std::string, double>& num = {}) {
    OGRFeature f(o.layer->GetLayerDefn());
    for (auto& [k, v] : str) f.SetField(k.c_str(), v.c_str());
    for (auto& [k, v] : num) f.SetField(k.c_str(), v);
    f.SetGeometryDirectly(toOgr(g));
    if (o.layer->CreateFeature(&f) != OGRERR_NONE) throw std::runtime_error("cannot write feature");
}

struct Anchor {
    std::string code, name, squad;
    double lon, lat;
};

// English names (pinyin) for the map's English mode.
std::string englishName(const std::string& zh) {
    static const std::map<std::string, std::string> names = {{"普陀区", "Putuo"},
                                                             {"嘉定区", "Jiading"},
                                                             {"宝山区", "Baoshan"},
                                                             {"静安区", "Jing'an"},
                                                             {"长宁区", "Changning"},
                                                             {"闵行区", "Minhang"},
                                                             {"虹口区", "Hongkou"},
                                                             {"黄浦区", "Huangpu"},
                                                             {"徐汇区", "Xuhui"},
                                                             {"杨浦区", "Yangpu"},
                                                             {"青浦区", "Qingpu"},
                                                             {"浦东新区", "Pudong"},
                                                             {"松江区", "Songjiang"},
                                                             {"金山区", "Jinshan"},
                                                             {"奉贤区", "Fengxian"},
                                                             {"崇明区", "Chongming"},
                                                             {"曹杨新村街道", "Caoyang Xincun"},
                                                             {"长风新村街道", "Changfeng Xincun"},
                                                             {"长寿路街道", "Changshou Road"},
                                                             {"甘泉路街道", "Ganquan Road"},
                                                             {"石泉路街道", "Shiquan Road"},
                                                             {"宜川路街道", "Yichuan Road"},
                                                             {"万里街道", "Wanli"},
                                                             {"真如镇街道", "Zhenru Town"},
                                                             {"长征镇", "Changzheng Town"},
                                                             {"桃浦镇", "Taopu Town"}};
    auto it = names.find(zh);
    return it == names.end() ? zh : it->second;
}

std::vector<Anchor> readAnchors(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::string line;
    std::getline(in, line);  // header: code,name,squad,lon,lat
    std::vector<Anchor> out;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::stringstream ss(line);
        Anchor a;
        std::string lon, lat;
        std::getline(ss, a.code, ',');
        std::getline(ss, a.name, ',');
        std::getline(ss, a.squad, ',');
        std::getline(ss, lon, ',');
        std::getline(ss, lat, ',');
        a.lon = std::stod(lon);
        a.lat = std::stod(lat);
        out.push_back(a);
    }
    return out;
}

// Equirectangular metres about Putuo's latitude, so that the OSM margin and the
// simplification tolerance are metres in every direction. The scale is linear: scaling
// back gives the input coordinates again to far below the 1e-6 degrees written, so roads
// that shared an end vertex still share it in the output (the simulator's road graph
// joins them there).
struct LocalMetres {
    double kx, ky;
    bool forward;
};

Geos scaled(const GEOSGeometry* g, const LocalMetres& m) {
    auto cb = [](double* x, double* y, void* user) -> int {
        const auto* s = static_cast<const LocalMetres*>(user);
        if (s->forward) {
            *x *= s->kx;
            *y *= s->ky;
        } else {
            *x /= s->kx;
            *y /= s->ky;
        }
        return 1;
    };
    return Geos(GEOSGeom_transformXY_r(gctx, g, cb, const_cast<LocalMetres*>(&m)));
}

// The LineStrings in g (a LineString, a MultiLineString or what an intersection returns).
void collectLines(const GEOSGeometry* g, std::vector<Geos>& out) {
    const int type = GEOSGeomTypeId_r(gctx, g);
    if (type == GEOS_LINESTRING) {
        if (GEOSisEmpty_r(gctx, g) == 0) out.emplace_back(GEOSGeom_clone_r(gctx, g));
    } else if (type == GEOS_MULTILINESTRING || type == GEOS_GEOMETRYCOLLECTION) {
        for (int i = 0; i < GEOSGetNumGeometries_r(gctx, g); ++i) collectLines(GEOSGetGeometryN_r(gctx, g, i), out);
    }
}

struct Prepared {
    const GEOSPreparedGeometry* p;
    explicit Prepared(const GEOSGeometry* g) : p(GEOSPrepare_r(gctx, g)) {}
    ~Prepared() { GEOSPreparedGeom_destroy_r(gctx, p); }
    Prepared(const Prepared&) = delete;
    Prepared& operator=(const Prepared&) = delete;
};

// The parts of a line (local metres) inside `area`, simplified: topology-preserving
// Douglas-Peucker keeps every line's end vertices (the network's junctions) and never
// collapses a closed line.
std::vector<Geos> clipLine(const GEOSGeometry* line, const GEOSGeometry* area, const Prepared& prepArea,
                           double toleranceM) {
    std::vector<Geos> pieces, out;
    if (GEOSPreparedIntersects_r(gctx, prepArea.p, line) != 1) return out;
    if (GEOSPreparedContains_r(gctx, prepArea.p, line) == 1) {
        collectLines(line, pieces);
    } else {
        Geos cut(GEOSIntersection_r(gctx, line, area));
        if (cut.g) collectLines(cut.g, pieces);
    }
    for (auto& piece : pieces) {
        Geos simple(toleranceM > 0 ? GEOSTopologyPreserveSimplify_r(gctx, piece.g, toleranceM)
                                   : GEOSGeom_clone_r(gctx, piece.g));
        double len = 0;
        if (!simple.g || GEOSLength_r(gctx, simple.g, &len) != 1 || len < 0.5) continue;  // clip slivers
        out.push_back(std::move(simple));
    }
    return out;
}

GDALDatasetUniquePtr openOsm(const std::string& path) {
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds || ds->GetLayerCount() < 1)
        throw std::runtime_error(path + ": cannot open as a vector dataset (" + CPLGetLastErrorMsg() + ")");
    return ds;
}

int fieldOf(OGRLayer* layer, const std::string& path, const char* name) {
    const int i = layer->GetLayerDefn()->GetFieldIndex(name);
    if (i < 0) throw std::runtime_error(path + ": no '" + std::string(name) + "' field");
    return i;
}

std::string fieldText(OGRFeature& f, int i) { return f.IsFieldSetAndNotNull(i) ? f.GetFieldAsString(i) : ""; }

// One output feature; empty strings stay null (most OSM roads here have no name).
void addFeature(OutLayer& o, const GEOSGeometry* g, const std::vector<std::pair<const char*, std::string>>& fields) {
    OGRFeature f(o.layer->GetLayerDefn());
    for (const auto& [k, v] : fields)
        if (!v.empty()) f.SetField(k, v.c_str());
    f.SetGeometryDirectly(toOgr(g));
    if (o.layer->CreateFeature(&f) != OGRERR_NONE) throw std::runtime_error("cannot write feature");
}

// Major roads, metro lines and stations from the OSM extracts (../shared/data/osm, ODbL;
// data/README.md) within `marginM` of Putuo.
void deriveOsm(const std::string& osmDir, const GEOSGeometry* putuo, const std::string& outDir, double marginM,
               double toleranceM) {
    double cy = 0;
    {
        Geos c(GEOSGetCentroid_r(gctx, putuo));
        GEOSGeomGetY_r(gctx, c.g, &cy);
    }
    const LocalMetres toM{std::cos(degToRad(cy)) * kMetresPerDeg, kMetresPerDeg, true};
    const LocalMetres toDeg{toM.kx, toM.ky, false};
    Geos putuoM = scaled(putuo, toM);
    Geos area(GEOSBuffer_r(gctx, putuoM.g, marginM, 8));
    if (!area.g) throw std::runtime_error("cannot buffer the Putuo outline");
    const Prepared prepArea(area.g);

    // Roads: the class is OSM's highway with "_link" folded into the road it serves (a
    // ramp is drawn and walked as part of its road); names where the extract has one.
    {
        const std::string path = osmDir + "/putuo_roads_major.geojson";
        auto src = openOsm(path);
        OGRLayer* in = src->GetLayer(0);
        const int hwF = fieldOf(in, path, "highway"), nameF = fieldOf(in, path, "name");
        auto o = create(outDir + "/roads.geojson", wkbLineString, {{"class", OFTString}, {"name", OFTString}});
        std::map<std::string, std::pair<size_t, double>> byClass;  // class -> features, km
        for (auto& f : in) {
            const OGRGeometry* g = f->GetGeometryRef();
            if (!g) continue;
            std::string cls = fieldText(*f, hwF);
            if (cls.size() > 5 && cls.compare(cls.size() - 5, 5, "_link") == 0) cls.resize(cls.size() - 5);
            if (cls != "motorway" && cls != "trunk" && cls != "primary" && cls != "secondary") continue;
            Geos line = fromOgr(*g);
            Geos lineM = scaled(line.g, toM);
            for (auto& piece : clipLine(lineM.g, area.g, prepArea, toleranceM)) {
                double len = 0;
                GEOSLength_r(gctx, piece.g, &len);
                Geos back = scaled(piece.g, toDeg);
                addFeature(o, back.g, {{"class", cls}, {"name", fieldText(*f, nameF)}});
                byClass[cls].first += 1;
                byClass[cls].second += len / 1000.0;
            }
        }
        std::printf("roads.geojson:");
        for (const auto& [cls, n] : byClass) std::printf(" %s %zu (%.1f km)", cls.c_str(), n.first, n.second);
        std::printf("\n");
    }
    // Metro lines, one feature per route. The extract's "network" feature (route
    // "network": every track, depot yards included) is left out: it repeats the routes'
    // tracks and adds only the yards, which read as noise at the sample's zooms.
    {
        const std::string path = osmDir + "/putuo_metro_lines.geojson";
        auto src = openOsm(path);
        OGRLayer* in = src->GetLayer(0);
        const int routeF = fieldOf(in, path, "route"), nameF = fieldOf(in, path, "name");
        auto o = create(outDir + "/metro_lines.geojson", wkbMultiLineString,
                        {{"route", OFTString}, {"name", OFTString}, {"name_en", OFTString}});
        size_t n = 0;
        for (auto& f : in) {
            const OGRGeometry* g = f->GetGeometryRef();
            const std::string route = fieldText(*f, routeF);
            if (!g || route.empty() || route == "network") continue;
            Geos line = fromOgr(*g);
            Geos lineM = scaled(line.g, toM);
            auto pieces = clipLine(lineM.g, area.g, prepArea, toleranceM);
            if (pieces.empty()) continue;
            std::vector<GEOSGeometry*> parts;
            for (auto& p : pieces) parts.push_back(p.release());
            Geos multi(GEOSGeom_createCollection_r(gctx, GEOS_MULTILINESTRING, parts.data(),
                                                   static_cast<unsigned>(parts.size())));
            Geos merged(GEOSLineMerge_r(gctx, multi.g));  // the clip's pieces joined where they meet
            Geos back = scaled(merged.g, toDeg);
            std::string en = route;
            std::replace(en.begin(), en.end(), '-', '/');
            en = (route.find('-') == std::string::npos ? "Metro Line " : "Metro Lines ") + en;
            // A MultiLineString layer: a route that merged into one line is written as one part.
            if (GEOSGeomTypeId_r(gctx, back.g) == GEOS_LINESTRING) {
                GEOSGeometry* one = back.release();
                back = Geos(GEOSGeom_createCollection_r(gctx, GEOS_MULTILINESTRING, &one, 1));
            }
            addFeature(o, back.g, {{"route", route}, {"name", fieldText(*f, nameF)}, {"name_en", en}});
            ++n;
        }
        std::printf("metro_lines.geojson: %zu routes\n", n);
    }
    // Stations: those inside the same area, with their name (the extract's ids are not
    // used by the map).
    {
        const std::string path = osmDir + "/putuo_metro_stations.geojson";
        auto src = openOsm(path);
        OGRLayer* in = src->GetLayer(0);
        const int nameF = fieldOf(in, path, "name");
        auto o = create(outDir + "/metro_stations.geojson", wkbPoint, {{"name", OFTString}});
        size_t n = 0;
        for (auto& f : in) {
            const OGRGeometry* g = f->GetGeometryRef();
            if (!g || wkbFlatten(g->getGeometryType()) != wkbPoint) continue;
            Geos p = fromOgr(*g);
            Geos pm = scaled(p.g, toM);
            if (GEOSPreparedContains_r(gctx, prepArea.p, pm.g) != 1) continue;
            addFeature(o, p.g, {{"name", fieldText(*f, nameF)}});
            ++n;
        }
        std::printf("metro_stations.geojson: %zu stations\n", n);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string districtsPath, anchorsPath, outDir, osmDir;
    double osmMarginM = 1000, simplifyM = 1.5;
    CLI::App app("Derives the Putuo sample data (data/putuo) from ../shared/data.", "sandtable-mkdata");
    cli::setup(app);
    app.add_option("--districts", districtsPath, "Shanghai district outlines (GeoJSON)")
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option("--anchors", anchorsPath, "jurisdiction anchor points (CSV)")->required()->check(CLI::ExistingFile);
    app.add_option("--out", outDir, "output folder")->required();
    app.add_option("--osm", osmDir, "OpenStreetMap extracts (../shared/data/osm): also writes the roads and metro")
        ->check(CLI::ExistingDirectory);
    app.add_option("--osm-margin", osmMarginM, "keep OSM features within this many metres of Putuo")
        ->check(CLI::Range(0.0, 5000.0))
        ->capture_default_str();
    app.add_option("--simplify", simplifyM, "OSM line simplification tolerance, metres (0: none)")
        ->check(CLI::Range(0.0, 50.0))
        ->capture_default_str();
    if (const int rc = cli::parse(app, argc, argv); rc >= 0) return rc;
    try {
        GDALAllRegister();
        gctx = GEOS_init_r();
        GDALDatasetUniquePtr src(GDALDataset::Open(districtsPath.c_str(), GDAL_OF_VECTOR));
        if (!src) throw std::runtime_error("cannot open " + districtsPath);
        std::map<std::string, Geos> districts;  // name -> WGS84 geometry
        for (auto& f : src->GetLayer(0)) {
            const OGRGeometry* g = f->GetGeometryRef();
            if (!g) continue;
            Geos gg = fromOgr(*g);
            // The source is GCJ-02-like lon/lat: convert to WGS84 so every file here is true GeoJSON.
            Geos w = gcjToWgs(gg.g);
            // buffer(0) repairs self-intersections and keeps only the polygonal part.
            Geos repaired(GEOSBuffer_r(gctx, w.g, 0.0, 8));
            // Snap to the 1e-6 degree grid the GeoJSON is written with, so that rounding
            // cannot make the written polygons invalid.
            Geos valid(GEOSGeom_setPrecision_r(gctx, repaired.g, 1e-6, 0));
            districts.emplace(f->GetFieldAsString("name"), std::move(valid));
        }
        const std::string putuoName = "普陀区", changningName = "长宁区";
        if (!districts.count(putuoName) || !districts.count(changningName))
            throw std::runtime_error("Putuo or Changning missing in " + districtsPath);
        const GEOSGeometry* putuo = districts.at(putuoName).g;

        // District outline.
        {
            auto o = create(outDir + "/district.geojson", wkbMultiPolygon,
                            {{"name", OFTString}, {"name_en", OFTString}, {"code", OFTString}});
            add(o, putuo, {{"name", putuoName}, {"name_en", "Putuo District"}, {"code", "310107"}});
        }
        // Neighbouring districts: every district within ~5 km of Putuo's envelope, whole
        // (the map's context; clipping would draw an artificial edge on wide screens).
        {
            auto o =
                create(outDir + "/neighbours.geojson", wkbMultiPolygon, {{"name", OFTString}, {"name_en", OFTString}});
            Geos env(GEOSEnvelope_r(gctx, putuo));
            Geos area(GEOSBuffer_r(gctx, env.g, 0.05, 2));
            for (auto& [name, g] : districts) {
                if (name == putuoName) continue;
                if (GEOSIntersects_r(gctx, g.g, area.g) == 1)
                    add(o, g.g, {{"name", name}, {"name_en", englishName(name)}});
            }
        }
        // Suzhou Creek: Putuo's shared edge with Changning.
        Geos creek;
        {
            Geos boundary(GEOSBoundary_r(gctx, putuo));
            if (!boundary.g) throw std::runtime_error("no boundary");
            Geos near(GEOSBuffer_r(gctx, districts.at(changningName).g, 0.0015, 4));
            if (!near.g) throw std::runtime_error("no buffer");
            Geos shared(GEOSIntersection_r(gctx, boundary.g, near.g));
            creek = Geos(GEOSLineMerge_r(gctx, shared.g));
            auto o = create(outDir + "/suzhou_creek.geojson", wkbMultiLineString,
                            {{"name", OFTString}, {"name_en", OFTString}, {"note", OFTString}});
            add(o, creek.g,
                {{"name", "苏州河"},
                 {"name_en", "Suzhou Creek"},
                 {"note", "approximated by the Putuo/Changning boundary"}});
        }
        // Jurisdictions: Voronoi cells of the anchors, clipped to Putuo. Illustrative only.
        const auto anchors = readAnchors(anchorsPath);
        std::vector<Geos> cells;
        {
            GEOSCoordSequence* seq = GEOSCoordSeq_create_r(gctx, static_cast<unsigned>(anchors.size()), 2);
            for (unsigned i = 0; i < anchors.size(); ++i) {
                Vec2d w = gcj02::toWgs84({anchors[i].lon, anchors[i].lat});
                GEOSCoordSeq_setXY_r(gctx, seq, i, w.x, w.y);
            }
            Geos pts(GEOSGeom_createLineString_r(gctx, seq));
            Geos env(GEOSEnvelope_r(gctx, putuo));
            Geos big(GEOSBuffer_r(gctx, env.g, 0.05, 2));
            Geos vor(GEOSVoronoiDiagram_r(gctx, pts.g, big.g, 0.0, 0));
            auto o = create(outDir + "/jurisdictions.geojson", wkbMultiPolygon,
                            {{"code", OFTString},
                             {"name", OFTString},
                             {"name_en", OFTString},
                             {"squad", OFTString},
                             {"illustrative", OFTString}});
            const int n = GEOSGetNumGeometries_r(gctx, vor.g);
            for (const auto& a : anchors) {
                Vec2d w = gcj02::toWgs84({a.lon, a.lat});
                Geos p(GEOSGeom_createPointFromXY_r(gctx, w.x, w.y));
                for (int i = 0; i < n; ++i) {
                    const GEOSGeometry* cell = GEOSGetGeometryN_r(gctx, vor.g, i);
                    if (GEOSContains_r(gctx, cell, p.g) == 1) {
                        Geos clipped(GEOSIntersection_r(gctx, cell, putuo));
                        add(o, clipped.g,
                            {{"code", a.code},
                             {"name", a.name},
                             {"name_en", englishName(a.name)},
                             {"squad", a.squad},
                             {"illustrative", "true"}});
                        cells.push_back(std::move(clipped));
                        break;
                    }
                }
            }
            if (cells.size() != anchors.size()) throw std::runtime_error("a jurisdiction anchor has no Voronoi cell");
        }
        // Patrol checkpoints every ~900 m along the creek (NFC points, levels 1..3 in turn),
        // written as the records' checkpoint table, the one source of checkpoints (the map,
        // the simulator and the indicators read it). The rest of records/ comes from
        // `sandtable-sim records` (scripts/make-sample-data.sh runs both).
        {
            std::vector<Checkpoint> checkpoints;
            double len = 0;
            GEOSGeomGetLength_r(gctx, creek.g, &len);  // degrees
            const double step = 0.009;                 // ~900 m
            int idx = 1;
            for (double d = step * 0.5; d < len; d += step, ++idx) {
                Geos p(GEOSInterpolate_r(gctx, creek.g, d));
                std::string squad;
                double best = 1e9;
                for (size_t i = 0; i < cells.size(); ++i) {
                    double dist = 0;
                    GEOSDistance_r(gctx, cells[i].g, p.g, &dist);
                    if (dist < best) {
                        best = dist;
                        squad = anchors[i].squad;
                    }
                }
                char id[16];
                std::snprintf(id, sizeof id, "SZH-%02d", idx);
                double x = 0, y = 0;
                GEOSGeomGetX_r(gctx, p.g, &x);
                GEOSGeomGetY_r(gctx, p.g, &y);
                checkpoints.push_back(Checkpoint{id, squad, 1 + (idx - 1) % 3, {x, y}});
            }
            std::filesystem::create_directories(outDir + "/records");
            writeCheckpointsCsv(outDir + "/records/checkpoints.csv", checkpoints);
        }
        if (!osmDir.empty()) deriveOsm(osmDir, putuo, outDir, osmMarginM, simplifyM);
        GEOS_finish_r(gctx);
        std::printf("sample data written to %s\n", outDir.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable-mkdata: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
