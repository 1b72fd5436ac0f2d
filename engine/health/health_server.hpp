#pragma once
// The metrics endpoint: a small read-only HTTP server (libmicrohttpd, one thread of its
// own) with two resources:
//   GET /metrics  the Prometheus text format (engine/health/metrics.hpp), filled by
//                 `collect` for each scrape;
//   GET /healthz  200 "ok", or 503 with the reason `check` gives.
// HEAD is answered like GET without the body; any other method is 405, any other path
// 404. Bound to 127.0.0.1 unless another address is given (docs/security.md).
//
// Both callbacks run on the server's thread, never on the caller's: they must only read
// snapshots that their owners publish (WallHealth does), so that a scrape never waits on
// the render or the ingest thread, nor they on a scrape.
#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "engine/feed/net.hpp"
#include "engine/health/metrics.hpp"

struct MHD_Daemon;

namespace sandtable::health {

struct HealthStatus {
    bool ok = true;
    std::string reason;  // why not, for the 503 body and the log
};

class HealthServer {
public:
    using Collect = std::function<void(MetricSet&)>;
    using Check = std::function<HealthStatus()>;

    // Binds to `at` (port 0: a free port) and starts serving. Throws std::runtime_error
    // naming the address and the reason when it cannot.
    HealthServer(const net::HostPort& at, Collect collect, Check check);
    ~HealthServer();  // stops the thread; a scrape in progress is finished first
    HealthServer(const HealthServer&) = delete;
    HealthServer& operator=(const HealthServer&) = delete;

    // The address actually bound (getsockname of the listening socket).
    const sockaddr_in& boundAddress() const { return bound_; }
    uint16_t port() const;
    std::string host() const;                 // dotted quad
    std::string url(const char* path) const;  // http://HOST:PORT/path
    uint64_t requests() const { return requests_.load(); }

    // What one request gets (called on the server's thread).
    struct Reply {
        unsigned status = 200;
        std::string body;
        const char* contentType = "text/plain; charset=utf-8";
    };
    Reply respond(const char* method, const char* path);

private:
    Collect collect_;
    Check check_;
    MHD_Daemon* daemon_ = nullptr;
    sockaddr_in bound_{};
    std::atomic<uint64_t> requests_{0};
};

}  // namespace sandtable::health
