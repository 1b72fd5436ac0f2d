#include "engine/feed/net.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

namespace sandtable::net {

Fd::~Fd() { reset(); }

Fd& Fd::operator=(Fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
}

void Fd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

std::string errnoText(int err) {
    char buf[256];
    // GNU strerror_r returns the message pointer (may not use buf).
    const char* s = strerror_r(err, buf, sizeof buf);
    return s ? std::string(s) : std::string("errno ") + std::to_string(err);
}

std::string toString(const sockaddr_in& a) {
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(a.sin_port));
}

bool parseHostPort(std::string_view s, HostPort& out, std::string* error) {
    HostPort hp;
    std::string_view portText = s;
    const auto colon = s.rfind(':');
    if (colon != std::string_view::npos) {
        if (colon > 0) hp.host = std::string(s.substr(0, colon));
        portText = s.substr(colon + 1);
    }
    unsigned port = 0;
    const auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc() || ptr != portText.data() + portText.size() || port > 65535 || portText.empty()) {
        if (error) *error = "bad HOST:PORT '" + std::string(s) + "'";
        return false;
    }
    hp.port = static_cast<uint16_t>(port);
    out = hp;
    return true;
}

bool resolveIpv4(const std::string& host, uint16_t port, sockaddr_in& out, std::string* error) {
    std::memset(&out, 0, sizeof out);
    out.sin_family = AF_INET;
    out.sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &out.sin_addr) == 1) return true;
    addrinfo hints{};
    hints.ai_family = AF_INET;
    addrinfo* res = nullptr;
    const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
    if (rc != 0 || !res) {
        if (error) *error = "cannot resolve '" + host + "': " + gai_strerror(rc);
        return false;
    }
    out.sin_addr = reinterpret_cast<const sockaddr_in*>(res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return true;
}

}  // namespace sandtable::net
