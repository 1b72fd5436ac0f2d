#include "layers/officer_panel.hpp"

#include <imgui.h>

#include <cmath>
#include <cstdio>

#include "engine/util/i18n.hpp"
#include "layers/officer_layer.hpp"

namespace sandtable {

std::string formatAge(double seconds, Language lang) {
    char buf[64];
    if (seconds < 90)
        std::snprintf(buf, sizeof buf, tr("time.seconds_ago", lang), seconds);
    else if (seconds < 5400)
        std::snprintf(buf, sizeof buf, tr("time.minutes_ago", lang), seconds / 60);
    else
        std::snprintf(buf, sizeof buf, tr("time.hours_ago", lang), seconds / 3600);
    return buf;
}

void OfficerLayer::drawUi(Language lang) { panel_->draw(*this, lang); }

void OfficerPanel::draw(OfficerLayer& layer, Language lang) {
    if (!ImGui::TreeNodeEx(tr("officers.section", lang), ImGuiTreeNodeFlags_DefaultOpen)) return;
    OfficerFocus& focus = *layer.focus();
    OfficerLayerOptions& opts = layer.options();
    ImGui::Text(tr("officers.counts", lang), layer.officerCount(), layer.liveCount(), layer.staleCount());
    int colorBy = opts.colorBy == OfficerLayerOptions::ColorBy::Squad ? 1 : 0;
    ImGui::RadioButton(tr("officers.by_status", lang), &colorBy, 0);
    ImGui::SameLine();
    ImGui::RadioButton(tr("officers.by_squad", lang), &colorBy, 1);
    opts.colorBy = colorBy ? OfficerLayerOptions::ColorBy::Squad : OfficerLayerOptions::ColorBy::Status;
    if (ImGui::TreeNode(tr("officers.filter", lang))) {
        for (size_t i = 0; i < kOfficerStatusCount; ++i) {
            bool on = focus.statusMask >> i & 1u;
            if (ImGui::Checkbox(officerStatusName(static_cast<OfficerStatus>(i), lang).get(lang).c_str(), &on)) {
                focus.statusMask = on ? (focus.statusMask | 1u << i) : (focus.statusMask & ~(1u << i));
                focus.changed();
            }
            if (i % 2 == 0) ImGui::SameLine(150);
        }
        if (ImGui::Checkbox(tr("officers.show_silent", lang), &focus.showStale)) focus.changed();
        const SquadCatalogue& squads = layer.context().squads;
        for (size_t i = 0; i < squads.size() && i < 32; ++i) {
            bool on = focus.squadMask >> i & 1u;
            const std::string name = squads.nameOf(i).get(lang);
            if (ImGui::Checkbox(name.c_str(), &on)) {
                focus.squadMask = on ? (focus.squadMask | 1u << i) : (focus.squadMask & ~(1u << i));
                focus.changed();
            }
            if (i % 2 == 0) ImGui::SameLine(150);
        }
        ImGui::TreePop();
    }
    ImGui::SetNextItemWidth(160);
    const auto& snap = layer.snapshot();
    if (ImGui::InputTextWithHint("##search", tr("officers.search_hint", lang), search_, sizeof search_,
                                 ImGuiInputTextFlags_EnterReturnsTrue) ||
        (ImGui::SameLine(), ImGui::Button(tr("officers.find", lang)))) {
        if (snap && snap->find(search_)) {
            focus.select(search_);
            focus.follow = true;
            searchMessage_.clear();
        } else {
            searchMessage_ = std::string(tr("officers.not_found", lang)) + search_;
        }
    }
    if (!searchMessage_.empty()) ImGui::TextColored(ImVec4(1, 0.6f, 0.4f, 1), "%s", searchMessage_.c_str());
    const OfficerState* o = snap && !focus.selected.empty() ? snap->find(focus.selected) : nullptr;
    if (o) {
        ImGui::Separator();
        const TimeMs now = layer.now();
        const double age = static_cast<double>(now - o->lastSeen) / 1000.0;
        const bool stale = o->stale(now, opts.staleAfterMs);
        ImGui::Text("%s  %s", o->id.c_str(), stale ? tr("officers.silent_mark", lang) : "");
        const std::string squad = layer.context().squads.nameOf(o->squad).get(lang);
        ImGui::Text("%s: %s", tr("officers.squad", lang), squad.c_str());
        ImGui::Text("%s: %s", tr("officers.status", lang), officerStatusName(o->status, lang).get(lang).c_str());
        if (std::isfinite(o->speed))
            ImGui::Text("%s: %.1f m/s", tr("officers.speed", lang), static_cast<double>(o->speed));
        ImGui::Text("%s: %s", tr("officers.last_seen", lang), formatAge(age, lang).c_str());
        if (ImGui::Checkbox(tr("officers.follow", lang), &focus.follow)) focus.changed();
        ImGui::SameLine();
        if (ImGui::Button(tr("officers.clear", lang))) {
            focus.select("");
            focus.follow = false;
        }
    }
    ImGui::TreePop();
}

}  // namespace sandtable
