#pragma once
// A set of metrics as of one moment, and its Prometheus text exposition (format 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/). The engine does not keep
// live counters of its own here: the feed, the history and the frame loop already count,
// and a MetricSet is filled from their latest snapshots when it is asked for
// (engine/health/wall_health.hpp), then formatted for one scrape.
//
//     MetricSet m;
//     m.counter("sandtable_feed_lines_received_total", "Lines received.", 1234, {{"source", "tcp"}});
//     m.gauge("sandtable_officers", "Officers known.", 850, {{"state", "live"}});
//     std::string text = formatPrometheus(m);
//
// Names are checked (a bad one throws std::invalid_argument: a programming error); label
// values are escaped. Counters must be named ..._total.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sandtable::health {

enum class MetricType : uint8_t { Counter, Gauge, Histogram, Summary, Untyped };
const char* metricTypeName(MetricType t);

struct Label {
    std::string name, value;
};

struct Sample {
    std::string suffix;  // appended to the family's name: "" or _bucket, _sum, _count
    std::vector<Label> labels;
    double value = 0;
};

struct MetricFamily {
    std::string name, help;
    MetricType type = MetricType::Untyped;
    std::vector<Sample> samples;
};

class MetricSet {
public:
    // The family of this name, declared with its help and type on first use. Throws
    // std::invalid_argument for a bad name, a counter not named ..._total, or a name
    // already declared with another type.
    MetricFamily& family(std::string_view name, std::string_view help, MetricType type);

    void counter(std::string_view name, std::string_view help, double value, std::vector<Label> labels = {});
    void gauge(std::string_view name, std::string_view help, double value, std::vector<Label> labels = {});
    // A cumulative histogram: counts[i] observations <= bounds[i] (not cumulative: each
    // bucket's own count), plus those above the last bound in overflow; written as
    // _bucket{le=...} (cumulative, ending with le="+Inf"), _sum and _count.
    void histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                   std::span<const uint64_t> counts, uint64_t overflow, double sum, std::vector<Label> labels = {});

    const std::vector<MetricFamily>& families() const { return families_; }
    const MetricFamily* find(std::string_view name) const;
    // The value of the sample NAME (family name + suffix) with exactly these labels; NaN
    // when there is none (tests, the health check).
    double value(std::string_view sampleName, const std::vector<Label>& labels = {}) const;

private:
    std::vector<MetricFamily> families_;
};

// [a-zA-Z_:][a-zA-Z0-9_:]* (metric), [a-zA-Z_][a-zA-Z0-9_]* not starting "__" (label).
bool validMetricName(std::string_view s);
bool validLabelName(std::string_view s);
// Label values: backslash, double quote and line feed escaped (\\, \", \n).
std::string escapeLabelValue(std::string_view s);
// HELP text: backslash and line feed escaped.
std::string escapeHelp(std::string_view s);
// A sample value: integers exactly (up to 2^53), others shortest round-trip, +Inf, -Inf, NaN.
std::string formatValue(double v);

// The text format, version 0.0.4: for each family "# HELP", "# TYPE", then its samples,
// one per line, "\n" line ends, ending with a line feed.
std::string formatPrometheus(const MetricSet& metrics);
constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace sandtable::health
