#include <catch2/catch.hpp>

#include <filesystem>

#include "engine/time/time_controller.hpp"
#include "engine/util/civil_time.hpp"
#include "engine/util/image.hpp"
#include "tests/support/temp_path.hpp"

using namespace sandtable;

TEST_CASE("Replay plays a range by its speed, pauses, seeks and steps", "[clock]") {
    TimeController c;
    c.replay(1000, 100000);
    c.setSpeed(2.0);
    c.tick(0.5);
    CHECK(c.now() == 2000);
    c.tick(0.0004);  // sub-millisecond steps accumulate rather than vanish
    c.tick(0.0004);
    CHECK(c.now() == 2001);
    c.setPaused(true);
    c.tick(10);
    CHECK(c.now() == 2001);
    CHECK_FALSE(c.animating());
    c.setPaused(false);
    CHECK(c.animating());
    c.seek(50);  // scrubbing stays inside the range
    CHECK(c.now() == 1000);
    c.seek(5000);
    c.setSpeed(60);
    c.tick(1);
    CHECK(c.now() == 65000);
    c.step(-10000);  // a step pauses: frame-by-frame
    CHECK(c.now() == 55000);
    CHECK(c.paused());
    c.setSpeed(100000);  // clamped to 3600x
    CHECK(c.speed() == TimeController::kMaxSpeed);
    c.setSpeed(0.1);
    CHECK(c.speed() == TimeController::kMinSpeed);
}

TEST_CASE("Replay stops at the end of its range, or loops", "[clock]") {
    TimeController c;
    c.replay(0, 9999);
    c.setSpeed(600);
    c.tick(0.01);  // 6 s
    CHECK(c.now() == 6000);
    c.tick(0.01);  // past the end: stays at the end, paused
    CHECK(c.now() == 9999);
    CHECK(c.paused());
    CHECK_FALSE(c.animating());
    c.setLoop(true);
    c.seek(6000);
    c.setPaused(false);
    c.tick(0.01);  // 6000 + 6000 wraps around the 10000 ms the range holds: 2000
    CHECK(c.now() == 2000);
    CHECK(c.animating());
}

TEST_CASE("Live follows its source, a still stays, going live snaps to now", "[clock]") {
    TimeController live;
    CHECK(std::llabs(live.now() - wallClockMs()) < 5000);
    CHECK(live.live());
    TimeMs simulated = 42000;
    live.setLiveSource([&] { return simulated; });  // an accelerated simulation's clock
    simulated = 43000;
    live.tick(0.016);
    CHECK(live.now() == 43000);
    live.seek(40000);  // scrubbing back leaves live for a replay ending now
    CHECK_FALSE(live.live());
    CHECK(live.now() == 40000);
    CHECK(live.rangeTo() == 43000);
    simulated = 50000;
    live.goLive();
    CHECK(live.live());
    CHECK(live.now() == 50000);
    // A step back from live goes back (it once only paused: the replay range was [now, now]).
    live.tick(0.016);
    live.step(-10000);
    CHECK_FALSE(live.live());
    CHECK(live.paused());
    CHECK(live.now() == 40000);
    CHECK(live.rangeTo() == 50000);
    TimeController still = TimeController::fixedAt(7);
    still.tick(100);
    CHECK(still.now() == 7);
}

TEST_CASE("PNG round trip and image comparison", "[image]") {
    Image a(40, 30);
    for (int y = 0; y < 30; ++y)
        for (int x = 0; x < 40; ++x) {
            uint8_t* p = a.pixel(x, y);
            p[0] = static_cast<uint8_t>(x * 6);
            p[1] = static_cast<uint8_t>(y * 8);
            p[2] = 90;
            p[3] = 255;
        }
    const std::string path = test::processTempPath("sandtable_img_test.png").string();
    writePng(path, a);
    const Image b = readPng(path);
    REQUIRE(b.width == 40);
    REQUIRE(b.height == 30);
    CHECK(b.rgba == a.rgba);
    CHECK(compareImages(a, b).differing == 0);

    // A solid block of different colour is counted; the diff image marks it red.
    Image c = a;
    for (int y = 10; y < 20; ++y)
        for (int x = 10; x < 20; ++x) {
            uint8_t* p = c.pixel(x, y);
            p[0] = 255;
            p[1] = 255;
            p[2] = 255;
        }
    const ImageDiff d = compareImages(a, c);
    CHECK(d.differing >= 64);  // the block's interior at least (its edge may count as anti-aliased)
    CHECK(d.differing <= 100);
    CHECK(d.diff.pixel(15, 15)[0] == 255);
    CHECK(d.diff.pixel(15, 15)[1] == 0);
    // Size mismatch: everything differs.
    CHECK(compareImages(a, Image(10, 10)).fraction() == 1.0);
    CHECK_THROWS_WITH(readPng("/nonexistent.png"), Catch::Contains("/nonexistent.png"));
}

TEST_CASE("Civil time at Shanghai's offset", "[clock]") {
    const CivilTime c = toCivil(1732062600000);  // 2024-11-20T08:30:00+08:00
    CHECK(c.year == 2024);
    CHECK(c.month == 11u);
    CHECK(c.day == 20u);
    CHECK(c.hour == 8);
    CHECK(c.minute == 30);
    const CivilTime before = toCivil(-1, 0);  // one millisecond before the epoch, UTC
    CHECK(before.year == 1969);
    CHECK(before.day == 31u);
    CHECK(before.millisecond == 999);
    static_assert(daysFromCivil(2000, 3, 1) == 11017);
    int64_t y = 0;
    unsigned m = 0, d = 0;
    civilFromDays(daysFromCivil(2024, 2, 29), y, m, d);
    CHECK((y == 2024 && m == 2u && d == 29u));
}
