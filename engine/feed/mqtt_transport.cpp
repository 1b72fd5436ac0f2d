#include "engine/feed/mqtt_transport.hpp"

#include <mosquitto.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>

#include "engine/feed/net.hpp"

namespace sandtable {

using namespace std::chrono;

void ensureMosquittoInit() {
    static std::once_flag once;
    std::call_once(once, [] { mosquitto_lib_init(); });
}

namespace {

struct MosqDeleter {
    void operator()(mosquitto* m) const { mosquitto_destroy(m); }
};

std::string mosqError(int rc) {
    if (rc == MOSQ_ERR_ERRNO) return net::errnoText(errno);
    return mosquitto_strerror(rc);
}

// Callback state for one connection attempt; callbacks run on our thread (mosquitto_loop).
struct Session {
    TransportContext* ctx = nullptr;
    const MqttOptions* opts = nullptr;
    std::string where;
    bool connected = false;   // CONNACK accepted
    bool subscribed = false;  // SUBACK received
    bool failed = false;
    std::string error;
    int pendingSubscribe = -1;
    uint64_t messages = 0;
};

void onConnect(mosquitto* m, void* user, int rc) {
    auto* s = static_cast<Session*>(user);
    if (rc != 0) {
        s->failed = true;
        s->error = std::string("broker refused connection: ") + mosquitto_connack_string(rc);
        return;
    }
    s->connected = true;
    std::vector<char*> topics;
    for (const auto& t : s->opts->topics) topics.push_back(const_cast<char*>(t.c_str()));
    int mid = 0;
    const int src =
        mosquitto_subscribe_multiple(m, &mid, static_cast<int>(topics.size()), topics.data(), s->opts->qos, 0, nullptr);
    if (src != MOSQ_ERR_SUCCESS) {
        s->failed = true;
        s->error = "subscribe failed: " + mosqError(src);
        return;
    }
    s->pendingSubscribe = mid;
}

void onSubscribe(mosquitto*, void* user, int mid, int count, const int* granted) {
    auto* s = static_cast<Session*>(user);
    if (mid != s->pendingSubscribe) return;
    for (int i = 0; i < count; ++i) {
        if (granted[i] == 0x80) {  // SUBACK failure code
            s->failed = true;
            s->error = "broker refused subscription to '" + s->opts->topics[static_cast<size_t>(i)] + "'";
            return;
        }
    }
    s->subscribed = true;
    std::string topics;
    for (const auto& t : s->opts->topics) topics += (topics.empty() ? "" : ", ") + t;
    s->ctx->setState(ConnState::Connected, "subscribed to " + topics + " on " + s->where);
}

void onMessage(mosquitto*, void* user, const mosquitto_message* msg) {
    auto* s = static_cast<Session*>(user);
    if (!msg || msg->payloadlen <= 0) return;
    ++s->messages;
    s->ctx->addBytes(static_cast<size_t>(msg->payloadlen));
    net::LineSplitter split(s->ctx->maxLineBytes());
    auto push = [&](std::string_view l) { s->ctx->pushLine(l, s->messages, 0, true); };
    split.feed(static_cast<const char*>(msg->payload), static_cast<size_t>(msg->payloadlen), push);
    split.finish(push);
}

void onDisconnect(mosquitto*, void* user, int rc) {
    auto* s = static_cast<Session*>(user);
    if (rc != 0 && s->error.empty()) s->error = "connection to broker lost";
}

}  // namespace

MqttTransport::MqttTransport(MqttOptions opts, std::string name)
    : opts_(std::move(opts)),
      name_(name.empty() ? "mqtt:" + opts_.host + ":" + std::to_string(opts_.port) : std::move(name)) {}

void MqttTransport::run(TransportContext& ctx) {
    ensureMosquittoInit();
    net::Backoff backoff(opts_.retry.initialMs, opts_.retry.maxMs);
    const std::string where = opts_.host + ":" + std::to_string(opts_.port);
    auto retry = [&](const std::string& error) {
        ctx.setError(error);
        const int ms = backoff.next();
        ctx.setState(ConnState::Retrying, error + "; retry in " + std::to_string(ms) + " ms");
        return ctx.sleepFor(milliseconds(ms));
    };

    while (!ctx.stopRequested()) {
        ctx.setState(ConnState::Connecting, "connecting to " + where);
        Session s;
        s.ctx = &ctx;
        s.opts = &opts_;
        s.where = where;
        std::unique_ptr<mosquitto, MosqDeleter> m(
            mosquitto_new(opts_.clientId.empty() ? nullptr : opts_.clientId.c_str(),
                          opts_.cleanSession || opts_.clientId.empty(), &s));
        if (!m) {
            if (!retry("mosquitto_new failed: " + net::errnoText(errno))) break;
            continue;
        }
        mosquitto_int_option(m.get(), MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
        mosquitto_connect_callback_set(m.get(), onConnect);
        mosquitto_subscribe_callback_set(m.get(), onSubscribe);
        mosquitto_message_callback_set(m.get(), onMessage);
        mosquitto_disconnect_callback_set(m.get(), onDisconnect);
        int rc = MOSQ_ERR_SUCCESS;
        if (!opts_.username.empty())
            rc = mosquitto_username_pw_set(m.get(), opts_.username.c_str(),
                                           opts_.password.empty() ? nullptr : opts_.password.c_str());
        auto cstr = [](const std::string& x) { return x.empty() ? nullptr : x.c_str(); };
        if (rc == MOSQ_ERR_SUCCESS && opts_.tls.enabled) {
            rc = mosquitto_tls_set(m.get(), cstr(opts_.tls.cafile), cstr(opts_.tls.capath), cstr(opts_.tls.certfile),
                                   cstr(opts_.tls.keyfile), nullptr);
            if (rc == MOSQ_ERR_SUCCESS)
                rc = mosquitto_tls_opts_set(m.get(), 1, cstr(opts_.tls.version), cstr(opts_.tls.ciphers));
            if (rc == MOSQ_ERR_SUCCESS && opts_.tls.insecure) rc = mosquitto_tls_insecure_set(m.get(), true);
        }
        if (rc != MOSQ_ERR_SUCCESS) {
            if (!retry("mqtt client setup: " + mosqError(rc))) break;
            continue;
        }
        // Blocking TCP connect: immediate for loopback/LAN brokers; the CONNACK and SUBACK
        // are awaited below with a timeout and the stop flag polled.
        rc = mosquitto_connect(m.get(), opts_.host.c_str(), opts_.port, opts_.keepaliveSeconds);
        if (rc != MOSQ_ERR_SUCCESS) {
            if (!retry("connect " + where + ": " + mosqError(rc))) break;
            continue;
        }
        const auto deadline = steady_clock::now() + milliseconds(opts_.connectTimeoutMs);
        while (!ctx.stopRequested()) {
            rc = mosquitto_loop(m.get(), 100, 1);
            if (rc != MOSQ_ERR_SUCCESS) {
                if (s.error.empty()) s.error = "connection to broker lost: " + mosqError(rc);
                break;
            }
            if (s.failed) break;
            if (!s.subscribed && steady_clock::now() > deadline) {
                s.error =
                    "no CONNACK/SUBACK from " + where + " within " + std::to_string(opts_.connectTimeoutMs) + " ms";
                break;
            }
            if (s.subscribed) backoff.reset();
        }
        if (ctx.stopRequested()) {
            mosquitto_disconnect(m.get());
            mosquitto_loop(m.get(), 50, 1);
            break;
        }
        if (s.subscribed || s.connected) ctx.setState(ConnState::Disconnected, s.error);
        if (!retry(s.error)) break;
    }
}

}  // namespace sandtable
