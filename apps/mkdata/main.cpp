// sandtable-mkdata: derives the committed Putuo sample (data/putuo/) from the inputs in
// ../shared/data. Rerunnable and deterministic; see data/README.md for provenance.
//
//   sandtable-mkdata --districts shanghai_districts.geojson --anchors anchors.csv --out data/putuo
//
// Steps: district outlines are converted from GCJ-02 to WGS84; the 10 illustrative
// jurisdictions are the Voronoi cells of the anchor points clipped to Putuo; Suzhou Creek
// is approximated by Putuo's shared edge with Changning; checkpoints are placed every
// ~900 m along it (records/checkpoints.csv). Complaints and the other records come from
// `sandtable-sim records`.
#include <cpl_conv.h>
#include <gdal_priv.h>
#include <geos_c.h>
#include <ogrsf_frmts.h>

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

}  // namespace

int main(int argc, char** argv) {
    std::string districtsPath, anchorsPath, outDir;
    CLI::App app("Derives the Putuo sample data (data/putuo) from ../shared/data.", "sandtable-mkdata");
    cli::setup(app);
    app.add_option("--districts", districtsPath, "Shanghai district outlines (GeoJSON)")
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option("--anchors", anchorsPath, "jurisdiction anchor points (CSV)")->required()->check(CLI::ExistingFile);
    app.add_option("--out", outDir, "output folder")->required();
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
        GEOS_finish_r(gctx);
        std::printf("sample data written to %s\n", outDir.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sandtable-mkdata: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
