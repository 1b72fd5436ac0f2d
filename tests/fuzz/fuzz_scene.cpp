// Fuzz target: the scene file parser (engine/data/scene.*, parseScene). A bad scene must
// end as a SceneError naming file and key; any other exception or a crash is a bug.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "engine/data/scene.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace sandtable;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(fuzz::asText(data, size));
    try {
        const SceneSpec s = parseScene(text, "/fuzz/scene.json");
        if (s.layers.empty() && s.file.empty()) fuzz::bug("a parsed scene without its file");
    } catch (const SceneError& e) {
        if (std::string(e.what()).rfind("/fuzz/scene.json", 0) != 0) fuzz::bug("a scene error not naming the file");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: parseScene threw %s\n", e.what());
        fuzz::bug("parseScene threw something other than SceneError");
    }
    return 0;
}
