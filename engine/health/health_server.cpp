#include "engine/health/health_server.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <sys/socket.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "engine/util/log.hpp"

namespace sandtable::health {

namespace {

// While a daemon starts on this thread, its messages are kept for the exception.
thread_local std::string* tStartErrors = nullptr;

void logMhd(void*, const char* fmt, va_list ap) {
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (tStartErrors)
        tStartErrors->append(tStartErrors->empty() ? "" : "; ").append(s);
    else
        log::warn("metrics endpoint: " + s);
}

MHD_Result queue(MHD_Connection* c, const HealthServer::Reply& r, bool allowHeader) {
    MHD_Response* resp =
        MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r.contentType);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allowHeader) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    const MHD_Result ok = MHD_queue_response(c, r.status, resp);
    MHD_destroy_response(resp);
    return ok;
}

MHD_Result handle(void* cls, MHD_Connection* c, const char* url, const char* method, const char*, const char*,
                  size_t* uploadSize, void**) {
    auto* server = static_cast<HealthServer*>(cls);
    const HealthServer::Reply r = server->respond(method, url);
    if (uploadSize) *uploadSize = 0;  // a body (POST) is not read: the reply is 405 anyway
    return queue(c, r, r.status == MHD_HTTP_METHOD_NOT_ALLOWED);
}

}  // namespace

HealthServer::HealthServer(const net::HostPort& at, Collect collect, Check check)
    : collect_(std::move(collect)), check_(std::move(check)) {
    sockaddr_in addr{};
    std::string error;
    if (!net::resolveIpv4(at.host, at.port, addr, &error))
        throw std::runtime_error("metrics endpoint " + at.host + ":" + std::to_string(at.port) + ": " + error);
    // One thread of its own polling every connection: a slow or stuck client holds up
    // nobody, and nothing else waits on this thread.
    std::string startErrors;
    tStartErrors = &startErrors;
    daemon_ =
        MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, at.port, nullptr, nullptr, &handle, this,
                         MHD_OPTION_EXTERNAL_LOGGER, &logMhd, nullptr, MHD_OPTION_SOCK_ADDR,
                         reinterpret_cast<const sockaddr*>(&addr), MHD_OPTION_CONNECTION_LIMIT, 64u,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    tStartErrors = nullptr;
    if (!daemon_)
        throw std::runtime_error("metrics endpoint: cannot listen on " + at.host + ":" + std::to_string(at.port) +
                                 (startErrors.empty() ? std::string() : ": " + startErrors));
    const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_LISTEN_FD);
    socklen_t len = sizeof bound_;
    if (!info || ::getsockname(info->listen_fd, reinterpret_cast<sockaddr*>(&bound_), &len) != 0) {
        MHD_stop_daemon(daemon_);
        throw std::runtime_error("metrics endpoint: cannot read the bound address");
    }
}

HealthServer::~HealthServer() {
    if (daemon_) MHD_stop_daemon(daemon_);
}

uint16_t HealthServer::port() const { return ntohs(bound_.sin_port); }

std::string HealthServer::host() const {
    char buf[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &bound_.sin_addr, buf, sizeof buf);
    return buf;
}

std::string HealthServer::url(const char* path) const {
    return "http://" + host() + ":" + std::to_string(port()) + path;
}

HealthServer::Reply HealthServer::respond(const char* method, const char* path) {
    requests_.fetch_add(1);
    Reply r;
    const bool get = std::strcmp(method, MHD_HTTP_METHOD_GET) == 0,
               head = std::strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    const bool metrics = std::strcmp(path, "/metrics") == 0, healthz = std::strcmp(path, "/healthz") == 0;
    if (!metrics && !healthz) {
        r.status = MHD_HTTP_NOT_FOUND;
        r.body = "not found: /metrics and /healthz are served\n";
        return r;
    }
    if (!get && !head) {
        r.status = MHD_HTTP_METHOD_NOT_ALLOWED;
        r.body = "read-only: GET or HEAD\n";
        return r;
    }
    try {
        if (metrics) {
            MetricSet m;
            if (collect_) collect_(m);
            r.body = formatPrometheus(m);
            r.contentType = kPrometheusContentType;
        } else {
            const HealthStatus s = check_ ? check_() : HealthStatus{};
            r.status = s.ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
            r.body = (s.ok ? std::string("ok") : s.reason) + "\n";
        }
    } catch (const std::exception& e) {
        log::error(std::string("metrics endpoint: ") + e.what());
        r = Reply{};
        r.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        r.body = "internal error\n";
    }
    return r;
}

}  // namespace sandtable::health
