#include "layers/officer_layer.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "engine/geo/projection.hpp"
#include "engine/gl/shader.hpp"
#include "engine/render/labels.hpp"
#include "engine/render/painter.hpp"

namespace sandtable {

namespace {

// Status colours carry meaning: green on patrol, orange-red dispatched, blue on break,
// grey offline. Squad colours match the jurisdiction fills of the Putuo scene.
const Color kStatusColors[kOfficerStatusCount] = {Color::fromHex(0x43a047), Color::fromHex(0xff7043),
                                                  Color::fromHex(0x42a5f5), Color::fromHex(0x9e9e9e)};
const I18nText kStatusNames[kOfficerStatusCount] = {
    {"巡逻", "On patrol"}, {"出警/派遣", "Dispatched"}, {"休息", "On break"}, {"离线", "Offline"}};
const unsigned kSquadHex[10] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
const Color kStale = Color::fromHex(0x8d99a6);

Color squadColor(size_t i) { return Color::fromHex(kSquadHex[i % 10]); }

std::string formatAge(double seconds, Language lang) {
    char buf[64];
    if (seconds < 90)
        std::snprintf(buf, sizeof buf, lang == Language::English ? "%.0f s ago" : "%.0f 秒前", seconds);
    else if (seconds < 5400)
        std::snprintf(buf, sizeof buf, lang == Language::English ? "%.0f min ago" : "%.0f 分钟前", seconds / 60);
    else
        std::snprintf(buf, sizeof buf, lang == Language::English ? "%.1f h ago" : "%.1f 小时前", seconds / 3600);
    return buf;
}

}  // namespace

std::vector<I18nText> OfficerLayerOptions::defaultSquadNames() {
    static const std::pair<const char*, const char*> names[] = {
        {"曹杨新村", "Caoyang"},  {"长风新村", "Changfeng"}, {"长寿路", "Changshou"}, {"甘泉路", "Ganquan"},
        {"石泉路", "Shiquan"},    {"宜川路", "Yichuan"},     {"万里", "Wanli"},       {"真如镇", "Zhenru"},
        {"长征镇", "Changzheng"}, {"桃浦镇", "Taopu"}};
    std::vector<I18nText> out;
    for (const auto& [zh, en] : names) out.push_back({std::string(zh) + "中队", std::string(en) + " squad"});
    return out;
}

OfficerLayer::OfficerLayer(std::string id, I18nText title, const MapContext& ctx, OfficerLayerOptions opts)
    : Layer(std::move(id), std::move(title)),
      ctx_(ctx),
      opts_(std::move(opts)),
      toDisplay_(std::make_unique<Transformer>("wgs84", ctx.displayCrs)),
      toWgs84_(std::make_unique<Transformer>(ctx.displayCrs, "wgs84")) {
    for (const Color& c : kStatusColors) statusPalette_.insert(statusPalette_.end(), {c.r, c.g, c.b, 1.0f});
    for (size_t i = 0; i < 32; ++i) {
        const Color c = squadColor(i);
        squadPalette_.insert(squadPalette_.end(), {c.r, c.g, c.b, 1.0f});
    }
}

OfficerLayer::~OfficerLayer() = default;

void OfficerLayer::setFeed(std::shared_ptr<FeedPipeline> feed) {
    feed_ = std::move(feed);
    haveSnapshot_ = false;
    snapVersion_ = 0;
}

Vec2d OfficerLayer::displayOf(double lon, double lat) const {
    Vec2d p{lon, lat};
    if (!toDisplay_->forward(p)) return {NAN, NAN};
    return p;
}

OfficerInstance OfficerLayer::toInstance(const OfficerState& o) const {
    OfficerInstance in;
    const Vec2d p = displayOf(o.lon, o.lat);
    in.x = static_cast<float>(p.x - ctx_.origin.x);
    in.y = static_cast<float>(p.y - ctx_.origin.y);
    in.heading = o.heading;
    in.lastSeenSec = static_cast<float>(static_cast<double>(o.lastSeen - epoch_) / 1000.0);
    in.squad = o.squad;
    in.status = static_cast<uint8_t>(o.status);
    in.flags = 0;  // applyFlags() sets selection and dispatch highlights
    return in;
}

void OfficerLayer::markDirty(size_t first, size_t last) {
    dirtyFirst_ = std::min(dirtyFirst_, first);
    dirtyLast_ = std::max(dirtyLast_, last);
}

void OfficerLayer::setInstances(std::span<const OfficerInstance> inst) {
    if (inst.size() != instances_.size()) reallocate_ = true;
    instances_.assign(inst.begin(), inst.end());
    if (!instances_.empty()) markDirty(0, instances_.size() - 1);
}

void OfficerLayer::updateInstances(size_t first, std::span<const OfficerInstance> inst) {
    if (inst.empty()) return;
    if (first + inst.size() > instances_.size()) {
        instances_.resize(first + inst.size());
        reallocate_ = true;
    }
    std::copy(inst.begin(), inst.end(), instances_.begin() + static_cast<ptrdiff_t>(first));
    markDirty(first, first + inst.size() - 1);
}

void OfficerLayer::applyFlags() {
    for (uint32_t slot : flagged_)
        if (slot < instances_.size() && instances_[slot].flags) {
            instances_[slot].flags = 0;
            markDirty(slot, slot);
        }
    flagged_.clear();
    auto set = [&](uint32_t slot, uint8_t flag) {
        if (slot >= instances_.size()) return;
        instances_[slot].flags |= flag;
        markDirty(slot, slot);
        flagged_.push_back(slot);
    };
    if (selectedSlot_ >= 0) set(static_cast<uint32_t>(selectedSlot_), kOfficerSelected);
    for (const auto& c : candidates_) set(c.slot, kOfficerCandidate);
}

void OfficerLayer::update(const FrameState& frame) {
    now_ = frame.time;
    const Camera& cam = *frame.camera;
    zoom_ = frame.zoom;
    // Screen angle of true north at the view centre (for heading wedges).
    Vec2d c = cam.center;
    if (toWgs84_->forward(c)) {
        const Vec2d n = displayOf(c.x, c.y + 0.01);
        const Vec2d a = cam.worldToScreen(cam.center), b = cam.worldToScreen(n);
        northAngle_ = static_cast<float>(std::atan2(b.x - a.x, -(b.y - a.y)));
    }
    if (!feed_) return;
    auto snap = feed_->snapshot();
    if (!epochSet_) {
        // Seconds relative to this epoch keep float32 exact to milliseconds for hours.
        epoch_ = frame.time;
        epochSet_ = true;
    }
    if (!haveSnapshot_ || snap->version != snapVersion_) {
        const auto changed = haveSnapshot_ ? snap->changedSince(snapVersion_) : std::vector<uint32_t>();
        if (snap->officers.size() != instances_.size()) {
            reallocate_ = instances_.size() < snap->officers.size() ? true : reallocate_;
            instances_.resize(snap->officers.size());
        }
        if (!haveSnapshot_) {
            for (size_t i = 0; i < snap->officers.size(); ++i) instances_[i] = toInstance(snap->officers[i]);
            if (!instances_.empty()) markDirty(0, instances_.size() - 1);
        } else {
            for (uint32_t slot : changed) {
                instances_[slot] = toInstance(snap->officers[slot]);
                markDirty(slot, slot);
            }
        }
        snapVersion_ = snap->version;
        haveSnapshot_ = true;
        snap_ = std::move(snap);
        applyFlags();
    }
    stale_ = 0;
    for (const OfficerState& o : snap_->officers) stale_ += o.stale(frame.time, opts_.staleAfterMs);
    live_ = snap_->officers.size() - stale_;
    // A shown dispatch query follows the officers: re-run once a second of scene time.
    if (std::isfinite(dispatchPoint_.x) && std::llabs(frame.time - dispatchTime_) >= 1000)
        dispatchAt(dispatchPoint_, frame.time);
}

void OfficerLayer::upload() {
    uploadsLastFrame_ = 0;
    if (!buffer_) {
        buffer_ = gl::Buffer::create();
        vao_ = gl::VertexArray::create();
        reallocate_ = true;
    }
    if (reallocate_) {
        // Grow: reserve doubles, then send everything once.
        buffer_.upload(instances_.data(), instances_.size() * sizeof(OfficerInstance));
        reallocate_ = false;
        uploadsLastFrame_ = instances_.size();
        glVertexArrayVertexBuffer(vao_.id(), 0, buffer_.id(), 0, sizeof(OfficerInstance));
        gl::vertexAttrib(vao_, 0, 4, GL_FLOAT, offsetof(OfficerInstance, x));
        gl::vertexAttribInt(vao_, 1, 4, GL_UNSIGNED_BYTE, offsetof(OfficerInstance, squad));
    } else if (dirtyFirst_ <= dirtyLast_ && dirtyLast_ < instances_.size()) {
        // One buffer update of what changed.
        const size_t n = dirtyLast_ - dirtyFirst_ + 1;
        buffer_.update(dirtyFirst_ * sizeof(OfficerInstance), &instances_[dirtyFirst_], n * sizeof(OfficerInstance));
        uploadsLastFrame_ = n;
    }
    gpuCount_ = instances_.size();
    dirtyFirst_ = SIZE_MAX;
    dirtyLast_ = 0;
    ST_GL_CHECK("OfficerLayer::upload");
}

void OfficerLayer::draw(const RenderContext& rc) {
    const float t = static_cast<float>(std::clamp((zoom_ - 11.0) / 7.0, 0.0, 1.0));
    const float size = (opts_.minSizePx + (opts_.maxSizePx - opts_.minSizePx) * t) * rc.pixelRatio;
    if (gpuCount_ > 0) {
        Program& p = rc.shaders->graphics("officer.vert", "officer.frag");
        p.use();
        p.set("uViewProjection", rc.viewProjection);
        p.set("uDiameter", size);
        p.set("uPixelRatio", rc.pixelRatio);
        p.set("uNowSec", static_cast<float>(static_cast<double>(rc.time - epoch_) / 1000.0));
        p.set("uStaleSec", static_cast<float>(static_cast<double>(opts_.staleAfterMs) / 1000.0));
        p.set("uNorth", northAngle_);
        p.set("uColorBy", opts_.colorBy == OfficerLayerOptions::ColorBy::Squad ? 1 : 0);
        p.set("uOpacity", opacity);
        glProgramUniform1ui(p.id(), p.uniform("uSquadMask"), squadMask_);
        glProgramUniform1ui(p.id(), p.uniform("uStatusMask"), statusMask_);
        p.set("uShowStale", showStale_ ? 1 : 0);
        glProgramUniform4fv(p.id(), p.uniform("uStatusColors"), 4, statusPalette_.data());
        glProgramUniform4fv(p.id(), p.uniform("uSquadColors"), 32, squadPalette_.data());
        glProgramUniform4f(p.id(), p.uniform("uStaleColor"), kStale.r, kStale.g, kStale.b, 1.0f);
        glEnable(GL_PROGRAM_POINT_SIZE);
        glDisable(GL_DEPTH_TEST);
        glEnable(GL_BLEND);
        glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
        glBindVertexArray(vao_.id());
        glDrawArrays(GL_POINTS, 0, static_cast<GLsizei>(gpuCount_));
        glBindVertexArray(0);
        ST_GL_CHECK("OfficerLayer::draw");
    }
    // Screen overlays: incidents and the dispatch query.
    Painter& pt = *rc.painter;
    const float s = rc.pixelRatio;
    if (snap_ && snap_->incidents) {
        for (const Incident& inc : *snap_->incidents) {
            if (!inc.open) continue;
            const Vec2d w = displayOf(inc.lon, inc.lat);
            const Vec2d sp = rc.camera->worldToScreen(w);
            const Vec2f c{static_cast<float>(sp.x), static_cast<float>(sp.y)};
            const float r = 11 * s;
            pt.triangle({c.x, c.y - r - 2 * s}, {c.x - r - 2 * s, c.y + r * 0.8f + s},
                        {c.x + r + 2 * s, c.y + r * 0.8f + s}, Color::fromHex(0xffffff));
            pt.triangle({c.x, c.y - r}, {c.x - r, c.y + r * 0.8f}, {c.x + r, c.y + r * 0.8f}, Color::fromHex(0xd32f2f));
            pt.text("!", c.x, c.y + r * 0.55f,
                    TextStyle{13 * s, Color::fromHex(0xffffff), {0, 0, 0, 0}, 0, TextAnchor::Center, true});
        }
    }
    if (std::isfinite(dispatchPoint_.x)) {
        const Vec2d w = displayOf(dispatchPoint_.x, dispatchPoint_.y);
        const Vec2d sp = rc.camera->worldToScreen(w);
        const Vec2f c{static_cast<float>(sp.x), static_cast<float>(sp.y)};
        for (const auto& cand : candidates_) {
            const Vec2d o = rc.camera->worldToScreen(displayOf(cand.lon, cand.lat));
            pt.line(c, {static_cast<float>(o.x), static_cast<float>(o.y)}, 2 * s, Color::fromHex(0x00e5ff, 0.8f));
        }
        pt.ring(c, 12 * s, 3 * s, Color::fromHex(0x00e5ff));
        pt.line({c.x - 18 * s, c.y}, {c.x + 18 * s, c.y}, 2 * s, Color::fromHex(0x00e5ff));
        pt.line({c.x, c.y - 18 * s}, {c.x, c.y + 18 * s}, 2 * s, Color::fromHex(0x00e5ff));
    }
}

void OfficerLayer::collectLabels(const FrameState& frame, LabelSet& labels) {
    if (!snap_) return;
    const Camera& cam = *frame.camera;
    const bool all = zoom_ >= opts_.labelMinZoom;
    for (size_t i = 0; i < snap_->officers.size() && i < instances_.size(); ++i) {
        const OfficerState& o = snap_->officers[i];
        const bool sel = !selectedId_.empty() && o.id == selectedId_;
        const bool cand = instances_[i].flags & kOfficerCandidate;
        if (!all && !sel && !cand) continue;
        if (!(squadMask_ >> o.squad & 1u) || !(statusMask_ >> static_cast<unsigned>(o.status) & 1u)) continue;
        const Vec2d w{instances_[i].x + ctx_.origin.x, instances_[i].y + ctx_.origin.y};
        const Vec2d s = cam.worldToScreen(w);
        if (s.x < 0 || s.y < 0 || s.x > cam.width || s.y > cam.height) continue;
        LabelCandidate c;
        c.text = o.id;
        c.world = w;
        c.style.size = 12;
        c.style.color = sel ? Color::fromHex(0xffffff) : Color::fromHex(0xdfe7ef);
        c.style.halo = Color::fromHex(0x08121c, 0.9f);
        c.style.haloWidth = 2;
        c.style.anchor = TextAnchor::Center;
        c.priority = sel ? 1000 : (cand ? 500 : 3);
        c.offsetY = -(opts_.maxSizePx * 0.5f + 10.0f);
        labels.add(std::move(c));
    }
}

bool OfficerLayer::legend(LegendBlock& block) const {
    block.title = title_;
    if (opts_.colorBy == OfficerLayerOptions::ColorBy::Status) {
        for (size_t i = 0; i < kOfficerStatusCount; ++i)
            block.entries.push_back(
                {LegendEntry::Kind::Marker, kStatusColors[i], Color::fromHex(0xffffff), kStatusNames[i]});
    } else {
        for (size_t i = 0; i < opts_.squads.size(); ++i)
            block.entries.push_back(
                {LegendEntry::Kind::Marker, squadColor(i), Color::fromHex(0xffffff),
                 i < opts_.squadNames.size() ? opts_.squadNames[i] : I18nText{opts_.squads[i], opts_.squads[i]}});
    }
    const std::string secs = std::to_string(opts_.staleAfterMs / 1000);
    block.entries.push_back({LegendEntry::Kind::Marker,
                             kStale.withAlpha(0.5f),
                             kStale,
                             {"失联（超过 " + secs + " 秒无定位）", "Silent (no fix for " + secs + " s)"}});
    if (snap_ && snap_->incidents && !snap_->incidents->empty())
        block.entries.push_back({LegendEntry::Kind::Marker,
                                 Color::fromHex(0xd32f2f),
                                 Color::fromHex(0xffffff),
                                 {"待处置事件（▲）", "Open incident (▲)"}});
    if (!candidates_.empty())
        block.entries.push_back({LegendEntry::Kind::Marker,
                                 Color::fromHex(0x00e5ff, 0.0f),
                                 Color::fromHex(0x00e5ff),
                                 {"就近可派警员", "Nearest available officers"}});
    return true;
}

LayerStats OfficerLayer::stats() const {
    LayerStats s = Layer::stats();
    s.features = instances_.size();
    s.vertices = gpuCount_;
    return s;
}

bool OfficerLayer::handleClick(const Camera& cam, Vec2d screen, bool modifier) {
    if (modifier || dispatchMode_) {
        Vec2d ll = cam.screenToWorld(screen);
        if (!toWgs84_->forward(ll)) return false;
        dispatchAt(ll, now_);
        return true;
    }
    // Select the nearest officer marker within its radius (+4 px).
    double best = (opts_.maxSizePx * 0.5 + 4.0);
    best *= best;
    int hit = -1;
    for (size_t i = 0; i < instances_.size(); ++i) {
        const Vec2d s = cam.worldToScreen({instances_[i].x + ctx_.origin.x, instances_[i].y + ctx_.origin.y});
        const double d = (s.x - screen.x) * (s.x - screen.x) + (s.y - screen.y) * (s.y - screen.y);
        if (d < best) {
            best = d;
            hit = static_cast<int>(i);
        }
    }
    if (hit < 0 || !snap_ || static_cast<size_t>(hit) >= snap_->officers.size()) return false;
    select(snap_->officers[static_cast<size_t>(hit)].id);
    return true;
}

std::optional<Vec2d> OfficerLayer::followTarget() const {
    if (!follow_ || selectedSlot_ < 0 || static_cast<size_t>(selectedSlot_) >= instances_.size()) return std::nullopt;
    const OfficerInstance& in = instances_[static_cast<size_t>(selectedSlot_)];
    return Vec2d{in.x + ctx_.origin.x, in.y + ctx_.origin.y};
}

void OfficerLayer::select(const std::string& officerId) {
    selectedId_ = officerId;
    const OfficerState* o = snap_ && !officerId.empty() ? snap_->find(officerId) : nullptr;
    selectedSlot_ = o ? static_cast<int64_t>(o->slot) : -1;
    applyFlags();
}

const std::vector<DispatchCandidate>& OfficerLayer::dispatchAt(Vec2d lonLat, TimeMs now) {
    dispatchPoint_ = lonLat;
    dispatchTime_ = now;
    candidates_.clear();
    if (!snap_) return candidates_;
    // The index is rebuilt only when the snapshot (or the time used for staleness) changed.
    if (!index_ || indexVersion_ != snap_->version || indexTime_ != now) {
        const FeedConfig cfg = feed_ ? feed_->config() : FeedConfig{};
        index_ = std::make_unique<DispatchIndex>(snap_->officers, now, opts_.staleAfterMs, cfg.area);
        indexVersion_ = snap_->version;
        indexTime_ = now;
    }
    candidates_ = index_->nearest(lonLat, opts_.dispatchK);
    applyFlags();
    return candidates_;
}

void OfficerLayer::drawUi(Language lang) {
    const bool en = lang == Language::English;
    if (!ImGui::TreeNodeEx(en ? "Officers" : "警员", ImGuiTreeNodeFlags_DefaultOpen)) return;
    ImGui::Text(en ? "%zu officers: %zu live, %zu silent" : "共 %zu 人：在线 %zu，失联 %zu", instances_.size(), live_,
                stale_);
    int colorBy = opts_.colorBy == OfficerLayerOptions::ColorBy::Squad ? 1 : 0;
    ImGui::RadioButton(en ? "By status" : "按状态", &colorBy, 0);
    ImGui::SameLine();
    ImGui::RadioButton(en ? "By squad" : "按中队", &colorBy, 1);
    opts_.colorBy = colorBy ? OfficerLayerOptions::ColorBy::Squad : OfficerLayerOptions::ColorBy::Status;
    if (ImGui::TreeNode(en ? "Filter" : "筛选")) {
        for (size_t i = 0; i < kOfficerStatusCount; ++i) {
            bool on = statusMask_ >> i & 1u;
            if (ImGui::Checkbox(kStatusNames[i].get(lang).c_str(), &on))
                statusMask_ = on ? (statusMask_ | 1u << i) : (statusMask_ & ~(1u << i));
            if (i % 2 == 0) ImGui::SameLine(150);
        }
        ImGui::Checkbox(en ? "Show silent officers" : "显示失联警员", &showStale_);
        for (size_t i = 0; i < opts_.squads.size(); ++i) {
            bool on = squadMask_ >> i & 1u;
            const std::string name = i < opts_.squadNames.size() ? opts_.squadNames[i].get(lang) : opts_.squads[i];
            if (ImGui::Checkbox(name.c_str(), &on))
                squadMask_ = on ? (squadMask_ | 1u << i) : (squadMask_ & ~(1u << i));
            if (i % 2 == 0) ImGui::SameLine(150);
        }
        ImGui::TreePop();
    }
    ImGui::SetNextItemWidth(160);
    if (ImGui::InputTextWithHint("##search", en ? "officer id, e.g. PT-0001" : "警号，如 PT-0001", search_,
                                 sizeof search_, ImGuiInputTextFlags_EnterReturnsTrue) ||
        (ImGui::SameLine(), ImGui::Button(en ? "Find" : "查找"))) {
        if (snap_ && snap_->find(search_)) {
            select(search_);
            follow_ = true;
            searchMessage_.clear();
        } else {
            searchMessage_ = std::string(en ? "not found: " : "未找到：") + search_;
        }
    }
    if (!searchMessage_.empty()) ImGui::TextColored(ImVec4(1, 0.6f, 0.4f, 1), "%s", searchMessage_.c_str());
    if (!selectedId_.empty() && snap_) {
        if (const OfficerState* o = selectedSlot_ >= 0 && static_cast<size_t>(selectedSlot_) < snap_->officers.size()
                                        ? &snap_->officers[static_cast<size_t>(selectedSlot_)]
                                        : nullptr) {
            ImGui::Separator();
            const double age = static_cast<double>(now_ - o->lastSeen) / 1000.0;
            const bool stale = o->stale(now_, opts_.staleAfterMs);
            ImGui::Text("%s  %s", o->id.c_str(), stale ? (en ? "(silent)" : "（失联）") : "");
            const std::string squad = o->squad < opts_.squadNames.size()
                                          ? opts_.squadNames[o->squad].get(lang)
                                          : (o->squad < opts_.squads.size() ? opts_.squads[o->squad] : "?");
            ImGui::Text("%s: %s", en ? "Squad" : "中队", squad.c_str());
            ImGui::Text("%s: %s", en ? "Status" : "状态",
                        kStatusNames[static_cast<size_t>(o->status)].get(lang).c_str());
            if (std::isfinite(o->speed))
                ImGui::Text("%s: %.1f m/s", en ? "Speed" : "速度", static_cast<double>(o->speed));
            ImGui::Text("%s: %s", en ? "Last seen" : "最后定位", formatAge(age, lang).c_str());
            ImGui::Checkbox(en ? "Follow" : "跟随", &follow_);
            ImGui::SameLine();
            if (ImGui::Button(en ? "Clear" : "取消选择")) {
                select("");
                follow_ = false;
            }
        }
    }
    ImGui::Separator();
    ImGui::Checkbox(en ? "Dispatch mode (click the map; or Ctrl+click)" : "调度模式（点击地图，或 Ctrl+点击）",
                    &dispatchMode_);
    if (snap_ && snap_->incidents) {
        for (const Incident& inc : *snap_->incidents) {
            if (!inc.open) continue;
            ImGui::PushID(inc.id.c_str());
            if (ImGui::SmallButton(en ? "Nearest" : "就近派警")) dispatchAt({inc.lon, inc.lat}, now_);
            ImGui::SameLine();
            ImGui::Text("%s %s", inc.id.c_str(), inc.kind.c_str());
            ImGui::PopID();
        }
    }
    if (!candidates_.empty()) {
        ImGui::Text(en ? "Nearest available officers:" : "最近可派警员：");
        for (const auto& c : candidates_) {
            ImGui::PushID(static_cast<int>(c.slot));
            if (ImGui::SmallButton(c.officer.c_str())) select(c.officer);
            ImGui::SameLine();
            ImGui::Text(en ? "%.0f m, ~%.0f min walk" : "%.0f 米，步行约 %.0f 分钟", c.distanceM,
                        std::ceil(c.walkSeconds / 60.0));
            ImGui::PopID();
        }
        if (ImGui::Button(en ? "Clear dispatch" : "清除调度")) {
            candidates_.clear();
            dispatchPoint_ = {NAN, NAN};
            applyFlags();
        }
    }
    ImGui::TreePop();
}

}  // namespace sandtable
