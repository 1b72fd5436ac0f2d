#pragma once
// MQTT subscriber transport (libmosquitto). Each MQTT message's payload holds one or more
// feed lines. Connection state: Connecting -> Connected once the SUBACK arrives (so
// "connected" means messages will flow) -> Disconnected when the broker goes away ->
// Retrying with exponential backoff -> Connecting ... With several brokers, every failed
// attempt and every lost connection moves on to the next one of the list (round robin).
#include <string>
#include <string_view>
#include <vector>

#include "engine/feed/net.hpp"
#include "engine/feed/transport.hpp"

namespace sandtable {

struct MqttTlsOptions {
    bool enabled = false;
    std::string cafile, capath;     // one of them, to verify the broker
    std::string certfile, keyfile;  // client certificate, if the broker wants one
    std::string version;            // e.g. "tlsv1.2"; empty: library default
    std::string ciphers;            // OpenSSL cipher list; empty: default
    bool insecure = false;          // skip host name verification (testing only)
};

struct MqttOptions {
    std::string host = "127.0.0.1";  // the one broker when `brokers` is empty
    uint16_t port = 1883;
    // Brokers tried in turn (failover); empty: host:port alone. A persistent session lives
    // in one broker: independent brokers do not share it (see docs/feed.md#mqtt).
    std::vector<net::HostPort> brokers;
    std::vector<std::string> topics{"sandtable/feed/#"};  // topic filters, wildcards allowed
    int qos = 1;
    std::string clientId;      // empty: random (then cleanSession must be true)
    bool cleanSession = true;  // false + fixed clientId: the broker queues QoS>0 while we are away
    std::string username, password;
    MqttTlsOptions tls;
    int keepaliveSeconds = 30;
    int connectTimeoutMs = 10000;  // CONNACK + SUBACK must arrive within this
    RetryOptions retry;
};

class MqttTransport final : public Transport {
public:
    explicit MqttTransport(MqttOptions opts, std::string name = {});
    std::string name() const override { return name_; }
    std::string kind() const override { return "mqtt"; }
    void run(TransportContext& ctx) override;

private:
    std::vector<net::HostPort> brokers() const;
    MqttOptions opts_;
    std::string name_;
};

// "HOST[:PORT],HOST[:PORT],..." (port default 1883; ":PORT" alone means 127.0.0.1). False
// with the reason (which entry, why) on an empty list, an empty entry or a bad port.
bool parseMqttBrokers(std::string_view list, std::vector<net::HostPort>& out, std::string* error = nullptr);

// Initialises libmosquitto once per process (thread-safe).
void ensureMosquittoInit();

}  // namespace sandtable
