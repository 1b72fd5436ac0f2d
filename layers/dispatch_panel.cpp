// The dispatch section of the cockpit panel (ImGui): dispatch mode, the open incidents
// with a "nearest" button each, and the nearest available officers with walking times.
#include <imgui.h>

#include <cmath>

#include "engine/util/i18n.hpp"
#include "layers/dispatch_layer.hpp"

namespace sandtable {

void DispatchLayer::drawUi(Language lang) {
    if (!ImGui::TreeNodeEx(tr("dispatch.section", lang), ImGuiTreeNodeFlags_DefaultOpen)) return;
    ImGui::Checkbox(tr("dispatch.mode", lang), &dispatchMode);
    if (snap_ && snap_->incidents) {
        for (const Incident& inc : *snap_->incidents) {
            if (!inc.open) continue;
            ImGui::PushID(inc.id.c_str());
            if (ImGui::SmallButton(tr("dispatch.nearest", lang))) dispatchAt({inc.lon, inc.lat}, now_);
            ImGui::SameLine();
            ImGui::Text("%s %s", inc.id.c_str(), inc.kind.c_str());
            ImGui::PopID();
        }
    }
    if (!candidates_.empty()) {
        ImGui::Text("%s", tr("dispatch.candidates", lang));
        for (const auto& c : candidates_) {
            ImGui::PushID(static_cast<int>(c.slot));
            if (ImGui::SmallButton(c.officer.c_str())) focus_->select(c.officer);
            ImGui::SameLine();
            ImGui::Text(tr("dispatch.walk", lang), c.distanceM, std::ceil(c.walkSeconds / 60.0));
            ImGui::PopID();
        }
        if (ImGui::Button(tr("dispatch.clear", lang))) clear();
    }
    ImGui::TreePop();
}

}  // namespace sandtable
