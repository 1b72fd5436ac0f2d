#pragma once
// The officers' section of the cockpit panel (ImGui): counts, colour by status or squad,
// filters, search by id, the selected officer's details and follow mode. Edits the
// layer's options and its OfficerFocus; draws nothing on the map.
#include <string>

#include "engine/util/i18n_text.hpp"

namespace sandtable {

class OfficerLayer;

class OfficerPanel {
public:
    void draw(OfficerLayer& layer, Language lang);

private:
    char search_[64] = {0};
    std::string searchMessage_;
};

// "12 s ago", "3 min ago", "1.5 h ago" in the UI language.
std::string formatAge(double seconds, Language lang);

}  // namespace sandtable
