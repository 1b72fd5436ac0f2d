#include "engine/ui/feed_panel.hpp"

#include <imgui.h>

namespace sandtable {

namespace {

// Operator-facing names; the protocol's own name follows in brackets (docs/feed.md).
const char* reasonZh(RejectReason r) {
    static const char* names[kRejectReasonCount] = {"行过长",     "JSON 格式错误", "未知消息类型", "缺少字段",
                                                    "字段无效",   "时间无效",      "时间超前",     "坐标无效",
                                                    "未知坐标系", "超出辖区范围",  "未知中队",     "未知状态",
                                                    "速度异常",   "位移速度异常",  "警员数超限",   "接收队列溢出"};
    const auto i = static_cast<size_t>(r);
    return i < kRejectReasonCount ? names[i] : "?";
}

const char* stateText(ConnState s, Language lang) {
    if (lang == Language::English) return connStateName(s);
    switch (s) {
    case ConnState::Idle:
        return "未启动";
    case ConnState::Connecting:
        return "连接中";
    case ConnState::Connected:
        return "已连接";
    case ConnState::Disconnected:
        return "已断开";
    case ConnState::Retrying:
        return "等待重连";
    case ConnState::Finished:
        return "已结束";
    case ConnState::Stopped:
        return "已停止";
    }
    return "?";
}

}  // namespace

void drawFeedHealth(const FeedSnapshot& snap, TimeMs now, Language lang) {
    const bool en = lang == Language::English;
    if (!ImGui::CollapsingHeader(en ? "Feed health" : "数据接入状态", ImGuiTreeNodeFlags_DefaultOpen)) return;
    const FeedCounters& c = snap.counters;
    const size_t stale = snap.countStale(now);
    ImGui::Text(en ? "%.1f msg/s   queued %zu" : "%.1f 条/秒   排队 %zu", snap.messagesPerSecond, snap.queuedLines);
    ImGui::Text(en ? "accepted %llu   rejected %llu" : "接收 %llu   拒收 %llu",
                static_cast<unsigned long long>(c.accepted), static_cast<unsigned long long>(c.rejected));
    ImGui::Text(en ? "late %llu   duplicates %llu" : "迟到 %llu   重复 %llu", static_cast<unsigned long long>(c.late),
                static_cast<unsigned long long>(c.duplicates));
    ImGui::Text(en ? "officers: %zu live, %zu silent" : "警员：在线 %zu，失联 %zu", snap.officers.size() - stale,
                stale);
    if (c.lastMessageTime > 0)
        ImGui::Text(en ? "last message: %.0f s ago" : "最新消息：%.0f 秒前",
                    static_cast<double>(now - c.lastMessageTime) / 1000.0);
    if (c.rejected > 0 && ImGui::TreeNode(en ? "Rejected by reason" : "拒收原因")) {
        for (size_t r = 0; r < kRejectReasonCount; ++r) {
            if (!c.rejectedBy[r]) continue;
            ImGui::PushID(static_cast<int>(r));
            const auto reason = static_cast<RejectReason>(r);
            const bool opened =
                en ? ImGui::TreeNode("reason", "%s: %llu", rejectReasonName(reason),
                                     static_cast<unsigned long long>(c.rejectedBy[r]))
                   : ImGui::TreeNode("reason", "%s（%s）：%llu", reasonZh(reason), rejectReasonName(reason),
                                     static_cast<unsigned long long>(c.rejectedBy[r]));
            if (opened) {
                for (const auto& s : snap.samples[r])
                    ImGui::TextWrapped("%s:%llu %s | %s", s.source.c_str(), static_cast<unsigned long long>(s.lineNo),
                                       s.detail.c_str(), s.excerpt.c_str());
                ImGui::TreePop();
            }
            ImGui::PopID();
        }
        ImGui::TreePop();
    }
    for (const auto& t : snap.transports) {
        const bool ok = t.state == ConnState::Connected;
        ImGui::TextColored(ok ? ImVec4(0.4f, 0.9f, 0.5f, 1) : ImVec4(1, 0.6f, 0.3f, 1), "● %s (%s): %s", t.name.c_str(),
                           t.kind.c_str(), stateText(t.state, lang));
        if (!t.detail.empty()) ImGui::TextDisabled("   %s", t.detail.c_str());
        if (!t.lastError.empty())
            ImGui::TextDisabled(en ? "   last error: %s" : "   最近错误：%s", t.lastError.c_str());
    }
}

}  // namespace sandtable
