#pragma once
// Feed transports: each runs on its own thread (started by FeedPipeline) and hands whole
// lines to the one ingest pipeline through a TransportContext. Transports never touch
// officer state. Network transports survive their peer or broker going away: they
// report Disconnected / Retrying with the error, and reconnect with exponential backoff.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/feed/protocol.hpp"
#include "engine/util/clock.hpp"

namespace sandtable {

enum class ConnState : uint8_t {
    Idle,          // not started
    Connecting,    // connecting / binding / opening
    Connected,     // connected (MQTT: subscribed), listening, or replaying
    Disconnected,  // lost the peer or broker; a retry follows
    Retrying,      // waiting for the next attempt (backoff)
    Finished,      // a replay reached its end (no loop)
    Stopped        // FeedPipeline::stop()
};
const char* connStateName(ConnState s);

struct TransportStatus {
    std::string name;  // operator-facing, also the source of rejected-line samples
    std::string kind;  // replay, tcp-listen, tcp-client, udp, mqtt, sim
    ConnState state = ConnState::Idle;
    std::string detail;      // e.g. "listening on 127.0.0.1:7070, 2 clients"
    std::string lastError;   // kept after recovery, for the operator
    TimeMs lastErrorAt = 0;  // wall clock
    TimeMs stateSince = 0;   // wall clock
    uint64_t lines = 0;      // lines handed to the pipeline
    uint64_t bytes = 0;
    uint32_t connects = 0;                // times it entered Connected
    uint32_t disconnects = 0;             // times it entered Disconnected
    uint32_t retries = 0;                 // times it entered Retrying (failed attempts, lost connections)
    uint32_t errors = 0;                  // errors reported (setError): failed attempts, peers lost or refused
    std::vector<ConnState> recentStates;  // last 16 states entered, oldest first
};

// What a running transport may do; implemented by FeedPipeline.
class TransportContext {
public:
    virtual ~TransportContext() = default;
    virtual bool stopRequested() const = 0;
    // Sleeps up to `d`, waking early on stop; returns false when stopping.
    virtual bool sleepFor(std::chrono::milliseconds d) = 0;
    // Queues one line for ingest (the text is copied). With `wait`, blocks while the inbox
    // is full (back-pressure for files and TCP); otherwise a full inbox drops the line and
    // counts it as queue_overflow. Returns false when the line was not queued.
    virtual bool pushLine(std::string_view line, uint64_t lineNo, TimeMs timeShiftMs = 0, bool wait = true) = 0;
    // Queues bytes that cannot be a line (the tail of a reset stream, an empty datagram):
    // the state counts them under `reason` with this transport as the source, in order with
    // the lines around them. Never blocks; false when the inbox is full (counted as overflow).
    virtual bool rejectLine(std::string_view bytes, uint64_t lineNo, RejectReason reason, std::string_view detail) = 0;
    virtual void setState(ConnState s, std::string_view detail = {}) = 0;
    virtual void setError(std::string_view error) = 0;
    virtual void addBytes(size_t n) = 0;
    virtual size_t maxLineBytes() const = 0;
};

class Transport {
public:
    virtual ~Transport() = default;
    virtual std::string name() const = 0;
    virtual std::string kind() const = 0;
    // Runs until ctx.stopRequested() (or, for a finite source, the end). Must poll the
    // stop flag at least every ~250 ms.
    virtual void run(TransportContext& ctx) = 0;
    // This source's "now", against which its lines' times are checked (future_time): the
    // wall clock for anything real; a simulation's own clock. Called from any thread.
    virtual TimeMs now() const { return wallClockMs(); }
};

struct RetryOptions {
    int initialMs = 250;
    int maxMs = 30000;
};

// Reads a recorded feed file into the pipeline with its data times untouched (playing it
// back at a speed, pausing and looping are the host's time controller's job: the state
// holds the whole recording and the layers draw it as of the frame time). With
// timeScale > 0 lines are delivered paced by their "t" instead (2 = twice real time), as a
// live sender would send them; 0, the default, delivers them as fast as ingest takes them.
struct ReplayOptions {
    std::string path;
    double timeScale = 0.0;
    RetryOptions retry;
};
class ReplayTransport final : public Transport {
public:
    explicit ReplayTransport(ReplayOptions opts, std::string name = {});
    std::string name() const override { return name_; }
    std::string kind() const override { return "replay"; }
    void run(TransportContext& ctx) override;

private:
    ReplayOptions opts_;
    std::string name_;
};

// Accepts TCP connections (any number of senders) and reads newline-delimited messages.
// A peer that resets its connection mid-line has that unterminated tail counted as
// `incomplete`, not parsed. Peers that connect and go silent cannot lock senders out: TCP
// keepalive drops a dead peer (keepaliveIdleS + 3 probes 10 s apart), and at maxClients a
// new connection replaces the client silent the longest instead of being refused.
struct TcpListenOptions {
    std::string host = "127.0.0.1";  // loopback unless configured
    uint16_t port = 0;               // 0: any free port (see boundPort())
    size_t maxClients = 64;
    int keepaliveIdleS = 60;  // first keepalive probe after this long without traffic; 0: no keepalive
    RetryOptions retry;
};
class TcpListenTransport final : public Transport {
public:
    explicit TcpListenTransport(TcpListenOptions opts, std::string name = {});
    std::string name() const override { return name_; }
    std::string kind() const override { return "tcp-listen"; }
    void run(TransportContext& ctx) override;
    // The port actually bound, 0 until listening.
    uint16_t boundPort() const { return boundPort_.load(); }

private:
    TcpListenOptions opts_;
    std::string name_;
    std::atomic<uint16_t> boundPort_{0};
};

// Connects to a TCP feed server and reads lines; reconnects with backoff when it goes away.
struct TcpClientOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    RetryOptions retry;
};
class TcpClientTransport final : public Transport {
public:
    explicit TcpClientTransport(TcpClientOptions opts, std::string name = {});
    std::string name() const override { return name_; }
    std::string kind() const override { return "tcp-client"; }
    void run(TransportContext& ctx) override;

private:
    TcpClientOptions opts_;
    std::string name_;
};

// Receives UDP datagrams, each holding one or more lines. Lost datagrams are not
// detectable here; a full inbox drops (and counts) rather than blocks.
struct UdpListenOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    int receiveBufferBytes = 4 << 20;
    RetryOptions retry;
};
class UdpListenTransport final : public Transport {
public:
    explicit UdpListenTransport(UdpListenOptions opts, std::string name = {});
    std::string name() const override { return name_; }
    std::string kind() const override { return "udp"; }
    void run(TransportContext& ctx) override;
    uint16_t boundPort() const { return boundPort_.load(); }

private:
    UdpListenOptions opts_;
    std::string name_;
    std::atomic<uint16_t> boundPort_{0};
};

}  // namespace sandtable
