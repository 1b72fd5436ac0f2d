#include "engine/ui/feed_panel.hpp"

#include <imgui.h>

namespace sandtable {

void drawFeedHealth(const FeedSnapshot& snap, TimeMs now, Language lang) {
    const bool en = lang == Language::English;
    if (!ImGui::CollapsingHeader(en ? "Feed health" : "数据接入状态", ImGuiTreeNodeFlags_DefaultOpen)) return;
    const FeedCounters& c = snap.counters;
    const size_t stale = snap.countStale(now);
    ImGui::Text(en ? "%.1f msg/s   queued %zu" : "%.1f 条/秒   排队 %zu", snap.messagesPerSecond, snap.queuedLines);
    ImGui::Text(en ? "accepted %llu   rejected %llu" : "接收 %llu   拒收 %llu", static_cast<unsigned long long>(c.accepted),
                static_cast<unsigned long long>(c.rejected));
    ImGui::Text(en ? "late %llu   duplicates %llu" : "迟到 %llu   重复 %llu", static_cast<unsigned long long>(c.late),
                static_cast<unsigned long long>(c.duplicates));
    ImGui::Text(en ? "officers: %zu live, %zu silent" : "警员：在线 %zu，失联 %zu", snap.officers.size() - stale, stale);
    if (c.lastMessageTime > 0)
        ImGui::Text(en ? "last message: %.0f s ago" : "最新消息：%.0f 秒前", static_cast<double>(now - c.lastMessageTime) / 1000.0);
    if (c.rejected > 0 && ImGui::TreeNode(en ? "Rejected by reason" : "拒收原因")) {
        for (size_t r = 0; r < kRejectReasonCount; ++r) {
            if (!c.rejectedBy[r]) continue;
            ImGui::PushID(static_cast<int>(r));
            if (ImGui::TreeNode("reason", "%s: %llu", rejectReasonName(static_cast<RejectReason>(r)), static_cast<unsigned long long>(c.rejectedBy[r]))) {
                for (const auto& s : snap.samples[r])
                    ImGui::TextWrapped("%s:%llu %s | %s", s.source.c_str(), static_cast<unsigned long long>(s.lineNo), s.detail.c_str(), s.excerpt.c_str());
                ImGui::TreePop();
            }
            ImGui::PopID();
        }
        ImGui::TreePop();
    }
    for (const auto& t : snap.transports) {
        const bool ok = t.state == ConnState::Connected;
        ImGui::TextColored(ok ? ImVec4(0.4f, 0.9f, 0.5f, 1) : ImVec4(1, 0.6f, 0.3f, 1), "● %s (%s): %s", t.name.c_str(), t.kind.c_str(),
                           connStateName(t.state));
        if (!t.detail.empty()) ImGui::TextDisabled("   %s", t.detail.c_str());
        if (!t.lastError.empty()) ImGui::TextDisabled(en ? "   last error: %s" : "   最近错误：%s", t.lastError.c_str());
    }
}

}  // namespace sandtable
