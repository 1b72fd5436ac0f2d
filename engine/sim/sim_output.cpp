#include "engine/sim/sim_output.hpp"

#include <mosquitto.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "engine/feed/mqtt_transport.hpp"
#include "engine/util/log.hpp"

namespace sandtable {

using namespace std::chrono;

namespace {

class FileSink final : public SimSink {
public:
    explicit FileSink(const std::string& path) : path_(path) {
        f_ = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
        if (!f_) throw std::runtime_error("cannot create " + path + ": " + net::errnoText(errno));
        std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
    }
    ~FileSink() override {
        if (f_ && f_ != stdout) std::fclose(f_);
    }
    void write(std::string_view line) override {
        std::fwrite(line.data(), 1, line.size(), f_);
        std::fputc('\n', f_);
        ++written;
    }
    void flush() override { std::fflush(f_); }
    std::string describe() const override { return path_; }

private:
    std::string path_;
    std::FILE* f_ = nullptr;
};

class TcpSink final : public SimSink {
public:
    explicit TcpSink(net::HostPort to) : to_(std::move(to)) {}
    void write(std::string_view line) override {
        if (!fd_.valid() && !connect()) {
            ++dropped;
            return;
        }
        std::string buf(line);
        buf.push_back('\n');
        size_t done = 0;
        while (done < buf.size()) {
            const ssize_t n = ::send(fd_.get(), buf.data() + done, buf.size() - done, MSG_NOSIGNAL);
            if (n <= 0) {
                log::warn("sim: tcp " + describe() + ": " + net::errnoText(errno) + "; reconnecting");
                fd_.reset();
                next_ = steady_clock::now() + milliseconds(backoff_.next());
                ++dropped;
                return;
            }
            done += static_cast<size_t>(n);
        }
        ++written;
    }
    std::string describe() const override { return "tcp://" + to_.host + ":" + std::to_string(to_.port); }

private:
    bool connect() {
        if (steady_clock::now() < next_) return false;
        sockaddr_in a{};
        std::string err;
        if (net::resolveIpv4(to_.host, to_.port, a, &err)) {
            net::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
            if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) {
                fd_ = std::move(fd);
                backoff_.reset();
                log::info("sim: connected to " + describe());
                return true;
            }
            err = net::errnoText(errno);
        }
        const int ms = backoff_.next();
        log::warn("sim: " + describe() + ": " + err + "; retry in " + std::to_string(ms) + " ms");
        next_ = steady_clock::now() + milliseconds(ms);
        return false;
    }
    net::HostPort to_;
    net::Fd fd_;
    net::Backoff backoff_;
    steady_clock::time_point next_{};
};

class UdpSink final : public SimSink {
public:
    explicit UdpSink(net::HostPort to) : to_(std::move(to)) {
        std::string err;
        if (!net::resolveIpv4(to_.host, to_.port, addr_, &err)) throw std::runtime_error(err);
        fd_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    }
    void write(std::string_view line) override {
        // One line per datagram: a lost datagram loses one message, never half of one.
        if (::sendto(fd_.get(), line.data(), line.size(), 0, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_) <
            0)
            ++dropped;
        else
            ++written;
    }
    std::string describe() const override { return "udp://" + to_.host + ":" + std::to_string(to_.port); }

private:
    net::HostPort to_;
    sockaddr_in addr_{};
    net::Fd fd_;
};

class MqttSink final : public SimSink {
public:
    explicit MqttSink(MqttSinkOptions o) : o_(std::move(o)) {
        ensureMosquittoInit();
        m_ = mosquitto_new(nullptr, true, this);
        if (!m_) throw std::runtime_error("mosquitto_new failed");
        if (!o_.username.empty())
            mosquitto_username_pw_set(m_, o_.username.c_str(), o_.password.empty() ? nullptr : o_.password.c_str());
        mosquitto_connect_callback_set(m_, [](mosquitto*, void* self, int rc) {
            static_cast<MqttSink*>(self)->connected_ = rc == 0;
            log::info(std::string("sim: mqtt connect: ") + mosquitto_connack_string(rc));
        });
        mosquitto_disconnect_callback_set(m_, [](mosquitto*, void* self, int rc) {
            static_cast<MqttSink*>(self)->connected_ = false;
            if (rc != 0) log::warn("sim: mqtt connection lost; reconnecting");
        });
        mosquitto_publish_callback_set(m_, [](mosquitto*, void* self, int) { ++static_cast<MqttSink*>(self)->acked_; });
        // The library's thread reconnects with exponential backoff (1 s .. 30 s).
        mosquitto_reconnect_delay_set(m_, 1, 30, true);
        mosquitto_loop_start(m_);
        mosquitto_connect_async(m_, o_.broker.host.c_str(), o_.broker.port, 30);
        for (int i = 0; i < 50 && !connected_; ++i) std::this_thread::sleep_for(milliseconds(100));
    }
    ~MqttSink() override {
        mosquitto_disconnect(m_);
        mosquitto_loop_stop(m_, false);
        mosquitto_destroy(m_);
    }
    void write(std::string_view line) override {
        if (!connected_) {
            ++dropped;
            return;
        }
        const int rc =
            mosquitto_publish(m_, nullptr, o_.topic.c_str(), static_cast<int>(line.size()), line.data(), o_.qos, false);
        if (rc == MOSQ_ERR_SUCCESS)
            ++written;
        else
            ++dropped;
    }
    void flush() override {
        // QoS 0 completes on send, QoS 1 on PUBACK; either way the callback counts it.
        for (int i = 0; i < 100 && acked_.load() < written && connected_; ++i)
            std::this_thread::sleep_for(milliseconds(50));
    }
    std::string describe() const override {
        return "mqtt://" + o_.broker.host + ":" + std::to_string(o_.broker.port) + "/" + o_.topic;
    }

private:
    MqttSinkOptions o_;
    mosquitto* m_ = nullptr;
    std::atomic<bool> connected_{false};
    std::atomic<uint64_t> acked_{0};
};

}  // namespace

std::unique_ptr<SimSink> makeFileSink(const std::string& path) { return std::make_unique<FileSink>(path); }
std::unique_ptr<SimSink> makeTcpSink(const net::HostPort& to) { return std::make_unique<TcpSink>(to); }
std::unique_ptr<SimSink> makeUdpSink(const net::HostPort& to) { return std::make_unique<UdpSink>(to); }
std::unique_ptr<SimSink> makeMqttSink(const MqttSinkOptions& opts) { return std::make_unique<MqttSink>(opts); }

}  // namespace sandtable
