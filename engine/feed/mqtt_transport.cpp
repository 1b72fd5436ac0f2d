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
    std::string libraryError;  // the last error libmosquitto logged (e.g. OpenSSL's reason)
    int pendingSubscribe = -1;
    uint64_t messages = 0;
};

void onConnect(mosquitto* m, void* user, int rc) {
    auto* s = static_cast<Session*>(user);
    if (rc != 0) {
        s->failed = true;
        s->error = "broker " + s->where + " refused the connection: " + mosquitto_connack_string(rc);
        // 4: bad user name or password, 5: not authorised (mosquitto's answer to either).
        if (rc == 4 || rc == 5) s->error += " (check the user name and password: --mqtt-credentials)";
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
    if (rc != 0 && s->error.empty()) s->error = "connection to " + s->where + " lost";
}

// libmosquitto reports why TLS failed (OpenSSL's error queue) only through its log.
void onLog(mosquitto*, void* user, int level, const char* text) {
    if (level != MOSQ_LOG_ERR || !text) return;
    static_cast<Session*>(user)->libraryError = text;
}

// "connect HOST:PORT: A TLS error occurred." is not enough for an operator: add what
// OpenSSL said (e.g. "certificate verify failed") and name TLS.
std::string connectError(const Session& s, int rc) {
    std::string e = "connect " + s.where + ": " + mosqError(rc);
    if (rc == MOSQ_ERR_TLS) e = "TLS handshake with " + s.where + " failed: " + mosqError(rc);
    if (!s.libraryError.empty()) e += " (" + s.libraryError + ")";
    if (rc == MOSQ_ERR_TLS && s.libraryError.find("certificate verify failed") != std::string::npos)
        e += ": the broker's certificate is not signed by the configured CA (or names another host)";
    return e;
}

std::string joinBrokers(const std::vector<net::HostPort>& brokers) {
    std::string out;
    for (const auto& b : brokers) out += (out.empty() ? "" : ",") + b.host + ":" + std::to_string(b.port);
    return out;
}

}  // namespace

bool parseMqttBrokers(std::string_view list, std::vector<net::HostPort>& out, std::string* error) {
    std::vector<net::HostPort> brokers;
    size_t start = 0;
    while (start <= list.size()) {
        const size_t comma = std::min(list.find(',', start), list.size());
        const std::string_view entry = list.substr(start, comma - start);
        const std::string which = "broker " + std::to_string(brokers.size() + 1) + " of '" + std::string(list) + "'";
        if (entry.empty()) {
            if (error) *error = which + " is empty (HOST[:PORT],HOST[:PORT],...)";
            return false;
        }
        net::HostPort hp;
        if (entry.find(':') == std::string_view::npos) {
            hp.host = std::string(entry);  // the broker's standard port
            hp.port = 1883;
        } else {
            std::string err;
            if (!net::parseHostPort(entry, hp, &err)) {
                if (error) *error = which + ": " + err;
                return false;
            }
        }
        if (hp.port == 0) {
            if (error) *error = which + ": port 0";
            return false;
        }
        brokers.push_back(hp);
        start = comma + 1;
    }
    out = std::move(brokers);
    return true;
}

std::vector<net::HostPort> MqttTransport::brokers() const {
    if (!opts_.brokers.empty()) return opts_.brokers;
    return {net::HostPort{opts_.host, opts_.port}};
}

MqttTransport::MqttTransport(MqttOptions opts, std::string name)
    : opts_(std::move(opts)), name_(name.empty() ? "mqtt:" + joinBrokers(brokers()) : std::move(name)) {}

void MqttTransport::run(TransportContext& ctx) {
    ensureMosquittoInit();
    net::Backoff backoff(opts_.retry.initialMs, opts_.retry.maxMs);
    const std::vector<net::HostPort> list = brokers();
    size_t current = 0;
    std::string where;
    auto retry = [&](const std::string& error) {
        ctx.setError(error);
        const int ms = backoff.next();
        std::string next;
        if (list.size() > 1) {  // failover: the next broker of the list
            current = (current + 1) % list.size();
            next = ", next " + list[current].host + ":" + std::to_string(list[current].port);
        }
        ctx.setState(ConnState::Retrying, error + "; retry in " + std::to_string(ms) + " ms" + next);
        return ctx.sleepFor(milliseconds(ms));
    };

    while (!ctx.stopRequested()) {
        const net::HostPort& broker = list[current];
        where = broker.host + ":" + std::to_string(broker.port);
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
        mosquitto_log_callback_set(m.get(), onLog);
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
        rc = mosquitto_connect(m.get(), broker.host.c_str(), broker.port, opts_.keepaliveSeconds);
        if (rc != MOSQ_ERR_SUCCESS) {
            if (!retry(connectError(s, rc))) break;
            continue;
        }
        const auto deadline = steady_clock::now() + milliseconds(opts_.connectTimeoutMs);
        while (!ctx.stopRequested()) {
            rc = mosquitto_loop(m.get(), 100, 1);
            if (rc != MOSQ_ERR_SUCCESS) {
                if (s.error.empty())
                    s.error = s.connected ? "connection to " + where + " lost: " + mosqError(rc) : connectError(s, rc);
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
