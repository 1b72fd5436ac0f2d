#pragma once
// The one source of frame time of an interactive host (the cockpit, the wall); a still
// (sandtable-render --at, headless sandtable, the bench) sets FrameState::time itself.
// Every time-dependent layer draws the state "as of" the frame time. Nothing else keeps
// a "now" for drawing.
//
//   live    follows "now": the wall clock for real feeds, or the clock of a simulated
//           feed that runs faster than real time (setLiveSource)
//   replay  plays a chosen range [from, to] at 1x to 3600x; pauses, steps, scrubs
//           (seek) and loops; past the end it stops (or starts over when looping)
//
// Transports stamp data with data time and check it against their own source's now;
// they never read this controller.
#include <functional>

#include "engine/util/clock.hpp"

namespace sandtable {

class TimeController {
public:
    enum class Mode { Live, Replay };
    static constexpr double kMinSpeed = 1.0, kMaxSpeed = 3600.0;

    // Live on the wall clock.
    TimeController();
    // Where "now" comes from in live mode (a simulated feed's clock); null: the wall clock.
    void setLiveSource(std::function<TimeMs()> now);
    // A still or a test: replay mode, paused at t.
    static TimeController fixedAt(TimeMs t);

    // Advances by real elapsed seconds; called once per frame by the host.
    void tick(double realSeconds);
    // The frame time.
    TimeMs now() const { return now_; }

    Mode mode() const { return mode_; }
    bool live() const { return mode_ == Mode::Live; }
    void goLive();
    // Replay of [from, to] (from <= to), starting at `start` (clamped into the range).
    void replay(TimeMs from, TimeMs to, TimeMs start);
    void replay(TimeMs from, TimeMs to) { replay(from, to, from); }
    TimeMs rangeFrom() const { return from_; }
    TimeMs rangeTo() const { return to_; }
    void setRange(TimeMs from, TimeMs to);  // replay mode keeps the time inside it

    double speed() const { return speed_; }
    void setSpeed(double x);  // clamped to [kMinSpeed, kMaxSpeed]
    bool paused() const { return paused_; }
    void setPaused(bool p) { paused_ = p; }
    bool loop() const { return loop_; }
    void setLoop(bool l) { loop_ = l; }
    // Scrub: jump to t (replay mode; clamped to the range). In live mode it switches to
    // replay over the range ending now.
    void seek(TimeMs t);
    // One step of `ms` forward (or back, negative), pausing: frame-by-frame inspection.
    void step(TimeMs ms);
    // Replay time is moving (playing, not paused, not at the end): hosts keep redrawing.
    bool animating() const;

private:
    Mode mode_ = Mode::Live;
    std::function<TimeMs()> liveSource_;
    TimeMs now_ = 0;
    TimeMs from_ = 0, to_ = 0;
    double speed_ = 1.0;
    double fracMs_ = 0.0;
    bool paused_ = false;
    bool loop_ = false;
    TimeMs liveNow() const;
};

}  // namespace sandtable
