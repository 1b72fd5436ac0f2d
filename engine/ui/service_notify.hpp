#pragma once
// systemd's service protocol (sd_notify, libsystemd) for an unattended wall: READY=1 once
// the first frame is on screen, WATCHDOG=1 from the render loop at half the unit's
// WatchdogSec (so a hung loop is killed and restarted by systemd), STATUS= lines, and
// STOPPING=1 on the way out. Not run by systemd (no NOTIFY_SOCKET): every call does
// nothing. The unit: scripts/systemd/sandtable-wall.service, docs/cli.md#systemd.
#include <chrono>
#include <string>

namespace sandtable {

class ServiceNotifier {
public:
    ServiceNotifier();
    bool active() const { return active_; }                // NOTIFY_SOCKET is set
    double watchdogSeconds() const { return watchdogS_; }  // 0: no watchdog asked for

    void ready(const std::string& status);
    // From the loop, every turn: a WATCHDOG=1 when half the interval has passed.
    void alive();
    void status(const std::string& text);
    void stopping();

private:
    bool active_ = false;
    double watchdogS_ = 0;
    std::chrono::steady_clock::time_point lastPing_{};
};

}  // namespace sandtable
