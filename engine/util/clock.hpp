#pragma once
// One clock for the whole engine: live (follows the wall clock) or replay (a scene
// time that advances at a scale, can pause and seek). Every layer reads time from the
// FrameState built from this clock; nothing else calls the system clock for scene time.
#include <chrono>
#include <cstdint>

namespace sandtable {

// Scene time: milliseconds since the Unix epoch (UTC).
using TimeMs = int64_t;

TimeMs wallClockMs();

class Clock {
public:
    enum class Mode { Live, Replay };

    static Clock live() { return Clock(Mode::Live, wallClockMs()); }
    static Clock replay(TimeMs start, double scale = 1.0) {
        Clock c(Mode::Replay, start);
        c.scale_ = scale;
        return c;
    }
    // A clock fixed at one instant (headless renders, tests).
    static Clock fixed(TimeMs t) {
        Clock c(Mode::Replay, t);
        c.paused_ = true;
        return c;
    }

    // Advances by real elapsed seconds (called once per frame by the frame loop).
    void tick(double realSeconds);
    TimeMs now() const { return now_; }
    Mode mode() const { return mode_; }
    double scale() const { return scale_; }
    bool paused() const { return paused_; }

    void setScale(double s) { scale_ = s; }
    void setPaused(bool p) { paused_ = p; }
    void seek(TimeMs t) {
        now_ = t;
        fracMs_ = 0;
    }
    void goLive() {
        mode_ = Mode::Live;
        now_ = wallClockMs();
        paused_ = false;
    }

private:
    Clock(Mode m, TimeMs t) : mode_(m), now_(t) {}
    Mode mode_;
    TimeMs now_;
    double scale_ = 1.0;
    double fracMs_ = 0;
    bool paused_ = false;
};

}  // namespace sandtable
