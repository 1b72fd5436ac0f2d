#pragma once
// One golden render case: tests/render/cases/NAME/case.json.
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/data/scene.hpp"
#include "engine/render/offscreen.hpp"
#include "layers/layer_factory.hpp"

namespace sandtable {

struct RenderCase {
    std::string scene;
    int width = 960, height = 540;
    std::string view;           // optional LON,LAT,ZOOM[,ROT]
    std::string lang = "zh";
    double allowed = 0.002;     // fraction of pixels that may differ
    double threshold = 0.1;     // YIQ distance per pixel
    int64_t time = 0;
};

inline RenderCase loadRenderCase(const std::filesystem::path& dir, const std::string& sourceDir) {
    std::ifstream in(dir / "case.json");
    const nlohmann::json j = nlohmann::json::parse(in);
    RenderCase c;
    c.scene = (std::filesystem::path(sourceDir) / j.at("scene").get<std::string>()).string();
    c.width = j.value("width", c.width);
    c.height = j.value("height", c.height);
    c.view = j.value("view", std::string());
    c.lang = j.value("lang", c.lang);
    c.allowed = j.value("allowed", c.allowed);
    c.threshold = j.value("threshold", c.threshold);
    c.time = j.value("time", static_cast<int64_t>(0));
    return c;
}

inline Image renderCase(const RenderCase& c) {
    const SceneSpec scene = loadScene(c.scene);
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    if (!errors.empty()) throw std::runtime_error("render case scene has broken layers: " + errors[0]);
    map->language = c.lang == "en" ? Language::English : Language::Chinese;
    applySceneView(scene, *map, c.width, c.height);
    if (!c.view.empty()) applyViewString(c.view, *map);
    FrameState frame;
    frame.time = c.time;
    return renderOffscreen(*map, frame, c.width, c.height);
}

}  // namespace sandtable
