#include "layers/squad_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/util/civil_time.hpp"
#include "engine/util/i18n.hpp"
#include "layers/squad_layer.hpp"

namespace sandtable {

namespace {

using indicators::IndicatorDef;

const char* name(const IndicatorDef& d, Language lang) { return tr(std::string("kpi.") + d.key, lang); }

// A figure with its numerator and denominator on hover: every number can be traced.
void figure(const IndicatorDef& d, const indicators::Figures& f, Language lang) {
    const std::string v = indicators::formatIndicator(d, d.value(f));
    ImGui::TextUnformatted(v.c_str());
    if (ImGui::IsItemHovered()) {
        if (d.ratio) {
            const indicators::Ratio* r = d.ratio(f);
            ImGui::SetTooltip(
                tr(d.kind == indicators::IndicatorKind::Score ? "squads.tooltip_score" : "squads.tooltip_ratio", lang),
                name(d, lang), r->num, r->den);
        } else {
            ImGui::SetTooltip("%s", name(d, lang));
        }
    }
}

// The table's columns: rank, squad, then these indicators.
const std::vector<const IndicatorDef*>& tableColumns() {
    static const std::vector<const IndicatorDef*> c = [] {
        std::vector<const IndicatorDef*> v;
        for (const char* k : {"index", "first_contact_rate", "on_time_rate", "resolution_rate", "satisfaction_rate",
                              "checkin_rate", "inspection_rate", "case_quality"})
            v.push_back(indicators::findIndicator(k));
        return v;
    }();
    return c;
}

}  // namespace

void SquadLayer::drawUi(Language lang) { panel_->draw(*this, lang); }

void SquadPanel::draw(SquadLayer& layer, Language lang) {
    if (!ImGui::TreeNodeEx(tr("squads.section", lang), ImGuiTreeNodeFlags_DefaultOpen)) return;
    indicators::IndicatorModel& model = *layer.model();
    const indicators::Result& r = model.result();
    const SquadCatalogue& squads = model.squads();

    // Period and indicator.
    static const char* const kPeriods[] = {"squads.period.scene", "squads.period.month", "squads.period.previous"};
    const int choice = static_cast<int>(model.periodChoice());
    ImGui::SetNextItemWidth(200);
    if (ImGui::BeginCombo(tr("squads.period", lang), tr(kPeriods[choice], lang))) {
        for (int i = 0; i < 3; ++i)
            if (ImGui::Selectable(tr(kPeriods[i], lang), i == choice))
                model.setPeriodChoice(static_cast<indicators::PeriodChoice>(i));
        ImGui::EndCombo();
    }
    ImGui::Text(tr("squads.period_line", lang), localDateText(model.period().from).c_str(),
                localDateText(model.period().to - 1).c_str(), localDateTimeText(model.evaluatedAt(), false).c_str());
    const IndicatorDef* shown = indicators::findIndicator(layer.options().indicator);
    ImGui::SetNextItemWidth(200);
    if (ImGui::BeginCombo(tr("squads.map_shows", lang), name(*shown, lang))) {
        for (const IndicatorDef& d : indicators::indicatorDefs())
            if (ImGui::Selectable(name(d, lang), &d == shown)) layer.setIndicator(d.key);
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::Checkbox(tr("squads.fill", lang), &layer.options().fill);
    if (model.badRows() > 0) ImGui::TextDisabled(tr("squads.bad_rows", lang), model.badRows());

    // The squad table, sortable by any column.
    const auto& cols = tableColumns();
    const int ncols = 2 + static_cast<int>(cols.size());
    if (ImGui::BeginTable("##squads", ncols,
                          ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                              ImGuiTableFlags_ScrollX | ImGuiTableFlags_SizingFixedFit,
                          ImVec2(0, 0))) {
        ImGui::TableSetupColumn(tr("kpi.rank", lang), ImGuiTableColumnFlags_DefaultSort);
        ImGui::TableSetupColumn(tr("kpi.col.squad", lang));
        for (const IndicatorDef* d : cols) ImGui::TableSetupColumn(name(*d, lang));
        ImGui::TableHeadersRow();
        if (ImGuiTableSortSpecs* spec = ImGui::TableGetSortSpecs(); spec && spec->SpecsCount > 0) {
            sortColumn_ = spec->Specs[0].ColumnIndex;
            sortAscending_ = spec->Specs[0].SortDirection == ImGuiSortDirection_Ascending;
        }
        std::vector<const indicators::SquadFigures*> rows;
        for (const auto& s : r.squads) rows.push_back(&s);
        auto key = [&](const indicators::SquadFigures* s) -> double {
            if (sortColumn_ == 0) return s->rank ? *s->rank : 1e9;
            if (sortColumn_ == 1) return static_cast<double>(s->squad);
            const auto v = cols[static_cast<size_t>(sortColumn_ - 2)]->value(*s);
            return v ? *v : (sortAscending_ ? 1e18 : -1e18);  // no data sorts last either way
        };
        std::stable_sort(rows.begin(), rows.end(),
                         [&](auto* a, auto* b) { return sortAscending_ ? key(a) < key(b) : key(a) > key(b); });
        for (const indicators::SquadFigures* s : rows) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            const bool lagging = s->lagging.value_or(false);
            char rank[16];
            std::snprintf(rank, sizeof rank, "%s%s", s->rank ? std::to_string(*s->rank).c_str() : "—",
                          lagging ? " ▼" : "");
            if (lagging) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.35f, 0.3f, 1));
            if (ImGui::Selectable(rank, layer.selectedSquad == static_cast<int>(s->squad),
                                  ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowDoubleClick)) {
                layer.selectedSquad = static_cast<int>(s->squad);
                if (ImGui::IsMouseDoubleClicked(0)) layer.requestSquadView(s->squad);
            }
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(squads[s->squad].name.get(lang).c_str());
            if (lagging) ImGui::PopStyleColor();
            for (const IndicatorDef* d : cols) {
                ImGui::TableNextColumn();
                figure(*d, *s, lang);
            }
        }
        // The district: pooled counts, no rank.
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("—");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(tr("kpi.district", lang));
        for (const IndicatorDef* d : cols) {
            ImGui::TableNextColumn();
            figure(*d, r.district, lang);
        }
        ImGui::EndTable();
    }
    if (r.meanIndex) ImGui::TextDisabled(tr("squads.mean_line", lang), *r.meanIndex, indicators::kLaggingPoints);

    // The selected squad's profile.
    if (layer.selectedSquad >= 0 && static_cast<size_t>(layer.selectedSquad) < r.squads.size()) {
        const indicators::SquadFigures& s = r.squads[static_cast<size_t>(layer.selectedSquad)];
        ImGui::Separator();
        ImGui::Text(tr("squads.profile", lang), squads[s.squad].name.get(lang).c_str());
        ImGui::SameLine();
        if (ImGui::SmallButton(tr("squads.locate", lang))) layer.requestSquadView(s.squad);
        // Sub-scores (0..1) as bars, with the trend of each over the last periods.
        const auto& trends = model.trends();
        struct Worst {
            double gap;
            const IndicatorDef* def;
            double value, district;
        };
        std::vector<Worst> drags;
        for (size_t i = 0; i < indicators::kSubScoreCount; ++i) {
            const IndicatorDef* d = indicators::findIndicator(std::string(indicators::kSubScoreKeys[i]));
            const auto sub = s.subScores[i];
            ImGui::SetNextItemWidth(120);
            char overlay[48];
            const std::string v = indicators::formatIndicator(*d, d->value(s));
            std::snprintf(overlay, sizeof overlay, "%s", v.c_str());
            ImGui::ProgressBar(sub ? static_cast<float>(*sub) : 0.0f, ImVec2(120, 0), overlay);
            if (ImGui::IsItemHovered() && d->ratio)
                ImGui::SetTooltip(tr("squads.tooltip_ratio", lang), name(*d, lang), d->ratio(s)->num, d->ratio(s)->den);
            ImGui::SameLine();
            std::vector<float> series;
            for (const auto& t : trends) {
                const auto tv = t.squads[s.squad].subScores[i];
                series.push_back(tv ? static_cast<float>(*tv) : 0.0f);
            }
            if (!series.empty()) {
                ImGui::PlotLines("##trend", series.data(), static_cast<int>(series.size()), 0, nullptr, 0.0f, 1.0f,
                                 ImVec2(90, 22));
                if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr("squads.trend_hint", lang));
                ImGui::SameLine();
            }
            ImGui::TextUnformatted(name(*d, lang));
            if (sub && r.district.subScores[i])
                drags.push_back({*r.district.subScores[i] - *sub, d, *sub, *r.district.subScores[i]});
        }
        // What drags the index down: the sub-scores furthest below the district's.
        std::sort(drags.begin(), drags.end(), [](const Worst& a, const Worst& b) { return a.gap > b.gap; });
        for (size_t i = 0; i < drags.size() && i < 2 && drags[i].gap > 0.005; ++i)
            ImGui::TextColored(ImVec4(1.0f, 0.7f, 0.35f, 1), tr("squads.drags", lang), name(*drags[i].def, lang),
                               drags[i].value * 100.0, drags[i].district * 100.0);
    }

    // Alerts: a click flies the map there.
    const auto& alerts = model.alerts();
    if (ImGui::TreeNodeEx(tr("squads.alerts", lang), ImGuiTreeNodeFlags_DefaultOpen, "%s (%zu)",
                          tr("squads.alerts", lang), alerts.size())) {
        size_t listed = 0;
        for (const indicators::Alert& a : alerts) {
            if (++listed > 40) {
                ImGui::TextDisabled(tr("squads.alerts_more", lang), alerts.size() - 40);
                break;
            }
            ImGui::PushID(static_cast<int>(listed));
            const bool severe =
                a.kind == indicators::AlertKind::LaggingSquad || a.kind == indicators::AlertKind::MissedCheckin;
            ImGui::PushStyleColor(ImGuiCol_Text, severe ? ImVec4(1.0f, 0.45f, 0.4f, 1) : ImVec4(1.0f, 0.8f, 0.4f, 1));
            if (ImGui::Selectable(a.text.get(lang).c_str()) && a.lonLat) {
                if (a.kind == indicators::AlertKind::LaggingSquad)
                    layer.requestSquadView(a.squad);
                else
                    layer.requestView(*a.lonLat, 1.2);  // street level
            }
            ImGui::PopStyleColor();
            ImGui::PopID();
        }
        ImGui::TreePop();
    }
    ImGui::TreePop();
}

}  // namespace sandtable
