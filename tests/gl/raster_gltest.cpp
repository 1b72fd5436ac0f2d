#include <gdal_priv.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "engine/data/raster_source.hpp"
#include "engine/render/offscreen.hpp"
#include "gl_fixture.hpp"
#include "layers/raster_layer.hpp"
#include "tests/support/temp_path.hpp"

using namespace sandtable;

namespace {
// A 3000 x 2000 RGB GeoTIFF in WGS84 over Putuo: red rises west to east, green south to north.
std::string makeGeoTiff(const std::string& name = "sandtable_raster_test.tif") {
    GDALAllRegister();
    const std::string path = test::processTempPath(name).string();
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
    const int w = 3000, h = 2000;
    GDALDatasetUniquePtr ds(drv->Create(path.c_str(), w, h, 3, GDT_Byte, nullptr));
    double gt[6] = {121.30, 0.2 / w, 0, 31.32, 0, -0.13 / h};
    ds->SetGeoTransform(gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(4326);
    ds->SetSpatialRef(&srs);
    std::vector<uint8_t> row(w);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) row[static_cast<size_t>(x)] = static_cast<uint8_t>(x * 255 / (w - 1));
        REQUIRE(ds->GetRasterBand(1)->RasterIO(GF_Write, 0, y, w, 1, row.data(), w, 1, GDT_Byte, 0, 0) == CE_None);
        std::fill(row.begin(), row.end(), static_cast<uint8_t>((h - 1 - y) * 255 / (h - 1)));
        REQUIRE(ds->GetRasterBand(2)->RasterIO(GF_Write, 0, y, w, 1, row.data(), w, 1, GDT_Byte, 0, 0) == CE_None);
        std::fill(row.begin(), row.end(), static_cast<uint8_t>(40));
        REQUIRE(ds->GetRasterBand(3)->RasterIO(GF_Write, 0, y, w, 1, row.data(), w, 1, GDT_Byte, 0, 0) == CE_None);
    }
    return path;
}
// A map over the raster with only its layer, a magenta background (holes show).
struct RasterMap {
    BBox bounds;
    MapContext ctx;
    std::unique_ptr<Map> map;
    RasterLayer* layer = nullptr;
};
RasterMap rasterMap(std::unique_ptr<RasterSource> src, const std::string& id) {
    RasterMap r;
    r.bounds = src->bounds();
    r.ctx.displayCrs = "EPSG:4549";
    r.ctx.origin = r.bounds.center();
    r.ctx.refLatitude = 31.25;
    r.map = std::make_unique<Map>(r.ctx);
    r.map->background = Color::fromHex(0xff00ff);
    auto owned = std::make_unique<RasterLayer>(id, I18nText{id, id}, std::move(src), r.ctx, 0.0);
    r.layer = owned.get();
    r.map->addLayer(std::move(owned));
    return r;
}
}  // namespace

TEST_CASE("Rasters are warped to the display CRS and drawn from a tile pyramid", "[gl][raster]") {
    ST_REQUIRE_GL();
    const std::string path = makeGeoTiff();
    auto src = std::make_unique<RasterSource>(path, "EPSG:4549");
    CHECK(src->levels() >= 4);  // 3000+ px warped: 256 px tiles need several levels
    CHECK(src->bounds().minX > 600000.0);
    // Zoomed out, the whole raster is a handful of tiles of a coarse level.
    const int coarse = src->levelFor(src->pixelSize() * 16);
    CHECK(coarse == 4);
    CHECK(src->tilesIn(coarse, src->bounds()).size() <= 4);
    CHECK(src->tilesIn(0, src->bounds()).size() > 50);
    const TilePixels t = src->read({coarse, 0, 0});
    CHECK(t.width <= RasterSource::kTileSize);

    MapContext ctx;
    ctx.displayCrs = "EPSG:4549";
    ctx.origin = src->bounds().center();
    ctx.refLatitude = 31.25;
    Map map(ctx);
    map.background = Color::fromHex(0x000000);
    map.addLayer(std::make_unique<RasterLayer>("r", I18nText{"r", "r"}, std::move(src), ctx, 0.0));
    map.camera.center = ctx.origin;
    map.camera.width = 400;
    map.camera.height = 300;
    map.camera.resolution = 60.0;
    const Image img = renderOffscreen(map, FrameState{}, 400, 300);
    CHECK(glGetError() == GL_NO_ERROR);
    // Centre: about half red, half green; east brighter red than west; north greener.
    const uint8_t* c = img.pixel(200, 150);
    CHECK(std::abs(c[0] - 128) < 25);
    CHECK(std::abs(c[1] - 128) < 25);
    CHECK(std::abs(c[2] - 40) < 6);
    CHECK(img.pixel(300, 150)[0] > img.pixel(100, 150)[0] + 40);
    CHECK(img.pixel(200, 80)[1] > img.pixel(200, 220)[1] + 40);
    auto* layer = dynamic_cast<RasterLayer*>(map.layers()[0].get());
    REQUIRE(layer);
    CHECK(layer->cachedTiles() <= 16);  // never the whole level-0 raster
}

TEST_CASE("A view wanting more raster tiles than the cache holds keeps them all: no re-reads, no holes",
          "[gl][raster]") {
    ST_REQUIRE_GL();
    RasterMap r = rasterMap(std::make_unique<RasterSource>(makeGeoTiff(), "EPSG:4549"), "r");
    const BBox bounds = r.bounds;
    Map& map = *r.map;
    RasterLayer* layer = r.layer;
    layer->cacheCapacity = 4;  // far below the view's working set (a 4K wall's, scaled down)
    map.camera.center = r.ctx.origin;
    map.camera.width = 800;
    map.camera.height = 600;
    map.camera.resolution = (bounds.maxX - bounds.minX) / 1600.0;  // inside the raster, a fine level
    map.camera.rotation = 0.4;                                     // rotated: more tiles in view
    FrameState still;
    still.complete = true;
    const Image first = renderOffscreen(map, still, 800, 600);
    const size_t read = layer->tilesRead();
    CHECK(read > 4);
    CHECK(layer->cachedTiles() >= read);
    // The same view again: nothing read again, nothing missing.
    const Image again = renderOffscreen(map, still, 800, 600);
    CHECK(layer->tilesRead() == read);
    size_t holes = 0;
    for (int y = 0; y < 600; y += 4)
        for (int x = 0; x < 800; x += 4) {
            const uint8_t* p = again.pixel(x, y);
            holes += p[0] > 240 && p[1] < 20 && p[2] > 240;
        }
    CHECK(holes == 0);
    CHECK(glGetError() == GL_NO_ERROR);
}

TEST_CASE(
    "A raster damaged while open: failed tile reads are counted, shown and retried, and one deleted is still read",
    "[gl][raster][faults]") {
    ST_REQUIRE_GL();
    const std::string path = makeGeoTiff("sandtable_raster_fault_test.tif");
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    REQUIRE(bytes.size() > 10'000'000);
    RasterMap r = rasterMap(std::make_unique<RasterSource>(path, "EPSG:4549"), "ortho");
    const BBox b = r.bounds;
    Map& map = *r.map;
    RasterLayer* layer = r.layer;
    layer->retryMs = 50;
    map.camera.width = 200;
    map.camera.height = 150;
    map.camera.resolution = (b.maxX - b.minX) / 3000.0;  // level 0: only the strips in view are read
    const double inset = 200 * map.camera.resolution;
    auto viewAt = [&](double x, double y) {
        map.camera.center = {x, y};
        return renderOffscreen(map, FrameState{}, 200, 150);
    };
    auto magenta = [](const Image& img) {
        const uint8_t* p = img.pixel(100, 75);
        return p[0] > 240 && p[1] < 20 && p[2] > 240;
    };
    // The north-west corner, read whole.
    CHECK_FALSE(magenta(viewAt(b.minX + inset, b.maxY - inset)));
    CHECK(layer->readErrors() == 0);
    const size_t warningsBefore = layer->warnings().size();

    // Cut to a quarter in place (a copy tool rewriting it, a disk error): the south-east
    // corner's strips are gone. The view is drawn (transparent there), nothing crashes, the
    // failure is counted and named among the layer's warnings.
    std::filesystem::resize_file(path, bytes.size() / 4);
    const Image cut = viewAt(b.maxX - inset, b.minY + inset);
    CHECK(magenta(cut));
    CHECK(layer->readErrors() > 0);
    CHECK(layer->lastReadError().find(path) != std::string::npos);
    CHECK(layer->lastReadError().find("could not be read") != std::string::npos);
    REQUIRE(layer->warnings().size() == warningsBefore + 1);
    CHECK(layer->warnings().back().find("tile read(s) failed") != std::string::npos);
    // Within the retry delay the failed tiles are not read again.
    const size_t errors = layer->readErrors();
    viewAt(b.maxX - inset, b.minY + inset);
    CHECK(layer->readErrors() == errors);

    // The file whole again (same inode): after the retry delay the tiles are read and drawn.
    {
        std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
        io.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    CHECK_FALSE(magenta(viewAt(b.maxX - inset, b.minY + inset)));
    CHECK(layer->readErrors() == errors);
    CHECK(layer->warnings().size() == warningsBefore + 1);  // one entry, updated, not one per failure

    // Deleted while open: the open file is still read (a new corner's tiles arrive).
    std::filesystem::remove(path);
    const size_t read = layer->tilesRead();
    CHECK_FALSE(magenta(viewAt(b.minX + inset, b.minY + inset)));
    CHECK(layer->tilesRead() > read);
    CHECK(layer->readErrors() == errors);
    CHECK(glGetError() == GL_NO_ERROR);
}
