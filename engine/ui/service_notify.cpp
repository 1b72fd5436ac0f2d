#include "engine/ui/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>

namespace sandtable {

ServiceNotifier::ServiceNotifier() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    active_ = socket && *socket;
    uint64_t usec = 0;
    if (active_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdogS_ = static_cast<double>(usec) / 1e6;
}

void ServiceNotifier::ready(const std::string& status) {
    if (!active_) return;
    sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
    lastPing_ = std::chrono::steady_clock::now();
    if (watchdogS_ > 0) sd_notify(0, "WATCHDOG=1");
}

void ServiceNotifier::alive() {
    if (!active_ || watchdogS_ <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - lastPing_).count() < watchdogS_ / 2) return;
    lastPing_ = now;
    sd_notify(0, "WATCHDOG=1");
}

void ServiceNotifier::status(const std::string& text) {
    if (active_) sd_notifyf(0, "STATUS=%s", text.c_str());
}

void ServiceNotifier::stopping() {
    if (active_) sd_notify(0, "STOPPING=1");
}

}  // namespace sandtable
