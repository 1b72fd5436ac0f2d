#include "engine/ui/cockpit.hpp"
#include "engine/gl/resources.hpp"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_freetype.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>
#include <imgui_internal.h>  // the UI's window rectangles (GImGui->Windows)

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>

#include "engine/geo/projection.hpp"
#include "engine/render/offscreen.hpp"
#include "engine/render/text.hpp"
#include "engine/render/wall_frame.hpp"
#include "engine/util/civil_time.hpp"
#include "engine/util/i18n.hpp"
#include "engine/util/image.hpp"
#include "engine/util/log.hpp"

namespace sandtable {

Cockpit::Cockpit(WindowContext& window, Map& map, const SceneSpec& scene, TimeController time, CockpitOptions opts)
    : window_(window), map_(map), scene_(scene), time_(std::move(time)), opts_(std::move(opts)) {
    // A window redrawn as the hand moves: the layers under the live ones are kept between
    // frames and shifted under whole-pixel pans (Map::cacheCanvas).
    map_.cacheCanvas = true;
    // First, so that an endpoint that cannot be bound fails before anything else is set up
    // (and named as ZeroMQ sees it in the log and on screen: "5560" is tcp://127.0.0.1:5560).
    if (opts_.wallNode.role != WallNodeOptions::Role::None)
        opts_.wallNode.endpoint = wallEndpoint(opts_.wallNode.endpoint);
    if (opts_.wallNode.role == WallNodeOptions::Role::Lead)
        wallPub_ = std::make_unique<WallPublisher>(opts_.wallNode.endpoint);
    else if (opts_.wallNode.role == WallNodeOptions::Role::Follow)
        wallSub_ = std::make_unique<WallSubscriber>(opts_.wallNode.endpoint);
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    ImGui::StyleColorsDark();
    ImGuiStyle& st = ImGui::GetStyle();
    st.WindowRounding = 6.0f;
    st.FrameRounding = 4.0f;
    st.Colors[ImGuiCol_WindowBg] = ImVec4(0.04f, 0.08f, 0.13f, 0.92f);

    // CJK UI font: the glyphs of the string table and of the scene's own texts (its title,
    // the layers' titles), which is everything the panels show (ImGui 1.86 cannot add
    // glyphs later).
    ImFontGlyphRangesBuilder b;
    b.AddRanges(io.Fonts->GetGlyphRangesDefault());
    for (const I18nEntry& e : allTexts()) {
        b.AddText(e.text.zh.c_str());
        b.AddText(e.text.en.c_str());
    }
    for (const std::string* t : {&scene_.titleZh, &scene_.titleEn, &scene_.attributionZh, &scene_.attributionEn,
                                 &scene_.creditsZh, &scene_.creditsEn})
        b.AddText(t->c_str());
    for (const auto& l : map_.layers()) {
        b.AddText(l->title().zh.c_str());
        b.AddText(l->title().en.c_str());
    }
    b.AddText("·—–≤≥×°●▲▼");
    static ImVector<ImWchar> ranges;
    b.BuildRanges(&ranges);
    ImFontConfig cfg;
    cfg.FontNo = 2;  // Noto Sans CJK SC inside the .ttc
    cfg.OversampleH = 1;
    const std::string font = defaultFontPath();
    if (!io.Fonts->AddFontFromFileTTF(font.c_str(), 18.0f, &cfg, ranges.Data)) {
        log::warn("UI font '" + font + "' not loaded; Chinese text will not show");
        io.Fonts->AddFontDefault();
    }
    io.Fonts->FontBuilderIO = ImGuiFreeType::GetBuilderForFreeType();
    // Our callbacks first: ImGui's backend chains to them (they queue map input).
    GLFWwindow* w = window_.window();
    glfwSetWindowUserPointer(w, this);
    glfwSetKeyCallback(w, [](GLFWwindow* win, int key, int, int action, int mods) {
        InputEvent e;
        e.kind = InputEvent::Kind::Key;
        e.code = key;
        e.action = action;
        e.mods = mods;
        static_cast<Cockpit*>(glfwGetWindowUserPointer(win))->pushEvent(e);
    });
    glfwSetMouseButtonCallback(w, [](GLFWwindow* win, int button, int action, int mods) {
        InputEvent e;
        e.kind = InputEvent::Kind::Button;
        e.code = button;
        e.action = action;
        e.mods = mods;
        static_cast<Cockpit*>(glfwGetWindowUserPointer(win))->pushEvent(e);
    });
    glfwSetCursorPosCallback(w, [](GLFWwindow* win, double x, double y) {
        InputEvent e;
        e.kind = InputEvent::Kind::Move;
        e.x = x;
        e.y = y;
        static_cast<Cockpit*>(glfwGetWindowUserPointer(win))->pushEvent(e);
    });
    glfwSetScrollCallback(w, [](GLFWwindow* win, double dx, double dy) {
        InputEvent e;
        e.kind = InputEvent::Kind::Scroll;
        e.x = dx;
        e.y = dy;
        static_cast<Cockpit*>(glfwGetWindowUserPointer(win))->pushEvent(e);
    });
    glfwGetCursorPos(w, &cursorX_, &cursorY_);
    ImGui_ImplGlfw_InitForOpenGL(w, true);
    ImGui_ImplOpenGL3_Init("#version 450 core");
    if (!opts_.tracePath.empty()) {
        trace_ = std::fopen(opts_.tracePath.c_str(), "w");
        if (!trace_) log::warn("cannot write the input trace to " + opts_.tracePath);
    }
}

Cockpit::~Cockpit() {
    if (trace_) std::fclose(trace_);
    glfwSetWindowUserPointer(window_.window(), nullptr);
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
}

PixelRect wallLeaderCanvas(const WallNodeOptions& w, int fbw, int fbh, int& canvasWidth, int& canvasHeight) {
    if (w.role != WallNodeOptions::Role::Lead) {
        canvasWidth = fbw;
        canvasHeight = fbh;
        return {0, 0, fbw, fbh};
    }
    canvasWidth = w.cols * fbw + (w.cols - 1) * w.bezel;
    canvasHeight = w.rows * fbh + (w.rows - 1) * w.bezel;
    return {w.col * (fbw + w.bezel), w.row * (fbh + w.bezel), fbw, fbh};
}

void Cockpit::layoutCanvas(int fbw, int fbh) {
    int cw = fbw, ch = fbh;
    tile_ = wallLeaderCanvas(opts_.wallNode, fbw, fbh, cw, ch);
    tileScale_ = 1.0;
    if (wallSub_ && leaderState_) {
        applyWallState(*leaderState_, map_);
        const WallNodeOptions& w = opts_.wallNode;
        WallTile t;
        if (wallTileRect(leaderState_->canvasWidth, leaderState_->canvasHeight, w.cols, w.rows, w.col, w.row, w.bezel,
                         t)) {
            // A monitor denser or sparser than the leader's shows the same ground in its own pixels.
            tileScale_ = static_cast<double>(fbw) / t.width;
            map_.camera.resolution /= tileScale_;
            cw = static_cast<int>(std::lround(leaderState_->canvasWidth * tileScale_));
            ch = static_cast<int>(std::lround(leaderState_->canvasHeight * tileScale_));
            tile_ = {static_cast<int>(std::lround(t.x * tileScale_)), static_cast<int>(std::lround(t.y * tileScale_)),
                     fbw, fbh};
        } else {
            if (!tileMisfitLogged_)
                log::error("wall follower: cell " + std::to_string(w.col) + "," + std::to_string(w.row) + " of " +
                           std::to_string(w.cols) + "x" + std::to_string(w.rows) + " with " + std::to_string(w.bezel) +
                           " px bezels does not fit the leader's " + std::to_string(leaderState_->canvasWidth) + "x" +
                           std::to_string(leaderState_->canvasHeight) + " canvas; showing the whole canvas");
            tileMisfitLogged_ = true;
            // The whole canvas, fitted into the window.
            tileScale_ = std::min(static_cast<double>(fbw) / leaderState_->canvasWidth,
                                  static_cast<double>(fbh) / leaderState_->canvasHeight);
            map_.camera.resolution /= tileScale_;
            cw = static_cast<int>(std::lround(leaderState_->canvasWidth * tileScale_));
            ch = static_cast<int>(std::lround(leaderState_->canvasHeight * tileScale_));
        }
    }
    map_.camera.width = cw;
    map_.camera.height = ch;
}

bool Cockpit::takeLeaderState(int waitMs) {
    auto s = wallSub_->next(waitMs);
    const auto now = std::chrono::steady_clock::now();
    if (!s) {
        if (leaderState_ && !leaderLost_ && now - leaderSeen_ > std::chrono::seconds(3)) {
            leaderLost_ = true;
            log::warn("wall follower: no frame state from the leader at " + opts_.wallNode.endpoint +
                      " for 3 s; showing its last frame");
        }
        return false;
    }
    if (leaderLost_) log::info("wall follower: the leader at " + opts_.wallNode.endpoint + " is back");
    if (!leaderState_) log::info("wall follower: first frame state from " + opts_.wallNode.endpoint);
    leaderLost_ = false;
    leaderState_ = *s;
    leaderStateNew_ = true;
    leaderSeen_ = now;
    return true;
}

void Cockpit::drawWallNotice(Language lang) {
    if (!wallSub_) return;
    const double age = std::chrono::duration<double>(std::chrono::steady_clock::now() - leaderSeen_).count();
    if (leaderState_ && age < 3.0) return;
    char buf[512];
    if (!leaderState_)
        std::snprintf(buf, sizeof buf, tr("wall.waiting_leader", lang), opts_.wallNode.endpoint.c_str());
    else
        std::snprintf(buf, sizeof buf, tr("wall.leader_silent", lang), opts_.wallNode.endpoint.c_str(), age);
    const ImGuiIO& io = ImGui::GetIO();
    const float size = std::max(24.0f, io.DisplaySize.y / 18.0f);  // read from across the room
    ImFont* font = ImGui::GetFont();
    const ImVec2 ext = font->CalcTextSizeA(size, FLT_MAX, 0.0f, buf);
    const ImVec2 at((io.DisplaySize.x - ext.x) * 0.5f, io.DisplaySize.y * 0.4f);
    ImDrawList* dl = ImGui::GetForegroundDrawList();
    dl->AddRectFilled(ImVec2(at.x - size, at.y - size * 0.5f), ImVec2(at.x + ext.x + size, at.y + ext.y + size * 0.5f),
                      IM_COL32(10, 20, 34, 230), size * 0.3f);
    dl->AddText(font, size, at, IM_COL32(255, 196, 64, 255), buf);
}

bool Cockpit::overUi(double x, double y) const {
    for (const Rect& r : uiRects_)
        if (x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h) return true;
    return false;
}

void Cockpit::trace(const std::string& fields) {
    if (!trace_) return;
    std::fprintf(trace_, "{\"frame\":%llu,%s}\n", static_cast<unsigned long long>(frameIndex_), fields.c_str());
    std::fflush(trace_);
}

void Cockpit::traceWall(const char* event, const WallFrameState& s) {
    if (!trace_) return;
    char buf[384];
    std::snprintf(buf, sizeof buf,
                  "\"event\":\"%s\",\"seq\":%llu,\"t\":%lld,\"center\":[%.4f,%.4f],\"resolution\":%.9g,"
                  "\"rotation\":%.9g,\"canvas\":[%d,%d],\"tile\":[%d,%d,%d,%d]",
                  event, static_cast<unsigned long long>(s.seq), static_cast<long long>(s.time), s.centerX, s.centerY,
                  s.resolution, s.rotation, s.canvasWidth, s.canvasHeight, tile_.x, tile_.y, tile_.width, tile_.height);
    trace(buf);
}

void Cockpit::traceView() {
    if (!trace_) return;
    const Camera& c = map_.camera;
    const ViewKey k{c.center.x, c.center.y, c.resolution, c.rotation, c.width, c.height};
    if (k == tracedView_) return;
    tracedView_ = k;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "\"event\":\"view\",\"center\":[%.4f,%.4f],\"resolution\":%.9g,\"rotation\":%.9g,\"size\":[%d,%d],"
                  "\"flying\":%s",
                  c.center.x, c.center.y, c.resolution, c.rotation, c.width, c.height,
                  map_.flying() ? "true" : "false");
    trace(buf);
}

// One queued GLFW event. `scale` converts window coordinates to framebuffer pixels.
void Cockpit::applyEvent(const InputEvent& e, double scale) {
    // A wall follower's map and clock are the leader's: only its panel (H) and F12 here.
    const bool follower = wallSub_ != nullptr;
    // Where the cursor is on the canvas (a wall leader's window is one tile of it).
    const Vec2d onCanvas{tile_.x + cursorX_ * scale, tile_.y + cursorY_ * scale};
    switch (e.kind) {
    case InputEvent::Kind::Move: {
        const double dx = (e.x - cursorX_) * scale, dy = (e.y - cursorY_) * scale;
        cursorX_ = e.x;
        cursorY_ = e.y;
        if (follower || dragButton_ < 0 || !dragOnMap_) return;
        if (std::hypot(e.x - pressX_, e.y - pressY_) * scale > 4.0) dragMoved_ = true;
        map_.stopFlight();  // the hand wins over a flight (an alert's, a wall tour's)
        if (dragButton_ == GLFW_MOUSE_BUTTON_LEFT)
            map_.camera.panPixels(dx, dy);  // the map follows the hand
        else if (dragButton_ == GLFW_MOUSE_BUTTON_RIGHT)
            map_.camera.rotateAbout({map_.camera.width * 0.5, map_.camera.height * 0.5}, dx * 0.005);
        return;
    }
    case InputEvent::Kind::Button: {
        if (follower || (e.code != GLFW_MOUSE_BUTTON_LEFT && e.code != GLFW_MOUSE_BUTTON_RIGHT)) return;
        if (e.action == GLFW_PRESS) {
            if (dragButton_ >= 0) return;  // one gesture at a time
            dragButton_ = e.code;
            dragOnMap_ = !overUi(cursorX_, cursorY_);
            if (dragOnMap_) map_.stopFlight();  // the hand on the map holds it still
            pressX_ = cursorX_;
            pressY_ = cursorY_;
            dragMoved_ = false;
            return;
        }
        if (e.action != GLFW_RELEASE || e.code != dragButton_) return;
        const bool click = dragOnMap_ && !dragMoved_ && e.code == GLFW_MOUSE_BUTTON_LEFT;
        dragButton_ = -1;
        if (!click) return;
        // A click (press and release without dragging) goes to the layers, top-most first.
        const Vec2d at = onCanvas;
        const bool ctrl = (e.mods & GLFW_MOD_CONTROL) != 0;
        const auto& layers = map_.layers();
        for (auto it = layers.rbegin(); it != layers.rend(); ++it)
            if ((*it)->visible && (*it)->handleClick(map_.camera, at, ctrl)) {
                char buf[256];
                std::snprintf(buf, sizeof buf,
                              "\"event\":\"click\",\"screen\":[%.1f,%.1f],\"layer\":\"%s\",\"selection\":\"%s\"", at.x,
                              at.y, (*it)->id().c_str(), (*it)->selection().c_str());
                trace(buf);
                break;
            }
        return;
    }
    case InputEvent::Kind::Scroll: {
        if (follower || e.y == 0.0 || overUi(cursorX_, cursorY_)) return;
        map_.stopFlight();
        map_.camera.zoomAbout(onCanvas, std::pow(1.2, e.y));
        return;
    }
    case InputEvent::Kind::Key: {
        if (e.action == GLFW_RELEASE || wantText_) return;  // typing into a panel field is not a shortcut
        const bool press = e.action == GLFW_PRESS;
        const bool shift = (e.mods & GLFW_MOD_SHIFT) != 0;
        if (follower && e.code != GLFW_KEY_F12 && e.code != GLFW_KEY_H) return;
        if (press && e.code == GLFW_KEY_F12)
            screenshotRequested_ = true;
        else if (press && e.code == GLFW_KEY_L) {
            map_.language = map_.language == Language::Chinese ? Language::English : Language::Chinese;
            trace(std::string("\"event\":\"language\",\"value\":\"") +
                  (map_.language == Language::English ? "en" : "zh") + "\"");
        } else if (press && e.code == GLFW_KEY_H) {
            opts_.showPanel = !opts_.showPanel;
            if (!opts_.showPanel) uiRects_.clear();
            trace(std::string("\"event\":\"panel\",\"shown\":") + (opts_.showPanel ? "true" : "false"));
        } else if (press && e.code == GLFW_KEY_SPACE) {
            // Play/pause; in live mode it freezes the picture here (replay, paused).
            if (time_.live())
                time_.seek(time_.now());
            else
                time_.setPaused(!time_.paused());
        } else if (e.code == GLFW_KEY_LEFT || e.code == GLFW_KEY_RIGHT) {
            const TimeMs step = shift ? 60000 : 10000;
            time_.step(e.code == GLFW_KEY_LEFT ? -step : step);
        } else if (e.code == GLFW_KEY_UP || e.code == GLFW_KEY_DOWN) {
            changeSpeed(e.code == GLFW_KEY_UP ? 1 : -1);
        } else if (press && e.code == GLFW_KEY_G) {
            time_.goLive();
        } else {
            return;
        }
        traceTime();
        return;
    }
    }
}

void Cockpit::handleInput() {
    int fbw = 0, fbh = 0, ww = 0, wh = 0;
    glfwGetFramebufferSize(window_.window(), &fbw, &fbh);
    glfwGetWindowSize(window_.window(), &ww, &wh);
    const double scale = ww > 0 ? static_cast<double>(fbw) / ww : 1.0;
    layoutCanvas(fbw, fbh);
    while (!events_.empty()) {
        const InputEvent e = events_.front();
        events_.pop_front();
        applyEvent(e, scale);
    }
}

void Cockpit::drawUi(double frameMs) {
    const Language lang = map_.language;
    ImGui::SetNextWindowPos(ImVec2(16, 150), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(410, 0), ImGuiCond_FirstUseEver);
    ImGui::Begin(tr("panel.title", lang));
    if (ImGui::RadioButton(tr("lang.zh", lang), lang == Language::Chinese)) map_.language = Language::Chinese;
    ImGui::SameLine();
    if (ImGui::RadioButton(tr("lang.en", lang), lang == Language::English)) map_.language = Language::English;
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
    ImGui::TextWrapped("%s", tr("panel.help", lang));
    ImGui::PopStyleColor();
    if (ImGui::CollapsingHeader(tr("panel.layers", lang), ImGuiTreeNodeFlags_DefaultOpen)) {
        size_t li = 0;
        for (const auto& l : map_.layers()) {
            const double ms = map_.drawMs(li++);
            ImGui::PushID(l->id().c_str());
            ImGui::Checkbox(l->title().get(lang).c_str(), &l->visible);
            ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - 90);
            ImGui::SetNextItemWidth(90);
            ImGui::SliderFloat("##op", &l->opacity, 0.0f, 1.0f, "%.2f");
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%.2f ms CPU", ms);
            if (!l->warnings().empty() && ImGui::TreeNode(tr("panel.warnings", lang))) {
                for (const auto& w : l->warnings()) ImGui::TextWrapped("%s", w.c_str());
                ImGui::TreePop();
            }
            l->drawUi(lang);
            ImGui::PopID();
        }
        if (!loadErrors.empty()) {
            ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", tr("panel.errors", lang));
            for (const auto& e : loadErrors) ImGui::TextWrapped("%s", e.c_str());
        }
    }
    if (ImGui::CollapsingHeader(tr("panel.view", lang), ImGuiTreeNodeFlags_DefaultOpen)) {
        Vec2d ll = map_.camera.center;
        map_.toWgs84().forward(ll);
        ImGui::Text("%s: %.5f, %.5f", tr("panel.center", lang), ll.x, ll.y);
        ImGui::Text(
            "%s: %.2f   %s: %.1f°", tr("panel.zoom", lang),
            resolutionToZoom(map_.camera.resolution * std::min(map_.camera.width, map_.camera.height) / 1080.0, ll.y),
            tr("panel.rotation", lang), radToDeg(map_.camera.rotation));
        ImGui::Text("%s: %.1f ms (%.0f fps)", tr("panel.frame_ms", lang), frameMs,
                    frameMs > 0 ? 1000.0 / frameMs : 0.0);
        if (ImGui::Button(tr("panel.reset_view", lang)))
            applySceneView(scene_, map_, map_.camera.width, map_.camera.height);
        ImGui::SameLine();
        if (ImGui::Button(tr("panel.screenshot", lang))) screenshotRequested_ = true;
        if (!lastSaved_.empty()) ImGui::TextDisabled("%s: %s", tr("panel.saved", lang), lastSaved_.c_str());
    }
    if (extraUi) extraUi(lang);
    ImGui::End();
}

// The time controls: live or replay, play/pause, step, speed, loop, the replay range, and
// a scrub bar over the data's activity. Bottom centre, between the scale bar and legend.
void Cockpit::drawTimeline(Language lang) {
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    // Right of the control panel (16 + 410 px), left of the map legend (a quarter of the width).
    const float left = 16.0f + 410.0f + 12.0f, right = std::max(360.0f, display.x * 0.25f);
    const float width = std::max(480.0f, display.x - left - right);
    ImGui::SetNextWindowPos(ImVec2(std::min(left, std::max(0.0f, display.x - width)), display.y - 118.0f),
                            ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(width, 0), ImGuiCond_Always);
    ImGui::Begin("##timeline", nullptr,
                 ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    const bool live = time_.live();
    ImGui::TextColored(live ? ImVec4(0.4f, 0.9f, 0.5f, 1) : ImVec4(1.0f, 0.75f, 0.3f, 1), "%s",
                       tr(live ? "time.live" : "time.replay", lang));
    ImGui::SameLine();
    ImGui::Text("%s%s", localDateTimeText(time_.now()).c_str(), tr("decor.local_time", lang));
    ImGui::SameLine();
    if (!live) {
        if (ImGui::Button(tr("time.go_live", lang))) time_.goLive();
        ImGui::SameLine();
    }
    if (ImGui::Button(tr("time.back_min", lang))) time_.step(-60000);
    ImGui::SameLine();
    if (ImGui::Button(tr("time.back_10s", lang))) time_.step(-10000);
    ImGui::SameLine();
    const bool playing = !live && !time_.paused();
    if (ImGui::Button(tr(playing ? "time.pause" : "time.play", lang))) {
        if (live)
            time_.seek(time_.now());
        else if (time_.paused() && time_.now() >= time_.rangeTo())
            time_.seek(time_.rangeFrom()), time_.setPaused(false);  // at the end: from the start
        else
            time_.setPaused(!time_.paused());
    }
    ImGui::SameLine();
    if (ImGui::Button(tr("time.fwd_10s", lang))) time_.step(10000);
    ImGui::SameLine();
    if (ImGui::Button(tr("time.fwd_min", lang))) time_.step(60000);
    ImGui::SameLine();
    static const double kSpeeds[] = {1, 10, 60, 300, 600, 3600};
    char label[32];
    std::snprintf(label, sizeof label, "%gx", time_.speed());
    ImGui::SetNextItemWidth(90);
    if (ImGui::BeginCombo(tr("time.speed", lang), label)) {
        for (double sp : kSpeeds) {
            std::snprintf(label, sizeof label, "%gx", sp);
            if (ImGui::Selectable(label, sp == time_.speed())) time_.setSpeed(sp);
        }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    bool loop = time_.loop();
    if (ImGui::Checkbox(tr("time.loop", lang), &loop)) time_.setLoop(loop);
    ImGui::SameLine();
    // The replay range: the last hours of the data, or all of it.
    static const std::pair<const char*, TimeMs> kRanges[] = {{"time.range.1h", 3600000},
                                                             {"time.range.8h", 8 * 3600000},
                                                             {"time.range.24h", 24 * 3600000},
                                                             {"time.range.all", 0}};
    ImGui::SetNextItemWidth(120);
    if (ImGui::BeginCombo(tr("time.range", lang), nullptr, ImGuiComboFlags_NoPreview)) {
        for (const auto& [key, span] : kRanges)
            if (ImGui::Selectable(tr(key, lang))) {
                const TimeMs to = std::max(timeline.dataTo, timeline.dataFrom);
                const TimeMs from = span > 0 ? std::max(timeline.dataFrom, to - span) : timeline.dataFrom;
                time_.replay(from, to, std::clamp(time_.now(), from, to));
                time_.setPaused(true);
            }
        ImGui::EndCombo();
    }
    // Activity histogram over the data span, and the scrub bar under it.
    const float barWidth = ImGui::GetContentRegionAvail().x;
    if (!timeline.activity.empty())
        ImGui::PlotHistogram("##activity", timeline.activity.data(), static_cast<int>(timeline.activity.size()), 0,
                             nullptr, 0.0f, FLT_MAX, ImVec2(barWidth, 32));
    TimeMs from = live ? timeline.dataFrom : time_.rangeFrom();
    TimeMs to = live ? std::max(timeline.dataTo, time_.now()) : time_.rangeTo();
    if (to > from) {
        int64_t t = std::clamp(time_.now(), from, to);
        const std::string shown = localDateTimeText(t);
        ImGui::SetNextItemWidth(barWidth);
        if (ImGui::SliderScalar("##scrub", ImGuiDataType_S64, &t, &from, &to, shown.c_str())) {
            if (live) time_.replay(from, to, t);
            time_.seek(t);
            time_.setPaused(true);
        }
    }
    ImGui::End();
}

void Cockpit::saveScreenshot(const std::string& path) {
    int fbw = 0, fbh = 0;
    glfwGetFramebufferSize(window_.window(), &fbw, &fbh);
    glReadBuffer(GL_BACK);
    Image img = readFramebuffer(fbw, fbh);
    for (size_t i = 3; i < img.rgba.size(); i += 4) img.rgba[i] = 255;
    try {
        writePng(path, img);
        lastSaved_ = path;
        log::info("screenshot saved to " + path);
    } catch (const std::exception& e) {
        log::error(e.what());
    }
}

namespace {
// SIGTERM / SIGINT (systemd stopping a wall, a test ending the run): finish the frame and
// leave the loop normally, so that exit-time work (screenshot, feed stop) still happens.
std::atomic<bool> gStopRequested{false};
extern "C" void onStopSignal(int) { gStopRequested = true; }
}  // namespace

void Cockpit::traceTime() {
    char buf[160];
    std::snprintf(buf, sizeof buf, "\"event\":\"time\",\"mode\":\"%s\",\"t\":%lld,\"speed\":%g,\"paused\":%s",
                  time_.live() ? "live" : "replay", static_cast<long long>(time_.now()), time_.speed(),
                  time_.paused() ? "true" : "false");
    trace(buf);
}

void Cockpit::changeSpeed(int steps) {
    static const double kSpeeds[] = {1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 3600};
    constexpr int n = static_cast<int>(std::size(kSpeeds));
    int i = 0;
    while (i + 1 < n && kSpeeds[i] < time_.speed() - 1e-9) ++i;
    time_.setSpeed(kSpeeds[std::clamp(i + steps, 0, n - 1)]);
}

int Cockpit::run() {
    using clk = std::chrono::steady_clock;
    std::signal(SIGTERM, onStopSignal);
    std::signal(SIGINT, onStopSignal);
    auto lastTick = clk::now();
    const auto start = lastTick;
    clk::time_point lastDraw{}, lastDataDraw{};
    TimeMs drawnSecond = -1;
    double frameMs = 0;
    int uiFrames = 2;  // ImGui settles popups and hovers over the frames after an input
    bool first = true, dataPending = false;
    const double minFrameS = opts_.maxFps > 0 ? 1.0 / opts_.maxFps : 0.0;
    // New data redraws a few times a second at most: officers move metres per second, a
    // fraction of a pixel at district zoom; input and a playing replay redraw at maxFps.
    constexpr double kDataRedrawS = 0.2;
    while (!glfwWindowShouldClose(window_.window())) {
        // Wait for something to draw: input, the next frame of an animation, new data or
        // the banner clock's next second. An idle wall sleeps here instead of redrawing.
        const auto now0 = clk::now();
        const double sinceDraw = std::chrono::duration<double>(now0 - lastDraw).count();
        const bool hurry = first || uiFrames > 0 || time_.animating() || screenshotRequested_ || map_.busy() ||
                           dataPending || !events_.empty() || leaderStateNew_;
        double waitS;
        if (hurry) {
            waitS = minFrameS - sinceDraw;
        } else {
            const double toNextSecond = 1.0 - static_cast<double>(wallClockMs() % 1000) / 1000.0;
            waitS = std::min({toNextSecond, kDataRedrawS, 1.0});
        }
        if (wallSub_) {
            // A follower waits on the leader's states (at most 50 ms, for its own input).
            glfwPollEvents();
            takeLeaderState(static_cast<int>(std::clamp(waitS, 0.0, 0.05) * 1000.0));
        } else if (waitS > 0.0005) {
            glfwWaitEventsTimeout(waitS);
        } else {
            glfwPollEvents();
        }
        service_.alive();  // the loop turns at least once a second: a hang stops the pings
        frameStats_.turn(wallClockMs());
        const gl::MemoryStats gm = gl::memoryStats();
        frameStats_.gpuBufferBytes = gm.bufferBytes;
        frameStats_.gpuTextureBytes = gm.textureBytes;
        if (health) health->publish(frameStats_);
        const auto now = clk::now();
        const double dt = std::chrono::duration<double>(now - lastTick).count();
        lastTick = now;
        time_.tick(dt);
        const bool input = !events_.empty();
        // What the operator did (a wall's tour pauses): a press, a wheel, a key, or a
        // cursor moved by a few pixels (not the pointer's own arrival events).
        bool operatorInput = false;
        for (const InputEvent& e : events_)
            operatorInput |= e.kind != InputEvent::Kind::Move || std::hypot(e.x - cursorX_, e.y - cursorY_) > 3.0;
        handleInput();
        if (everyTurn) everyTurn(dt, operatorInput);
        if (beforeFrame && beforeFrame(time_.now())) dataPending = true;
        for (const auto& l : map_.layers()) {
            if (wallSub_) {  // the leader's camera rules a follower's view
                l->takeViewRequest();
                continue;
            }
            if (auto req = l->takeViewRequest()) {
                map_.flyTo(req->center, req->resolution);
                trace("\"event\":\"fly\",\"layer\":\"" + l->id() + "\"");
            }
            if (auto target = l->visible && !map_.flying() ? l->followTarget() : std::nullopt)
                map_.camera.center = *target;
        }
        traceView();

        const double elapsed = std::chrono::duration<double>(now - start).count();
        const bool exiting = (opts_.exitAfterSeconds > 0 && elapsed >= opts_.exitAfterSeconds) || gStopRequested;
        const bool dataDue = dataPending && std::chrono::duration<double>(now - lastDataDraw).count() >= kDataRedrawS;
        const TimeMs second = time_.now() / 1000;
        const bool draw = first || input || uiFrames > 0 || time_.animating() || screenshotRequested_ || exiting ||
                          dataDue || map_.busy() || second != drawnSecond || leaderStateNew_;
        if (input) uiFrames = 2;
        if (!draw) continue;
        if (std::chrono::duration<double>(now - lastDraw).count() < minFrameS && !exiting && !first) continue;
        first = false;
        if (uiFrames > 0 && !input) --uiFrames;
        if (dataDue) {
            dataPending = false;
            lastDataDraw = now;
        }
        drawnSecond = second;
        const double sinceLastDraw =
            lastDraw == clk::time_point{} ? 0.0 : std::chrono::duration<double>(now - lastDraw).count();
        lastDraw = now;

        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        if (opts_.showPanel) {
            drawUi(frameMs);
            drawTimeline(map_.language);
        }
        drawWallNotice(map_.language);
        ImGui::Render();
        // Where the UI is this frame (panels, popups, open combos): a press there is the UI's.
        uiRects_.clear();
        for (const ImGuiWindow* w : ImGui::GetCurrentContext()->Windows)
            if (w->Active && !w->Hidden && !(w->Flags & ImGuiWindowFlags_Tooltip))
                uiRects_.push_back({w->Pos.x, w->Pos.y, w->Size.x, w->Size.y});
        wantText_ = ImGui::GetIO().WantTextInput;
        trace("\"event\":\"frame\"");
        ++frameIndex_;

        int fbw = 0, fbh = 0;
        glfwGetFramebufferSize(window_.window(), &fbw, &fbh);
        if (fbw > 0 && fbh > 0) {
            glBindFramebuffer(GL_FRAMEBUFFER, 0);
            layoutCanvas(fbw, fbh);
            FrameState frame;
            frame.time = time_.now();
            frame.timeMode = time_.live() ? FrameState::TimeMode::Live : FrameState::TimeMode::Replay;
            frame.speed = time_.speed();
            frame.paused = time_.paused();
            float ratio = opts_.wall ? wallPixelRatio(fbw, fbh) : pixelRatioFor(fbw, fbh);
            if (opts_.wall) {
                frame.insetBottom = static_cast<float>(fbh) * opts_.wallStripFraction;
                frame.wall = true;
            }
            if (wallSub_ && leaderState_) {
                // The leader's frame: its time, and its canvas as this monitor's pixels show it.
                frame = frameOf(*leaderState_);
                frame.insetBottom = static_cast<float>(frame.insetBottom * tileScale_);
                if (leaderState_->pixelRatio > 0) ratio = static_cast<float>(leaderState_->pixelRatio * tileScale_);
            }
            frame.dtSeconds = sinceLastDraw;  // animations (camera flights) advance by drawn time
            frame.frameIndex = frameIndex_;
            map_.prepare(frame, map_.camera.width, map_.camera.height, ratio);
            if (wallPub_) {
                const WallFrameState s = wallStateOf(map_);
                wallPub_->publish(s);
                traceWall("wall_publish", s);
            } else if (wallSub_ && leaderState_ && leaderStateNew_) {
                ++statesDrawn_;
                traceWall("wall_state", *leaderState_);
            }
            leaderStateNew_ = false;
            map_.draw(tile_);
            ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        }
        if (screenshotRequested_) {
            screenshotRequested_ = false;
            char name[64];
            const std::time_t t = std::time(nullptr);
            std::strftime(name, sizeof name, "sandtable-%Y%m%d-%H%M%S.png", std::localtime(&t));
            saveScreenshot(opts_.screenshotDir + "/" + name);
        }
        if (exiting && !opts_.screenshotOnExit.empty()) saveScreenshot(opts_.screenshotOnExit);
        glfwSwapBuffers(window_.window());
        if (frameIndex_ == 1) service_.ready("drawing " + std::to_string(fbw) + "x" + std::to_string(fbh));
        const double workMs = std::chrono::duration<double, std::milli>(clk::now() - now).count();
        frameMs = frameMs == 0 ? workMs : frameMs * 0.9 + workMs * 0.1;
        frameStats_.frame(workMs / 1000.0, wallClockMs());
        if (exiting) break;
    }
    service_.stopping();
    return 0;
}

}  // namespace sandtable
