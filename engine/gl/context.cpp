#include "engine/gl/context.hpp"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "engine/gl/gl.hpp"
#include "engine/util/log.hpp"

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif

namespace sandtable {

namespace {

std::string glString(GLenum name) {
    const auto* s = reinterpret_cast<const char*>(glGetString(name));
    return s ? s : "";
}

bool hasExtension(const char* list, const char* ext) {
    if (!list) return false;
    const size_t n = std::strlen(ext);
    for (const char* p = list; (p = std::strstr(p, ext)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
    return false;
}

std::string eglErrorString(EGLint e) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "EGL error 0x%04x", e);
    return buf;
}

// Creates a GL 4.5 core context on an initialised display and makes it current
// without a surface. Returns nullptr and sets why on failure.
EGLContext makeContext(EGLDisplay dpy, std::string& why) {
    if (!eglBindAPI(EGL_OPENGL_API)) {
        why = "eglBindAPI(OpenGL): " + eglErrorString(eglGetError());
        return nullptr;
    }
    const EGLint cfgAttrs[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_NONE};
    EGLConfig cfg = nullptr;
    EGLint n = 0;
    if (!eglChooseConfig(dpy, cfgAttrs, &cfg, 1, &n) || n < 1) {
        const EGLint cfgAttrs2[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
        if (!eglChooseConfig(dpy, cfgAttrs2, &cfg, 1, &n) || n < 1) cfg = nullptr;  // EGL_KHR_no_config_context
    }
    const EGLint ctxAttrs[] = {
        EGL_CONTEXT_MAJOR_VERSION,           4,       EGL_CONTEXT_MINOR_VERSION, 5, EGL_CONTEXT_OPENGL_PROFILE_MASK,
        EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
    EGLContext ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, ctxAttrs);
    if (ctx == EGL_NO_CONTEXT) {
        why = "eglCreateContext(GL 4.5 core): " + eglErrorString(eglGetError());
        return nullptr;
    }
    if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
        why = "eglMakeCurrent(surfaceless): " + eglErrorString(eglGetError());
        eglDestroyContext(dpy, ctx);
        return nullptr;
    }
    return ctx;
}

}  // namespace

std::string GlContext::renderer() const { return glString(GL_RENDERER); }
std::string GlContext::version() const { return glString(GL_VERSION); }

std::unique_ptr<HeadlessContext> HeadlessContext::create() {
    std::string report;
    const char* clientExts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    auto getPlatformDisplay =
        reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));

    struct Candidate {
        std::string name;
        EGLDisplay dpy;
    };
    std::vector<Candidate> candidates;
    const char* forced = std::getenv("SANDTABLE_EGL_PLATFORM");  // device | surfaceless | default
    auto want = [&](const char* p) { return !forced || std::strcmp(forced, p) == 0; };

    // 1. EGL device platform: hardware devices first (NVIDIA without a display).
    if (want("device") && getPlatformDisplay && hasExtension(clientExts, "EGL_EXT_platform_device")) {
        auto queryDevices = reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
        auto queryDeviceString =
            reinterpret_cast<PFNEGLQUERYDEVICESTRINGEXTPROC>(eglGetProcAddress("eglQueryDeviceStringEXT"));
        EGLDeviceEXT devices[16];
        EGLint count = 0;
        if (queryDevices && queryDevices(16, devices, &count)) {
            for (EGLint i = 0; i < count; ++i) {
                const char* devExts = queryDeviceString ? queryDeviceString(devices[i], EGL_EXTENSIONS) : nullptr;
                if (hasExtension(devExts, "EGL_MESA_device_software")) continue;  // prefer surfaceless for llvmpipe
                EGLDisplay d = getPlatformDisplay(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr);
                if (d != EGL_NO_DISPLAY) candidates.push_back({"device " + std::to_string(i), d});
            }
        } else {
            report += "  device: eglQueryDevicesEXT failed\n";
        }
    }
    // 2. Mesa's surfaceless platform (llvmpipe or a Mesa GPU driver).
    if (want("surfaceless") && getPlatformDisplay && hasExtension(clientExts, "EGL_MESA_platform_surfaceless")) {
        EGLDisplay d = getPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
        if (d != EGL_NO_DISPLAY) candidates.push_back({"surfaceless", d});
    }
    // 3. Whatever the default display is.
    if (want("default")) {
        EGLDisplay d = eglGetDisplay(EGL_DEFAULT_DISPLAY);
        if (d != EGL_NO_DISPLAY) candidates.push_back({"default", d});
    }

    for (auto& c : candidates) {
        EGLint major = 0, minor = 0;
        if (!eglInitialize(c.dpy, &major, &minor)) {
            report += "  " + c.name + ": eglInitialize: " + eglErrorString(eglGetError()) + "\n";
            continue;
        }
        std::string why;
        EGLContext ctx = makeContext(c.dpy, why);
        if (!ctx) {
            report += "  " + c.name + ": " + why + "\n";
            eglTerminate(c.dpy);
            continue;
        }
        if (!gladLoadGL(reinterpret_cast<GLADloadfunc>(eglGetProcAddress))) {
            report += "  " + c.name + ": glad could not load GL 4.5 functions\n";
            eglMakeCurrent(c.dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
            eglDestroyContext(c.dpy, ctx);
            eglTerminate(c.dpy);
            continue;
        }
        auto hc = std::unique_ptr<HeadlessContext>(new HeadlessContext());
        hc->display_ = c.dpy;
        hc->context_ = ctx;
        hc->platform_ = c.name;
        log::debug("headless EGL context on " + c.name + ": " + hc->renderer());
        return hc;
    }
    if (candidates.empty())
        report +=
            "  no EGL platform available (client extensions: " + std::string(clientExts ? clientExts : "none") + ")\n";
    throw std::runtime_error("cannot create a headless OpenGL 4.5 core context through EGL:\n" + report);
}

HeadlessContext::~HeadlessContext() {
    if (display_) {
        eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        if (context_) eglDestroyContext(display_, context_);
        eglTerminate(display_);
    }
}

void HeadlessContext::makeCurrent() { eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, context_); }

std::unique_ptr<HeadlessContext> tryCreateHeadless(std::string* whyNot) {
    try {
        return HeadlessContext::create();
    } catch (const std::exception& e) {
        if (whyNot) *whyNot = e.what();
        return nullptr;
    }
}

bool displayAvailable() {
    const char* d = std::getenv("DISPLAY");
    const char* w = std::getenv("WAYLAND_DISPLAY");
    return (d && *d) || (w && *w);
}

std::unique_ptr<WindowContext> WindowContext::create(int width, int height, const std::string& title, int monitor) {
    WindowPlacement w;
    w.width = width;
    w.height = height;
    w.monitor = monitor;
    return create(w, title);
}

std::unique_ptr<WindowContext> WindowContext::create(const WindowPlacement& where, const std::string& title) {
    int width = where.width, height = where.height;
    const int monitor = where.monitor;
    glfwSetErrorCallback(
        [](int code, const char* desc) { log::warn("GLFW error " + std::to_string(code) + ": " + desc); });
    if (!glfwInit()) throw std::runtime_error("cannot initialise GLFW (is there a display?)");
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 4);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 5);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_SAMPLES, 0);
    GLFWmonitor* fullscreen = nullptr;
    if (monitor >= 0) {
        int count = 0;
        GLFWmonitor** monitors = glfwGetMonitors(&count);
        if (monitor >= count) {
            glfwTerminate();
            throw std::runtime_error("monitor " + std::to_string(monitor) + " requested, " + std::to_string(count) +
                                     " connected");
        }
        fullscreen = monitors[monitor];
        const GLFWvidmode* mode = glfwGetVideoMode(fullscreen);
        width = mode->width;
        height = mode->height;
        glfwWindowHint(GLFW_REFRESH_RATE, mode->refreshRate);
    }
    // A wall: one borderless window over a rectangle or over several monitors (exclusive
    // full screen holds one monitor only).
    int posX = where.x, posY = where.y;
    bool place = where.haveRect;
    if (!where.spanMonitors.empty() || where.spanAllMonitors) {
        int count = 0;
        GLFWmonitor** monitors = glfwGetMonitors(&count);
        int x0 = INT_MAX, y0 = INT_MAX, x1 = INT_MIN, y1 = INT_MIN;
        for (int i = 0; i < count; ++i) {
            if (!where.spanAllMonitors &&
                std::find(where.spanMonitors.begin(), where.spanMonitors.end(), i) == where.spanMonitors.end())
                continue;
            int mx = 0, my = 0;
            glfwGetMonitorPos(monitors[i], &mx, &my);
            const GLFWvidmode* mode = glfwGetVideoMode(monitors[i]);
            x0 = std::min(x0, mx);
            y0 = std::min(y0, my);
            x1 = std::max(x1, mx + mode->width);
            y1 = std::max(y1, my + mode->height);
        }
        for (int m : where.spanMonitors)
            if (m >= count) {
                glfwTerminate();
                throw std::runtime_error("monitor " + std::to_string(m) + " requested, " + std::to_string(count) +
                                         " connected");
            }
        if (x1 <= x0) {
            glfwTerminate();
            throw std::runtime_error("no monitor to put the wall on");
        }
        posX = x0;
        posY = y0;
        width = x1 - x0;
        height = y1 - y0;
        place = true;
    } else if (where.haveRect) {
        width = where.width;
        height = where.height;
    }
    if (where.borderless || place) glfwWindowHint(GLFW_DECORATED, GLFW_FALSE);
    if (place) glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);  // shown once it is where it belongs
    GLFWwindow* w = glfwCreateWindow(width, height, title.c_str(), fullscreen, nullptr);
    if (!w) {
        glfwTerminate();
        throw std::runtime_error("cannot open a " + std::to_string(width) + "x" + std::to_string(height) +
                                 " window with an OpenGL 4.5 core context");
    }
    if (w && place) {
        glfwSetWindowPos(w, posX, posY);
        glfwShowWindow(w);
    }
    glfwMakeContextCurrent(w);
    if (!gladLoadGL(reinterpret_cast<GLADloadfunc>(glfwGetProcAddress))) {
        glfwDestroyWindow(w);
        glfwTerminate();
        throw std::runtime_error("glad could not load OpenGL 4.5 functions in the window context");
    }
    glfwSwapInterval(1);
    auto wc = std::unique_ptr<WindowContext>(new WindowContext());
    wc->window_ = w;
    return wc;
}

WindowContext::~WindowContext() {
    if (window_) glfwDestroyWindow(window_);
    glfwTerminate();
}

void WindowContext::makeCurrent() { glfwMakeContextCurrent(window_); }

}  // namespace sandtable
