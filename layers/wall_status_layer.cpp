#include "layers/wall_status_layer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/render/labels.hpp"
#include "engine/render/map.hpp"
#include "engine/render/painter.hpp"
#include "engine/util/civil_time.hpp"
#include "engine/util/i18n.hpp"
#include "layers/squad_layer.hpp"

namespace sandtable {

namespace {

const Color kStrip = Color::fromHex(0x050c14, 0.9f);
const Color kText = Color::fromHex(0xf4f7fa);
const Color kGood = Color::fromHex(0x4cd964);
const Color kWarn = Color::fromHex(0xffb020);
const Color kBad = Color::fromHex(0xff3b30);

std::string format(const char* key, Language l, double a) {
    char buf[160];
    std::snprintf(buf, sizeof buf, tr(key, l), a);
    return buf;
}

}  // namespace

WallStatusLayer& addWallStatus(Map& map, std::shared_ptr<FeedPipeline> feed, TimeMs staleAfterMs) {
    auto status = std::make_unique<WallStatusLayer>(staleAfterMs);
    status->setFeed(std::move(feed));
    for (const auto& l : map.layers())
        if (auto* sq = dynamic_cast<SquadLayer*>(l.get())) status->setIndicators(sq->model());
    WallStatusLayer& s = *status;
    map.addLayer(std::move(status));
    return s;
}

WallStatusLayer::WallStatusLayer(TimeMs staleAfterMs)
    : Layer("wall-status", text("wall.layer")), staleAfterMs_(staleAfterMs) {}

void WallStatusLayer::update(const FrameState& frame) {
    items_.clear();
    feedTrouble_ = false;
    for (auto& f : freshness_) f.clear();
    if (feed_) {
        const auto snap = feed_->snapshot();
        // Data freshness: how old the newest fix is at the displayed time.
        if (snap->counters.lastMessageTime > 0) {
            const double age = static_cast<double>(frame.time - snap->counters.lastMessageTime) / 1000.0;
            for (Language l : {Language::Chinese, Language::English}) {
                const double a = std::max(0.0, age);
                freshness_[l == Language::English] = a < 90     ? format("wall.fresh_s", l, a)
                                                     : a < 5400 ? format("wall.fresh_min", l, a / 60)
                                                                : format("wall.fresh_h", l, a / 3600);
            }
            feedTrouble_ = age > static_cast<double>(staleAfterMs_) / 1000.0;
        } else {
            freshness_[0] = tr("wall.no_data", Language::Chinese);
            freshness_[1] = tr("wall.no_data", Language::English);
            feedTrouble_ = true;
        }
        for (const TransportStatus& t : snap->transports)
            if (t.state == ConnState::Disconnected || t.state == ConnState::Retrying) feedTrouble_ = true;
        // Silent officers first: the ids of a few, how many in all.
        std::vector<const OfficerState*> silent;
        for (const OfficerState& o : snap->officers)
            if (o.stale(frame.time, staleAfterMs_)) silent.push_back(&o);
        if (!silent.empty()) {
            auto idList = [&](Language l) {
                std::string ids;
                for (size_t i = 0; i < silent.size() && i < 4; ++i) ids += (i ? tr("list.sep", l) : "") + silent[i]->id;
                if (silent.size() > 4) ids += "…";
                return ids;
            };
            char zh[200], en[200];
            std::snprintf(zh, sizeof zh, tr("wall.silent", Language::Chinese), silent.size(),
                          idList(Language::Chinese).c_str());
            std::snprintf(en, sizeof en, tr("wall.silent", Language::English), silent.size(),
                          idList(Language::English).c_str());
            items_.push_back({zh, en});
        }
    }
    if (model_) {
        model_->update(frame.time);
        for (const auto& a : model_->alerts()) items_.push_back(a.text);
    }
}

void WallStatusLayer::overlay(const FrameState& f, Painter& p) {
    const float W = static_cast<float>(f.camera->width), H = static_cast<float>(f.camera->height);
    const Language lang = f.language;
    // 1/45 of the height is the smallest type a wall may show (read from 5 m).
    const float ts = std::max(H / 45.0f, 12.0f * f.pixelRatio), pad = ts * 0.45f;
    stripHeight_ = std::max(ts * 1.9f, f.insetBottom);  // the band the host keeps for the strip
    stripTop_ = H - stripHeight_;
    p.rect(0, stripTop_, W, stripHeight_, kStrip);
    p.rect(0, stripTop_, W, std::max(1.0f, ts * 0.08f), Color::fromHex(0x4fc3f7, 0.8f));
    const float base = stripTop_ + stripHeight_ * 0.5f + ts * 0.36f;
    float x = pad * 2;
    // Live or replay, and the time shown.
    const bool live = f.timeMode != FrameState::TimeMode::Replay;
    std::string mode = tr(live ? "time.live" : "time.replay", lang);
    if (!live) {
        char sp[32];
        std::snprintf(sp, sizeof sp, " %gx", f.speed);
        mode += sp;
    }
    const float mw = p.textWidth(mode, ts) + 2 * pad;
    p.rect(x - pad * 0.5f, stripTop_ + pad * 0.6f, mw, stripHeight_ - pad * 1.2f, live ? kGood : kWarn);
    x += p.text(mode, x + pad * 0.5f, base,
                TextStyle{ts, Color::fromHex(0x08121c), {0, 0, 0, 0}, 0, TextAnchor::Left, true});
    x += pad * 2.5f;
    x += p.text(localDateTimeText(f.time) + tr("decor.local_time", lang), x, base,
                TextStyle{ts, kText, {0, 0, 0, 0}, 0, TextAnchor::Left, true});
    x += pad * 2;
    // Freshness and the feed's state.
    const std::string& fresh = freshness_[lang == Language::English];
    if (!fresh.empty()) {
        p.circle({x + ts * 0.35f, stripTop_ + stripHeight_ * 0.5f}, ts * 0.3f, feedTrouble_ ? kBad : kGood, 16);
        x += ts;
        x += p.text(fresh, x, base, TextStyle{ts, feedTrouble_ ? kBad : kText, {0, 0, 0, 0}, 0});
        x += pad * 3;
    }
    if (!tourTitle_.zh.empty()) {
        x += p.text(tourTitle_.get(lang), x, base, TextStyle{ts, Color::fromHex(0x4fc3f7), {0, 0, 0, 0}, 0});
        x += pad * 3;
    }
    // The ticker: a page of alerts, turning every kPageSeconds of frame time.
    if (items_.empty()) return;
    const float right = W - pad * 2, avail = right - x;
    if (avail < ts * 6) return;
    std::vector<std::vector<size_t>> pages(1);
    float used = 0;
    for (size_t i = 0; i < items_.size(); ++i) {
        const float w = p.textWidth(items_[i].get(lang), ts) + ts * 2;
        if (!pages.back().empty() && used + w > avail) {
            pages.emplace_back();
            used = 0;
        }
        pages.back().push_back(i);
        used += w;
    }
    const auto page =
        static_cast<size_t>(std::floor(static_cast<double>(f.time) / 1000.0 / kPageSeconds)) % pages.size();
    float tx = x;
    for (size_t i : pages[page]) {
        p.mark(MarkShape::Triangle, {tx + ts * 0.45f, stripTop_ + stripHeight_ * 0.5f}, ts * 0.8f, kWarn, kStrip, 0);
        tx += ts * 1.1f;
        tx += p.text(items_[i].get(lang), tx, base, TextStyle{ts, kText, {0, 0, 0, 0}, 0});
        tx += ts * 0.9f;
        if (tx > right) break;
    }
    if (pages.size() > 1) {
        char n[32];
        std::snprintf(n, sizeof n, "%zu/%zu", page + 1, pages.size());
        p.text(n, right, stripTop_ + ts * 0.9f,
               TextStyle{ts * 0.7f, kText.withAlpha(0.7f), {0, 0, 0, 0}, 0, TextAnchor::Right});
    }
}

void WallStatusLayer::collectLabels(const FrameState&, LabelSet& labels) {
    labels.reserve(0, stripTop_, 1e9f, stripHeight_);
}

}  // namespace sandtable
