#include "engine/util/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace sandtable::log {
namespace {
std::atomic<Level> gLevel{Level::Info};
std::mutex gMutex;
}  // namespace

void setLevel(Level l) { gLevel = l; }

void write(Level l, const std::string& msg) {
    if (l < gLevel.load()) return;
    static const char* names[] = {"debug", "info", "warning", "error"};
    std::lock_guard lock(gMutex);
    std::fprintf(stderr, "sandtable: %s: %s\n", names[static_cast<int>(l)], msg.c_str());
}

}  // namespace sandtable::log
