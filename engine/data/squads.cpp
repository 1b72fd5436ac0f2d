#include "engine/data/squads.hpp"

#include <cstdlib>
#include <set>

#include "engine/data/record_table.hpp"
#include "engine/data/scene.hpp"
#include "engine/util/i18n.hpp"

namespace sandtable {

bool parseHexColor(const std::string& s, Color& out) {
    if (s.size() != 7 || s[0] != '#') return false;
    char* end = nullptr;
    const unsigned long v = std::strtoul(s.c_str() + 1, &end, 16);
    if (!end || *end != '\0') return false;
    out = Color::fromHex(static_cast<unsigned>(v));
    return true;
}

SquadCatalogue::SquadCatalogue(std::vector<SquadInfo> squads) : squads_(std::move(squads)) {
    std::set<std::string> seen;
    for (const auto& s : squads_) {
        if (s.id.empty()) throw SquadCatalogueError("squad catalogue: a squad has an empty id");
        if (!seen.insert(s.id).second) throw SquadCatalogueError("squad catalogue: duplicate squad id '" + s.id + "'");
    }
}

SquadCatalogue SquadCatalogue::load(const std::string& path) {
    try {
        RecordTable t = RecordTable::openCsv(path);
        const int id = t.requireColumn("id"), code = t.requireColumn("code"), jzh = t.requireColumn("jurisdiction_zh"),
                  jen = t.requireColumn("jurisdiction_en"), szh = t.requireColumn("squad_zh"),
                  sen = t.requireColumn("squad_en"), col = t.requireColumn("color");
        std::vector<SquadInfo> out;
        std::set<std::string> ids, codes;
        while (t.next()) {
            auto fail = [&](const std::string& why) { throw SquadCatalogueError(t.where(t.line()) + ": " + why); };
            SquadInfo s;
            s.id = t.text(id).value_or("");
            if (s.id.empty()) fail("empty id");
            if (!ids.insert(s.id).second) fail("duplicate squad id '" + s.id + "'");
            s.code = t.text(code).value_or("");
            if (s.code.empty()) fail("squad '" + s.id + "' has no code");
            if (!codes.insert(s.code).second) fail("duplicate code '" + s.code + "'");
            s.jurisdiction = {t.text(jzh).value_or(""), t.text(jen).value_or("")};
            s.name = {t.text(szh).value_or(s.id), t.text(sen).value_or("")};
            const std::string c = t.text(col).value_or("");
            if (!parseHexColor(c, s.color)) fail("color '" + c + "' is not \"#rrggbb\"");
            out.push_back(std::move(s));
        }
        if (out.empty()) throw SquadCatalogueError(path + ": no squads");
        SquadCatalogue cat(std::move(out));
        cat.source_ = path;
        return cat;
    } catch (const TableError& e) {
        throw SquadCatalogueError(e.what());
    }
}

SquadCatalogue SquadCatalogue::builtIn() {
    struct Row {
        const char* id;
        const char* code;
        unsigned color;
    };
    static constexpr Row rows[] = {{"caoyang", "310107005", 0x4e79a7},    {"changfeng", "310107014", 0xf28e2b},
                                   {"changshou", "310107015", 0xe15759},  {"ganquan", "310107016", 0x76b7b2},
                                   {"shiquan", "310107017", 0x59a14f},    {"yichuan", "310107020", 0xedc948},
                                   {"wanli", "310107021", 0xb07aa1},      {"zhenru", "310107022", 0xff9da7},
                                   {"changzheng", "310107102", 0x9c755f}, {"taopu", "310107103", 0xbab0ac}};
    std::vector<SquadInfo> out;
    for (const Row& r : rows) {
        const std::string id = r.id;
        out.push_back({id, r.code, text("jurisdiction." + id), text("squad." + id), Color::fromHex(r.color)});
    }
    SquadCatalogue cat(std::move(out));
    cat.source_ = "built-in Putuo squads";
    return cat;
}

SquadCatalogue sceneSquads(const SceneSpec& scene) {
    return scene.squadsPath.empty() ? SquadCatalogue::builtIn() : SquadCatalogue::load(scene.squadsPath);
}

std::optional<size_t> SquadCatalogue::indexOf(const std::string& id) const {
    for (size_t i = 0; i < squads_.size(); ++i)
        if (squads_[i].id == id) return i;
    return std::nullopt;
}

Color SquadCatalogue::colorOf(size_t i) const {
    return squads_.empty() ? Color::fromHex(0x9e9e9e) : squads_[i % squads_.size()].color;
}

I18nText SquadCatalogue::nameOf(size_t i) const {
    if (i < squads_.size()) return squads_[i].name;
    const std::string s = "#" + std::to_string(i);
    return {s, s};
}

std::vector<std::string> SquadCatalogue::ids() const {
    std::vector<std::string> out;
    for (const auto& s : squads_) out.push_back(s.id);
    return out;
}

}  // namespace sandtable
