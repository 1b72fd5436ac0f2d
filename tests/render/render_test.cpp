// Golden-image render tests (after MapLibre's render tests): each folder under
// tests/render/cases holds case.json and expected.png. The test renders headless at the
// case's size, compares with a YIQ threshold ignoring anti-aliased pixels, and fails when
// more than `allowed` of the pixels differ, writing actual.png and diff.png beside it.
// SANDTABLE_UPDATE_GOLDEN=1 rewrites expected.png instead.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/data/scene.hpp"
#include "engine/feed/feed_file.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/offscreen.hpp"
#include "layers/decorations_layer.hpp"
#include "layers/layer_factory.hpp"
#include "render_case.hpp"
#include "tests/support/skip.hpp"

using namespace sandtable;
namespace fs = std::filesystem;

namespace {
HeadlessContext* context() {
    static std::string why;
    static std::unique_ptr<HeadlessContext> ctx = tryCreateHeadless(&why);
    if (!ctx) test::skipOrFail("no OpenGL 4.5 context can be made here: " + why, "SANDTABLE_REQUIRE_GL");
    return ctx.get();
}
}  // namespace

extern std::string gGoldenCase;  // main.cpp: --case NAME

// One CTest entry per case folder: tests/render/CMakeLists.txt runs this hidden case with
// "--case NAME --warn NoTests"; a NAME with no folder fails.
TEST_CASE("Golden render cases", "[.golden]") {
    if (!context()) return;
    const fs::path root = fs::path(SANDTABLE_SOURCE_DIR) / "tests/render/cases";
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(root))
        if (fs::exists(e.path() / "case.json") && (gGoldenCase.empty() || e.path().filename() == gGoldenCase))
            cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    if (!gGoldenCase.empty() && cases.empty())
        FAIL("no golden case folder named '" << gGoldenCase << "' in " << root.string());
    REQUIRE(cases.size() >= (gGoldenCase.empty() ? 2u : 1u));
    const bool update = std::getenv("SANDTABLE_UPDATE_GOLDEN") != nullptr;
    for (const auto& dir : cases) {
        DYNAMIC_SECTION(dir.filename().string()) {
            const RenderCase rc = loadRenderCase(dir, SANDTABLE_SOURCE_DIR);
            const RenderResult result = renderCase(rc);
            const Image& actual = result.image;
            // The counts first: a missing officer or label fails whatever the tolerance.
            if (rc.expectOfficers >= 0) CHECK(result.officers == rc.expectOfficers);
            if (rc.expectStale >= 0) CHECK(result.stale == rc.expectStale);
            if (rc.expectLabels >= 0) CHECK(result.labels == rc.expectLabels);
            const fs::path expectedPath = dir / "expected.png";
            if (update) {
                writePng(expectedPath.string(), actual);
                WARN("updated " << expectedPath.string() << " (officers " << result.officers << ", stale "
                                << result.stale << ", labels " << result.labels << ")");
                continue;
            }
            REQUIRE(fs::exists(expectedPath));
            const Image expected = readPng(expectedPath.string());
            const ImageDiff d = compareImages(expected, actual, rc.threshold);
            INFO(dir.filename().string() << ": " << d.differing << " of " << d.total << " pixels differ ("
                                         << d.fraction() * 100 << " %), allowed " << rc.allowed * 100 << " %");
            std::printf("%s: %zu of %zu pixels differ, allowed %.0f; officers %ld (stale %ld), labels %ld\n",
                        dir.filename().string().c_str(), static_cast<size_t>(d.differing), static_cast<size_t>(d.total),
                        rc.allowed * static_cast<double>(d.total), result.officers, result.stale, result.labels);
            if (d.fraction() > rc.allowed) {
                writePng((dir / "actual.png").string(), actual);
                writePng((dir / "diff.png").string(), d.diff);
                WARN("wrote " << (dir / "actual.png").string() << " and diff.png");
            } else {
                fs::remove(dir / "actual.png");
                fs::remove(dir / "diff.png");
            }
            CHECK(d.fraction() <= rc.allowed);
        }
    }
}

// Prepare once, draw anywhere: a 2x2 (and a 3x2 with uneven edges) tiling of one prepared
// canvas equals the single render, labels, legend, heatmap and officers included.
TEST_CASE("Tiles of one prepared canvas equal the single render", "[render][tiles]") {
    if (!context()) return;
    const RenderCase rc =
        loadRenderCase(fs::path(SANDTABLE_SOURCE_DIR) / "tests/render/cases/putuo_officers_zoom", SANDTABLE_SOURCE_DIR);
    const SceneSpec scene = loadScene(rc.scene);
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    REQUIRE(errors.empty());
    applySceneView(scene, *map, rc.width, rc.height);
    applyViewString(rc.view, *map);
    FrameState frame;
    REQUIRE(parseIsoTime(rc.at, frame.time));
    attachFeed(*map, loadFeedFileAsOf(rc.feed, frame.time));
    const Image single = renderOffscreen(*map, frame, rc.width, rc.height);
    const size_t labels = map->labels().placed();
    CHECK(labels >= 10);
    for (auto [tw, th] : {std::pair{rc.width / 2, rc.height / 2}, std::pair{rc.width / 3 + 7, rc.height / 2 + 3}}) {
        INFO("tiles of " << tw << " x " << th);
        const Image tiled = renderTiled(*map, frame, rc.width, rc.height, tw, th);
        CHECK(map->labels().placed() == labels);
        const ImageDiff d = compareImages(single, tiled, rc.threshold);
        CHECK(d.fraction() <= 0.00005);
        if (d.differing)
            writePng((fs::temp_directory_path() / ("sandtable_tiled_diff_" + std::to_string(tw) + ".png")).string(),
                     d.diff);
    }
}

// The ODbL asks every map that shows OpenStreetMap data to say so: the scene's credits
// line is on each render, at every size and in both languages, in the bottom-right corner
// (which the cockpit's panels leave free), inside the canvas and clear of the legend and
// the other furniture, its text drawn.
TEST_CASE("The OpenStreetMap credits are on every render", "[render][credits]") {
    if (!context()) return;
    const SceneSpec scene = loadScene(std::string(SANDTABLE_SOURCE_DIR) + "/data/putuo/scene.json");
    REQUIRE_THAT(scene.creditsZh, Catch::Contains("© OpenStreetMap contributors"));
    REQUIRE_THAT(scene.creditsEn, Catch::Contains("© OpenStreetMap contributors"));
    // The narrowest output with the longer English line, the goldens' size, a wall's 1080p.
    const std::tuple<int, int, Language> cases[] = {
        {800, 600, Language::English}, {960, 540, Language::Chinese}, {1920, 1080, Language::Chinese}};
    for (const auto& [w, h, lang] : cases) {
        INFO(w << " x " << h << (lang == Language::English ? " en" : " zh"));
        std::vector<std::string> errors;
        auto map = buildMap(scene, errors);
        REQUIRE(errors.empty());
        applySceneView(scene, *map, w, h);
        FrameState frame;
        frame.language = lang;
        const Image img = renderOffscreen(*map, frame, w, h);
        const DecorationsLayer* deco = nullptr;
        for (const auto& l : map->layers())
            if (auto* d = dynamic_cast<const DecorationsLayer*>(l.get())) deco = d;
        REQUIRE(deco);
        const DecorationsLayer::Box b = deco->creditsBox();
        REQUIRE(b.w > 0);
        CHECK(b.x >= 0);
        CHECK(b.x + b.w <= static_cast<float>(w));
        CHECK(b.y + b.h <= static_cast<float>(h));
        CHECK(b.y > static_cast<float>(h) * 0.85f);             // on the bottom edge
        CHECK(b.x + b.w > static_cast<float>(w) * 0.9f);        // in the right corner
        for (const DecorationsLayer::Box& o : deco->boxes()) {  // clear of the rest
            if (o.x == b.x && o.y == b.y && o.w == b.w && o.h == b.h) continue;
            CHECK_FALSE((b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h));
        }
        size_t bright = 0;  // the light text on the dark panel
        for (int y = static_cast<int>(b.y); y < static_cast<int>(b.y + b.h); ++y)
            for (int x = static_cast<int>(b.x); x < static_cast<int>(b.x + b.w); ++x) {
                const uint8_t* px = img.pixel(x, y);
                bright += px[0] + px[1] + px[2] > 3 * 150;
            }
        CHECK(bright > 150);
    }
}
