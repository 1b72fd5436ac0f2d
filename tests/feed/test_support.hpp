#pragma once
// Helpers shared by the feed tests: temp dirs, message lines, loopback senders.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/util/clock.hpp"

namespace feedtest {

constexpr sandtable::TimeMs kT0 = 1732061700000;  // 2024-11-20T08:15:00+08:00

inline std::string posLine(int officer, sandtable::TimeMs t, double lon = 121.40, double lat = 31.25) {
    char buf[256];
    std::snprintf(
        buf, sizeof buf,
        R"({"type":"pos","officer":"PT-%04d","squad":"wanli","t":%lld,"lon":%.6f,"lat":%.6f,"status":"patrol"})",
        officer, static_cast<long long>(t), lon, lat);
    return buf;
}

// A fresh directory under /tmp, removed by the destructor.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/sandtable-feed-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

inline sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// A port that was free a moment ago (bind to 0, read it back, close).
inline uint16_t freeTcpPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

}  // namespace feedtest
