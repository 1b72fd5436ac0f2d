#include "engine/data/roads.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <memory>
#include <stdexcept>

namespace sandtable {

namespace {

struct OgrTransformDeleter {
    void operator()(OGRCoordinateTransformation* t) const { OGRCoordinateTransformation::DestroyCT(t); }
};

void addLine(const OGRLineString* l, const std::string& cls, std::vector<RoadLine>& out) {
    if (!l || l->getNumPoints() < 2) return;
    RoadLine r;
    r.roadClass = cls;
    r.points.reserve(static_cast<size_t>(l->getNumPoints()));
    for (int i = 0; i < l->getNumPoints(); ++i) r.points.push_back({l->getX(i), l->getY(i)});
    out.push_back(std::move(r));
}

}  // namespace

std::vector<RoadLine> loadRoads(const std::string& path) {
    GDALAllRegister();
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds) throw std::runtime_error(path + ": cannot open as a vector dataset (" + CPLGetLastErrorMsg() + ")");
    std::vector<RoadLine> out;
    for (OGRLayer* layer : ds->GetLayers()) {
        std::unique_ptr<OGRCoordinateTransformation, OgrTransformDeleter> ct;
        if (const OGRSpatialReference* src = layer->GetSpatialRef(); src && !src->IsGeographic()) {
            OGRSpatialReference wgs, s(*src);
            wgs.SetWellKnownGeogCS("WGS84");
            wgs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
            s.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
            ct.reset(OGRCreateCoordinateTransformation(&s, &wgs));
            if (!ct) throw std::runtime_error(path + ": cannot transform layer '" + layer->GetName() + "' to WGS84");
        }
        const OGRFeatureDefn* def = layer->GetLayerDefn();
        const int classF = def->GetFieldIndex("class"), highwayF = def->GetFieldIndex("highway");
        for (auto& feature : *layer) {
            OGRGeometry* g = feature->GetGeometryRef();
            if (!g) continue;
            std::string cls;
            if (classF >= 0 && feature->IsFieldSetAndNotNull(classF)) {
                cls = feature->GetFieldAsString(classF);
            } else if (highwayF >= 0 && feature->IsFieldSetAndNotNull(highwayF)) {
                cls = feature->GetFieldAsString(highwayF);  // raw OSM: motorway_link is part of the motorway
                if (cls.size() > 5 && cls.compare(cls.size() - 5, 5, "_link") == 0) cls.resize(cls.size() - 5);
            }
            std::unique_ptr<OGRGeometry> copy(g->clone());
            if (ct && copy->transform(ct.get()) != OGRERR_NONE)
                throw std::runtime_error(path + ": cannot transform feature " + std::to_string(feature->GetFID()) +
                                         " to WGS84");
            const auto type = wkbFlatten(copy->getGeometryType());
            if (type == wkbLineString) {
                addLine(copy->toLineString(), cls, out);
            } else if (type == wkbMultiLineString) {
                for (const OGRLineString* l : *copy->toMultiLineString()) addLine(l, cls, out);
            }
        }
    }
    if (out.empty()) throw std::runtime_error(path + ": no line features (roads need LineString geometries)");
    return out;
}

}  // namespace sandtable
