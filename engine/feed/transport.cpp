#include "engine/feed/transport.hpp"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <memory>

#include "engine/feed/net.hpp"
#include "engine/feed/protocol.hpp"

namespace sandtable {

using namespace std::chrono;

const char* connStateName(ConnState s) {
    switch (s) {
    case ConnState::Idle:
        return "idle";
    case ConnState::Connecting:
        return "connecting";
    case ConnState::Connected:
        return "connected";
    case ConnState::Disconnected:
        return "disconnected";
    case ConnState::Retrying:
        return "retrying";
    case ConnState::Finished:
        return "finished";
    case ConnState::Stopped:
        return "stopped";
    }
    return "?";
}

namespace {

constexpr int kPollMs = 200;

// Records the error, reports Retrying and waits the next backoff step.
bool retryAfter(TransportContext& ctx, net::Backoff& backoff, const std::string& error) {
    ctx.setError(error);
    const int ms = backoff.next();
    ctx.setState(ConnState::Retrying, error + "; retry in " + std::to_string(ms) + " ms");
    return ctx.sleepFor(milliseconds(ms));
}

std::string endpoint(const std::string& host, uint16_t port) { return host + ":" + std::to_string(port); }

}  // namespace

// ---- replay ----

ReplayTransport::ReplayTransport(ReplayOptions opts, std::string name)
    : opts_(std::move(opts)), name_(name.empty() ? "replay:" + opts_.path : std::move(name)) {}

void ReplayTransport::run(TransportContext& ctx) {
    FeedConfig peekConfig;
    peekConfig.maxLineBytes = ctx.maxLineBytes();
    FeedParser peek(peekConfig);
    net::Backoff backoff(opts_.retry.initialMs, opts_.retry.maxMs);
    std::ifstream in;
    while (!ctx.stopRequested()) {
        in.open(opts_.path, std::ios::binary);
        if (in) break;
        if (!retryAfter(ctx, backoff, "cannot open " + opts_.path)) return;
    }
    if (ctx.stopRequested()) return;
    ctx.setState(ConnState::Connected, "replaying " + opts_.path);
    bool haveT0 = false;
    TimeMs t0 = 0;
    steady_clock::time_point wallStart;
    std::string line;
    uint64_t lineNo = 0;
    while (!ctx.stopRequested() && std::getline(in, line)) {
        ++lineNo;
        ctx.addBytes(line.size() + 1);
        TimeMs t = 0;
        if (opts_.timeScale > 0 && peek.peekTime(line, t)) {
            if (!haveT0) {
                haveT0 = true;
                t0 = t;
                wallStart = steady_clock::now();
            }
            const auto due = wallStart + duration_cast<steady_clock::duration>(duration<double, std::milli>(
                                             static_cast<double>(t - t0) / opts_.timeScale));
            while (!ctx.stopRequested()) {
                const auto left = due - steady_clock::now();
                if (left <= milliseconds(0)) break;
                ctx.sleepFor(std::min(duration_cast<milliseconds>(left) + milliseconds(1), milliseconds(kPollMs)));
            }
        }
        ctx.pushLine(line, lineNo, 0, true);
    }
    if (ctx.stopRequested()) return;
    ctx.setState(ConnState::Finished, "end of " + opts_.path + " (" + std::to_string(lineNo) + " lines)");
}

// ---- TCP listener ----

TcpListenTransport::TcpListenTransport(TcpListenOptions opts, std::string name)
    : opts_(std::move(opts)), name_(name.empty() ? "tcp:" + endpoint(opts_.host, opts_.port) : std::move(name)) {}

void TcpListenTransport::run(TransportContext& ctx) {
    net::Backoff backoff(opts_.retry.initialMs, opts_.retry.maxMs);
    while (!ctx.stopRequested()) {
        ctx.setState(ConnState::Connecting, "binding " + endpoint(opts_.host, opts_.port));
        sockaddr_in addr{};
        std::string err;
        if (!net::resolveIpv4(opts_.host, opts_.port, addr, &err)) {
            if (!retryAfter(ctx, backoff, err)) break;
            continue;
        }
        net::Fd lfd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        const int one = 1;
        if (!lfd.valid() || ::setsockopt(lfd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
            ::bind(lfd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(lfd.get(), 16) != 0) {
            if (!retryAfter(ctx, backoff, "tcp listen on " + net::toString(addr) + ": " + net::errnoText(errno))) break;
            continue;
        }
        socklen_t len = sizeof addr;
        ::getsockname(lfd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
        boundPort_ = ntohs(addr.sin_port);
        const std::string where = net::toString(addr);
        backoff.reset();

        struct Client {
            net::Fd fd;
            std::string peer;
            net::LineSplitter split;
            uint64_t lineNo = 0;
            steady_clock::time_point lastData;  // accepted or last bytes received
        };
        std::vector<std::unique_ptr<Client>> clients;
        auto report = [&] {
            ctx.setState(ConnState::Connected,
                         "listening on " + where + ", " + std::to_string(clients.size()) + " client(s)");
        };
        report();
        std::vector<pollfd> fds;
        std::vector<char> buf(64 * 1024);
        bool listenerFailed = false;
        while (!ctx.stopRequested() && !listenerFailed) {
            fds.assign(1, pollfd{lfd.get(), POLLIN, 0});
            for (auto& c : clients) fds.push_back(pollfd{c->fd.get(), POLLIN, 0});
            const int n = ::poll(fds.data(), fds.size(), kPollMs);
            if (n < 0 && errno != EINTR) {
                listenerFailed = true;
                err = "poll: " + net::errnoText(errno);
                break;
            }
            if (n <= 0) continue;
            bool changed = false;
            for (size_t i = fds.size(); i-- > 1;) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                Client& c = *clients[i - 1];
                const ssize_t got = ::read(c.fd.get(), buf.data(), buf.size());
                if (got > 0) {
                    c.lastData = steady_clock::now();
                    ctx.addBytes(static_cast<size_t>(got));
                    c.split.feed(buf.data(), static_cast<size_t>(got),
                                 [&](std::string_view l) { ctx.pushLine(l, ++c.lineNo, 0, true); });
                    continue;
                }
                if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                const int readErr = got < 0 ? errno : 0;
                bool cut = false;
                if (got == 0) {  // orderly close: a last line without '\n' still counts
                    c.split.finish([&](std::string_view l) { ctx.pushLine(l, ++c.lineNo, 0, true); });
                } else {  // reset or error: an unterminated tail may be cut anywhere
                    c.split.abandon([&](std::string_view l) {
                        cut = true;
                        ctx.rejectLine(l, ++c.lineNo, RejectReason::Incomplete, "connection reset mid-line");
                    });
                }
                // A sender going away is routine (it reconnects); the listener stays up.
                ctx.setError("peer " + c.peer + (got < 0 ? " error: " + net::errnoText(readErr) : " closed") +
                             " after " + std::to_string(c.lineNo) + " lines" +
                             (cut ? " (the last one cut off: counted as incomplete)" : ""));
                clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(i - 1));
                changed = true;
            }
            if (fds[0].revents & (POLLERR | POLLNVAL)) {
                listenerFailed = true;
                err = "listener socket error";
            }
            if (fds[0].revents & POLLIN) {
                while (true) {
                    sockaddr_in peer{};
                    socklen_t plen = sizeof peer;
                    net::Fd cfd(
                        ::accept4(lfd.get(), reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_NONBLOCK | SOCK_CLOEXEC));
                    if (!cfd.valid()) break;
                    const auto now = steady_clock::now();
                    if (clients.size() >= opts_.maxClients) {
                        // Full: the client silent the longest makes room (a peer that
                        // connected and never sent, or went half-open), so idle or dead
                        // connections cannot lock out a sender.
                        auto idle = std::min_element(clients.begin(), clients.end(), [](const auto& a, const auto& b) {
                            return a->lastData < b->lastData;
                        });
                        if (idle == clients.end()) {
                            ctx.setError("refused " + net::toString(peer) + ": too many clients");
                            continue;
                        }
                        const auto silentS = duration_cast<seconds>(now - (*idle)->lastData).count();
                        ctx.setError("dropped " + (*idle)->peer + " (silent " + std::to_string(silentS) + " s) for " +
                                     net::toString(peer) + ": " + std::to_string(opts_.maxClients) +
                                     " clients at most");
                        clients.erase(idle);
                    }
                    if (opts_.keepaliveIdleS > 0) {  // dead peers (no FIN, no RST) are found and dropped
                        const int on = 1, idleS = opts_.keepaliveIdleS, intvlS = 10, count = 3;
                        ::setsockopt(cfd.get(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
                        ::setsockopt(cfd.get(), IPPROTO_TCP, TCP_KEEPIDLE, &idleS, sizeof idleS);
                        ::setsockopt(cfd.get(), IPPROTO_TCP, TCP_KEEPINTVL, &intvlS, sizeof intvlS);
                        ::setsockopt(cfd.get(), IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
                    }
                    auto c = std::make_unique<Client>(
                        Client{std::move(cfd), net::toString(peer), net::LineSplitter(ctx.maxLineBytes()), 0, now});
                    clients.push_back(std::move(c));
                    changed = true;
                }
            }
            if (changed) report();
        }
        boundPort_ = 0;
        if (ctx.stopRequested()) break;
        ctx.setState(ConnState::Disconnected, err);
        if (!retryAfter(ctx, backoff, err)) break;
    }
}

// ---- TCP client ----

TcpClientTransport::TcpClientTransport(TcpClientOptions opts, std::string name)
    : opts_(std::move(opts)),
      name_(name.empty() ? "tcp-client:" + endpoint(opts_.host, opts_.port) : std::move(name)) {}

void TcpClientTransport::run(TransportContext& ctx) {
    net::Backoff backoff(opts_.retry.initialMs, opts_.retry.maxMs);
    const std::string where = endpoint(opts_.host, opts_.port);
    std::vector<char> buf(64 * 1024);
    while (!ctx.stopRequested()) {
        ctx.setState(ConnState::Connecting, "connecting to " + where);
        sockaddr_in addr{};
        std::string err;
        if (!net::resolveIpv4(opts_.host, opts_.port, addr, &err)) {
            if (!retryAfter(ctx, backoff, err)) break;
            continue;
        }
        net::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        int rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
        if (rc != 0 && errno == EINPROGRESS) {
            // Non-blocking connect so that stop() is honoured while a remote host is slow.
            int soErr = ETIMEDOUT;
            for (int waited = 0; waited < 10000 && !ctx.stopRequested(); waited += kPollMs) {
                pollfd p{fd.get(), POLLOUT, 0};
                if (::poll(&p, 1, kPollMs) > 0) {
                    socklen_t l = sizeof soErr;
                    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &soErr, &l);
                    break;
                }
            }
            rc = soErr == 0 ? 0 : -1;
            errno = soErr;
        }
        if (ctx.stopRequested()) break;
        if (rc != 0) {
            if (!retryAfter(ctx, backoff, "connect " + where + ": " + net::errnoText(errno))) break;
            continue;
        }
        backoff.reset();
        ctx.setState(ConnState::Connected, "connected to " + where);
        net::LineSplitter split(ctx.maxLineBytes());
        uint64_t lineNo = 0;
        auto push = [&](std::string_view l) { ctx.pushLine(l, ++lineNo, 0, true); };
        while (!ctx.stopRequested()) {
            pollfd p{fd.get(), POLLIN, 0};
            if (::poll(&p, 1, kPollMs) <= 0) continue;
            const ssize_t got = ::read(fd.get(), buf.data(), buf.size());
            if (got > 0) {
                ctx.addBytes(static_cast<size_t>(got));
                split.feed(buf.data(), static_cast<size_t>(got), push);
                continue;
            }
            if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            err = got == 0 ? "server closed the connection" : "read: " + net::errnoText(errno);
            break;
        }
        split.finish(push);
        if (ctx.stopRequested()) break;
        ctx.setError(err);
        ctx.setState(ConnState::Disconnected, err);
        if (!retryAfter(ctx, backoff, err)) break;
    }
}

// ---- UDP ----

UdpListenTransport::UdpListenTransport(UdpListenOptions opts, std::string name)
    : opts_(std::move(opts)), name_(name.empty() ? "udp:" + endpoint(opts_.host, opts_.port) : std::move(name)) {}

void UdpListenTransport::run(TransportContext& ctx) {
    net::Backoff backoff(opts_.retry.initialMs, opts_.retry.maxMs);
    std::vector<char> buf(65536);
    uint64_t datagrams = 0;
    while (!ctx.stopRequested()) {
        ctx.setState(ConnState::Connecting, "binding " + endpoint(opts_.host, opts_.port));
        sockaddr_in addr{};
        std::string err;
        if (!net::resolveIpv4(opts_.host, opts_.port, addr, &err)) {
            if (!retryAfter(ctx, backoff, err)) break;
            continue;
        }
        net::Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        if (fd.valid())  // a larger kernel buffer rides out ingest hiccups; failure is harmless
            ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &opts_.receiveBufferBytes, sizeof opts_.receiveBufferBytes);
        if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            if (!retryAfter(ctx, backoff, "udp bind " + net::toString(addr) + ": " + net::errnoText(errno))) break;
            continue;
        }
        socklen_t len = sizeof addr;
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
        boundPort_ = ntohs(addr.sin_port);
        backoff.reset();
        ctx.setState(ConnState::Connected, "listening on udp " + net::toString(addr));
        while (!ctx.stopRequested()) {
            pollfd p{fd.get(), POLLIN, 0};
            const int n = ::poll(&p, 1, kPollMs);
            if (n <= 0) continue;
            while (true) {
                const ssize_t got = ::recv(fd.get(), buf.data(), buf.size(), 0);
                if (got < 0) break;
                ++datagrams;
                if (got == 0) {  // holds no line: garbage from the sender's point of view too
                    ctx.rejectLine({}, datagrams, RejectReason::MalformedJson, "empty datagram");
                    continue;
                }
                ctx.addBytes(static_cast<size_t>(got));
                // One datagram holds whole lines; a missing final '\n' still ends a line.
                net::LineSplitter split(ctx.maxLineBytes());
                auto push = [&](std::string_view l) { ctx.pushLine(l, datagrams, 0, false); };
                split.feed(buf.data(), static_cast<size_t>(got), push);
                split.finish(push);
            }
        }
        boundPort_ = 0;
    }
}

}  // namespace sandtable
