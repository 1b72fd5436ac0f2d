// The Prometheus text format (0.0.4): HELP and TYPE lines, counters and gauges, label
// escaping, histograms, values, and the names refused.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/feed/protocol.hpp"
#include "engine/health/metrics.hpp"

using namespace sandtable;
using namespace sandtable::health;

TEST_CASE("counter and gauge lines with HELP and TYPE", "[health][metrics]") {
    MetricSet m;
    m.counter("sandtable_feed_lines_accepted_total", "Feed lines accepted, by source.", 1234, {{"source", "tcp"}});
    m.counter("sandtable_feed_lines_accepted_total", "", 5, {{"source", "mqtt"}});
    m.gauge("sandtable_feed_queue_lines", "Lines waiting.", 0);
    m.gauge("sandtable_frame_last_seconds", "The newest frame.", 0.0125);
    CHECK(formatPrometheus(m) ==
          "# HELP sandtable_feed_lines_accepted_total Feed lines accepted, by source.\n"
          "# TYPE sandtable_feed_lines_accepted_total counter\n"
          "sandtable_feed_lines_accepted_total{source=\"tcp\"} 1234\n"
          "sandtable_feed_lines_accepted_total{source=\"mqtt\"} 5\n"
          "# HELP sandtable_feed_queue_lines Lines waiting.\n"
          "# TYPE sandtable_feed_queue_lines gauge\n"
          "sandtable_feed_queue_lines 0\n"
          "# HELP sandtable_frame_last_seconds The newest frame.\n"
          "# TYPE sandtable_frame_last_seconds gauge\n"
          "sandtable_frame_last_seconds 0.0125\n");
    CHECK(m.value("sandtable_feed_lines_accepted_total", {{"source", "mqtt"}}) == 5);
    CHECK(std::isnan(m.value("sandtable_feed_lines_accepted_total", {{"source", "udp"}})));
}

TEST_CASE("a reject reason label next to its source", "[health][metrics]") {
    MetricSet m;
    m.counter("sandtable_feed_lines_rejected_total", "Feed lines refused, by source and reason.", 7,
              {{"source", "sim"}, {"reason", rejectReasonName(RejectReason::OutsideArea)}});
    const std::string text = formatPrometheus(m);
    CHECK(text.find("\nsandtable_feed_lines_rejected_total{source=\"sim\",reason=\"outside_area\"} 7\n") !=
          std::string::npos);
    CHECK(text.find("# TYPE sandtable_feed_lines_rejected_total counter\n") != std::string::npos);
}

TEST_CASE("label values escape backslash, double quote and line feed", "[health][metrics]") {
    CHECK(escapeLabelValue(R"(C:\feeds\"a")") == R"(C:\\feeds\\\"a\")");
    CHECK(escapeLabelValue("two\nlines") == "two\\nlines");
    CHECK(escapeLabelValue("普陀 tab\there") == "普陀 tab\there");  // UTF-8 and tabs as they are
    MetricSet m;
    m.counter("x_total", "Help with a \\ and a\nline feed.", 1, {{"source", "a\"b\\c\nd"}});
    CHECK(formatPrometheus(m) ==
          "# HELP x_total Help with a \\\\ and a\\nline feed.\n"
          "# TYPE x_total counter\n"
          "x_total{source=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST_CASE("values: whole numbers exactly, fractions round-trip, infinities and NaN", "[health][metrics]") {
    CHECK(formatValue(0) == "0");
    CHECK(formatValue(-3) == "-3");
    CHECK(formatValue(9007199254740992.0) == "9007199254740992");
    CHECK(formatValue(123456789012.0) == "123456789012");
    CHECK(formatValue(0.1) == "0.1");
    CHECK(std::stod(formatValue(1.0 / 3.0)) == 1.0 / 3.0);
    CHECK(formatValue(INFINITY) == "+Inf");
    CHECK(formatValue(-INFINITY) == "-Inf");
    CHECK(formatValue(NAN) == "NaN");
}

TEST_CASE("a histogram: cumulative buckets up to +Inf, sum and count", "[health][metrics]") {
    MetricSet m;
    const double bounds[] = {0.01, 0.1, 1};
    const uint64_t counts[] = {3, 0, 2};
    m.histogram("sandtable_frame_seconds", "Frame times.", bounds, counts, 1, 4.5);
    CHECK(formatPrometheus(m) ==
          "# HELP sandtable_frame_seconds Frame times.\n"
          "# TYPE sandtable_frame_seconds histogram\n"
          "sandtable_frame_seconds_bucket{le=\"0.01\"} 3\n"
          "sandtable_frame_seconds_bucket{le=\"0.1\"} 3\n"
          "sandtable_frame_seconds_bucket{le=\"1\"} 5\n"
          "sandtable_frame_seconds_bucket{le=\"+Inf\"} 6\n"
          "sandtable_frame_seconds_sum 4.5\n"
          "sandtable_frame_seconds_count 6\n");
    CHECK(m.value("sandtable_frame_seconds_count") == 6);
    CHECK(m.value("sandtable_frame_seconds_bucket", {{"le", "0.1"}}) == 3);
}

TEST_CASE("bad names, counters without _total and a type changed are refused", "[health][metrics]") {
    MetricSet m;
    CHECK_THROWS_AS(m.gauge("1up", "", 1), std::invalid_argument);
    CHECK_THROWS_AS(m.gauge("has-dash", "", 1), std::invalid_argument);
    CHECK_THROWS_AS(m.counter("sandtable_lines", "", 1), std::invalid_argument);
    CHECK_THROWS_AS(m.gauge("ok", "", 1, {{"bad-label", "v"}}), std::invalid_argument);
    CHECK_THROWS_AS(m.gauge("ok", "", 1, {{"__reserved", "v"}}), std::invalid_argument);
    CHECK_THROWS_AS(m.gauge("ok", "", 1, {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
    m.gauge("sandtable_x", "", 1);
    CHECK_THROWS_AS(m.counter("sandtable_x", "", 1), std::invalid_argument);
    CHECK(validMetricName("sandtable:recorded_rule"));
    CHECK_FALSE(validLabelName("a:b"));
    CHECK(validLabelName("_a1"));
}
