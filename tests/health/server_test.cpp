// The metrics endpoint over a real loopback socket, with a plain socket client: status
// lines, the content type, a value the test set, 404 and 405, HEAD, /healthz, the bound
// address (loopback by default), a busy port refused, a stuck client not holding up others.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "engine/feed/net.hpp"
#include "engine/health/health_server.hpp"

using namespace sandtable;
using namespace sandtable::health;

namespace {

struct Response {
    std::string statusLine, headers, body;
    std::string header(const std::string& name) const {
        // Headers are case-insensitive; MHD writes them as given.
        std::string lower = headers;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string key = "\r\n" + name + ":";
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const auto at = lower.find(key);
        if (at == std::string::npos) return {};
        auto from = at + key.size();
        while (from < headers.size() && headers[from] == ' ') ++from;
        return headers.substr(from, headers.find("\r\n", from) - from);
    }
};

int connectTo(const sockaddr_in& addr) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// One HTTP/1.1 request with Connection: close; the whole reply read to EOF.
Response request(const sockaddr_in& addr, const std::string& method, const std::string& path,
                 const std::string& body = {}) {
    const int fd = connectTo(addr);
    REQUIRE(fd >= 0);
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
    if (!body.empty()) req += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    std::string raw;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        raw.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    Response r;
    const auto eol = raw.find("\r\n");
    const auto end = raw.find("\r\n\r\n");
    REQUIRE(eol != std::string::npos);
    REQUIRE(end != std::string::npos);
    r.statusLine = raw.substr(0, eol);
    r.headers = raw.substr(eol, end - eol + 2);
    r.body = raw.substr(end + 4);
    return r;
}

net::HostPort loopbackAnyPort() {
    net::HostPort hp;  // the default host
    REQUIRE(net::parseHostPort("0", hp));
    return hp;
}

// Whether `a` is one of this machine's IPv4 addresses.
bool localAddress(const in_addr& a) {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return false;
    bool found = false;
    for (ifaddrs* i = list; i && !found; i = i->ifa_next)
        found = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
                reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr == a.s_addr;
    ::freeifaddrs(list);
    return found;
}

// An IPv4 address of this machine that is not loopback, if it has one.
bool nonLoopbackAddress(in_addr& out) {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return false;
    bool found = false;
    for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        const in_addr a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr;
        if ((ntohl(a.s_addr) >> 24) == 127) continue;
        out = a;
        found = true;
    }
    ::freeifaddrs(list);
    return found;
}

}  // namespace

TEST_CASE("GET /metrics: 200, the Prometheus content type and the value set", "[health][server]") {
    std::atomic<std::thread::id> collectedOn{};
    std::atomic<int> value{42};
    HealthServer server(
        loopbackAnyPort(),
        [&](MetricSet& m) {
            collectedOn = std::this_thread::get_id();
            m.gauge("sandtable_test_value", "A value the test sets.", value.load());
            m.counter("sandtable_test_lines_total", "Lines.", 7, {{"source", "a \"quoted\" source"}});
        },
        [] { return HealthStatus{}; });
    REQUIRE(server.port() != 0);
    const Response r = request(server.boundAddress(), "GET", "/metrics");
    CHECK(r.statusLine == "HTTP/1.1 200 OK");
    CHECK(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(r.header("Content-Length") == std::to_string(r.body.size()));
    CHECK(r.body.find("# TYPE sandtable_test_value gauge\nsandtable_test_value 42\n") != std::string::npos);
    CHECK(r.body.find("sandtable_test_lines_total{source=\"a \\\"quoted\\\" source\"} 7\n") != std::string::npos);
    // Formatted on the server's own thread, from what the callback gives at that moment.
    CHECK(collectedOn.load() != std::this_thread::get_id());
    value = 43;
    CHECK(request(server.boundAddress(), "GET", "/metrics").body.find("sandtable_test_value 43\n") !=
          std::string::npos);
    // A query string does not change the resource.
    CHECK(request(server.boundAddress(), "GET", "/metrics?x=1").statusLine == "HTTP/1.1 200 OK");
    CHECK(server.requests() == 3);
}

TEST_CASE("other paths are 404, other methods 405, HEAD has no body", "[health][server]") {
    HealthServer server(
        loopbackAnyPort(), [](MetricSet& m) { m.gauge("g", "", 1); }, [] { return HealthStatus{}; });
    const sockaddr_in& at = server.boundAddress();
    CHECK(request(at, "GET", "/nope").statusLine == "HTTP/1.1 404 Not Found");
    CHECK(request(at, "GET", "/").statusLine == "HTTP/1.1 404 Not Found");
    CHECK(request(at, "GET", "/metrics/").statusLine == "HTTP/1.1 404 Not Found");
    const Response post = request(at, "POST", "/metrics", "g 2\n");
    CHECK(post.statusLine == "HTTP/1.1 405 Method Not Allowed");
    CHECK(post.header("Allow") == "GET, HEAD");
    CHECK(request(at, "PUT", "/healthz", "x").statusLine == "HTTP/1.1 405 Method Not Allowed");
    CHECK(request(at, "DELETE", "/metrics").statusLine == "HTTP/1.1 405 Method Not Allowed");
    const Response head = request(at, "HEAD", "/metrics");
    CHECK(head.statusLine == "HTTP/1.1 200 OK");
    CHECK(head.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(head.body.empty());
}

TEST_CASE("/healthz: 200 ok, or 503 with the reason", "[health][server]") {
    std::atomic<bool> ok{true};
    HealthServer server(
        loopbackAnyPort(), [](MetricSet&) {},
        [&] {
            return ok ? HealthStatus{} : HealthStatus{false, "feed stale: no line accepted for 61.0 s"};
        });
    Response r = request(server.boundAddress(), "GET", "/healthz");
    CHECK(r.statusLine == "HTTP/1.1 200 OK");
    CHECK(r.body == "ok\n");
    ok = false;
    r = request(server.boundAddress(), "GET", "/healthz");
    CHECK(r.statusLine == "HTTP/1.1 503 Service Unavailable");
    CHECK(r.body == "feed stale: no line accepted for 61.0 s\n");
}

TEST_CASE("a collector that throws gives 500, and the server goes on", "[health][server]") {
    std::atomic<bool> fail{true};
    HealthServer server(
        loopbackAnyPort(),
        [&](MetricSet& m) {
            if (fail) throw std::runtime_error("snapshot missing");
            m.gauge("g", "", 1);
        },
        [] { return HealthStatus{}; });
    CHECK(request(server.boundAddress(), "GET", "/metrics").statusLine == "HTTP/1.1 500 Internal Server Error");
    fail = false;
    CHECK(request(server.boundAddress(), "GET", "/metrics").statusLine == "HTTP/1.1 200 OK");
}

TEST_CASE("bound to loopback by default, unreachable from another address", "[health][server]") {
    HealthServer server(
        loopbackAnyPort(), [](MetricSet&) {}, [] { return HealthStatus{}; });
    CHECK(server.host() == "127.0.0.1");
    CHECK(ntohl(server.boundAddress().sin_addr.s_addr) == INADDR_LOOPBACK);
    CHECK(server.url("/metrics") == "http://127.0.0.1:" + std::to_string(server.port()) + "/metrics");
    in_addr other{};
    if (!nonLoopbackAddress(other)) {
        WARN("no non-loopback IPv4 address here: the refusal from outside is not checked");
        return;
    }
    sockaddr_in outside = server.boundAddress();
    outside.sin_addr = other;
    const int fd = connectTo(outside);
    CHECK(fd < 0);  // refused: nothing listens on that address
    if (fd >= 0) ::close(fd);
}

TEST_CASE("an explicit HOST:PORT binds there, a port in use is refused", "[health][server]") {
    net::HostPort any;
    REQUIRE(net::parseHostPort("0.0.0.0:0", any));
    HealthServer server(
        any, [](MetricSet&) {}, [] { return HealthStatus{}; });
    CHECK(server.host() == "0.0.0.0");
    net::HostPort same;
    REQUIRE(net::parseHostPort("127.0.0.1:" + std::to_string(server.port()), same));
    auto start = [](const net::HostPort& at) { HealthServer s(at, {}, {}); };
    CHECK_THROWS_WITH(start(same), Catch::Contains("cannot listen on 127.0.0.1:") && Catch::Contains("in use"));
    // A documentation address (RFC 5737) that is not this machine's: nothing to bind.
    std::string foreign;
    for (const char* candidate : {"203.0.113.77", "198.51.100.77", "192.0.2.77"}) {
        in_addr a{};
        ::inet_pton(AF_INET, candidate, &a);
        if (!localAddress(a)) {
            foreign = candidate;
            break;
        }
    }
    REQUIRE_FALSE(foreign.empty());
    net::HostPort bad;
    REQUIRE(net::parseHostPort(foreign + ":0", bad));
    CHECK_THROWS_WITH(start(bad), Catch::Contains("cannot listen on " + foreign + ":0"));
}

TEST_CASE("a client that sends half a request holds up no other scrape", "[health][server]") {
    HealthServer server(
        loopbackAnyPort(), [](MetricSet& m) { m.gauge("g", "", 1); }, [] { return HealthStatus{}; });
    const int stuck = connectTo(server.boundAddress());
    REQUIRE(stuck >= 0);
    const std::string half = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
    REQUIRE(::send(stuck, half.data(), half.size(), MSG_NOSIGNAL) > 0);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(request(server.boundAddress(), "GET", "/metrics").statusLine == "HTTP/1.1 200 OK");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    ::close(stuck);
}
