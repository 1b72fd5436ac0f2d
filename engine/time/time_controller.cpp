#include "engine/time/time_controller.hpp"

#include <algorithm>
#include <cmath>

namespace sandtable {

TimeController::TimeController() : now_(wallClockMs()) {}

TimeController TimeController::fixedAt(TimeMs t) {
    TimeController c;
    c.mode_ = Mode::Replay;
    c.from_ = c.to_ = c.now_ = t;
    c.paused_ = true;
    return c;
}

TimeMs TimeController::liveNow() const { return liveSource_ ? liveSource_() : wallClockMs(); }

void TimeController::setLiveSource(std::function<TimeMs()> now) {
    liveSource_ = std::move(now);
    if (mode_ == Mode::Live) now_ = liveNow();
}

void TimeController::tick(double realSeconds) {
    if (mode_ == Mode::Live) {
        now_ = liveNow();
        return;
    }
    if (paused_ || !(realSeconds > 0)) return;
    fracMs_ += realSeconds * 1000.0 * speed_;
    const double whole = std::floor(fracMs_);
    fracMs_ -= whole;
    TimeMs t = now_ + static_cast<TimeMs>(whole);
    if (t > to_) {
        if (loop_ && to_ > from_) {
            t = from_ + (t - to_ - 1) % (to_ - from_ + 1);
        } else {
            t = to_;
            paused_ = true;  // at the end: stays there until played, scrubbed or live again
        }
    }
    now_ = t;
}

void TimeController::goLive() {
    mode_ = Mode::Live;
    paused_ = false;
    fracMs_ = 0;
    now_ = liveNow();
}

void TimeController::replay(TimeMs from, TimeMs to, TimeMs start) {
    mode_ = Mode::Replay;
    setRange(from, to);
    now_ = std::clamp(start, from_, to_);
    fracMs_ = 0;
    paused_ = false;
}

void TimeController::setRange(TimeMs from, TimeMs to) {
    from_ = std::min(from, to);
    to_ = std::max(from, to);
    if (mode_ == Mode::Replay) now_ = std::clamp(now_, from_, to_);
}

void TimeController::setSpeed(double x) {
    if (!std::isfinite(x)) return;
    speed_ = std::clamp(x, kMinSpeed, kMaxSpeed);
}

void TimeController::seek(TimeMs t) {
    if (mode_ == Mode::Live) {
        const TimeMs n = liveNow();
        replay(std::min(from_ ? from_ : t, t), n, t);
        paused_ = true;
        return;
    }
    now_ = std::clamp(t, from_, to_);
    fracMs_ = 0;
}

void TimeController::step(TimeMs ms) {
    if (mode_ == Mode::Live) {
        seek(liveNow() + ms);  // into a replay that reaches back to the step's target
        return;
    }
    paused_ = true;
    now_ = std::clamp(now_ + ms, from_, to_);
    fracMs_ = 0;
}

bool TimeController::animating() const { return mode_ == Mode::Replay && !paused_ && now_ < to_; }

}  // namespace sandtable
