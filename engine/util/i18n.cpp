#include "engine/util/i18n.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

namespace sandtable {

namespace {

// The one table of what the operator reads. Keys: area.item; printf placeholders are the
// same, in the same order, in both languages (tests/unit/i18n_test.cpp checks it).
const std::vector<I18nEntry>& table() {
    static const std::vector<I18nEntry> t = {
        // cockpit panel
        {"panel.title", {"数字沙盘控制台", "Sandtable console"}},
        {"panel.layers", {"图层", "Layers"}},
        {"panel.view", {"视图", "View"}},
        {"panel.screenshot", {"保存截图 (F12)", "Save screenshot (F12)"}},
        {"panel.saved", {"已保存", "Saved"}},
        {"panel.reset_view", {"重置视图", "Reset view"}},
        {"panel.zoom", {"缩放级别", "Zoom"}},
        {"panel.rotation", {"旋转", "Rotation"}},
        {"panel.center", {"中心", "Centre"}},
        {"panel.frame_ms", {"帧耗时", "Frame time"}},
        {"panel.help",
         {"左键拖动平移 · 滚轮缩放 · 右键拖动旋转 · 空格 播放/暂停 · ←/→ 前后 10 秒（Shift：1 分） · ↑/↓ 倍速 · "
          "G 回到实时 · L 切换语言 · H 隐藏面板 · F12 截图",
          "Drag to pan · wheel to zoom · right-drag to rotate · Space play/pause · Left/Right step 10 s (Shift: 1 min) "
          "· Up/Down speed · G back to live · L language · H hide panels · F12 screenshot"}},
        {"panel.warnings", {"警告", "Warnings"}},
        {"panel.errors", {"加载失败的图层", "Layers that failed to load"}},
        {"lang.zh", {"中文", "中文"}},
        {"lang.en", {"English", "English"}},
        // time controls
        {"time.live", {"实时", "LIVE"}},
        {"time.replay", {"回放", "REPLAY"}},
        {"time.go_live", {"回到实时", "Go live"}},
        {"time.play", {"播放", "Play"}},
        {"time.pause", {"暂停", "Pause"}},
        {"time.back_min", {"−1 分", "−1 min"}},
        {"time.back_10s", {"−10 秒", "−10 s"}},
        {"time.fwd_10s", {"+10 秒", "+10 s"}},
        {"time.fwd_min", {"+1 分", "+1 min"}},
        {"time.speed", {"倍速", "Speed"}},
        {"time.loop", {"循环", "Loop"}},
        {"time.range", {"回放范围", "Replay range"}},
        {"time.range.1h", {"近 1 小时", "Last hour"}},
        {"time.range.8h", {"近 8 小时", "Last 8 hours"}},
        {"time.range.24h", {"近 24 小时", "Last 24 hours"}},
        {"time.range.all", {"全部数据", "All data"}},
        {"decor.live", {" · 实时", " · live"}},
        {"decor.replay", {" · 回放 %gx", " · replay %gx"}},
        {"decor.paused", {"（暂停）", " (paused)"}},
        // times
        {"time.seconds_ago", {"%.0f 秒前", "%.0f s ago"}},
        {"time.minutes_ago", {"%.0f 分钟前", "%.0f min ago"}},
        {"time.hours_ago", {"%.1f 小时前", "%.1f h ago"}},
        // layers added by the host
        {"layer.officers", {"执法警员（实时）", "Officers (live)"}},
        {"layer.dispatch", {"调度与事件", "Dispatch and incidents"}},
        // squads (docs/domain.md)
        {"squad.caoyang", {"曹杨新村中队", "Caoyang squad"}},
        {"squad.changfeng", {"长风新村中队", "Changfeng squad"}},
        {"squad.changshou", {"长寿路中队", "Changshou squad"}},
        {"squad.ganquan", {"甘泉路中队", "Ganquan squad"}},
        {"squad.shiquan", {"石泉路中队", "Shiquan squad"}},
        {"squad.yichuan", {"宜川路中队", "Yichuan squad"}},
        {"squad.wanli", {"万里中队", "Wanli squad"}},
        {"squad.zhenru", {"真如镇中队", "Zhenru squad"}},
        {"squad.changzheng", {"长征镇中队", "Changzheng squad"}},
        {"squad.taopu", {"桃浦镇中队", "Taopu squad"}},
        // officers
        {"officer.status.patrol", {"巡逻", "On patrol"}},
        {"officer.status.dispatched", {"出警/派遣", "Dispatched"}},
        {"officer.status.break", {"休息", "On break"}},
        {"officer.status.offline", {"离线", "Offline"}},
        {"officer.legend.silent", {"失联（超过 %s 秒无定位）", "Silent (no fix for %s s)"}},
        {"officers.section", {"警员", "Officers"}},
        {"officers.counts", {"共 %zu 人：在线 %zu，失联 %zu", "%zu officers: %zu live, %zu silent"}},
        {"officers.by_status", {"按状态", "By status"}},
        {"officers.by_squad", {"按中队", "By squad"}},
        {"officers.filter", {"筛选", "Filter"}},
        {"officers.show_silent", {"显示失联警员", "Show silent officers"}},
        {"officers.search_hint", {"警号，如 PT-0001", "officer id, e.g. PT-0001"}},
        {"officers.find", {"查找", "Find"}},
        {"officers.not_found", {"未找到：", "not found: "}},
        {"officers.silent_mark", {"（失联）", "(silent)"}},
        {"officers.squad", {"中队", "Squad"}},
        {"officers.status", {"状态", "Status"}},
        {"officers.speed", {"速度", "Speed"}},
        {"officers.last_seen", {"最后定位", "Last seen"}},
        {"officers.follow", {"跟随", "Follow"}},
        {"officers.clear", {"取消选择", "Clear"}},
        // dispatch
        {"dispatch.section", {"调度", "Dispatch"}},
        {"dispatch.mode", {"调度模式（点击地图，或 Ctrl+点击）", "Dispatch mode (click the map; or Ctrl+click)"}},
        {"dispatch.nearest", {"就近派警", "Nearest"}},
        {"dispatch.candidates", {"最近可派警员：", "Nearest available officers:"}},
        {"dispatch.walk", {"%.0f 米，步行约 %.0f 分钟", "%.0f m, ~%.0f min walk"}},
        {"dispatch.clear", {"清除调度", "Clear dispatch"}},
        {"dispatch.legend.incident", {"待处置事件（▲）", "Open incident (▲)"}},
        {"dispatch.legend.candidates", {"就近可派警员", "Nearest available officers"}},
        // map furniture
        {"decor.local_time", {" 北京时间", " (UTC+8)"}},
        {"decor.north", {"北", "N"}},
        {"decor.legend", {"图例", "Legend"}},
        // heatmap settings
        {"heat.settings", {"热力图设置", "Heatmap settings"}},
        {"heat.kernel", {"核函数", "Kernel"}},
        {"heat.kernel.quartic", {"四次核", "quartic"}},
        {"heat.kernel.triangular", {"三角核", "triangular"}},
        {"heat.kernel.uniform", {"均匀核", "uniform"}},
        {"heat.kernel.triweight", {"三权核", "triweight"}},
        {"heat.kernel.epanechnikov", {"Epanechnikov 核", "epanechnikov"}},
        {"heat.kernel.gaussian", {"高斯核", "gaussian"}},
        {"heat.radius", {"半径", "Radius"}},
        {"heat.metres", {"米（随缩放稳定）", "metres (stable across zoom)"}},
        {"heat.pixels", {"像素", "pixels"}},
        {"heat.raw", {"原始值", "raw"}},
        {"heat.scaled", {"密度（归一化）", "scaled (density)"}},
        {"heat.decay", {"衰减比", "Decay ratio"}},
        {"heat.ramp", {"色带", "Colour ramp"}},
        {"heat.ramp.viridis", {"viridis", "viridis"}},
        {"heat.ramp.inferno", {"inferno", "inferno"}},
        {"heat.ramp.magma", {"magma", "magma"}},
        {"heat.ramp.ylorrd", {"黄橙红 YlOrRd", "YlOrRd"}},
        {"heat.auto", {"自动（百分位）", "auto (percentile)"}},
        {"heat.fixed", {"固定最大值", "fixed maximum"}},
        {"heat.percentile", {"百分位", "Percentile"}},
        {"heat.maximum", {"最大值", "Maximum"}},
        {"heat.window", {"时间窗（分钟，0=全部）", "Time window (min, 0 = all)"}},
        {"heat.points", {"点数", "points"}},
        {"heat.aggregate", {"聚合", "aggregate"}},
        {"heat.incremental", {"（增量）", " (incremental)"}},
        // feed health
        {"feed.section", {"数据接入状态", "Feed health"}},
        {"feed.rate", {"%.1f 条/秒   排队 %zu", "%.1f msg/s   queued %zu"}},
        {"feed.accepted", {"接收 %llu   拒收 %llu", "accepted %llu   rejected %llu"}},
        {"feed.late", {"迟到 %llu   重复 %llu", "late %llu   duplicates %llu"}},
        {"feed.officers", {"警员：在线 %zu，失联 %zu", "officers: %zu live, %zu silent"}},
        {"feed.last_message", {"最新消息：%.0f 秒前", "last message: %.0f s ago"}},
        {"feed.rejected_by_reason", {"拒收原因", "Rejected by reason"}},
        {"feed.reason_row", {"%s（%s）：%llu", "%s (%s): %llu"}},
        {"feed.last_error", {"   最近错误：%s", "   last error: %s"}},
        {"feed.reason.line_too_long", {"行过长", "line too long"}},
        {"feed.reason.malformed_json", {"JSON 格式错误", "malformed JSON"}},
        {"feed.reason.unknown_type", {"未知消息类型", "unknown type"}},
        {"feed.reason.missing_field", {"缺少字段", "missing field"}},
        {"feed.reason.invalid_field", {"字段无效", "invalid field"}},
        {"feed.reason.bad_time", {"时间无效", "bad time"}},
        {"feed.reason.future_time", {"时间超前", "time in the future"}},
        {"feed.reason.bad_coordinate", {"坐标无效", "bad coordinate"}},
        {"feed.reason.unknown_crs", {"未知坐标系", "unknown CRS"}},
        {"feed.reason.outside_area", {"超出辖区范围", "outside the area"}},
        {"feed.reason.unknown_squad", {"未知中队", "unknown squad"}},
        {"feed.reason.unknown_status", {"未知状态", "unknown status"}},
        {"feed.reason.bad_speed", {"速度异常", "bad speed"}},
        {"feed.reason.implied_speed", {"位移速度异常", "implied speed"}},
        {"feed.reason.too_many_officers", {"警员数超限", "too many officers"}},
        {"feed.reason.queue_overflow", {"接收队列溢出", "queue overflow"}},
        {"feed.state.idle", {"未启动", "idle"}},
        {"feed.state.connecting", {"连接中", "connecting"}},
        {"feed.state.connected", {"已连接", "connected"}},
        {"feed.state.disconnected", {"已断开", "disconnected"}},
        {"feed.state.retrying", {"等待重连", "retrying"}},
        {"feed.state.finished", {"已结束", "finished"}},
        {"feed.state.stopped", {"已停止", "stopped"}},
        // squad indicators (docs/kpi.md): names, workbook headers, alerts
        {"kpi.first_contact_rate", {"先行联系率", "First-contact rate"}},
        {"kpi.on_time_rate", {"按时办结率", "On-time completion rate"}},
        {"kpi.resolution_rate", {"实际解决率", "Actual resolution rate"}},
        {"kpi.satisfaction_rate", {"市民满意率", "Citizen satisfaction rate"}},
        {"kpi.checkin_rate", {"勤务打卡完成率", "Check-in completion rate"}},
        {"kpi.inspection_rate", {"分级分类检查完成率", "Inspection completion rate"}},
        {"kpi.case_quality", {"案件质量（平均分）", "Case quality (mean score)"}},
        {"kpi.cases_opened", {"立案数", "Cases opened"}},
        {"kpi.non_site_cases", {"非现场执法案件", "Non-site cases"}},
        {"kpi.cases_excellent", {"优秀案卷", "Excellent case files"}},
        {"kpi.cases_good", {"良好案卷", "Good case files"}},
        {"kpi.cases_failing", {"不合格案卷", "Failing case files"}},
        {"kpi.missed_checkins", {"漏打卡", "Missed check-ins"}},
        {"kpi.overdue_inspections", {"逾期未检查", "Overdue inspections"}},
        {"kpi.training_attendance", {"培训人次", "Training attendance"}},
        {"kpi.index", {"绩效指数", "Performance index"}},
        {"kpi.rank", {"排名", "Rank"}},
        {"kpi.lagging", {"是否滞后", "Lagging"}},
        {"kpi.yes", {"是", "yes"}},
        {"kpi.no", {"否", "no"}},
        {"kpi.district", {"普陀区（全区）", "Putuo district"}},
        {"kpi.col.squad_id", {"中队编号", "Squad id"}},
        {"kpi.col.squad", {"中队", "Squad"}},
        {"kpi.col.code", {"街镇代码", "Township code"}},
        {"kpi.col.numerator", {" 分子", " numerator"}},
        {"kpi.col.denominator", {" 分母", " denominator"}},
        {"kpi.col.score_sum", {" 分数合计", " score sum"}},
        {"kpi.col.reviewed", {" 评查案卷数", " reviewed cases"}},
        {"kpi.col.item", {"项目", "Item"}},
        {"kpi.col.value", {"值", "Value"}},
        {"kpi.col.from", {"统计期起", "Period from"}},
        {"kpi.col.to", {"统计期止", "Period to"}},
        {"kpi.note.from", {"统计期起（含）", "Period from (inclusive)"}},
        {"kpi.note.to", {"统计期止（不含）", "Period to (exclusive)"}},
        {"kpi.note.at", {"评价时点", "Time of evaluation"}},
        {"kpi.note.blank", {"空白单元格", "Empty cell"}},
        {"kpi.note.blank_means", {"无数据（分母为 0），不是 0%", "no data (the denominator is 0), not 0 %"}},
        {"kpi.note.definitions", {"口径", "Definitions"}},
        {"kpi.note.definitions_where",
         {"见 docs/kpi.md；各率的分子分母见“分子分母”表",
          "see docs/kpi.md; each rate's numerator and denominator are on the counts sheet"}},
        {"kpi.sheet.main", {"绩效指标", "Indicators"}},
        {"kpi.sheet.counts", {"分子分母", "Counts"}},
        {"kpi.sheet.notes", {"说明", "Notes"}},
        {"kpi.sheet.trends", {"趋势", "Trends"}},
        {"alert.lagging", {"%s 绩效指数 %s，排名第 %d，滞后", "%s: index %s, rank %d, lagging"}},
        {"alert.missed", {"%s %s %s–%s 漏打卡", "%s %s %s-%s check-in missed"}},
        {"alert.overdue", {"%s %s 检查逾期 %s 天（应于 %s 前）", "%s %s inspection overdue %s d (due %s)"}},
        {"alert.due", {"%s %s 须在 %s 前打卡", "%s %s check-in due by %s"}},
        {"kpi.unit.percent", {"%", "%"}},
        {"kpi.unit.points", {"分", "points"}},
        {"kpi.unit.count", {"件", "count"}},
        {"squads.section", {"中队绩效", "Squad performance"}},
        {"squads.period", {"统计期", "Period"}},
        {"squads.period.scene", {"场景统计期（月报）", "Scene period (monthly report)"}},
        {"squads.period.month", {"本月至今", "This month to date"}},
        {"squads.period.previous", {"上月", "Last month"}},
        {"squads.period_line", {"%s 至 %s，评价时点 %s", "%s to %s, evaluated at %s"}},
        {"squads.map_shows", {"地图显示", "Map shows"}},
        {"squads.fill", {"分级设色", "Choropleth"}},
        {"squads.bad_rows", {"记录中有 %zu 行错误已跳过（见日志）", "%zu bad record rows skipped (see the log)"}},
        {"squads.tooltip_ratio", {"%s：%.0f / %.0f", "%s: %.0f / %.0f"}},
        {"squads.tooltip_score", {"%s：总分 %.0f / 评查 %.0f 件", "%s: score sum %.0f / %.0f reviewed"}},
        {"squads.mean_line",
         {"各中队指数均值 %.1f；低于均值 %.0f 分以上或排名末位为滞后",
          "Mean index %.1f; more than %.0f points below it, or last, is lagging"}},
        {"squads.profile", {"%s 画像", "Profile: %s"}},
        {"squads.locate", {"定位", "Show on map"}},
        {"squads.trend_hint",
         {"近几个统计期的趋势（最右为本期）", "Trend over the last periods (this one on the right)"}},
        {"squads.drags", {"拖累指数：%s %.1f%%（全区 %.1f%%）", "Drags the index down: %s %.1f%% (district %.1f%%)"}},
        {"squads.alerts", {"告警", "Alerts"}},
        {"squads.alerts_more", {"…另有 %zu 条", "... %zu more"}},
        {"squads.badge_rank", {"第 %d 名", "#%d"}},
        {"squads.badge_no_rank", {"无排名", "no rank"}},
        {"squads.lagging_tag", {"滞后", "LAGGING"}},
        {"squads.legend_title", {"中队：%s（%s）", "Squads: %s (%s)"}},
        {"squads.no_data", {"无数据", "No data"}},
        {"squads.lagging_legend", {"滞后中队（红框、斜线）", "Lagging squad (red outline, hatched)"}},
        {"checkpoints.met", {"本时段已打卡 ✓", "Checked in this window ✓"}},
        {"checkpoints.due", {"30 分钟内须打卡 ▲", "Due within 30 min ▲"}},
        {"checkpoints.missed", {"已漏打卡 ×", "Missed ×"}},
        {"checkpoints.not_yet", {"待打卡 ○", "Not yet due ○"}},
        {"checkpoints.off_duty", {"非勤务时段", "Off duty"}},
        {"inspections.red", {"红色对象逾期（7 天周期）▲", "Red overdue (7-day cycle) ▲"}},
        {"inspections.yellow", {"黄色对象逾期（30 天周期）◆", "Yellow overdue (30-day cycle) ◆"}},
        {"inspections.green", {"绿色对象逾期（90 天周期）■", "Green overdue (90-day cycle) ■"}},
        {"inspections.label", {"%s 逾期 %d 天", "%s overdue %d d"}},
        {"list.sep", {"、", ", "}},
        {"wall.layer", {"大屏状态栏", "Wall status"}},
        {"wall.fresh_s", {"最新定位 %.0f 秒前", "newest fix %.0f s ago"}},
        {"wall.fresh_min", {"最新定位 %.0f 分钟前", "newest fix %.0f min ago"}},
        {"wall.fresh_h", {"最新定位 %.1f 小时前", "newest fix %.1f h ago"}},
        {"wall.no_data", {"暂无定位数据", "no position data yet"}},
        {"wall.silent", {"失联警员 %zu 人：%s", "%zu officers silent: %s"}},
        {"wall.tour_paused", {"巡览已暂停（有人操作）", "Tour paused (operator at the wall)"}},
        // window
        {"window.title", {"数字沙盘 Sandtable", "Sandtable 数字沙盘"}},
    };
    return t;
}

const std::unordered_map<std::string_view, const I18nText*>& index() {
    static const auto m = [] {
        std::unordered_map<std::string_view, const I18nText*> out;
        for (const I18nEntry& e : table()) out.emplace(e.key, &e.text);
        return out;
    }();
    return m;
}

}  // namespace

const I18nText& text(std::string_view key) {
    const auto& m = index();
    if (auto it = m.find(key); it != m.end()) return *it->second;
    // Unknown keys show as themselves (tests/style fails on them); kept for the process.
    static std::unordered_map<std::string, I18nText> missing;
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    auto it = missing.try_emplace(std::string(key), I18nText{std::string(key), std::string(key)}).first;
    return it->second;
}

const char* tr(std::string_view key, Language lang) { return text(key).get(lang).c_str(); }

const std::vector<I18nEntry>& allTexts() { return table(); }

}  // namespace sandtable
