// End to end through real mosquitto brokers started by the test on free loopback ports
// (startBroker): a broker restart mid-stream, a persistent session across a restart, an
// outage injected by a TCP proxy between the transport and the broker, TLS with a
// certificate made at run time, wrong credentials, failover between two brokers.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <mosquitto.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <thread>

#include "engine/feed/mqtt_transport.hpp"
#include "engine/feed/net.hpp"
#include "engine/feed/pipeline.hpp"
#include "test_support.hpp"
#include "tests/support/skip.hpp"

using namespace sandtable;
using namespace feedtest;
using namespace std::chrono_literals;

namespace {

#ifdef SANDTABLE_MOSQUITTO_BROKER
constexpr const char* kBroker = SANDTABLE_MOSQUITTO_BROKER;
#else
constexpr const char* kBroker = "";
#endif

bool portAccepts(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in a = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// False (after reporting the test as skipped, or failing it where the tools are required)
// when there is no broker to start.
bool haveBroker() {
    if (std::string(kBroker).empty() || ::access(kBroker, X_OK) != 0) {
        test::skipOrFail("mosquitto broker not found", "SANDTABLE_REQUIRE_TOOLS");
        return false;
    }
    return true;
}

// Where a tool the test runs lives (PATH, then the sbin folders), empty when absent.
std::string findTool(const std::string& name) {
    std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
    path += ":/usr/sbin:/usr/local/sbin:/sbin";
    size_t start = 0;
    while (start <= path.size()) {
        const size_t colon = std::min(path.find(':', start), path.size());
        const std::string candidate = path.substr(start, colon - start) + "/" + name;
        if (colon > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = colon + 1;
    }
    return {};
}

// Runs a command line through the shell; true when it exits 0.
bool runQuiet(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// Files the broker reads (certificates, keys, the password file) or writes (persistence):
// mosquitto started as root drops to its own user, so it needs to reach them.
void letBrokerRead(const TempDir& dir) {
    std::filesystem::permissions(dir.path, std::filesystem::perms::others_exec | std::filesystem::perms::group_exec,
                                 std::filesystem::perm_options::add);
}

// A mosquitto process; killed by the destructor whatever happens in the test.
class Broker {
public:
    Broker(std::string conf, std::string log, uint16_t port)
        : conf_(std::move(conf)), log_(std::move(log)), port_(port) {}
    ~Broker() { stop(); }
    uint16_t port() const { return port_; }
    std::string where() const { return "127.0.0.1:" + std::to_string(port_); }
    bool start() {
        pid_ = ::fork();
        if (pid_ == 0) {
            const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            ::execl(kBroker, kBroker, "-c", conf_.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 400; ++i) {  // up to 20 s
            if (portAccepts(port_)) return true;
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: a bad configuration
                pid_ = -1;
                break;
            }
            std::this_thread::sleep_for(50ms);
        }
        std::ifstream in(log_);
        UNSCOPED_INFO("broker log: " << std::string(std::istreambuf_iterator<char>(in), {}));
        return false;
    }
    // SIGTERM: an orderly stop (persistence saved); SIGKILL: the broker dies on the spot.
    void stop(int sig = SIGTERM) {
        if (pid_ <= 0) return;
        ::kill(pid_, sig);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    std::string conf_, log_;
    uint16_t port_;
    pid_t pid_ = -1;
};

struct BrokerSetup {
    std::string name = "broker";  // its configuration and log are NAME.conf, NAME.log in the test's folder
    bool anonymous = true;        // allow_anonymous
    bool persistence = false;     // sessions and queued messages saved in NAME-persist/
    std::string listener;         // more lines for the listener (TLS files)
    std::string global;           // more global lines (password_file, queue limits)
};

// Writes the configuration, starts mosquitto on a free loopback port and waits until it
// accepts connections (REQUIREd).
std::unique_ptr<Broker> startBroker(const TempDir& dir, const BrokerSetup& setup) {
    const uint16_t port = freeTcpPort();
    const std::string conf = dir.file(setup.name + ".conf");
    {
        letBrokerRead(dir);
        std::ofstream f(conf);
        f << "per_listener_settings false\n"
          << "allow_anonymous " << (setup.anonymous ? "true" : "false") << "\n";
        if (setup.persistence) {
            // Saved on SIGTERM and every second, in a folder the broker's user can write.
            const std::filesystem::path store = dir.path / (setup.name + "-persist");
            std::filesystem::create_directories(store);
            std::filesystem::permissions(store, std::filesystem::perms::all);
            f << "persistence true\npersistence_location " << store.string() << "/\nautosave_interval 1\n";
        } else {
            f << "persistence false\n";
        }
        f << setup.global << "listener " << port << " 127.0.0.1\n" << setup.listener;
    }
    auto broker = std::make_unique<Broker>(conf, dir.file(setup.name + ".log"), port);
    REQUIRE(broker->start());
    return broker;
}

struct Login {
    std::string user, password;
};

// Publishes each payload with QoS 1 and waits for every PUBACK.
bool publishAll(uint16_t port, const std::string& topic, const std::vector<std::string>& payloads,
                const Login& login = {}) {
    ensureMosquittoInit();
    struct State {
        std::atomic<int> connack{-1};  // the CONNACK's code once it arrives (0: accepted)
        std::atomic<int> acked{0};
    } st;
    mosquitto* m = mosquitto_new(nullptr, true, &st);
    mosquitto_connect_callback_set(m, [](mosquitto*, void* u, int rc) { static_cast<State*>(u)->connack = rc; });
    mosquitto_publish_callback_set(m, [](mosquitto*, void* u, int) { ++static_cast<State*>(u)->acked; });
    if (!login.user.empty()) mosquitto_username_pw_set(m, login.user.c_str(), login.password.c_str());
    bool ok =
        mosquitto_connect(m, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS && mosquitto_loop_start(m) == MOSQ_ERR_SUCCESS;
    for (int i = 0; ok && i < 400 && st.connack < 0; ++i) std::this_thread::sleep_for(50ms);
    ok = ok && st.connack == 0;
    for (const auto& p : payloads)
        ok = ok && mosquitto_publish(m, nullptr, topic.c_str(), static_cast<int>(p.size()), p.data(), 1, false) ==
                       MOSQ_ERR_SUCCESS;
    for (int i = 0; ok && i < 400 && st.acked < static_cast<int>(payloads.size()); ++i)
        std::this_thread::sleep_for(50ms);
    ok = ok && st.acked == static_cast<int>(payloads.size());
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
    return ok;
}

ConnState stateOf(const FeedSnapshot& s) { return s.transports.empty() ? ConnState::Idle : s.transports[0].state; }

MqttOptions quickRetry(uint16_t port) {
    MqttOptions mo;
    mo.port = port;
    mo.topics = {"sandtable/feed/#"};
    mo.retry.initialMs = 100;
    mo.retry.maxMs = 1000;
    return mo;
}

PipelineOptions testPipeline() {
    PipelineOptions po;
    po.now = [] { return kT0 + 3600000; };
    po.publishIntervalMs = 10;
    return po;
}

}  // namespace

TEST_CASE("MQTT end to end through mosquitto, surviving a broker restart", "[feed][mqtt]") {
    if (!haveBroker()) return;
    TempDir dir;
    auto broker = startBroker(dir, {});
    const uint16_t port = broker->port();

    FeedPipeline p({}, testPipeline());
    p.addTransport(std::make_unique<MqttTransport>(quickRetry(port)));
    p.start();
    REQUIRE(p.waitFor([&](const FeedSnapshot& s) { return stateOf(s) == ConnState::Connected; }, 20s));

    // Batch 1: one line per message, one message with three lines, one bad line.
    std::vector<std::string> batch;
    for (int i = 0; i < 100; ++i) batch.push_back(posLine(i, kT0 + i * 1000));
    batch.push_back(posLine(200, kT0) + "\n" + posLine(201, kT0) + "\n" + posLine(202, kT0) + "\n");
    batch.push_back(
        R"({"type":"pos","officer":"PT-9999","squad":"nowhere","t":1732061700000,"lon":121.4,"lat":31.25})");
    REQUIRE(publishAll(port, "sandtable/feed/a", batch));
    REQUIRE(
        p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted == 103 && s.counters.rejected == 1; }, 20s));
    CHECK(p.snapshot()->counters.rejectedBy[static_cast<size_t>(RejectReason::UnknownSquad)] == 1);

    // The broker goes away, and the transport says why (the reason is published with the
    // state it belongs to, which a later snapshot may already have replaced with a retry's:
    // judged in the same snapshot).
    broker->stop();
    CHECK(p.waitFor(
        [&](const FeedSnapshot& s) {
            return !s.transports.empty() && s.transports[0].disconnects >= 1 && stateOf(s) != ConnState::Connected &&
                   !s.transports[0].lastError.empty();
        },
        20s));
    // ...and comes back on the same port: the transport reconnects and resubscribes.
    REQUIRE(broker->start());
    REQUIRE(p.waitFor(
        [&](const FeedSnapshot& s) { return stateOf(s) == ConnState::Connected && s.transports[0].connects >= 2; },
        20s));

    std::vector<std::string> batch2;
    for (int i = 0; i < 50; ++i) batch2.push_back(posLine(i, kT0 + 200000 + i * 1000, 121.401));
    REQUIRE(publishAll(port, "sandtable/feed/b", batch2));
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted == 153; }, 20s));

    const auto s = p.snapshot();
    CHECK(s->officers.size() == 103);
    CHECK(s->find("PT-0000")->lastSeen == kT0 + 200000);
    CHECK(s->find("PT-0000")->lon == 121.401);
    const auto& states = s->transports[0].recentStates;
    const auto disc = std::find(states.begin(), states.end(), ConnState::Disconnected);
    REQUIRE(disc != states.end());
    CHECK(std::find(disc, states.end(), ConnState::Retrying) != states.end());
    CHECK(std::find(disc, states.end(), ConnState::Connected) != states.end());
    p.stop();
    CHECK(p.snapshot()->transports[0].state == ConnState::Stopped);
}

TEST_CASE("MQTT persistent session: messages queued while Sandtable is away survive a broker restart", "[feed][mqtt]") {
    if (!haveBroker()) return;
    TempDir dir;
    BrokerSetup setup;
    setup.persistence = true;  // the broker saves its sessions and queued messages on SIGTERM
    setup.global = "max_queued_messages 10000\n";
    auto broker = startBroker(dir, setup);
    const uint16_t port = broker->port();
    MqttOptions mo = quickRetry(port);
    mo.qos = 1;
    mo.clientId = "sandtable-wall-test";  // fixed id + no clean session: the broker keeps the session
    mo.cleanSession = false;
    {
        FeedPipeline p({}, testPipeline());
        p.addTransport(std::make_unique<MqttTransport>(mo));
        p.start();
        REQUIRE(p.waitFor([&](const FeedSnapshot& s) { return stateOf(s) == ConnState::Connected; }, 20s));
        std::vector<std::string> first;
        for (int i = 0; i < 20; ++i) first.push_back(posLine(i, kT0 + i * 1000));
        REQUIRE(publishAll(port, "sandtable/feed/a", first));
        REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted == 20; }, 20s));
        p.stop();  // Sandtable goes away; its session stays at the broker
    }
    // While it is away: 300 messages, queued by the broker for the session...
    std::vector<std::string> queued;
    for (int i = 0; i < 300; ++i) queued.push_back(posLine(i, kT0 + 100000 + i * 1000, 121.402));
    REQUIRE(publishAll(port, "sandtable/feed/b", queued));
    // ...then the broker is stopped (SIGTERM: it writes its persistence file) and restarted.
    broker->stop();
    REQUIRE(broker->start());
    // Sandtable comes back with the same client id: every queued message arrives, once.
    FeedPipeline p2({}, testPipeline());
    p2.addTransport(std::make_unique<MqttTransport>(mo));
    p2.start();
    REQUIRE(p2.waitFor([](const FeedSnapshot& s) { return s.counters.accepted + s.counters.duplicates >= 300; }, 30s));
    std::this_thread::sleep_for(500ms);  // nothing more may come
    const auto s = p2.snapshot();
    CHECK(s->counters.accepted == 300);
    CHECK(s->counters.rejected == 0);
    CHECK(s->officers.size() == 300);
    p2.stop();
}

namespace {

// A TCP proxy on a free loopback port in front of a broker, to inject outages between the
// transport and the broker: cut() closes both sides of every connection and closes the
// listening socket (new connections are refused), restore() listens again on the same port.
class FaultProxy {
public:
    explicit FaultProxy(uint16_t target) : target_(target), port_(freeTcpPort()) {
        REQUIRE(listen());
        acceptor_ = std::thread([this] { acceptLoop(); });
    }
    ~FaultProxy() {
        stop_ = true;
        acceptor_.join();
        for (auto& t : pumps_) t.join();
    }
    uint16_t port() const { return port_; }
    int connections() const { return connections_.load(); }
    void cut() {
        std::lock_guard lk(mutex_);
        ++generation_;  // every pump of an older generation closes its two sockets
        listener_.reset();
    }
    bool restore() {
        std::lock_guard lk(mutex_);
        return listen();
    }

private:
    bool listen() {  // mutex_ held or not yet shared
        net::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        const int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        const sockaddr_in a = loopback(port_);
        if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(fd.get(), 8) != 0)
            return false;
        listener_ = std::move(fd);
        return true;
    }
    void acceptLoop() {
        while (!stop_) {
            int lfd = -1;
            uint64_t gen = 0;
            {
                std::lock_guard lk(mutex_);
                lfd = listener_.get();
                gen = generation_;
            }
            if (lfd < 0) {
                std::this_thread::sleep_for(10ms);
                continue;
            }
            pollfd p{lfd, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            std::lock_guard lk(mutex_);
            if (listener_.get() != lfd || generation_ != gen) continue;  // cut meanwhile
            net::Fd client(::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC));
            if (!client.valid()) continue;
            net::Fd upstream(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
            const sockaddr_in a = loopback(target_);
            if (::connect(upstream.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) continue;
            ++connections_;
            pumps_.emplace_back([this, gen, c = std::move(client), u = std::move(upstream)]() mutable {
                pump(gen, std::move(c), std::move(u));
            });
        }
    }
    // Copies bytes both ways until either side closes or the connection is cut.
    void pump(uint64_t gen, net::Fd a, net::Fd b) {
        char buf[16384];
        while (!stop_) {
            {
                std::lock_guard lk(mutex_);
                if (generation_ != gen) break;
            }
            pollfd p[2] = {{a.get(), POLLIN, 0}, {b.get(), POLLIN, 0}};
            if (::poll(p, 2, 20) <= 0) continue;
            bool closed = false;
            for (int i = 0; i < 2 && !closed; ++i) {
                if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                const int from = i == 0 ? a.get() : b.get(), to = i == 0 ? b.get() : a.get();
                const ssize_t n = ::read(from, buf, sizeof buf);
                if (n <= 0) {
                    closed = true;
                    break;
                }
                for (ssize_t done = 0; done < n && !closed;) {
                    const ssize_t w = ::send(to, buf + done, static_cast<size_t>(n - done), MSG_NOSIGNAL);
                    if (w <= 0) closed = true;
                    done += std::max<ssize_t>(w, 0);
                }
            }
            if (closed) break;
        }
        ::shutdown(a.get(), SHUT_RDWR);
        ::shutdown(b.get(), SHUT_RDWR);
    }

    uint16_t target_, port_;
    std::mutex mutex_;
    net::Fd listener_;
    uint64_t generation_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::thread acceptor_;
    std::vector<std::thread> pumps_;  // accept thread only, joined by the destructor
};

// A libmosquitto client publishing numbered lines (officer PT-<n>, one per number) with
// QoS 1 at a steady rate on its own thread until stopped; counts what the broker acknowledged.
class SteadyPublisher {
public:
    SteadyPublisher(uint16_t port, std::chrono::milliseconds every) : every_(every) {
        ensureMosquittoInit();
        m_ = mosquitto_new(nullptr, true, this);
        mosquitto_connect_callback_set(
            m_, [](mosquitto*, void* u, int rc) { static_cast<SteadyPublisher*>(u)->connected_ = rc == 0; });
        mosquitto_publish_callback_set(m_,
                                       [](mosquitto*, void* u, int) { ++static_cast<SteadyPublisher*>(u)->acked_; });
        mosquitto_max_inflight_messages_set(m_, 0);  // no client-side queue limit
        REQUIRE(mosquitto_connect(m_, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS);
        REQUIRE(mosquitto_loop_start(m_) == MOSQ_ERR_SUCCESS);
        for (int i = 0; i < 400 && !connected_; ++i) std::this_thread::sleep_for(10ms);
        REQUIRE(connected_);
        thread_ = std::thread([this] {
            auto next = std::chrono::steady_clock::now();
            while (!stop_) {
                const std::string line = posLine(published_, kT0 + published_ * 10);
                if (mosquitto_publish(m_, nullptr, "sandtable/feed/steady", static_cast<int>(line.size()), line.data(),
                                      1, false) == MOSQ_ERR_SUCCESS)
                    ++published_;
                else
                    ++failed_;
                next += every_;
                std::this_thread::sleep_until(next);
            }
        });
    }
    ~SteadyPublisher() {
        stop();
        mosquitto_disconnect(m_);
        mosquitto_loop_stop(m_, false);
        mosquitto_destroy(m_);
    }
    // Stops publishing and waits (up to 10 s) for the broker to acknowledge every message.
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        for (int i = 0; i < 1000 && acked_ < published_; ++i) std::this_thread::sleep_for(10ms);
    }
    int published() const { return published_.load(); }
    int acked() const { return acked_.load(); }
    int failed() const { return failed_.load(); }

private:
    std::chrono::milliseconds every_;
    mosquitto* m_ = nullptr;
    std::atomic<bool> connected_{false}, stop_{false};
    std::atomic<int> published_{0}, acked_{0}, failed_{0};
    std::thread thread_;
};

// Every officer PT-0000 .. PT-<n-1> is there, and no other: no gaps, nothing extra.
std::vector<int> missingNumbers(const FeedSnapshot& s, int n) {
    std::vector<char> seen(static_cast<size_t>(n), 0);
    for (const auto& o : s.officers) {
        const int k = std::atoi(o.id.c_str() + 3);
        if (k >= 0 && k < n) seen[static_cast<size_t>(k)] = 1;
    }
    std::vector<int> missing;
    for (int k = 0; k < n; ++k)
        if (!seen[static_cast<size_t>(k)]) missing.push_back(k);
    return missing;
}

}  // namespace

TEST_CASE("MQTT outage through a fault-injecting proxy: every message published arrives once", "[feed][mqtt]") {
    if (!haveBroker()) return;
    TempDir dir;
    BrokerSetup setup;
    // The session's queue must hold the whole outage (the default is 1,000 per client).
    setup.global = "max_queued_messages 100000\nmax_inflight_messages 20\n";
    auto broker = startBroker(dir, setup);
    FaultProxy proxy(broker->port());

    MqttOptions mo = quickRetry(proxy.port());
    mo.qos = 1;
    mo.clientId = "sandtable-outage-test";  // a persistent session: the broker queues while we are cut off
    mo.cleanSession = false;
    mo.retry.maxMs = 500;
    FeedPipeline p({}, testPipeline());
    p.addTransport(std::make_unique<MqttTransport>(mo));
    p.start();
    REQUIRE(p.waitFor([&](const FeedSnapshot& s) { return stateOf(s) == ConnState::Connected; }, 20s));

    // 200 messages a second straight to the broker, the whole time.
    SteadyPublisher pub(broker->port(), 5ms);
    std::this_thread::sleep_for(2s);
    const uint64_t beforeCut = p.snapshot()->counters.accepted;
    CHECK(beforeCut > 0);

    // The link between Sandtable and the broker is cut for 3 s.
    proxy.cut();
    REQUIRE(p.waitFor(
        [](const FeedSnapshot& s) { return s.transports[0].disconnects >= 1 && stateOf(s) != ConnState::Connected; },
        10s));
    std::this_thread::sleep_for(1s);
    const uint64_t duringCut = p.snapshot()->counters.accepted;
    std::this_thread::sleep_for(2s);
    CHECK(p.snapshot()->counters.accepted == duringCut);  // nothing gets through the cut
    CHECK(p.snapshot()->transports[0].retries >= 2);      // refused reconnects, each counted
    CHECK(pub.published() > static_cast<int>(duringCut) + 300);
    REQUIRE(proxy.restore());

    // The transport reconnects to its session; the broker delivers what it queued.
    REQUIRE(p.waitFor(
        [](const FeedSnapshot& s) { return stateOf(s) == ConnState::Connected && s.transports[0].connects >= 2; },
        10s));
    std::this_thread::sleep_for(2s);
    pub.stop();
    const int published = pub.published();
    REQUIRE(pub.failed() == 0);
    REQUIRE(pub.acked() == published);  // the broker has every message
    // (Not REQUIREd: a shortfall is reported by the checks below, with the figures.)
    p.waitFor([&](const FeedSnapshot& s) { return s.counters.accepted >= static_cast<uint64_t>(published); }, 15s);
    std::this_thread::sleep_for(500ms);  // redeliveries still on their way would show now
    // The transport's line count and the pipeline's counters are published apart: wait
    // (briefly) for the snapshot in which both have seen the last line.
    p.waitFor(
        [](const FeedSnapshot& s) { return s.transports[0].lines == s.counters.accepted + s.counters.duplicates; }, 5s);
    const auto s = p.snapshot();
    std::cout << "MQTT outage: " << published << " published, " << s->counters.accepted << " accepted, "
              << s->counters.duplicates << " duplicates (QoS 1 redelivery), " << s->counters.rejected
              << " rejected, transport connects " << s->transports[0].connects << ", retries "
              << s->transports[0].retries << ", proxy connections " << proxy.connections() << std::endl;
    CHECK(s->counters.accepted == static_cast<uint64_t>(published));
    CHECK(s->counters.rejected == 0);
    CHECK(s->officers.size() == static_cast<size_t>(published));
    CHECK(missingNumbers(*s, published).empty());
    // Everything handed to the pipeline was accepted once or dropped as a repeat.
    CHECK(s->transports[0].lines == s->counters.accepted + s->counters.duplicates);
    CHECK(s->transports[0].disconnects >= 1);
    p.stop();
}

TEST_CASE("MQTT over TLS with a certificate made for the test, and a wrong CA refused with a clear error",
          "[feed][mqtt][tls]") {
    if (!haveBroker()) return;
    const std::string openssl = findTool("openssl");
    if (openssl.empty()) {
        test::skipOrFail("openssl command not found", "SANDTABLE_REQUIRE_TOOLS");
        return;
    }
    TempDir dir;
    // A CA, a server certificate it signs for localhost / 127.0.0.1, and a second CA that
    // signed nothing here.
    auto q = [&](const std::string& name) { return "'" + dir.file(name) + "'"; };
    const std::string caExt =
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign";
    {
        std::ofstream f(dir.file("server.ext"));
        f << "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
             "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n";
    }
    REQUIRE(runQuiet(openssl + " req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=Sandtable test CA' -keyout " +
                     q("ca.key") + " -out " + q("ca.crt") + caExt));
    REQUIRE(runQuiet(openssl + " req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=Some other CA' -keyout " +
                     q("other.key") + " -out " + q("other.crt") + caExt));
    REQUIRE(runQuiet(openssl + " req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout " + q("server.key") +
                     " -out " + q("server.csr")));
    REQUIRE(runQuiet(openssl + " x509 -req -in " + q("server.csr") + " -CA " + q("ca.crt") + " -CAkey " + q("ca.key") +
                     " -CAcreateserial -days 2 -extfile " + q("server.ext") + " -out " + q("server.crt")));
    for (const char* f : {"ca.crt", "server.crt", "server.key"})  // the broker's user reads them
        std::filesystem::permissions(dir.file(f), std::filesystem::perms::owner_read |
                                                      std::filesystem::perms::group_read |
                                                      std::filesystem::perms::others_read);

    // The TLS listener for the transport, a plain one on loopback for the test's publisher.
    const uint16_t plainPort = freeTcpPort();
    BrokerSetup setup;
    setup.listener = "cafile " + dir.file("ca.crt") + "\ncertfile " + dir.file("server.crt") + "\nkeyfile " +
                     dir.file("server.key") + "\nlistener " + std::to_string(plainPort) + " 127.0.0.1\n";
    auto broker = startBroker(dir, setup);

    MqttOptions mo = quickRetry(broker->port());
    mo.host = "localhost";  // the name the certificate was made for
    mo.tls.enabled = true;
    mo.tls.cafile = dir.file("ca.crt");
    {
        FeedPipeline p({}, testPipeline());
        p.addTransport(std::make_unique<MqttTransport>(mo));
        p.start();
        REQUIRE(p.waitFor([](const FeedSnapshot& s) { return stateOf(s) == ConnState::Connected; }, 20s));
        std::vector<std::string> batch;
        for (int i = 0; i < 50; ++i) batch.push_back(posLine(i, kT0 + i * 1000));
        REQUIRE(publishAll(plainPort, "sandtable/feed/tls", batch));
        REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted == 50; }, 20s));
        CHECK(p.snapshot()->transports[0].errors == 0);
    }
    // The same broker verified against a CA that did not sign its certificate: refused,
    // retried, counted, and the error says why.
    mo.tls.cafile = dir.file("other.crt");
    FeedPipeline p({}, testPipeline());
    p.addTransport(std::make_unique<MqttTransport>(mo));
    p.start();
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.transports[0].retries >= 3; }, 20s));
    const auto s = p.snapshot();
    INFO("last error: " << s->transports[0].lastError);
    CHECK(s->transports[0].connects == 0);
    CHECK(s->transports[0].errors >= 3);
    CHECK_THAT(s->transports[0].lastError, Catch::Contains("TLS"));
    CHECK_THAT(s->transports[0].lastError, Catch::Contains("certificate"));
    CHECK_THAT(s->transports[0].lastError, Catch::Contains("localhost:" + std::to_string(broker->port())));
    p.stop();
}

TEST_CASE("MQTT wrong credentials: refused, retried and counted with the reason, the right ones work",
          "[feed][mqtt][auth]") {
    if (!haveBroker()) return;
    const std::string passwd = findTool("mosquitto_passwd");
    if (passwd.empty()) {
        test::skipOrFail("mosquitto_passwd not found (package mosquitto)", "SANDTABLE_REQUIRE_TOOLS");
        return;
    }
    TempDir dir;
    const std::string file = dir.file("passwd");
    REQUIRE(runQuiet(passwd + " -c -b '" + file + "' wall-01 'correct horse'"));
    REQUIRE(runQuiet(passwd + " -b '" + file + "' feeder 'feeder-secret'"));
    std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                           std::filesystem::perms::group_read | std::filesystem::perms::others_read);
    BrokerSetup setup;
    setup.anonymous = false;
    setup.global = "password_file " + file + "\n";
    auto broker = startBroker(dir, setup);

    MqttOptions mo = quickRetry(broker->port());
    mo.retry.maxMs = 300;
    mo.username = "wall-01";
    mo.password = "wrong horse";
    {
        FeedPipeline p({}, testPipeline());
        p.addTransport(std::make_unique<MqttTransport>(mo));
        p.start();
        REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.transports[0].retries >= 2; }, 20s));
        const uint32_t errorsThen = p.snapshot()->transports[0].errors;
        REQUIRE(p.waitFor([&](const FeedSnapshot& s) { return s.transports[0].errors >= errorsThen + 2; }, 20s));
        const auto s = p.snapshot();
        const std::string& err = s->transports[0].lastError;
        INFO("last error: " << err);
        CHECK(s->transports[0].connects == 0);
        CHECK(s->transports[0].retries >= 3);
        CHECK_THAT(err, Catch::Contains("refused the connection"));
        CHECK((err.find("not authorised") != std::string::npos ||
               err.find("bad user name or password") != std::string::npos));
        CHECK_THAT(err, Catch::Contains("user name and password"));
        CHECK_THAT(err, Catch::Contains(broker->where()));
        CHECK_FALSE(p.snapshot()->transports[0].lastError.find("correct horse") != std::string::npos);
    }
    mo.password = "correct horse";
    FeedPipeline p({}, testPipeline());
    p.addTransport(std::make_unique<MqttTransport>(mo));
    p.start();
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return stateOf(s) == ConnState::Connected; }, 20s));
    std::vector<std::string> batch;
    for (int i = 0; i < 30; ++i) batch.push_back(posLine(i, kT0 + i * 1000));
    REQUIRE(publishAll(broker->port(), "sandtable/feed/auth", batch, Login{"feeder", "feeder-secret"}));
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted == 30; }, 20s));
    CHECK(p.snapshot()->transports[0].errors == 0);
    // Anonymous publishing is refused by this broker: the publisher itself cannot connect.
    CHECK_FALSE(publishAll(broker->port(), "sandtable/feed/auth", batch));
    p.stop();
}

TEST_CASE("MQTT failover: a broker list, the first killed, messages flow through the next", "[feed][mqtt]") {
    if (!haveBroker()) return;
    TempDir dir;
    BrokerSetup sa, sb;
    sa.name = "a";
    sb.name = "b";
    auto a = startBroker(dir, sa);
    auto b = startBroker(dir, sb);
    MqttOptions mo = quickRetry(0);
    mo.retry.maxMs = 300;
    mo.brokers = {net::HostPort{"127.0.0.1", a->port()}, net::HostPort{"127.0.0.1", b->port()}};
    FeedPipeline p({}, testPipeline());
    p.addTransport(std::make_unique<MqttTransport>(mo));
    p.start();
    auto connectedTo = [&](const Broker& br, uint32_t connects) {
        return p.waitFor(
            [&](const FeedSnapshot& s) {
                return stateOf(s) == ConnState::Connected && s.transports[0].connects >= connects &&
                       s.transports[0].detail.find(br.where()) != std::string::npos;
            },
            20s);
    };
    CHECK(p.snapshot()->transports[0].name == "mqtt:" + a->where() + "," + b->where());
    REQUIRE(connectedTo(*a, 1));
    std::vector<std::string> first, second, third;
    for (int i = 0; i < 40; ++i) first.push_back(posLine(i, kT0 + i * 1000));
    REQUIRE(publishAll(a->port(), "sandtable/feed/a", first));
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted == 40; }, 20s));

    // The first broker dies on the spot: the transport moves to the second.
    a->stop(SIGKILL);
    REQUIRE(connectedTo(*b, 2));
    CHECK_THAT(p.snapshot()->transports[0].lastError, Catch::Contains(a->where()));
    for (int i = 0; i < 40; ++i) second.push_back(posLine(100 + i, kT0 + i * 1000));
    REQUIRE(publishAll(b->port(), "sandtable/feed/b", second));
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted == 80; }, 20s));

    // Round robin: the first is back, the second dies: back to the first.
    REQUIRE(a->start());
    b->stop(SIGKILL);
    REQUIRE(connectedTo(*a, 3));
    for (int i = 0; i < 40; ++i) third.push_back(posLine(200 + i, kT0 + i * 1000));
    REQUIRE(publishAll(a->port(), "sandtable/feed/a", third));
    REQUIRE(p.waitFor([](const FeedSnapshot& s) { return s.counters.accepted == 120; }, 20s));
    const auto s = p.snapshot();
    CHECK(s->officers.size() == 120);
    CHECK(s->transports[0].disconnects >= 2);
    p.stop();
}

TEST_CASE("MQTT broker lists: HOST[:PORT],HOST[:PORT] parsed, bad entries named", "[feed][mqtt]") {
    std::vector<net::HostPort> b;
    std::string err;
    REQUIRE(parseMqttBrokers("broker-a", b, &err));
    REQUIRE(b.size() == 1);
    CHECK(b[0].host == "broker-a");
    CHECK(b[0].port == 1883);
    REQUIRE(parseMqttBrokers("10.0.0.5:8883,broker-b,:1884", b, &err));
    REQUIRE(b.size() == 3);
    CHECK(b[0].host == "10.0.0.5");
    CHECK(b[0].port == 8883);
    CHECK(b[1].host == "broker-b");
    CHECK(b[1].port == 1883);
    CHECK(b[2].host == "127.0.0.1");
    CHECK(b[2].port == 1884);
    for (const char* bad : {"", "a,,b", "a,", "a:99999", "a:0", "a,b:x"}) {
        INFO(bad);
        CHECK_FALSE(parseMqttBrokers(bad, b, &err));
        CHECK_THAT(err, Catch::Contains("broker"));
    }
    CHECK_FALSE(parseMqttBrokers("a,b:x", b, &err));
    CHECK_THAT(err, Catch::Contains("broker 2"));
    // The list given on the command line becomes the transport's name.
    MqttOptions mo;
    mo.brokers = {net::HostPort{"h1", 1883}, net::HostPort{"h2", 1884}};
    CHECK(MqttTransport(mo).name() == "mqtt:h1:1883,h2:1884");
    CHECK(MqttTransport(MqttOptions{}).name() == "mqtt:127.0.0.1:1883");
}
