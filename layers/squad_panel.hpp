#pragma once
// The data cockpit's panel (ImGui, Chinese first): the period and the indicator the map
// shows; the squad table sortable by any indicator (hover a figure for its numerator and
// denominator); the selected squad's profile (画像): each sub-score, its trend over the
// last periods, what drags the index down; the district summary; the alert list, where a
// click flies the map to the place.
#include "engine/util/i18n_text.hpp"

namespace sandtable {

class SquadLayer;

class SquadPanel {
public:
    void draw(SquadLayer& layer, Language lang);

private:
    int sortColumn_ = 0;  // index into the table's columns
    bool sortAscending_ = true;
};

}  // namespace sandtable
