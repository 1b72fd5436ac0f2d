#include "engine/time/wall_sync.hpp"

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include <cerrno>
#include <cmath>
#include <stdexcept>

#include "engine/feed/net.hpp"

namespace sandtable {

std::string encodeWallFrame(const WallFrameState& s) {
    const nlohmann::json j = {{"type", "wall-frame"},
                              {"seq", s.seq},
                              {"t", s.time},
                              {"replay", s.replay},
                              {"paused", s.paused},
                              {"speed", s.speed},
                              {"center", {s.centerX, s.centerY}},
                              {"resolution", s.resolution},
                              {"rotation", s.rotation},
                              {"canvas", {s.canvasWidth, s.canvasHeight}},
                              {"pixel_ratio", s.pixelRatio},
                              {"inset_bottom", s.insetBottom},
                              {"wall", s.wall},
                              {"english", s.english},
                              {"final", s.final}};
    return j.dump();
}

bool decodeWallFrame(std::string_view message, WallFrameState& out, std::string* error) {
    auto fail = [&](const std::string& why) {
        if (error) *error = why;
        return false;
    };
    const nlohmann::json j = nlohmann::json::parse(message, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("not a JSON object");
    // Not j.value("type", ...): it throws when "type" is there but not a string.
    const auto type = j.find("type");
    if (type == j.end() || !type->is_string() || type->get_ref<const std::string&>() != "wall-frame")
        return fail("type is not \"wall-frame\"");
    WallFrameState s;
    try {
        const auto& seq = j.at("seq");
        const auto& t = j.at("t");
        if (!seq.is_number_unsigned() || !t.is_number_integer()) return fail("seq or t is not an integer");
        s.seq = seq.get<uint64_t>();
        s.time = t.get<TimeMs>();
        if (!j.at("replay").is_boolean() || !j.at("paused").is_boolean() || !j.at("final").is_boolean())
            return fail("replay, paused or final is not a boolean");
        s.replay = j.at("replay").get<bool>();
        s.paused = j.at("paused").get<bool>();
        s.final = j.at("final").get<bool>();
        const auto& c = j.at("center");
        const auto& cv = j.at("canvas");
        if (!c.is_array() || c.size() != 2 || !c[0].is_number() || !c[1].is_number() || !cv.is_array() ||
            cv.size() != 2 || !cv[0].is_number_integer() || !cv[1].is_number_integer() || !j.at("speed").is_number() ||
            !j.at("resolution").is_number() || !j.at("rotation").is_number())
            return fail("center, canvas, speed, resolution or rotation has the wrong type");
        s.centerX = c[0].get<double>();
        s.centerY = c[1].get<double>();
        s.speed = j.at("speed").get<double>();
        s.resolution = j.at("resolution").get<double>();
        s.rotation = j.at("rotation").get<double>();
        const int64_t w = cv[0].get<int64_t>(), h = cv[1].get<int64_t>();
        if (w < 1 || h < 1 || w > 65536 || h > 65536) return fail("canvas outside 1..65536 px");
        s.canvasWidth = static_cast<int>(w);
        s.canvasHeight = static_cast<int>(h);
        // Optional (older leaders do not send them).
        if (const auto pr = j.find("pixel_ratio"); pr != j.end()) {
            if (!pr->is_number()) return fail("pixel_ratio is not a number");
            const double v = pr->get<double>();
            if (!(v == 0 || (v >= 0.25 && v <= 64))) return fail("pixel_ratio outside 0.25..64 (or 0)");
            s.pixelRatio = static_cast<float>(v);
        }
        if (const auto ib = j.find("inset_bottom"); ib != j.end()) {
            if (!ib->is_number_integer()) return fail("inset_bottom is not an integer");
            const int64_t v = ib->get<int64_t>();
            if (v < 0 || v >= h) return fail("inset_bottom outside the canvas");
            s.insetBottom = static_cast<int>(v);
        }
        if (const auto wl = j.find("wall"); wl != j.end()) {
            if (!wl->is_boolean()) return fail("wall is not a boolean");
            s.wall = wl->get<bool>();
        }
        if (const auto en = j.find("english"); en != j.end()) {
            if (!en->is_boolean()) return fail("english is not a boolean");
            s.english = en->get<bool>();
        }
    } catch (const nlohmann::json::exception& e) {
        return fail(std::string("missing field: ") + e.what());
    }
    if (!std::isfinite(s.centerX) || !std::isfinite(s.centerY) || !std::isfinite(s.rotation) ||
        !std::isfinite(s.speed) || !(s.resolution > 0) || !std::isfinite(s.resolution) || s.speed < 0)
        return fail("a non-finite or impossible camera or speed");
    out = s;
    return true;
}

bool wallTileRect(int canvasWidth, int canvasHeight, int cols, int rows, int col, int row, int bezel, WallTile& out) {
    if (cols < 1 || rows < 1 || col < 0 || row < 0 || col >= cols || row >= rows || bezel < 0) return false;
    const int64_t tw = (static_cast<int64_t>(canvasWidth) - static_cast<int64_t>(cols - 1) * bezel) / cols;
    const int64_t th = (static_cast<int64_t>(canvasHeight) - static_cast<int64_t>(rows - 1) * bezel) / rows;
    if (tw < 16 || th < 16) return false;
    out = {static_cast<int>(col * (tw + bezel)), static_cast<int>(row * (th + bezel)), static_cast<int>(tw),
           static_cast<int>(th)};
    return true;
}

struct WallPublisher::Impl {
    zmq::context_t ctx{1};
    zmq::socket_t sock{ctx, zmq::socket_type::pub};
};

std::string wallEndpoint(const std::string& given) {
    if (given.find("://") != std::string::npos) return given;
    net::HostPort hp;
    std::string err;
    if (!net::parseHostPort(given, hp, &err))
        throw std::invalid_argument("wall endpoint '" + given + "': " + err +
                                    " (expected PORT, HOST:PORT or tcp://HOST:PORT)");
    return "tcp://" + hp.host + ":" + std::to_string(hp.port);
}

WallPublisher::WallPublisher(const std::string& given) : impl_(std::make_unique<Impl>()) {
    std::string endpoint;
    try {
        endpoint = wallEndpoint(given);
        impl_->sock.set(zmq::sockopt::linger, 0);
        // The default send queue (1,000): a follower's SUB keeps only the newest state
        // (ZMQ_CONFLATE) while its I/O thread drains the connection, so nothing piles up
        // there; a small queue here would drop the newest states of a burst instead.
        impl_->sock.bind(endpoint);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error("wall leader: cannot bind '" + given + "': " + e.what());
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("wall leader: ") + e.what());
    }
}

WallPublisher::~WallPublisher() = default;

std::string WallPublisher::endpoint() const { return impl_->sock.get(zmq::sockopt::last_endpoint); }

void WallPublisher::publish(const WallFrameState& s) {
    const std::string m = encodeWallFrame(s);
    impl_->sock.send(zmq::buffer(m), zmq::send_flags::dontwait);  // never blocks the leader's frame
    ++sent_;
}

struct WallSubscriber::Impl {
    zmq::context_t ctx{1};
    zmq::socket_t sock{ctx, zmq::socket_type::sub};
};

WallSubscriber::WallSubscriber(const std::string& endpoint) : impl_(std::make_unique<Impl>()) {
    try {
        impl_->sock.set(zmq::sockopt::linger, 0);
        impl_->sock.set(zmq::sockopt::conflate, 1);  // only the newest state: catch up by skipping
        impl_->sock.set(zmq::sockopt::subscribe, "");
        impl_->sock.connect(wallEndpoint(endpoint));
    } catch (const zmq::error_t& e) {
        throw std::runtime_error("wall follower: cannot connect to '" + endpoint + "': " + e.what());
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("wall follower: ") + e.what());
    }
}

WallSubscriber::~WallSubscriber() = default;

std::optional<WallFrameState> WallSubscriber::next(int timeoutMs) {
    zmq::pollitem_t item{impl_->sock.handle(), 0, ZMQ_POLLIN, 0};
    std::optional<WallFrameState> newest;
    zmq::message_t msg;
    try {
        if (zmq::poll(&item, 1, std::chrono::milliseconds(timeoutMs)) <= 0) return std::nullopt;
    } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) return std::nullopt;  // a signal (SIGTERM: the host stops after this turn)
        throw;
    }
    for (;;) {
        try {
            if (!impl_->sock.recv(msg, zmq::recv_flags::dontwait)) break;
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) break;
            throw;
        }
        ++received_;
        WallFrameState s;
        std::string err;
        if (decodeWallFrame(msg.to_string_view(), s, &err))
            newest = s;
        else {
            ++bad_;
            lastError_ = err;
        }
    }
    return newest;
}

}  // namespace sandtable
