// Golden-image render tests (after MapLibre's render tests): each folder under
// tests/render/cases holds case.json and expected.png. The test renders headless at the
// case's size, compares with a YIQ threshold ignoring anti-aliased pixels, and fails when
// more than `allowed` of the pixels differ, writing actual.png and diff.png beside it.
// SANDTABLE_UPDATE_GOLDEN=1 rewrites expected.png instead.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/data/scene.hpp"
#include "engine/gl/context.hpp"
#include "engine/render/offscreen.hpp"
#include "layers/layer_factory.hpp"
#include "render_case.hpp"

using namespace sandtable;
namespace fs = std::filesystem;

namespace {
HeadlessContext* context() {
    static std::string why;
    static std::unique_ptr<HeadlessContext> ctx = tryCreateHeadless(&why);
    if (!ctx) WARN("SKIPPED: no OpenGL 4.5 context can be made here: " << why);
    return ctx.get();
}
}  // namespace

TEST_CASE("Golden render cases", "[render]") {
    if (!context()) return;
    const fs::path root = fs::path(SANDTABLE_SOURCE_DIR) / "tests/render/cases";
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(root))
        if (fs::exists(e.path() / "case.json")) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    REQUIRE(cases.size() >= 2);
    const bool update = std::getenv("SANDTABLE_UPDATE_GOLDEN") != nullptr;
    for (const auto& dir : cases) {
        DYNAMIC_SECTION(dir.filename().string()) {
            const RenderCase rc = loadRenderCase(dir, SANDTABLE_SOURCE_DIR);
            const Image actual = renderCase(rc);
            const fs::path expectedPath = dir / "expected.png";
            if (update) {
                writePng(expectedPath.string(), actual);
                WARN("updated " << expectedPath.string());
                continue;
            }
            REQUIRE(fs::exists(expectedPath));
            const Image expected = readPng(expectedPath.string());
            const ImageDiff d = compareImages(expected, actual, rc.threshold);
            INFO(dir.filename().string() << ": " << d.differing << " of " << d.total << " pixels differ (" << d.fraction() * 100
                                         << " %), allowed " << rc.allowed * 100 << " %");
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
