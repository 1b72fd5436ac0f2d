#pragma once
// Helpers shared by the indicator tests: ISO times, a small squad catalogue, records
// folders written from CSV text, temp dirs.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "engine/data/squads.hpp"
#include "engine/feed/protocol.hpp"
#include "engine/indicators/indicators.hpp"

namespace kpitest {

using namespace sandtable;
using namespace sandtable::indicators;

// An instant from ISO 8601 text (fails the test on a typo).
inline TimeMs T(const char* iso) {
    TimeMs t = 0;
    if (!parseIsoTime(iso, t)) FAIL("bad time in the test: " << iso);
    return t;
}

// October 2024, Shanghai time.
inline Period october() { return {T("2024-10-01T00:00:00+08:00"), T("2024-11-01T00:00:00+08:00")}; }

// Three squads; codes deliberately not in id order so that code-ordered ties show.
inline SquadCatalogue threeSquads() {
    return SquadCatalogue({{"alpha", "310107020", {"甲街道", "Alpha"}, {"甲中队", "Alpha squad"}, Color{}},
                           {"bravo", "310107010", {"乙街道", "Bravo"}, {"乙中队", "Bravo squad"}, Color{}},
                           {"charlie", "310107030", {"丙街道", "Charlie"}, {"丙中队", "Charlie squad"}, Color{}}});
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/sandtable-kpi-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path / name).string(); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(file(name), std::ios::binary) << text;
    }
};

// The seven tables with a header only, overridden by `tables` (name -> whole CSV text).
inline void writeRecords(const TempDir& dir, const std::map<std::string, std::string>& tables = {}) {
    const std::map<std::string, std::string> headers = {
        {"complaints", "id,squad,received_at,first_contact_at,due_at,closed_at,resolved,satisfaction,lon,lat\n"},
        {"cases", "id,squad,opened_at,closed_at,non_site,review_score,lon,lat\n"},
        {"checkpoints", "id,squad,level,lon,lat\n"},
        {"checkins", "checkpoint,officer,at\n"},
        {"objects", "id,squad,kind,colour,lon,lat\n"},
        {"inspections", "object,at\n"},
        {"training", "squad,at,attendees\n"}};
    for (const auto& [name, header] : headers) {
        auto it = tables.find(name);
        dir.write(name + ".csv", it == tables.end() ? header : it->second);
    }
}

inline std::string sourceDir() { return SANDTABLE_SOURCE_DIR; }
inline std::string sampleRecords() { return sourceDir() + "/data/putuo/records"; }
inline std::string sampleSquads() { return sourceDir() + "/data/putuo/squads.csv"; }

// Catalogue index of a squad id (fails the test when unknown).
inline size_t idx(const SquadCatalogue& c, const std::string& id) {
    auto i = c.indexOf(id);
    REQUIRE(i.has_value());
    return *i;
}

}  // namespace kpitest
