#pragma once
// What the operator has picked out among the live officers: the selected officer and
// follow mode, the squad/status filters, and the dispatch candidates. One object, shared
// (shared_ptr) by the layers that show it and the panels that change it: the officer
// markers (highlights, filters), the dispatch overlay (candidates), the trails (the
// selected officer's whole track). Every change bumps `version`, so a layer refreshes its
// highlights only when something changed.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/feed/protocol.hpp"

namespace sandtable {

struct OfficerFocus {
    std::string selected;              // officer id; empty: none
    bool follow = false;               // keep the selected officer centred
    uint32_t squadMask = 0xffffffffu;  // squads 0..31 (the panel filters those; later ones always show)
    uint32_t statusMask = 0xfu;
    bool showStale = true;
    std::vector<uint32_t> candidates;  // feed slots proposed by dispatch assist
    uint64_t version = 1;

    void select(std::string id) {
        selected = std::move(id);
        ++version;
    }
    void setCandidates(std::vector<uint32_t> slots) {
        candidates = std::move(slots);
        ++version;
    }
    void changed() { ++version; }  // after editing a mask or a flag directly
    bool shows(uint8_t squad, OfficerStatus status) const {
        return (squad >= 32 || (squadMask >> squad & 1u)) && (statusMask >> static_cast<unsigned>(status) & 1u);
    }
};

}  // namespace sandtable
