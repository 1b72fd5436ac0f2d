// The wall's frame-state messages and tiles (engine/time/wall_sync): the codec refuses
// what is not a frame state, tiles leave the bezels out, PUB/SUB on loopback keeps only
// the newest state.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "engine/time/wall_sync.hpp"

using namespace sandtable;

TEST_CASE("wall frame states round-trip and bad ones are refused with a reason", "[feed][wall]") {
    WallFrameState s;
    s.seq = 42;
    s.time = 1732060800123;
    s.replay = true;
    s.speed = 600;
    s.centerX = 620301.5;
    s.centerY = 3467709.25;
    s.resolution = 5.3;
    s.rotation = -0.25;
    s.canvasWidth = 7680;
    s.canvasHeight = 2160;
    s.pixelRatio = 2.0f;
    s.insetBottom = 97;
    s.wall = true;
    s.final = true;
    WallFrameState back;
    REQUIRE(decodeWallFrame(encodeWallFrame(s), back));
    CHECK(back.seq == 42);
    CHECK(back.time == s.time);
    CHECK(back.replay);
    CHECK(back.final);
    CHECK(back.centerX == s.centerX);
    CHECK(back.resolution == s.resolution);
    CHECK(back.rotation == s.rotation);
    CHECK(back.canvasWidth == 7680);
    CHECK(back.pixelRatio == 2.0f);
    CHECK(back.insetBottom == 97);
    CHECK(back.wall);
    std::string err;
    const std::string good = encodeWallFrame(s);
    struct Bad {
        std::string text, reason;
    };
    auto edit = [&](const std::string& from, const std::string& to) {
        std::string t = good;
        const auto at = t.find(from);
        REQUIRE(at != std::string::npos);
        return t.replace(at, from.size(), to);
    };
    for (const Bad& b :
         {Bad{"", "not a JSON object"}, Bad{"[1,2]", "not a JSON object"},
          Bad{good.substr(0, good.size() / 2), "not a JSON object"}, Bad{edit("\"wall-frame\"", "\"pos\""), "type"},
          // Found by fuzz_wall_frame: a "type" that is not a string threw out of the decoder.
          Bad{edit("\"wall-frame\"", "60"), "type"}, Bad{edit("\"wall-frame\"", "null"), "type"},
          Bad{edit("\"resolution\":5.3", "\"resolution\":0"), "impossible"},
          Bad{edit("\"resolution\":5.3", "\"resolution\":\"5\""), "wrong type"},
          Bad{edit("[7680,2160]", "[0,2160]"), "canvas"}, Bad{edit("[7680,2160]", "[99999,2160]"), "canvas"},
          Bad{edit("\"seq\":42", "\"seq\":-1"), "integer"}, Bad{edit("\"final\":true", "\"final\":1"), "boolean"},
          Bad{edit(",\"rotation\":-0.25", ""), "missing"},
          Bad{edit("\"pixel_ratio\":2.0", "\"pixel_ratio\":1e9"), "pixel_ratio"},
          Bad{edit("\"pixel_ratio\":2.0", "\"pixel_ratio\":\"2\""), "pixel_ratio"},
          Bad{edit("\"inset_bottom\":97", "\"inset_bottom\":5000"), "inset_bottom"},
          Bad{edit("\"wall\":true", "\"wall\":1"), "wall"}}) {
        INFO(b.text);
        WallFrameState out;
        CHECK_FALSE(decodeWallFrame(b.text, out, &err));
        CHECK_THAT(err, Catch::Contains(b.reason));
    }
    // An older leader's message without the optional fields: derived on each node.
    std::string old = good;
    for (const std::string field :
         {",\"pixel_ratio\":2.0", ",\"inset_bottom\":97", ",\"wall\":true", ",\"english\":false"}) {
        const auto at = old.find(field);
        REQUIRE(at != std::string::npos);
        old.erase(at, field.size());
    }
    REQUIRE(decodeWallFrame(old, back, &err));
    CHECK(back.pixelRatio == 0.0f);
    CHECK(back.insetBottom == 0);
    CHECK_FALSE(back.wall);
}

TEST_CASE("wall endpoints: a bare port means loopback, ZeroMQ endpoints pass as they are", "[feed][wall]") {
    CHECK(wallEndpoint("5560") == "tcp://127.0.0.1:5560");
    CHECK(wallEndpoint(":5560") == "tcp://127.0.0.1:5560");
    CHECK(wallEndpoint("10.0.0.5:5560") == "tcp://10.0.0.5:5560");
    CHECK(wallEndpoint("tcp://*:5560") == "tcp://*:5560");
    CHECK(wallEndpoint("ipc:///run/sandtable-wall") == "ipc:///run/sandtable-wall");
    CHECK_THROWS_WITH(wallEndpoint("host:port"), Catch::Contains("expected PORT, HOST:PORT"));
    CHECK_THROWS_WITH(WallPublisher("nonsense:"), Catch::Contains("wall leader: wall endpoint 'nonsense:'"));
}

TEST_CASE("wall tiles split the canvas into equal monitors with the bezels left out", "[feed][wall]") {
    WallTile t;
    REQUIRE(wallTileRect(1280, 720, 2, 2, 1, 1, 20, t));
    CHECK(t.x == 650);
    CHECK(t.y == 370);
    CHECK(t.width == 630);
    CHECK(t.height == 350);
    REQUIRE(wallTileRect(7680, 2160, 4, 1, 3, 0, 0, t));
    CHECK(t.x == 5760);
    CHECK(t.width == 1920);
    CHECK(t.height == 2160);
    CHECK_FALSE(wallTileRect(1280, 720, 2, 2, 2, 0, 20, t));  // outside the grid
    CHECK_FALSE(wallTileRect(100, 100, 8, 8, 0, 0, 10, t));   // tiles under 16 px
}

TEST_CASE("a wall follower gets the newest frame state, skipping what it missed", "[feed][wall]") {
    const std::string ep =
        "tcp://127.0.0.1:" +
        std::to_string(47000 + (std::chrono::steady_clock::now().time_since_epoch().count() / 1000) % 2000);
    WallPublisher pub(ep);
    WallSubscriber sub(ep);
    WallFrameState s;
    s.canvasWidth = 640;
    s.canvasHeight = 360;
    // Slow joiner: publish until the subscription is up.
    std::optional<WallFrameState> got;
    for (int i = 0; i < 100 && !got; ++i) {
        pub.publish(s);
        got = sub.next(50);
    }
    REQUIRE(got);
    // A burst while the follower is busy: it sees only the last.
    for (uint64_t i = 1; i <= 50; ++i) {
        s.seq = i;
        pub.publish(s);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    got = sub.next(500);
    REQUIRE(got);
    CHECK(got->seq == 50);
    CHECK(sub.bad() == 0);
    CHECK_FALSE(sub.next(0));
}
