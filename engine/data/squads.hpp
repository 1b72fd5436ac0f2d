#pragma once
// The squad catalogue: the one place that says which squads exist, their official codes,
// names in both languages, map colour and jurisdiction name (data/putuo/squads.csv, named
// by the scene's "squads" key). The feed's validation, the officer layer, the indicators
// and the panels read squads from here.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/util/i18n_text.hpp"
#include "engine/util/math.hpp"

namespace sandtable {

struct SquadInfo {
    std::string id;         // "caoyang": the key every record and feed message uses
    std::string code;       // GB/T 2260 township code, "310107005"; ranks break ties by it
    I18nText jurisdiction;  // 曹杨新村街道 / Caoyang Xincun
    I18nText name;          // 曹杨新村中队 / Caoyang squad
    Color color;            // the jurisdiction's fill on the map
};

struct SquadCatalogueError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class SquadCatalogue {
public:
    SquadCatalogue() = default;
    // The squads in this order. Throws SquadCatalogueError on an empty or duplicate id.
    explicit SquadCatalogue(std::vector<SquadInfo> squads);

    // Reads a CSV with columns id, code, jurisdiction_zh, jurisdiction_en, squad_zh,
    // squad_en, color ("#rrggbb") through OGR's CSV driver. Any bad row makes the whole
    // catalogue an error (a squad missing here would silently drop its records), named
    // "FILE:LINE: reason".
    static SquadCatalogue load(const std::string& path);
    // The ten Putuo squads, equal to data/putuo/squads.csv (ids in defaultSquadIds()
    // order, names from the string table), for a scene that names no catalogue.
    static SquadCatalogue builtIn();

    const std::vector<SquadInfo>& squads() const { return squads_; }
    size_t size() const { return squads_.size(); }
    bool empty() const { return squads_.empty(); }
    const SquadInfo& operator[](size_t i) const { return squads_[i]; }
    std::optional<size_t> indexOf(const std::string& id) const;
    std::vector<std::string> ids() const;  // in file order (FeedConfig::squads takes these)
    // By a feed's squad index (FeedConfig::squads was ids()): the squad's colour (cycling
    // when i is past the end, grey when empty) and name (the index as text when past it).
    Color colorOf(size_t i) const;
    I18nText nameOf(size_t i) const;
    const std::string& source() const { return source_; }

private:
    std::vector<SquadInfo> squads_;
    std::string source_;
};

struct SceneSpec;
// The catalogue a scene's feed, layers and indicators share: the file its "squads" key
// names, else SquadCatalogue::builtIn(). Throws SquadCatalogueError naming the file.
SquadCatalogue sceneSquads(const SceneSpec& scene);

// "#rrggbb" -> Color; false when malformed.
bool parseHexColor(const std::string& s, Color& out);

}  // namespace sandtable
