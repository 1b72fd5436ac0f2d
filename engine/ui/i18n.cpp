#include "engine/ui/i18n.hpp"

#include <cstring>

namespace sandtable {

namespace {
struct Entry {
    const char* key;
    const char* zh;
    const char* en;
};
const Entry kTable[] = {
    {"panel.title", "数字沙盘控制台", "Sandtable console"},
    {"panel.layers", "图层", "Layers"},
    {"panel.view", "视图", "View"},
    {"panel.language", "语言", "Language"},
    {"panel.opacity", "不透明度", "Opacity"},
    {"panel.visible", "显示", "Visible"},
    {"panel.screenshot", "保存截图 (F12)", "Save screenshot (F12)"},
    {"panel.saved", "已保存", "Saved"},
    {"panel.reset_view", "重置视图", "Reset view"},
    {"panel.zoom", "缩放级别", "Zoom"},
    {"panel.rotation", "旋转", "Rotation"},
    {"panel.center", "中心", "Centre"},
    {"panel.fps", "帧率", "Frame rate"},
    {"panel.frame_ms", "帧耗时", "Frame time"},
    {"panel.help", "左键拖动平移 · 滚轮缩放 · 右键拖动旋转", "Drag to pan · wheel to zoom · right-drag to rotate"},
    {"panel.warnings", "警告", "Warnings"},
    {"panel.errors", "加载失败的图层", "Layers that failed to load"},
    {"panel.clock", "时钟", "Clock"},
    {"panel.live", "实时", "Live"},
    {"panel.replay", "回放", "Replay"},
    {"panel.pause", "暂停", "Pause"},
    {"panel.speed", "倍速", "Speed"},
    {"panel.clock_locked", "时钟跟随模拟数据（%.1f 倍速）", "The clock follows the simulated feed (%.1fx)"},
    {"lang.zh", "中文", "中文"},
    {"lang.en", "English", "English"},
};
}  // namespace

const char* tr(const char* key, Language lang) {
    for (const auto& e : kTable)
        if (std::strcmp(e.key, key) == 0) return lang == Language::English ? e.en : e.zh;
    return key;
}

std::vector<std::string> allUiStrings() {
    std::vector<std::string> out;
    for (const auto& e : kTable) {
        out.push_back(e.zh);
        out.push_back(e.en);
    }
    return out;
}

}  // namespace sandtable
