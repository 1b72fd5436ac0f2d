#include "engine/data/jurisdictions.hpp"

#include "engine/util/log.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "engine/feed/protocol.hpp"  // defaultSquadIds
#include "engine/geo/gcj02.hpp"

namespace sandtable {

bool Jurisdiction::contains(Vec2d p) const {
    if (!bbox.contains(p)) return false;
    bool inside = false;  // even-odd over all rings: holes and multi-parts for free
    for (const auto& ring : rings) {
        for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
            const Vec2d a = ring[i], b = ring[j];
            if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) inside = !inside;
        }
    }
    return inside;
}

namespace {

struct OgrTransformDeleter {
    void operator()(OGRCoordinateTransformation* t) const { OGRCoordinateTransformation::DestroyCT(t); }
};

GDALDatasetUniquePtr openVector(const std::string& path) {
    GDALAllRegister();
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds) throw std::runtime_error(path + ": cannot open as a vector dataset (" + CPLGetLastErrorMsg() + ")");
    return ds;
}

// To WGS84 lon/lat, or null when the layer already is geographic lon/lat (or says nothing).
std::unique_ptr<OGRCoordinateTransformation, OgrTransformDeleter> toWgs84(OGRLayer* layer) {
    const OGRSpatialReference* src = layer->GetSpatialRef();
    if (!src || src->IsGeographic()) return nullptr;
    OGRSpatialReference wgs;
    wgs.SetWellKnownGeogCS("WGS84");
    wgs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference s(*src);
    s.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return std::unique_ptr<OGRCoordinateTransformation, OgrTransformDeleter>(
        OGRCreateCoordinateTransformation(&s, &wgs));
}

void addRing(const OGRLinearRing* r, Jurisdiction& j) {
    if (!r || r->getNumPoints() < 3) return;
    std::vector<Vec2d> ring;
    for (int i = 0; i < r->getNumPoints(); ++i) {
        const Vec2d p{r->getX(i), r->getY(i)};
        ring.push_back(p);
        j.bbox.extend(p);
    }
    j.rings.push_back(std::move(ring));
}

void addPolygon(const OGRPolygon* poly, Jurisdiction& j) {
    addRing(poly->getExteriorRing(), j);
    for (int i = 0; i < poly->getNumInteriorRings(); ++i) addRing(poly->getInteriorRing(i), j);
}

}  // namespace

std::vector<Jurisdiction> loadJurisdictions(const std::string& path) {
    auto ds = openVector(path);
    std::vector<Jurisdiction> out;
    for (OGRLayer* layer : ds->GetLayers()) {
        auto ct = toWgs84(layer);
        const int squadField = layer->GetLayerDefn()->GetFieldIndex("squad");
        const int nameField = layer->GetLayerDefn()->GetFieldIndex("name");
        if (squadField < 0) throw std::runtime_error(path + ": layer '" + layer->GetName() + "' has no 'squad' field");
        for (auto& feature : *layer) {
            OGRGeometry* g = feature->GetGeometryRef();
            if (!g) continue;
            std::unique_ptr<OGRGeometry> copy(g->clone());
            if (ct && copy->transform(ct.get()) != OGRERR_NONE)
                throw std::runtime_error(path + ": cannot transform a geometry to WGS84");
            Jurisdiction j;
            j.squad = feature->GetFieldAsString(squadField);
            if (nameField >= 0) j.name = feature->GetFieldAsString(nameField);
            const auto type = wkbFlatten(copy->getGeometryType());
            if (type == wkbPolygon) {
                addPolygon(copy->toPolygon(), j);
            } else if (type == wkbMultiPolygon) {
                for (const OGRPolygon* p : *copy->toMultiPolygon()) addPolygon(p, j);
            } else {
                continue;
            }
            if (!j.rings.empty()) out.push_back(std::move(j));
        }
    }
    if (out.empty()) throw std::runtime_error(path + ": no polygon features with a 'squad' property");
    return out;
}

std::vector<Checkpoint> loadCheckpoints(const std::string& path, size_t* skippedOut) {
    auto ds = openVector(path);
    std::vector<Checkpoint> out;
    size_t skipped = 0;
    // A row that is not a checkpoint is skipped with its reason (the first ten named, then
    // a count), never silently.
    auto skip = [&](GIntBig fid, const std::string& why) {
        if (++skipped <= 10) log::warn(path + ": feature " + std::to_string(fid) + ": " + why + "; skipped");
    };
    for (OGRLayer* layer : ds->GetLayers()) {
        auto ct = toWgs84(layer);
        const OGRFeatureDefn* def = layer->GetLayerDefn();
        const int idF = def->GetFieldIndex("id"), squadF = def->GetFieldIndex("squad"),
                  levelF = def->GetFieldIndex("level"), lonF = def->GetFieldIndex("lon"),
                  latF = def->GetFieldIndex("lat"), crsF = def->GetFieldIndex("crs");
        if (idF < 0 || squadF < 0) throw std::runtime_error(path + ": checkpoints need 'id' and 'squad' fields");
        for (auto& feature : *layer) {
            const GIntBig fid = feature->GetFID();
            Checkpoint c;
            OGRGeometry* g = feature->GetGeometryRef();
            if (g && wkbFlatten(g->getGeometryType()) == wkbPoint) {
                OGRPoint p(*g->toPoint());
                if (ct && p.transform(ct.get()) != OGRERR_NONE)
                    throw std::runtime_error(path + ": cannot transform a point");
                c.lonLat = {p.getX(), p.getY()};
            } else if (!g && lonF >= 0 && latF >= 0) {
                // A records table (records/checkpoints.csv, docs/domain.md): lon/lat columns in
                // WGS84 unless the row's crs says gcj02 (cgcs2000 differs from WGS84 by
                // less than the checkpoints' own accuracy).
                char* end = nullptr;
                const char* lon = feature->GetFieldAsString(lonF);
                c.lonLat.x = std::strtod(lon, &end);
                if (end == lon || *end) {
                    skip(fid, std::string("lon '") + lon + "' is not a number");
                    continue;
                }
                const char* lat = feature->GetFieldAsString(latF);
                c.lonLat.y = std::strtod(lat, &end);
                if (end == lat || *end) {
                    skip(fid, std::string("lat '") + lat + "' is not a number");
                    continue;
                }
                if (crsF >= 0 && std::string(feature->GetFieldAsString(crsF)) == "gcj02")
                    c.lonLat = gcj02::toWgs84(c.lonLat);
            } else {
                skip(fid, g ? "the geometry is not a point" : "no point geometry and no lon/lat columns");
                continue;
            }
            if (!std::isfinite(c.lonLat.x) || !std::isfinite(c.lonLat.y) || std::abs(c.lonLat.x) > 180.0 ||
                std::abs(c.lonLat.y) > 90.0) {
                skip(fid, "position " + std::to_string(c.lonLat.x) + "," + std::to_string(c.lonLat.y) +
                              " is not a longitude and latitude");
                continue;
            }
            c.id = feature->GetFieldAsString(idF);
            c.squad = feature->GetFieldAsString(squadF);
            if (c.id.empty() || c.squad.empty()) {
                skip(fid, c.id.empty() ? "no id" : "no squad");
                continue;
            }
            c.level = 1;
            if (levelF >= 0) {
                const int level = feature->GetFieldAsInteger(levelF);
                if (level < 1 || level > 3) {
                    skip(fid, std::string("level '") + feature->GetFieldAsString(levelF) + "' is not 1, 2 or 3");
                    continue;
                }
                c.level = level;
            }
            out.push_back(std::move(c));
        }
    }
    if (skipped > 10) log::warn(path + ": " + std::to_string(skipped) + " checkpoint rows skipped in all");
    if (skippedOut) *skippedOut = skipped;
    return out;
}

std::vector<Checkpoint> deriveCheckpoints(const std::vector<Jurisdiction>& js, double spacingM) {
    struct Found {
        Vec2d p;
        size_t j;
    };
    std::vector<Found> found;
    const double probe = 150.0 / kMetresPerDeg;  // ~150 m in latitude
    auto insideAny = [&](Vec2d p) {
        return std::any_of(js.begin(), js.end(), [&](const Jurisdiction& j) { return j.contains(p); });
    };
    for (size_t ji = 0; ji < js.size(); ++ji) {
        const double kx = std::cos(degToRad(js[ji].bbox.center().y)) * kMetresPerDeg;
        const auto& ring = js[ji].rings.front();
        double carried = spacingM;  // place the first sample at the start of the ring
        for (size_t i = 0; i + 1 < ring.size(); ++i) {
            const Vec2d a = ring[i], b = ring[i + 1];
            const double len = std::hypot((b.x - a.x) * kx, (b.y - a.y) * kMetresPerDeg);
            for (double s = spacingM - carried; s < len; s += spacingM) {
                const Vec2d p = a + (b - a) * (s / len);
                // On the district's southern edge: north of it is this jurisdiction, south is no one's.
                if (!insideAny({p.x, p.y - probe}) && js[ji].contains({p.x, p.y + probe / 5}))
                    found.push_back({{p.x, p.y + 30.0 / kMetresPerDeg}, ji});
            }
            carried = std::fmod(carried + len, spacingM);
        }
    }
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.p.x < b.p.x; });
    std::vector<Checkpoint> out;
    for (size_t i = 0; i < found.size(); ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "SZH-%02zu", i + 1);
        out.push_back(Checkpoint{id, js[found[i].j].squad, static_cast<int>(i % 3) + 1, found[i].p});
    }
    return out;
}

std::vector<Jurisdiction> syntheticJurisdictions() { return syntheticJurisdictions(defaultSquadIds()); }

std::vector<Jurisdiction> syntheticJurisdictions(const std::vector<std::string>& squads) {
    // Rows of 5 tiles over Putuo's extent (121.33..121.47, 31.21..31.30; two rows for ten).
    std::vector<Jurisdiction> out;
    const size_t rows = std::max<size_t>(1, (squads.size() + 4) / 5);
    const double h = 0.09 / static_cast<double>(rows);
    for (size_t i = 0; i < squads.size(); ++i) {
        const double x0 = 121.33 + 0.028 * static_cast<double>(i % 5), y0 = 31.21 + h * static_cast<double>(i / 5);
        Jurisdiction j;
        j.squad = squads[i];
        j.name = squads[i];
        j.rings.push_back({{x0, y0}, {x0 + 0.028, y0}, {x0 + 0.028, y0 + h}, {x0, y0 + h}, {x0, y0}});
        for (const Vec2d& p : j.rings.front()) j.bbox.extend(p);
        out.push_back(std::move(j));
    }
    return out;
}

// ---- simulator ----

}  // namespace sandtable
