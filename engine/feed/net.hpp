#pragma once
// Small POSIX socket helpers shared by the feed transports and the simulator's outputs.
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace sandtable::net {

struct HostPort {
    std::string host = "127.0.0.1";
    uint16_t port = 0;
};
// "HOST:PORT" or ":PORT" / "PORT" (host 127.0.0.1). False with a reason on error.
bool parseHostPort(std::string_view s, HostPort& out, std::string* error = nullptr);
// IPv4 address for a host name or dotted quad (getaddrinfo, AF_INET).
bool resolveIpv4(const std::string& host, uint16_t port, sockaddr_in& out, std::string* error = nullptr);
std::string errnoText(int err);
std::string toString(const sockaddr_in& a);

// Owns a file descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd();
    Fd(Fd&& o) noexcept : fd_(o.release()) {}
    Fd& operator=(Fd&& o) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release() {
        const int f = fd_;
        fd_ = -1;
        return f;
    }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

// Splits a byte stream into lines. A line longer than maxLine is passed on once, cut to
// maxLine + 1 bytes (so the state counts it as line_too_long), and the rest of it is
// skipped: a sender that never sends '\n' cannot make us buffer without bound.
class LineSplitter {
public:
    explicit LineSplitter(size_t maxLine) : maxLine_(maxLine) {}
    template <class F>
    void feed(const char* data, size_t n, F&& onLine) {
        size_t start = 0;
        for (size_t i = 0; i < n; ++i) {
            if (data[i] != '\n') continue;
            take(data + start, i - start, onLine, true);
            start = i + 1;
        }
        if (start < n) take(data + start, n - start, onLine, false);
    }
    // End of stream: a final line without '\n' still counts.
    template <class F>
    void finish(F&& onLine) {
        if (!discarding_ && !partial_.empty()) onLine(std::string_view(partial_));
        partial_.clear();
        discarding_ = false;
    }
    // The stream broke (reset, read error): a final line without '\n' may be cut anywhere,
    // so it is handed to onPartial (to be counted as incomplete), never as a line.
    template <class F>
    void abandon(F&& onPartial) {
        if (!discarding_ && !partial_.empty()) onPartial(std::string_view(partial_));
        partial_.clear();
        discarding_ = false;
    }

private:
    template <class F>
    void take(const char* p, size_t n, F& onLine, bool complete) {
        if (discarding_) {
            if (complete) discarding_ = false;
            return;
        }
        if (partial_.size() + n > maxLine_) {
            partial_.append(p, std::min(n, maxLine_ + 1 - partial_.size()));  // partial_ <= maxLine_ here
            onLine(std::string_view(partial_));
            partial_.clear();
            discarding_ = !complete;
            return;
        }
        if (complete) {
            if (partial_.empty()) {
                onLine(std::string_view(p, n));
            } else {
                partial_.append(p, n);
                onLine(std::string_view(partial_));
                partial_.clear();
            }
        } else {
            partial_.append(p, n);
        }
    }
    size_t maxLine_;
    std::string partial_;
    bool discarding_ = false;
};

// Exponential reconnect delay: initial, x2 per failure, capped; reset on success.
class Backoff {
public:
    explicit Backoff(int initialMs = 250, int maxMs = 30000) : initial_(initialMs), max_(maxMs), next_(initialMs) {}
    int next() {
        const int d = next_;
        next_ = next_ >= max_ / 2 ? max_ : next_ * 2;
        return d;
    }
    void reset() { next_ = initial_; }

private:
    int initial_, max_, next_;
};

}  // namespace sandtable::net
