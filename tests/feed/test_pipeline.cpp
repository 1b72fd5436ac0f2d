// Pipeline: synchronous path, snapshots and change lists, replay, TCP and UDP on loopback.
#include <catch2/catch.hpp>

#include <fstream>
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
        ReplayOptions o;
        o.path = path;
        p.addTransport(std::make_unique<ReplayTransport>(o));
        p.start();
        REQUIRE(p.waitFor(
            [](const FeedSnapshot& s) { return !s.transports.empty() && s.transports[0].state == ConnState::Finished; },
            20s));
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
        ReplayOptions o;
        o.path = future;
        p.addTransport(std::make_unique<ReplayTransport>(o));
        p.start();
        REQUIRE(p.waitFor(
            [](const FeedSnapshot& s) { return !s.transports.empty() && s.transports[0].state == ConnState::Finished; },
            20s));
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
