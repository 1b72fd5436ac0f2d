#pragma once
// One golden render case: tests/render/cases/NAME/case.json.
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/data/scene.hpp"
#include "engine/feed/feed_file.hpp"
#include "engine/render/offscreen.hpp"
#include "layers/dispatch_layer.hpp"
#include "layers/layer_factory.hpp"
#include "layers/officer_layer.hpp"

namespace sandtable {

struct RenderCase {
    std::string scene;
    int width = 960, height = 540;
    std::string view;  // optional LON,LAT,ZOOM[,ROT]
    std::string lang = "zh";
    double allowed = 0.00015;  // fraction of pixels that may differ (MapLibre's default)
    double threshold = 0.1;    // YIQ distance per pixel
    int64_t time = 0;
    std::string feed, at;          // optional feed file (relative to the source dir) drawn as of `at`
    std::vector<double> dispatch;  // optional [lon, lat]: dispatch assist query shown
    // Counts the runner checks beside the image ("expect": {"officers": N, "stale": N,
    // "labels": N}); -1: not checked.
    long expectOfficers = -1, expectStale = -1, expectLabels = -1;
};

// What a case rendered: the image and the counts a reader can check.
struct RenderResult {
    Image image;
    long officers = 0, stale = 0, labels = 0;
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
    if (j.contains("feed")) c.feed = (std::filesystem::path(sourceDir) / j.at("feed").get<std::string>()).string();
    c.at = j.value("at", std::string());
    if (j.contains("dispatch")) c.dispatch = j.at("dispatch").get<std::vector<double>>();
    if (j.contains("expect")) {
        const auto& e = j.at("expect");
        c.expectOfficers = e.value("officers", -1L);
        c.expectStale = e.value("stale", -1L);
        c.expectLabels = e.value("labels", -1L);
    }
    return c;
}

inline RenderResult renderCase(const RenderCase& c) {
    const SceneSpec scene = loadScene(c.scene);
    std::vector<std::string> errors;
    auto map = buildMap(scene, errors);
    if (!errors.empty()) throw std::runtime_error("render case scene has broken layers: " + errors[0]);
    map->language = c.lang == "en" ? Language::English : Language::Chinese;
    applySceneView(scene, *map, c.width, c.height);
    if (!c.view.empty()) applyViewString(c.view, *map);
    FrameState frame;
    frame.time = c.time;
    if (!c.at.empty() && !parseIsoTime(c.at, frame.time)) throw std::runtime_error("bad 'at' in render case: " + c.at);
    if (!c.feed.empty()) {
        auto feed = loadFeedFileAsOf(c.feed, frame.time);
        attachFeed(*map, feed);
        if (c.dispatch.size() == 2) {
            renderOffscreen(*map, frame, c.width, c.height);  // first frame takes the snapshot
            for (const auto& l : map->layers())
                if (auto* d = dynamic_cast<DispatchLayer*>(l.get()))
                    d->dispatchAt({c.dispatch[0], c.dispatch[1]}, frame.time);
        }
    }
    RenderResult r;
    r.image = renderOffscreen(*map, frame, c.width, c.height);
    r.labels = static_cast<long>(map->labels().placed());
    for (const auto& l : map->layers())
        if (auto* o = dynamic_cast<OfficerLayer*>(l.get())) {
            r.officers += static_cast<long>(o->officerCount());
            r.stale += static_cast<long>(o->staleCount());
        }
    return r;
}

}  // namespace sandtable
