#pragma once
// The scene file (JSON; documented in docs/scene.md): display CRS, initial view, title,
// and the layers with their source and style. Parsing reports errors as
// "FILE: KEY.PATH: reason". Each layer's type-specific options stay as JSON and are read
// by that layer's factory with the same JsonReader, so errors name file and key too.
#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/indicators/weights.hpp"
#include "engine/util/clock.hpp"
#include "engine/util/math.hpp"

namespace sandtable {

struct SceneError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Reads typed values from a JSON object, naming file and key path in every error.
class JsonReader {
public:
    JsonReader(const nlohmann::json& j, std::string file, std::string path)
        : j_(j), file_(std::move(file)), path_(std::move(path)) {}
    const nlohmann::json& json() const { return j_; }
    bool has(const std::string& key) const { return j_.is_object() && j_.contains(key); }
    JsonReader child(const std::string& key) const;  // throws when missing
    JsonReader at(size_t index) const;
    std::string keyPath(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

    std::string string(const std::string& key) const;
    std::string string(const std::string& key, const std::string& def) const;
    double number(const std::string& key) const;
    double number(const std::string& key, double def) const;
    double number(const std::string& key, double def, double min, double max) const;
    bool boolean(const std::string& key, bool def) const;
    Color color(const std::string& key, Color def) const;
    Color color(const std::string& key) const;
    // "#rrggbb", "#rrggbbaa" or [r,g,b(,a)] in 0..1
    Color colorValue() const;
    // {"zh": "...", "en": "..."} or a plain string (both languages)
    std::pair<std::string, std::string> i18n(const std::string& key, const std::string& def) const;
    // Throws a SceneError naming this key (or a key under it).
    [[noreturn]] void fail(const std::string& key, const std::string& reason) const;
    [[noreturn]] void failHere(const std::string& reason) const;
    const std::string& file() const { return file_; }
    const std::string& path() const { return path_; }

private:
    const nlohmann::json& j_;
    std::string file_, path_;
};

struct LayerSpec {
    std::string id;
    std::string type;  // vector | raster | heatmap | officers | decorations | ...
    std::string titleZh, titleEn;
    bool visible = true;
    double opacity = 1.0;
    bool legend = true;     // contributes to the map's legend (false: a background layer)
    nlohmann::json config;  // the whole layer object, for the type's factory
    std::string keyPath;    // "layers[3]" for error messages
};

// The scene's "indicators" object (docs/scene.md, docs/kpi.md).
struct IndicatorSceneSpec {
    indicators::IndexWeights weights;  // keys absent from the scene keep weight 1
    // The period the panels show by default (and sandtable-kpi --scene without --from/--to).
    std::optional<TimeMs> periodFrom, periodTo;
    int trendPeriods = 6;  // trends: this many periods of the same length, the last one included
};

// One stop of a wall's tour: where the camera flies, which layers show, how long it stays.
struct TourStop {
    enum class Kind { View, Squad, District };
    Kind kind = Kind::District;
    Vec2d centerLonLat;      // View
    double zoom = 13.0;      // View
    double rotationDeg = 0;  // View
    std::string squad;       // Squad: its jurisdiction fills the screen
    double dwellSeconds = 20;
    std::vector<std::pair<std::string, bool>> layers;  // layer id -> visible while here
    std::string titleZh, titleEn;                      // shown on the wall while here
};

// "wall": what an unattended wall does (docs/scene.md).
struct WallSpec {
    std::vector<TourStop> tour;
    double flightSeconds = 3.0;             // camera flight between stops
    double resumeAfterSeconds = 60;         // an operator's touch pauses the tour this long
    std::vector<std::string> legendLayers;  // the layers the wall's legend lists (empty: all)
};

struct SceneSpec {
    std::string file;     // path of the scene file
    std::string baseDir;  // relative paths resolve against this
    std::string titleZh, titleEn;
    std::string displayCrs;
    Vec2d viewCenterLonLat;  // WGS84
    double viewZoom = 12.0;  // web-map zoom (see engine/geo/camera.hpp)
    double viewRotationDeg = 0.0;
    Color background;
    std::string attributionZh, attributionEn;
    // "credits": the data credits every render shows (the decorations' bottom line), e.g.
    // OpenStreetMap's "© OpenStreetMap contributors" that the ODbL requires.
    std::string creditsZh, creditsEn;
    std::vector<LayerSpec> layers;
    // Data the engine itself reads (empty when the scene does not name them), resolved.
    std::string jurisdictionsPath;  // "jurisdictions": polygons with a `squad` property
    std::string checkpointsPath;    // "checkpoints": NFC patrol checkpoints (id, squad, level)
    std::string roadsPath;          // "roads": road lines (property `class`) the simulated patrols follow
    // Optional: the squad catalogue (CSV, engine/data/squads.hpp) and the records source
    // of the indicators (a folder of CSVs, a .gpkg or a .xlsx); already resolved against
    // baseDir; empty when the scene names none.
    std::string squadsPath, recordsPath;
    IndicatorSceneSpec indicators;
    WallSpec wall;

    std::string resolve(const std::string& path) const;  // relative to baseDir
};

// Throws SceneError("FILE: KEY: reason").
SceneSpec loadScene(const std::string& path);
SceneSpec parseScene(const std::string& text, const std::string& file);

}  // namespace sandtable
