#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>

#include "engine/data/jurisdictions.hpp"
#include "engine/data/scene.hpp"
#include "engine/geo/projection.hpp"
#include "engine/gl/resources.hpp"
#include "engine/gl/shader.hpp"
#include "engine/gl/shader_sources.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/render/tour.hpp"
#include "gl_fixture.hpp"
#include "layers/layer_factory.hpp"
#include "layers/squad_layer.hpp"

using namespace sandtable;

static_assert(!std::is_copy_constructible_v<gl::Buffer>, "GL wrappers are move-only");
static_assert(!std::is_copy_assignable_v<gl::Texture>, "GL wrappers are move-only");
static_assert(std::is_nothrow_move_constructible_v<gl::Texture>);
static_assert(!std::is_copy_constructible_v<gl::VertexArray>);

TEST_CASE("Headless context is GL 4.5 core", "[gl]") {
    ST_REQUIRE_GL();
    GLint major = 0, minor = 0;
    glGetIntegerv(GL_MAJOR_VERSION, &major);
    glGetIntegerv(GL_MINOR_VERSION, &minor);
    CHECK(major * 10 + minor >= 45);
    CHECK_FALSE(test::glContext()->renderer().empty());
    CHECK(glGetError() == GL_NO_ERROR);
}

TEST_CASE("Buffers upload, grow and read back, and moves transfer ownership", "[gl]") {
    ST_REQUIRE_GL();
    gl::Buffer b = gl::Buffer::create();
    std::vector<int> data(1000);
    for (int i = 0; i < 1000; ++i) data[static_cast<size_t>(i)] = i * 3;
    b.upload(data.data(), data.size() * sizeof(int));
    std::vector<int> back(1000);
    glGetNamedBufferSubData(b.id(), 0, 4000, back.data());
    CHECK(back == data);
    const int patch[2] = {-1, -2};
    b.update(8, patch, sizeof patch);
    glGetNamedBufferSubData(b.id(), 8, 8, back.data());
    CHECK(back[0] == -1);
    const GLuint id = b.id();
    gl::Buffer moved = std::move(b);
    CHECK(moved.id() == id);
    CHECK(b.id() == 0);  // NOLINT: moved-from state is defined (owns nothing)
    CHECK(glIsBuffer(id) == GL_TRUE);
    { gl::Buffer dies = std::move(moved); }
    CHECK(glIsBuffer(id) == GL_FALSE);  // destructor deleted it
    CHECK(glGetError() == GL_NO_ERROR);
}

TEST_CASE("GPU memory stats follow buffers, textures and render targets from allocation to release", "[gl]") {
    ST_REQUIRE_GL();
    const gl::MemoryStats before = gl::memoryStats();
    {
        gl::Buffer b = gl::Buffer::create();
        b.upload(nullptr, 0);
        b.reserve(3000);  // capacity grows in powers of two from 256: 4096
        CHECK(gl::memoryStats().bufferBytes - before.bufferBytes == 4096);
        CHECK(gl::memoryStats().buffers - before.buffers == 1);
        b.reserve(5000);  // regrown: the old storage is no longer counted
        CHECK(gl::memoryStats().bufferBytes - before.bufferBytes == 8192);
        gl::Buffer moved = std::move(b);
        CHECK(gl::memoryStats().bufferBytes - before.bufferBytes == 8192);
        gl::Texture t = gl::Texture::create2D(GL_RGBA8, 64, 32, 2);  // 64x32 + 32x16 texels
        CHECK(gl::memoryStats().textureBytes - before.textureBytes == (64 * 32 + 32 * 16) * 4);
        gl::RenderTarget rt = gl::RenderTarget::create(10, 10);  // colour + depth-stencil
        CHECK(gl::memoryStats().textureBytes - before.textureBytes == (64 * 32 + 32 * 16) * 4 + 800);
        t.reset();
        CHECK(gl::memoryStats().textureBytes - before.textureBytes == 800);
    }
    const gl::MemoryStats after = gl::memoryStats();
    CHECK(after.bufferBytes == before.bufferBytes);
    CHECK(after.textureBytes == before.textureBytes);
    CHECK(after.buffers == before.buffers);
    CHECK(after.textures == before.textures);
}

TEST_CASE("Render targets, textures and readback", "[gl]") {
    ST_REQUIRE_GL();
    gl::RenderTarget rt = gl::RenderTarget::create(64, 32);
    rt.bind();
    glClearColor(1.0f, 0.5f, 0.0f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    const Image img = readFramebuffer(64, 32);
    CHECK(img.pixel(10, 10)[0] == 255);
    CHECK(img.pixel(10, 10)[1] == 128);
    CHECK(img.pixel(10, 10)[2] == 0);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    CHECK(glGetError() == GL_NO_ERROR);
}

TEST_CASE("Every embedded shader compiles and links, and a shader error names file and line", "[gl][shaders]") {
    ST_REQUIRE_GL();
    ShaderLibrary lib;
    // Every file embedded from shaders/, so a new shader is covered without editing this:
    // compute shaders link alone; each fragment shader links with the vertex shader of its
    // name (officer.frag: officer.vert), the one its text names ("Vertex shader: X.vert")
    // or, failing those, the one sharing the longest prefix (heatmap_blit.frag:
    // heatmap_quad.vert); every vertex shader must be used.
    std::vector<std::string> verts, frags, comps;
    std::map<std::string, std::string> named;  // fragment shader -> the vertex shader it names
    for (const gl::EmbeddedShader& e : gl::embeddedShaders()) {
        const std::string n = e.name;
        const std::string text = e.source, tag = "Vertex shader: ";
        if (const size_t at = text.find(tag); at != std::string::npos)
            named[n] = text.substr(at + tag.size(), text.find_first_of(" \n", at + tag.size()) - at - tag.size());
        const std::string ext = n.substr(n.rfind('.') + 1);
        if (ext == "vert")
            verts.push_back(n);
        else if (ext == "frag")
            frags.push_back(n);
        else if (ext == "comp")
            comps.push_back(n);
    }
    REQUIRE(verts.size() + frags.size() + comps.size() == gl::embeddedShaders().size());
    REQUIRE(frags.size() >= 9);
    REQUIRE(comps.size() >= 3);
    auto stem = [](const std::string& n) { return n.substr(0, n.rfind('.')); };
    std::set<std::string> linkedVerts;
    for (const std::string& c : comps) {
        INFO(c);
        CHECK_NOTHROW(lib.compute(c));
    }
    for (const std::string& f : frags) {
        std::string best;
        size_t bestLen = 0;
        for (const std::string& v : verts) {
            const std::string a = stem(v), b = stem(f);
            size_t k = 0;
            while (k < a.size() && k < b.size() && a[k] == b[k]) ++k;
            if (a == b) k = SIZE_MAX;
            if (k > bestLen) {
                bestLen = k;
                best = v;
            }
        }
        if (named.count(f)) best = named[f];
        INFO(f << " with " << best);
        REQUIRE_FALSE(best.empty());
        CHECK_NOTHROW(lib.graphics(best, f));
        linkedVerts.insert(best);
    }
    for (const std::string& v : verts) {
        INFO(v << " is linked with no fragment shader");
        CHECK(linkedVerts.count(v) == 1);
    }
    const std::string bad = "#version 450 core\nout vec4 c;\nvoid main() {\n  c = vec4(1.0) + undefinedThing;\n}\n";
    try {
        ShaderLibrary::compileStage(GL_FRAGMENT_SHADER, "broken.frag", bad, {});
        FAIL("expected a compile error");
    } catch (const ShaderError& e) {
        CHECK_THAT(e.what(), Catch::Contains("shaders/broken.frag:4:"));
    }
    // Injected defines keep line numbers true.
    try {
        ShaderLibrary::compileStage(GL_FRAGMENT_SHADER, "broken.frag", bad, {"FOO 1", "BAR 2"});
        FAIL("expected a compile error");
    } catch (const ShaderError& e) {
        CHECK_THAT(e.what(), Catch::Contains("shaders/broken.frag:4:"));
    }
    CHECK_THROWS_WITH(ShaderLibrary::source("nope.vert"), Catch::Contains("nope.vert"));
    CHECK(glGetError() == GL_NO_ERROR);
}

TEST_CASE("A failed link names both files and leaks neither stage", "[gl][shaders]") {
    ST_REQUIRE_GL();
    // trail.frag reads a vPos that officer.vert does not write: both compile, the link fails.
    ShaderLibrary lib;
    const GLuint before = glCreateShader(GL_VERTEX_SHADER);  // names are handed out in order
    glDeleteShader(before);
    CHECK_THROWS_WITH(lib.graphics("officer.vert", "trail.frag"), Catch::Contains("link error") &&
                                                                      Catch::Contains("shaders/officer.vert") &&
                                                                      Catch::Contains("shaders/trail.frag"));
    // The two stages compiled for it are gone with the failed program.
    size_t alive = 0;
    for (GLuint id = before; id < before + 8; ++id) alive += glIsShader(id) == GL_TRUE;
    CHECK(alive == 0);
    const GLuint after = glCreateShader(GL_VERTEX_SHADER);
    CHECK(after > before);  // the probe above really followed the stages' names
    glDeleteShader(after);
    CHECK(glGetError() == GL_NO_ERROR);
}

TEST_CASE("Rendering the Putuo scene raises no GL errors, and a broken layer is reported while the rest draw",
          "[gl][scene]") {
    ST_REQUIRE_GL();
    std::string text;
    {
        std::ifstream in(std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo/scene.json");
        std::stringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    // Point one layer at a missing file.
    const auto pos = text.find("suzhou_creek.geojson");
    REQUIRE(pos != std::string::npos);
    text.replace(pos, std::strlen("suzhou_creek.geojson"), "missing_creek.geojson");
    const SceneSpec scene = parseScene(text, std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo/scene.json");
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::Contains("(layer 'creek')") && Catch::Contains("missing_creek.geojson"));
    CHECK(map->layers().size() == scene.layers.size() - 1);
    applySceneView(scene, *map, 320, 200);
    while (glGetError() != GL_NO_ERROR) {}
    const Image img = renderOffscreen(*map, FrameState{}, 320, 200);
    CHECK(glGetError() == GL_NO_ERROR);
    CHECK(gl::errorCount() == 0);
    // Something other than background was drawn.
    size_t nonBackground = 0;
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x) nonBackground += img.pixel(x, y)[2] > 60;
    CHECK(nonBackground > 1000);
}

TEST_CASE("Unknown layer types fail the scene naming the key", "[gl][scene]") {
    ST_REQUIRE_GL();
    const SceneSpec scene = parseScene(
        R"({"crs": "EPSG:4549", "view": {"center": [121.4, 31.25]}, "layers": [{"id": "x", "type": "teapot"}]})",
        "t.json");
    std::vector<std::string> errors;
    CHECK_THROWS_WITH(buildMap(scene, errors), Catch::Contains("t.json: layers[0].type: unknown layer type 'teapot'"));
}

namespace {
// The bundled Putuo scene, built with no layer errors.
SceneSpec putuoScene() { return loadScene(std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo/scene.json"); }
std::unique_ptr<Map> buildPutuoMap(const SceneSpec& scene) {
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    REQUIRE(errors.empty());
    return map;
}
SquadLayer* squadLayerOf(Map& map) {
    for (const auto& l : map.layers())
        if (auto* s = dynamic_cast<SquadLayer*>(l.get())) return s;
    return nullptr;
}
}  // namespace

TEST_CASE("An alert's place is flown to: the squads layer's view request lands the camera there", "[gl][squads]") {
    ST_REQUIRE_GL();
    const SceneSpec scene = putuoScene();
    auto map = buildPutuoMap(scene);
    applySceneView(scene, *map, 640, 360);
    SquadLayer* squads = squadLayerOf(*map);
    REQUIRE(squads != nullptr);
    FrameState f;
    REQUIRE(parseIsoTime("2024-10-20T10:00:00+08:00", f.time));
    (void)renderOffscreen(*map, f, 640, 360);
    // The lagging squad of October (the report's month) is among the alerts, placed.
    const auto& alerts = squads->model()->alerts();
    const auto lagging = std::find_if(alerts.begin(), alerts.end(),
                                      [](const auto& a) { return a.kind == indicators::AlertKind::LaggingSquad; });
    REQUIRE(lagging != alerts.end());
    REQUIRE(lagging->lonLat.has_value());
    squads->requestView(*lagging->lonLat, 2.0);
    auto req = squads->takeViewRequest();
    REQUIRE(req.has_value());
    CHECK_FALSE(squads->takeViewRequest().has_value());  // taken once
    const Vec2d start = map->camera.center;
    map->flyTo(req->center, req->resolution, 1.0);
    CHECK(map->busy());
    f.dtSeconds = 0.5;
    (void)renderOffscreen(*map, f, 640, 360);
    const double halfway = std::hypot(map->camera.center.x - start.x, map->camera.center.y - start.y);
    CHECK(halfway > 0);
    (void)renderOffscreen(*map, f, 640, 360);
    CHECK_FALSE(map->flying());
    CHECK(map->camera.center.x == Approx(req->center.x));
    CHECK(map->camera.center.y == Approx(req->center.y));
    CHECK(map->camera.resolution == Approx(2.0));
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("A wall's tour flies stop to stop, shows each stop's layers, and pauses for the operator's hand",
          "[gl][wall]") {
    ST_REQUIRE_GL();
    const SceneSpec scene = putuoScene();
    auto map = buildPutuoMap(scene);
    applySceneView(scene, *map, 640, 360);
    REQUIRE(scene.wall.tour.size() >= 3);
    WallSpec spec = scene.wall;
    for (TourStop& s : spec.tour) s.dwellSeconds = 2;
    spec.flightSeconds = 1;
    spec.resumeAfterSeconds = 5;
    const auto jurisdictions = loadJurisdictions(scene.jurisdictionsPath);
    TourPlayer tour(spec, *map, jurisdictions);
    FrameState f;
    REQUIRE(parseIsoTime("2024-10-20T10:00:00+08:00", f.time));
    // Steps real time: the tour, then a frame that moves the flight.
    auto step = [&](double dt, bool hand = false) {
        tour.advance(dt, hand);
        f.dtSeconds = dt;
        (void)renderOffscreen(*map, f, 640, 360);
    };
    step(0.1);
    CHECK(map->flying());  // the first stop starts at once
    for (int i = 0; i < 12; ++i) step(0.1);
    CHECK_FALSE(map->flying());
    const auto t0 = tour.targetOf(spec.tour[0]);
    CHECK(map->camera.center.x == Approx(t0.center.x));
    CHECK(map->camera.resolution == Approx(t0.resolution));
    // The dwell counts from arrival: 2 s later the second stop (a view with a rotation and
    // its own layers) begins.
    for (int i = 0; i < 21 && tour.stopIndex() == 0; ++i) step(0.1);
    REQUIRE(tour.stopIndex() == 1);
    for (int i = 0; i < 12; ++i) step(0.1);
    const TourStop& second = spec.tour[1];
    CHECK(map->camera.rotation == Approx(degToRad(second.rotationDeg)).margin(1e-9));
    for (const auto& [id, on] : second.layers) CHECK(map->find(id)->visible == on);
    // A squad stop fits the squad's jurisdiction in the screen.
    for (const TourStop& s : spec.tour)
        if (s.kind == TourStop::Kind::Squad) {
            const auto t = tour.targetOf(s);
            const auto j = std::find_if(jurisdictions.begin(), jurisdictions.end(),
                                        [&](const Jurisdiction& x) { return x.squad == s.squad; });
            REQUIRE(j != jurisdictions.end());
            Vec2d c = j->bbox.center();
            Transformer("wgs84", map->context.displayCrs).forward(c);
            CHECK(std::hypot(t.center.x - c.x, t.center.y - c.y) < 2000);  // the box's centre, in metres
        }
    // The hand: the tour stops moving the map until the wall is left alone for 5 s.
    step(0.1, true);
    REQUIRE(tour.paused());
    const Vec2d held = map->camera.center;
    const size_t at = tour.stopIndex();
    for (int i = 0; i < 45; ++i) step(0.1);
    CHECK(tour.paused());
    CHECK(map->camera.center.x == held.x);
    CHECK(tour.stopIndex() == at);
    for (int i = 0; i < 10; ++i) step(0.1);
    CHECK_FALSE(tour.paused());
    CHECK(map->flying());  // back to where the tour was
    CHECK(tour.stopIndex() == at);
    CHECK(gl::errorCount() == 0);
}

TEST_CASE("A click on a squad's badge selects that squad, at a wall's pixel ratio too", "[gl][squads]") {
    ST_REQUIRE_GL();
    const SceneSpec scene = putuoScene();
    auto map = buildPutuoMap(scene);
    SquadLayer* squads = squadLayerOf(*map);
    REQUIRE(squads != nullptr);
    FrameState f;
    REQUIRE(parseIsoTime("2024-10-20T10:00:00+08:00", f.time));
    for (const auto& [w, h] : {std::pair{960, 540}, std::pair{2880, 1620}}) {
        applySceneView(scene, *map, w, h);
        (void)renderOffscreen(*map, f, w, h);
        REQUIRE(squads->badges().size() >= 5);
        for (const auto& b : squads->badges()) {
            squads->selectedSquad = -1;
            // The badge's right end: outside the fixed +-60 px box the click once assumed.
            const Vec2d at{b.box[0] + b.box[2] - 3, b.box[1] + b.box[3] * 0.5};
            CHECK(squads->handleClick(map->camera, at, false));
            CHECK(squads->selectedSquad == static_cast<int>(b.squad));
        }
        squads->selectedSquad = -1;
        CHECK_FALSE(squads->handleClick(map->camera, {1, 1}, false));  // the title corner: no badge
    }
}
