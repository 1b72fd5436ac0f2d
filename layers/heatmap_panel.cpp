// The heatmap's settings under its row of the cockpit panel (ImGui): kernel, radius and
// its unit, output, ramp, normalisation, time window; the figures of the last aggregation.
#include <imgui.h>

#include <iterator>
#include <string>

#include "engine/util/i18n.hpp"
#include "layers/heatmap_layer.hpp"

namespace sandtable {

namespace {
const char* kernelName(KernelShape k, Language lang) { return tr(std::string("heat.kernel.") + toString(k), lang); }
const char* rampName(ColorRampId r, Language lang) { return tr(std::string("heat.ramp.") + toString(r), lang); }
}  // namespace

void HeatmapLayer::drawUi(Language lang) {
    ImGui::PushID(id_.c_str());
    // Visibility and opacity are on the layer's own row of the panel; this is the rest.
    if (!ImGui::TreeNode(tr("heat.settings", lang))) {
        ImGui::PopID();
        return;
    }
    HeatmapSettings s = settings_;
    int kernel = static_cast<int>(s.kernel);
    if (ImGui::BeginCombo(tr("heat.kernel", lang), kernelName(s.kernel, lang))) {
        for (int i = 0; i < static_cast<int>(kAllKernelShapes.size()); ++i)
            if (ImGui::Selectable(kernelName(kAllKernelShapes[static_cast<size_t>(i)], lang), i == kernel))
                s.kernel = kAllKernelShapes[static_cast<size_t>(i)];
        ImGui::EndCombo();
    }
    float radius = static_cast<float>(s.radius);
    const bool metres = s.radiusUnit == RadiusUnit::Metres;
    if (ImGui::SliderFloat(tr("heat.radius", lang), &radius, metres ? 10.0f : 2.0f, metres ? 3000.0f : 200.0f,
                           metres ? "%.0f m" : "%.0f px", ImGuiSliderFlags_Logarithmic))
        s.radius = std::max(1.0f, radius);
    int unit = metres ? 0 : 1;
    ImGui::RadioButton(tr("heat.metres", lang), &unit, 0);
    ImGui::SameLine();
    ImGui::RadioButton(tr("heat.pixels", lang), &unit, 1);
    s.radiusUnit = unit == 0 ? RadiusUnit::Metres : RadiusUnit::Pixels;
    int out = s.output == KdeOutput::Raw ? 0 : 1;
    ImGui::RadioButton(tr("heat.raw", lang), &out, 0);
    ImGui::SameLine();
    ImGui::RadioButton(tr("heat.scaled", lang), &out, 1);
    s.output = out == 0 ? KdeOutput::Raw : KdeOutput::Scaled;
    if (s.kernel == KernelShape::Triangular) {
        float decay = static_cast<float>(s.decay);
        if (ImGui::SliderFloat(tr("heat.decay", lang), &decay, 0.0f, 1.0f)) s.decay = decay;
    }
    int ramp = static_cast<int>(s.ramp);
    if (ImGui::BeginCombo(tr("heat.ramp", lang), rampName(s.ramp, lang))) {
        for (int i = 0; i < static_cast<int>(std::size(kAllColorRamps)); ++i)
            if (ImGui::Selectable(rampName(kAllColorRamps[i], lang), i == ramp)) s.ramp = kAllColorRamps[i];
        ImGui::EndCombo();
    }
    int norm = s.normalisation == Normalisation::Auto ? 0 : 1;
    ImGui::RadioButton(tr("heat.auto", lang), &norm, 0);
    ImGui::SameLine();
    ImGui::RadioButton(tr("heat.fixed", lang), &norm, 1);
    s.normalisation = norm == 0 ? Normalisation::Auto : Normalisation::Fixed;
    if (s.normalisation == Normalisation::Auto) {
        float pct = static_cast<float>(s.percentile * 100.0);
        if (ImGui::SliderFloat(tr("heat.percentile", lang), &pct, 50.0f, 100.0f, "%.1f"))
            s.percentile = std::clamp(pct / 100.0, 0.5, 1.0);
    } else {
        double mx = s.fixedMax;
        if (ImGui::InputDouble(tr("heat.maximum", lang), &mx, 0.0, 0.0, "%.4g") && mx > 0.0) s.fixedMax = mx;
    }
    int minutes = static_cast<int>(s.windowMs / 60000);
    if (ImGui::SliderInt(tr("heat.window", lang), &minutes, 0, 24 * 60))
        s.windowMs = static_cast<TimeMs>(minutes) * 60000;
    ImGui::Text("%s: %zu / %zu   %s: %.1f ms%s", tr("heat.points", lang), range_.second - range_.first, points_.size(),
                tr("heat.aggregate", lang), timing_.aggregateMs,
                timing_.incremental ? tr("heat.incremental", lang) : "");
    if (input_.dropped()) ImGui::TextWrapped("%s", input_.summary().c_str());
    try {
        setSettings(s);
    } catch (const std::exception& e) {
        ImGui::TextColored(ImVec4(1, 0.3f, 0.3f, 1), "%s", e.what());
    }
    ImGui::TreePop();
    ImGui::PopID();
}

}  // namespace sandtable
