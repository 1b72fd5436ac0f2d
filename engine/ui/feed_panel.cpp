#include "engine/ui/feed_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

#include "engine/util/i18n.hpp"

namespace sandtable {

namespace {

// Operator-facing names of the reasons and connection states (the i18n table holds
// them under feed.reason.<protocol name> and feed.state.<state name>).
const char* reasonText(RejectReason r, Language lang) {
    return tr(std::string("feed.reason.") + rejectReasonName(r), lang);
}
const char* stateText(ConnState s, Language lang) { return tr(std::string("feed.state.") + connStateName(s), lang); }

}  // namespace

void drawFeedHealth(const FeedSnapshot& snap, TimeMs now, TimeMs wallNow, Language lang) {
    if (!ImGui::CollapsingHeader(tr("feed.section", lang), ImGuiTreeNodeFlags_DefaultOpen)) return;
    const FeedCounters& c = snap.counters;
    const size_t stale = snap.countStale(now);
    ImGui::Text(tr("feed.rate", lang), snap.messagesPerSecond, snap.queuedLines);
    ImGui::Text(tr("feed.accepted", lang), static_cast<unsigned long long>(c.accepted),
                static_cast<unsigned long long>(c.rejected));
    ImGui::Text(tr("feed.late", lang), static_cast<unsigned long long>(c.late),
                static_cast<unsigned long long>(c.duplicates));
    if (c.reanchored > 0) ImGui::Text(tr("feed.reanchored", lang), static_cast<unsigned long long>(c.reanchored));
    ImGui::Text(tr("feed.officers", lang), snap.officers.size() - stale, stale);
    if (c.lastMessageTime > 0)
        ImGui::Text(tr("feed.last_message", lang), static_cast<double>(now - c.lastMessageTime) / 1000.0);
    if (c.rejected > 0 && ImGui::TreeNode(tr("feed.rejected_by_reason", lang))) {
        for (size_t r = 0; r < kRejectReasonCount; ++r) {
            if (!c.rejectedBy[r]) continue;
            ImGui::PushID(static_cast<int>(r));
            const auto reason = static_cast<RejectReason>(r);
            const bool opened =
                ImGui::TreeNode("reason", tr("feed.reason_row", lang), reasonText(reason, lang),
                                rejectReasonName(reason), static_cast<unsigned long long>(c.rejectedBy[r]));
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
        if (!t.lastError.empty()) ImGui::TextDisabled(tr("feed.last_error", lang), t.lastError.c_str());
        if (t.retries > 0 || t.errors > 0) ImGui::TextDisabled(tr("feed.retries", lang), t.retries, t.errors);
    }
    if (!snap.hasHistory) return;
    // The history store: what is written, what waits, and what went wrong (a full disk, a
    // file deleted or found unreadable and moved aside), so the operator sees it here.
    const HistoryStats& h = snap.history;
    const bool trouble = h.writeErrors > 0 || h.droppedRows > 0 || h.quarantined > 0;
    ImGui::Separator();
    ImGui::TextUnformatted(tr("history.section", lang));
    ImGui::TextColored(trouble ? ImVec4(1, 0.6f, 0.3f, 1) : ImVec4(0.4f, 0.9f, 0.5f, 1), "● %s", h.target.c_str());
    ImGui::Text(tr("history.written", lang), static_cast<unsigned long long>(h.written), h.pending, h.lastBatchMs);
    if (h.writeErrors || h.droppedRows)
        ImGui::Text(tr("history.errors", lang), static_cast<unsigned long long>(h.writeErrors),
                    static_cast<unsigned long long>(h.droppedRows));
    auto ago = [&](TimeMs at) { return static_cast<double>(std::max<TimeMs>(0, wallNow - at)) / 1000.0; };
    if (!h.lastError.empty())
        ImGui::TextWrapped(tr("history.last_error", lang), ago(h.lastErrorAt), h.lastError.c_str());
    if (!h.notice.empty()) ImGui::TextWrapped(tr("history.notice", lang), ago(h.noticeAt), h.notice.c_str());
}

}  // namespace sandtable
