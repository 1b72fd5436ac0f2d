// End to end through a real mosquitto broker started by the test on a free loopback port,
// including a broker restart mid-stream that the pipeline must ride out.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <mosquitto.h>

#include <signal.h>
#include <sys/wait.h>
#include <filesystem>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "engine/feed/mqtt_transport.hpp"
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

// A mosquitto process; killed by the destructor whatever happens in the test.
class Broker {
public:
    Broker(std::string conf, std::string log) : conf_(std::move(conf)), log_(std::move(log)) {}
    ~Broker() { stop(); }
    bool start(uint16_t port) {
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
            if (portAccepts(port)) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    std::string conf_, log_;
    pid_t pid_ = -1;
};

// Publishes each payload with QoS 1 and waits for every PUBACK.
bool publishAll(uint16_t port, const std::string& topic, const std::vector<std::string>& payloads) {
    ensureMosquittoInit();
    struct State {
        std::atomic<bool> connected{false};
        std::atomic<int> acked{0};
    } st;
    mosquitto* m = mosquitto_new(nullptr, true, &st);
    mosquitto_connect_callback_set(m, [](mosquitto*, void* u, int rc) { static_cast<State*>(u)->connected = rc == 0; });
    mosquitto_publish_callback_set(m, [](mosquitto*, void* u, int) { ++static_cast<State*>(u)->acked; });
    bool ok =
        mosquitto_connect(m, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS && mosquitto_loop_start(m) == MOSQ_ERR_SUCCESS;
    for (int i = 0; ok && i < 400 && !st.connected; ++i) std::this_thread::sleep_for(50ms);
    ok = ok && st.connected;
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

}  // namespace

TEST_CASE("MQTT end to end through mosquitto, surviving a broker restart", "[feed][mqtt]") {
    if (std::string(kBroker).empty() || ::access(kBroker, X_OK) != 0) {
        test::skipOrFail("mosquitto broker not found", "SANDTABLE_REQUIRE_TOOLS");
        return;
    }
    TempDir dir;
    const uint16_t port = freeTcpPort();
    const std::string conf = dir.file("mosquitto.conf");
    {
        std::ofstream f(conf);
        f << "listener " << port << " 127.0.0.1\nallow_anonymous true\npersistence false\n";
    }
    Broker broker(conf, dir.file("broker.log"));
    REQUIRE(broker.start(port));

    PipelineOptions po;
    po.now = [] { return kT0 + 3600000; };
    po.publishIntervalMs = 10;
    FeedPipeline p({}, po);
    MqttOptions mo;
    mo.port = port;
    mo.topics = {"sandtable/feed/#"};
    mo.retry.initialMs = 100;
    mo.retry.maxMs = 1000;
    p.addTransport(std::make_unique<MqttTransport>(mo));
    p.start();
    auto state = [](const FeedSnapshot& s) { return s.transports.empty() ? ConnState::Idle : s.transports[0].state; };
    REQUIRE(p.waitFor([&](const FeedSnapshot& s) { return state(s) == ConnState::Connected; }, 20s));

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

    // The broker goes away...
    broker.stop();
    REQUIRE(p.waitFor(
        [&](const FeedSnapshot& s) {
            return !s.transports.empty() && s.transports[0].disconnects >= 1 && state(s) != ConnState::Connected;
        },
        20s));
    CHECK_FALSE(p.snapshot()->transports[0].lastError.empty());
    // ...and comes back on the same port: the transport reconnects and resubscribes.
    REQUIRE(broker.start(port));
    REQUIRE(p.waitFor(
        [&](const FeedSnapshot& s) { return state(s) == ConnState::Connected && s.transports[0].connects >= 2; }, 20s));

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
    if (std::string(kBroker).empty() || ::access(kBroker, X_OK) != 0) {
        test::skipOrFail("mosquitto broker not found", "SANDTABLE_REQUIRE_TOOLS");
        return;
    }
    TempDir dir;
    const uint16_t port = freeTcpPort();
    const std::string conf = dir.file("mosquitto.conf");
    {
        // Persistence on: the broker saves its sessions and queued messages on SIGTERM, in a
        // folder it can write after dropping root for its own user.
        const std::filesystem::path store = dir.path / "persist";
        std::filesystem::create_directories(store);
        std::filesystem::permissions(dir.path, std::filesystem::perms::others_exec | std::filesystem::perms::group_exec,
                                     std::filesystem::perm_options::add);
        std::filesystem::permissions(store, std::filesystem::perms::all);
        std::ofstream f(conf);
        f << "listener " << port << " 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location "
          << store.string() << "/\nautosave_interval 1\nmax_queued_messages 10000\n";
    }
    Broker broker(conf, dir.file("broker.log"));
    REQUIRE(broker.start(port));
    MqttOptions mo;
    mo.port = port;
    mo.topics = {"sandtable/feed/#"};
    mo.qos = 1;
    mo.clientId = "sandtable-wall-test";  // fixed id + no clean session: the broker keeps the session
    mo.cleanSession = false;
    mo.retry.initialMs = 100;
    mo.retry.maxMs = 1000;
    auto state = [](const FeedSnapshot& s) { return s.transports.empty() ? ConnState::Idle : s.transports[0].state; };
    PipelineOptions po;
    po.now = [] { return kT0 + 3600000; };
    po.publishIntervalMs = 10;
    {
        FeedPipeline p({}, po);
        p.addTransport(std::make_unique<MqttTransport>(mo));
        p.start();
        REQUIRE(p.waitFor([&](const FeedSnapshot& s) { return state(s) == ConnState::Connected; }, 20s));
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
    broker.stop();
    REQUIRE(broker.start(port));
    // Sandtable comes back with the same client id: every queued message arrives, once.
    FeedPipeline p2({}, po);
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
