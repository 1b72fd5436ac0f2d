// Pipeline: synchronous path, snapshots and change lists, replay, TCP and UDP on loopback.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <thread>

#include "engine/feed/net.hpp"
#include "engine/feed/pipeline.hpp"
#include "test_support.hpp"

using namespace sandtable;
using namespace feedtest;
using namespace std::chrono_literals;

namespace {
PipelineOptions fixedClock(TimeMs t) {
    PipelineOptions o;
    o.now = [t] { return t; };
    o.publishIntervalMs = 10;
    return o;
}

bool sendAll(int fd, const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
        const ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

net::Fd connectTo(uint16_t port) {
    net::Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
    const sockaddr_in a = loopback(port);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) fd.reset();
    return fd;
}

// Closes with SO_LINGER 0: the peer gets a RST instead of a FIN (a crashed or killed sender,
// a middlebox dropping the connection).
void resetConnection(net::Fd& fd) {
    const linger l{1, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    fd.reset();
}

// Replays `path` once through `p` (started here) and waits until the file is done.
bool replayToEnd(FeedPipeline& p, const std::string& path) {
    ReplayOptions o;
    o.path = path;
    p.addTransport(std::make_unique<ReplayTransport>(o));
    p.start();
    return p.waitFor(
        [](const FeedSnapshot& s) { return !s.transports.empty() && s.transports[0].state == ConnState::Finished; },
        20s);
}

TcpListenTransport* startTcp(FeedPipeline& p, TcpListenOptions o = {}) {
    auto tcp = std::make_unique<TcpListenTransport>(o);
    TcpListenTransport* t = tcp.get();
    p.addTransport(std::move(tcp));
    p.start();
    for (int i = 0; i < 2000 && t->boundPort() == 0; ++i) std::this_thread::sleep_for(10ms);
    return t;
}
}  // namespace

TEST_CASE("line splitter handles partial, CRLF and overlong lines", "[feed][net]") {
    net::LineSplitter split(10);
    std::vector<std::string> got;
    auto on = [&](std::string_view l) { got.emplace_back(l); };
    split.feed("abc\nde", 6, on);
    split.feed("f\n0123456789ABCDEF", 18, on);
    split.feed("GHI\nok\n", 7, on);
    split.feed("tail", 4, on);
    split.finish(on);
    REQUIRE(got.size() == 5);
    CHECK(got[0] == "abc");
    CHECK(got[1] == "def");
    CHECK(got[2].size() == 11);  // cut to max + 1: counted as line_too_long downstream
    CHECK(got[3] == "ok");
    CHECK(got[4] == "tail");
}

TEST_CASE("synchronous ingest, snapshots and change lists", "[feed][pipeline]") {
    FeedPipeline p({}, fixedClock(kT0 + 60000));
    auto s0 = p.snapshot();
    REQUIRE(s0);
    CHECK(s0->officers.empty());
    for (int i = 0; i < 5; ++i) CHECK(p.ingestLine(posLine(i, kT0)) == IngestOutcome::Accepted);
    auto s1 = p.snapshot();
    CHECK(s1->officers.size() == 5);
    CHECK(s1->changedSince(s0->version).size() == 5);
    CHECK(s1->changedSince(s1->version).empty());
    // Moving one officer changes one slot.
    p.ingestLine(posLine(3, kT0 + 5000, 121.4001));
    auto s2 = p.snapshot();
    REQUIRE(s2->changedSince(s1->version) == std::vector<uint32_t>{3});
    CHECK(s1->officers[3].lon == 121.40);  // the old snapshot is immutable
    CHECK(s2->countStale(kT0 + 121000) == 4);
    CHECK(s2->countLive(kT0 + 121000) == 1);
    REQUIRE(s2->tracks);
    CHECK(s2->tracks->fixes(s2->find("PT-0003")->slot).size() == 2);
    CHECK(s1->tracks->fixes(3).size() == 1);  // the old snapshot's tracks are immutable too

    // Headless --at: only lines at or before the cutoff apply.
    TempDir dir;
    const std::string path = dir.file("feed.jsonl");
    {
        std::ofstream f(path);
        for (int i = 0; i < 10; ++i) f << posLine(100 + i, kT0 + i * 1000) << "\n";
        f << "garbage\n";
    }
    FeedPipeline h({}, fixedClock(kT0 + 60000));
    std::string err;
    REQUIRE(h.ingestFile(path, kT0 + 4000, &err));
    auto hs = h.snapshot();
    CHECK(hs->officers.size() == 5);
    CHECK(hs->counters.skipped == 5);
    CHECK(hs->counters.rejectedBy[static_cast<size_t>(RejectReason::MalformedJson)] == 1);
    REQUIRE(hs->samples[static_cast<size_t>(RejectReason::MalformedJson)].size() == 1);
    CHECK(hs->samples[static_cast<size_t>(RejectReason::MalformedJson)][0].lineNo == 11);
    CHECK(hs->samples[static_cast<size_t>(RejectReason::MalformedJson)][0].source == path);
    CHECK_FALSE(h.ingestFile(dir.file("missing.jsonl"), kNoCutoff, &err));
}

TEST_CASE("replay transport delivers a file once with its own times", "[feed][pipeline][replay]") {
    TempDir dir;
    const std::string path = dir.file("replay.jsonl");
    {
        std::ofstream f(path);
        for (int i = 0; i < 50; ++i) f << posLine(i % 10, kT0 + i * 1000) << "\n";
    }
    {
        FeedPipeline p({}, fixedClock(kT0 + 3600000));
        REQUIRE(replayToEnd(p, path));
        p.stop();
        auto s = p.snapshot();
        CHECK(s->counters.accepted == 50);
        CHECK(s->officers.size() == 10);
        CHECK(s->transports[0].lines == 50);
    }
    {
        // Data time is the file's: a replay never re-stamps lines, and each line is checked
        // against its source's now (the wall clock for a file), not the pipeline's clock
        // (here far in the past): a line from the future is refused, the rest keep their t.
        const std::string future = dir.file("future.jsonl");
        {
            std::ofstream f(future);
            f << posLine(0, kT0) << "\n" << posLine(1, wallClockMs() + 24 * 3600000) << "\n";
        }
        FeedPipeline p({}, fixedClock(kT0 - 3600000));
        REQUIRE(replayToEnd(p, future));
        p.stop();
        auto s = p.snapshot();
        CHECK(s->counters.accepted == 1);
        CHECK(s->counters.rejectedBy[static_cast<size_t>(RejectReason::FutureTime)] == 1);
        REQUIRE(s->officers.size() == 1);
        CHECK(s->officers[0].lastSeen == kT0);
    }
    {
        // Paced replay at 100x: 49 s of feed take about 0.5 s; just check it completes.
        FeedPipeline p({}, fixedClock(kT0 + 3600000));
        ReplayOptions o;
        o.path = path;
        o.timeScale = 100;
        p.addTransport(std::make_unique<ReplayTransport>(o));
        p.start();
        REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted == 50; }, 20s));
    }
}

TEST_CASE("the ingest thread hands freed heap back every N lines and never when told not to",
          "[feed][pipeline][replay]") {
    TempDir dir;
    const std::string path = dir.file("replay.jsonl");
    {
        std::ofstream f(path);
        for (int i = 0; i < 250; ++i) f << posLine(i % 10, kT0 + i * 1000) << "\n";
        f << "not json\n";  // a rejected line is churn too: it counts
    }
    for (const uint64_t every : {uint64_t{100}, uint64_t{0}}) {
        std::atomic<int> trims{0};
        PipelineOptions po = fixedClock(kT0 + 3600000);
        po.trimHeapEveryLines = every;
        po.trimHeap = [&trims] { ++trims; };
        FeedPipeline p({}, po);
        REQUIRE(replayToEnd(p, path));
        p.stop();
        CHECK(p.snapshot()->counters.lines == 251);
        // 251 lines in batches of any size: a trim once at least 100 have come since the
        // last, so one or two (never more than 251 / 100); none when it is off.
        if (every) {
            CHECK(trims.load() >= 1);
            CHECK(trims.load() <= 2);
        } else {
            CHECK(trims.load() == 0);
        }
    }
    health::releaseFreeHeap();  // the real one returns (glibc: malloc_trim)
}

TEST_CASE("TCP listener on loopback", "[feed][pipeline][tcp]") {
    FeedPipeline p({}, fixedClock(kT0 + 3600000));
    auto tcp = std::make_unique<TcpListenTransport>(TcpListenOptions());
    TcpListenTransport* t = tcp.get();
    p.addTransport(std::move(tcp));
    p.start();
    for (int i = 0; i < 2000 && t->boundPort() == 0; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(t->boundPort() != 0);

    // Two senders, one after the other; lines split across writes; one bad line.
    for (int sender = 0; sender < 2; ++sender) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        const sockaddr_in a = loopback(t->boundPort());
        REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
        std::string all;
        for (int i = 0; i < 100; ++i) all += posLine(sender * 100 + i, kT0 + i) + "\r\n";
        all += "{broken\n";
        REQUIRE(sendAll(fd, all.substr(0, 777)));
        std::this_thread::sleep_for(20ms);
        REQUIRE(sendAll(fd, all.substr(777)));
        ::close(fd);
    }
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted + s.counters.rejected >= 202; }, 20s));
    auto s = p.snapshot();
    CHECK(s->counters.accepted == 200);
    CHECK(s->counters.rejectedBy[static_cast<size_t>(RejectReason::MalformedJson)] == 2);
    CHECK(s->transports[0].kind == "tcp-listen");
    CHECK(s->transports[0].state == ConnState::Connected);
    CHECK(s->transports[0].lastError.find("closed") != std::string::npos);
    p.stop();
    CHECK(p.snapshot()->transports[0].state == ConnState::Stopped);
}

TEST_CASE("TCP listener: a peer resetting mid-line has the cut line counted as incomplete, never accepted",
          "[feed][pipeline][tcp]") {
    FeedPipeline p({}, fixedClock(kT0 + 3600000));
    TcpListenTransport* t = startTcp(p);
    REQUIRE(t->boundPort() != 0);
    // A: ten lines, then half of the eleventh, then a reset.
    net::Fd a = connectTo(t->boundPort());
    REQUIRE(a.valid());
    std::string lines;
    for (int i = 0; i < 10; ++i) lines += posLine(i, kT0 + i) + "\n";
    const std::string eleventh = posLine(10, kT0);
    REQUIRE(sendAll(a.get(), lines + eleventh.substr(0, eleventh.size() / 2)));
    // B: a whole JSON object but not its '\n', then a reset: the stream broke before the
    // line ended, so it is not taken either.
    net::Fd b = connectTo(t->boundPort());
    REQUIRE(b.valid());
    REQUIRE(sendAll(b.get(), posLine(20, kT0)));
    // C: a sender that closes in order: its last line without '\n' still counts.
    net::Fd c = connectTo(t->boundPort());
    REQUIRE(c.valid());
    REQUIRE(sendAll(c.get(), posLine(30, kT0) + "\n" + posLine(31, kT0)));
    std::this_thread::sleep_for(200ms);  // the listener has read everything
    resetConnection(a);
    resetConnection(b);
    ::shutdown(c.get(), SHUT_WR);
    c.reset();
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted + s.counters.rejected >= 14; }, 20s));
    std::this_thread::sleep_for(100ms);
    auto s = p.snapshot();
    CHECK(s->counters.accepted == 12);
    CHECK(s->counters.rejected == 2);
    CHECK(s->counters.rejectedBy[static_cast<size_t>(RejectReason::Incomplete)] == 2);
    CHECK(s->find("PT-0020") == nullptr);
    CHECK(s->find("PT-0031") != nullptr);
    const auto& samples = s->samples[static_cast<size_t>(RejectReason::Incomplete)];
    REQUIRE(samples.size() == 2);
    for (const auto& sm : samples) {
        CHECK(sm.source == s->transports[0].name);
        CHECK(sm.detail == "connection reset mid-line");
    }
    CHECK(((samples[0].lineNo == 11 && samples[1].lineNo == 1) || (samples[0].lineNo == 1 && samples[1].lineNo == 11)));
    CHECK(s->transports[0].state == ConnState::Connected);
    CHECK(s->transports[0].errors >= 3);  // each peer leaving is noted
    // The listener is still up: a new sender gets through.
    net::Fd d = connectTo(t->boundPort());
    REQUIRE(d.valid());
    REQUIRE(sendAll(d.get(), posLine(40, kT0) + "\n"));
    REQUIRE(p.waitFor([](const FeedSnapshot& snap) { return snap.counters.accepted == 13; }, 20s));
}

TEST_CASE("TCP listener: peers that connect and never send cannot lock senders out", "[feed][pipeline][tcp]") {
    for (const size_t maxClients : {size_t{64}, size_t{8}}) {
        INFO("maxClients " << maxClients);
        FeedPipeline p({}, fixedClock(kT0 + 3600000));
        TcpListenOptions o;
        o.maxClients = maxClients;
        TcpListenTransport* t = startTcp(p, o);
        REQUIRE(t->boundPort() != 0);
        // 50 silent peers (half-open from our side: connected, never a byte), more than
        // the second listener takes.
        std::vector<net::Fd> silent;
        for (int i = 0; i < 50; ++i) {
            silent.push_back(connectTo(t->boundPort()));
            REQUIRE(silent.back().valid());
        }
        std::this_thread::sleep_for(300ms);  // all accepted (or made room for)
        // A real sender still gets its lines in, in two writes with a pause.
        net::Fd sender = connectTo(t->boundPort());
        REQUIRE(sender.valid());
        std::string all;
        for (int i = 0; i < 100; ++i) all += posLine(i, kT0 + i) + "\n";
        REQUIRE(sendAll(sender.get(), all.substr(0, 5000)));
        std::this_thread::sleep_for(50ms);
        REQUIRE(sendAll(sender.get(), all.substr(5000)));
        CHECK(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted == 100; }, 10s));
        const auto s = p.snapshot();
        CHECK(s->counters.rejected == 0);
        CHECK(s->transports[0].state == ConnState::Connected);
        if (maxClients < 50) {
            CHECK_THAT(s->transports[0].lastError, Catch::Contains("silent"));
            CHECK_THAT(s->transports[0].detail, Catch::Contains("8 client(s)"));
        } else {
            CHECK_THAT(s->transports[0].detail, Catch::Contains("51 client(s)"));
        }
        p.stop();
    }
}

TEST_CASE("TCP client reconnects when the server goes away", "[feed][pipeline][tcp]") {
    const uint16_t port = freeTcpPort();
    FeedPipeline p({}, fixedClock(kT0 + 3600000));
    TcpClientOptions o;
    o.port = port;
    o.retry.initialMs = 50;
    o.retry.maxMs = 200;
    p.addTransport(std::make_unique<TcpClientTransport>(o));
    p.start();
    // No server yet: retrying.
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.transports[0].state == ConnState::Retrying; }, 20s));
    for (int round = 0; round < 2; ++round) {
        net::Fd srv(::socket(AF_INET, SOCK_STREAM, 0));
        const int one = 1;
        ::setsockopt(srv.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        const sockaddr_in a = loopback(port);
        REQUIRE(::bind(srv.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(srv.get(), 1) == 0);
        net::Fd c(::accept(srv.get(), nullptr, nullptr));
        REQUIRE(c.valid());
        std::string all;
        for (int i = 0; i < 10; ++i) all += posLine(round * 10 + i, kT0 + i) + "\n";
        REQUIRE(sendAll(c.get(), all));
        const uint64_t want = static_cast<uint64_t>(round + 1) * 10;
        REQUIRE(p.waitFor([&](const FeedSnapshot& s) { return s.counters.accepted == want; }, 20s));
    }  // server closes: the client sees it and retries, then connects to the next one
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.transports[0].disconnects >= 2; }, 20s));
    auto s = p.snapshot();
    CHECK(s->transports[0].connects >= 2);
}

TEST_CASE("UDP listener on loopback", "[feed][pipeline][udp]") {
    FeedPipeline p({}, fixedClock(kT0 + 3600000));
    auto udp = std::make_unique<UdpListenTransport>(UdpListenOptions());
    UdpListenTransport* u = udp.get();
    p.addTransport(std::move(udp));
    p.start();
    for (int i = 0; i < 2000 && u->boundPort() == 0; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(u->boundPort() != 0);
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    const sockaddr_in a = loopback(u->boundPort());
    // Datagrams with one line (no newline), and with three lines.
    for (int i = 0; i < 50; ++i) {
        const std::string d = posLine(i, kT0 + i);
        REQUIRE(::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&a), sizeof a) ==
                static_cast<ssize_t>(d.size()));
        if (i % 10 == 9)
            std::this_thread::sleep_for(5ms);  // gentle: loopback UDP drops only when the socket buffer fills
    }
    const std::string multi = posLine(60, kT0) + "\n" + posLine(61, kT0) + "\n" + "{\"type\":\"pos\"}\n";
    REQUIRE(::sendto(fd, multi.data(), multi.size(), 0, reinterpret_cast<const sockaddr*>(&a), sizeof a) > 0);
    ::close(fd);
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted + s.counters.rejected >= 53; }, 20s));
    auto s = p.snapshot();
    CHECK(s->counters.accepted == 52);
    CHECK(s->counters.rejectedBy[static_cast<size_t>(RejectReason::MissingField)] == 1);
    CHECK(s->transports[0].state == ConnState::Connected);
}

TEST_CASE("UDP listener: garbage datagrams are rejected and counted, good ones still arrive", "[feed][pipeline][udp]") {
    FeedPipeline p({}, fixedClock(kT0 + 3600000));
    auto udp = std::make_unique<UdpListenTransport>(UdpListenOptions());
    UdpListenTransport* u = udp.get();
    p.addTransport(std::move(udp));
    p.start();
    for (int i = 0; i < 2000 && u->boundPort() == 0; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(u->boundPort() != 0);
    net::Fd fd(::socket(AF_INET, SOCK_DGRAM, 0));
    const sockaddr_in a = loopback(u->boundPort());
    auto send = [&](const std::string& d) {
        const ssize_t n = ::sendto(fd.get(), d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&a), sizeof a);
        // Gentle pacing: loopback UDP drops only when the socket buffer fills.
        std::this_thread::sleep_for(d.size() > 10000 ? 20ms : 2ms);
        return n == static_cast<ssize_t>(d.size());
    };
    std::mt19937 rng(20241120);
    auto randomBytes = [&](size_t n) {
        std::string d(n, '\0');
        for (auto& ch : d) {
            ch = static_cast<char>(rng() & 0xFF);
            if (ch == '\n' || ch == '\r') ch = '\x01';  // one line per datagram: one reject each
        }
        return d;
    };
    uint64_t garbage = 0, good = 0;
    for (int round = 0; round < 50; ++round) {
        REQUIRE(send(posLine(round, kT0 + round)));
        ++good;
        REQUIRE(send(randomBytes(1 + rng() % 1500)));
        ++garbage;
        if (round % 10 == 0) {
            REQUIRE(send(std::string()));  // zero-length
            ++garbage;
        }
    }
    // The largest UDP payload over IPv4: random bytes, then one line of 'x' without a '\n'.
    REQUIRE(send(randomBytes(65507)));
    REQUIRE(send(std::string(65507, 'x')));
    garbage += 2;
    // Invalid UTF-8 in an otherwise good line (a lone continuation byte, an overlong NUL,
    // a truncated sequence).
    for (const char* bad : {"PT-\x80", "PT-\xC0\x80", "PT-\xE4\xB8"}) {
        const std::string line = R"({"type":"pos","officer":")" + std::string(bad) +
                                 R"(","squad":"wanli","t":1732061700000,"lon":121.4,"lat":31.25})";
        REQUIRE(send(line));
        ++garbage;
    }
    REQUIRE(send(std::string()));  // one more empty one, the newest malformed sample
    ++garbage;
    REQUIRE(send(posLine(99, kT0)));
    ++good;
    REQUIRE(p.waitFor(
        [&](const FeedSnapshot& s) { return s.counters.accepted + s.counters.rejected >= good + garbage; }, 20s));
    std::this_thread::sleep_for(100ms);
    const auto s = p.snapshot();
    CHECK(s->counters.accepted == good);
    CHECK(s->counters.rejected == garbage);  // every bad datagram counted, the empty ones included
    CHECK(s->counters.rejectedBy[static_cast<size_t>(RejectReason::LineTooLong)] == 2);
    CHECK(s->counters.rejectedBy[static_cast<size_t>(RejectReason::MalformedJson)] == garbage - 2);
    CHECK(s->counters.rejectedBy[static_cast<size_t>(RejectReason::QueueOverflow)] == 0);
    const auto& malformed = s->samples[static_cast<size_t>(RejectReason::MalformedJson)];
    REQUIRE(!malformed.empty());
    CHECK(malformed.back().detail == "empty datagram");
    CHECK(malformed.back().source == s->transports[0].name);
    CHECK(s->transports[0].state == ConnState::Connected);
    CHECK(s->officers.size() == good);  // no officer id with broken UTF-8 got in
}

TEST_CASE("a busy port is retried with backoff, not fatal", "[feed][pipeline][tcp]") {
    // Occupy a port, then ask the listener for it.
    net::Fd blocker(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a = loopback(0);
    REQUIRE(::bind(blocker.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(blocker.get(), 1) == 0);
    socklen_t len = sizeof a;
    ::getsockname(blocker.get(), reinterpret_cast<sockaddr*>(&a), &len);
    FeedPipeline p({}, fixedClock(kT0));
    TcpListenOptions o;
    o.port = ntohs(a.sin_port);
    o.retry.initialMs = 20;
    p.addTransport(std::make_unique<TcpListenTransport>(o));
    p.start();
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.transports[0].state == ConnState::Retrying; }, 20s));
    CHECK(p.snapshot()->transports[0].lastError.find("in use") != std::string::npos);
    blocker.reset();
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.transports[0].state == ConnState::Connected; }, 20s));
}

TEST_CASE("endpoints: ':PORT' and 'PORT' mean loopback, a host is kept, bad ones say why", "[feed][net]") {
    net::HostPort hp;
    REQUIRE(net::parseHostPort(":7070", hp));  // used to give an empty host
    CHECK(hp.host == "127.0.0.1");
    CHECK(hp.port == 7070);
    REQUIRE(net::parseHostPort("7071", hp));
    CHECK(hp.host == "127.0.0.1");
    CHECK(hp.port == 7071);
    REQUIRE(net::parseHostPort("0.0.0.0:1883", hp));
    CHECK(hp.host == "0.0.0.0");
    CHECK(hp.port == 1883);
    std::string err;
    for (const char* bad : {"", ":", "host:", "host:70000", "host:12ab", ":-1"}) {
        INFO(bad);
        CHECK_FALSE(net::parseHostPort(bad, hp, &err));
        CHECK_THAT(err, Catch::Contains("HOST:PORT"));
    }
}
