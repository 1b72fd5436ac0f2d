#pragma once
// Where sandtable-sim writes its lines: a file (or stdout), a TCP server, UDP datagrams or
// an MQTT broker. Network sinks keep going when the peer is away: lines written while
// disconnected are dropped and counted, and they reconnect with backoff.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/feed/net.hpp"

namespace sandtable {

class SimSink {
public:
    virtual ~SimSink() = default;
    virtual void write(std::string_view line) = 0;  // one line, without '\n'
    virtual void flush() {}                         // at the end: deliver what is buffered
    virtual std::string describe() const = 0;
    uint64_t written = 0, dropped = 0;
};

// "-" writes to stdout. Throws std::runtime_error when the file cannot be created.
std::unique_ptr<SimSink> makeFileSink(const std::string& path);
std::unique_ptr<SimSink> makeTcpSink(const net::HostPort& to);
std::unique_ptr<SimSink> makeUdpSink(const net::HostPort& to);
struct MqttSinkOptions {
    net::HostPort broker{"127.0.0.1", 1883};
    std::string topic = "sandtable/feed/sim";
    int qos = 1;
    std::string username, password;
};
std::unique_ptr<SimSink> makeMqttSink(const MqttSinkOptions& opts);

}  // namespace sandtable
