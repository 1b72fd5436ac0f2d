#include "engine/health/metrics.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace sandtable::health {

const char* metricTypeName(MetricType t) {
    switch (t) {
    case MetricType::Counter:
        return "counter";
    case MetricType::Gauge:
        return "gauge";
    case MetricType::Histogram:
        return "histogram";
    case MetricType::Summary:
        return "summary";
    case MetricType::Untyped:
        break;
    }
    return "untyped";
}

namespace {

bool nameChar(char c, bool first, bool colon) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
    return alpha || (!first && c >= '0' && c <= '9');
}

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void checkLabels(const std::vector<Label>& labels, std::string_view metric) {
    for (size_t i = 0; i < labels.size(); ++i) {
        if (!validLabelName(labels[i].name))
            throw std::invalid_argument("metric " + std::string(metric) + ": bad label name '" + labels[i].name + "'");
        for (size_t j = 0; j < i; ++j)
            if (labels[j].name == labels[i].name)
                throw std::invalid_argument("metric " + std::string(metric) + ": label '" + labels[i].name +
                                            "' given twice");
    }
}

void appendLabels(std::string& out, const std::vector<Label>& labels) {
    if (labels.empty()) return;
    out.push_back('{');
    for (size_t i = 0; i < labels.size(); ++i) {
        if (i) out.push_back(',');
        out.append(labels[i].name).append("=\"").append(escapeLabelValue(labels[i].value)).push_back('"');
    }
    out.push_back('}');
}

}  // namespace

bool validMetricName(std::string_view s) {
    if (s.empty()) return false;
    for (size_t i = 0; i < s.size(); ++i)
        if (!nameChar(s[i], i == 0, true)) return false;
    return true;
}

bool validLabelName(std::string_view s) {
    if (s.empty() || s.starts_with("__")) return false;  // reserved for Prometheus itself
    for (size_t i = 0; i < s.size(); ++i)
        if (!nameChar(s[i], i == 0, false)) return false;
    return true;
}

std::string escapeLabelValue(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\\')
            out.append("\\\\");
        else if (c == '"')
            out.append("\\\"");
        else if (c == '\n')
            out.append("\\n");
        else
            out.push_back(c);
    }
    return out;
}

std::string escapeHelp(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\\')
            out.append("\\\\");
        else if (c == '\n')
            out.append("\\n");
        else
            out.push_back(c);
    }
    return out;
}

std::string formatValue(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[32];
    // Whole numbers (every counter) exactly, without an exponent, up to 2^53.
    if (v == std::floor(v) && std::fabs(v) <= 9007199254740992.0) {
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
        return std::string(buf, end);
    }
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip
    return std::string(buf, end);
}

MetricFamily& MetricSet::family(std::string_view name, std::string_view help, MetricType type) {
    for (MetricFamily& f : families_)
        if (f.name == name) {
            if (f.type != type)
                throw std::invalid_argument("metric " + std::string(name) + " declared as " + metricTypeName(f.type) +
                                            " and as " + metricTypeName(type));
            return f;
        }
    if (!validMetricName(name)) throw std::invalid_argument("bad metric name '" + std::string(name) + "'");
    if (type == MetricType::Counter && !endsWith(name, "_total"))
        throw std::invalid_argument("counter " + std::string(name) + " must be named ..._total");
    families_.push_back(MetricFamily{std::string(name), std::string(help), type, {}});
    return families_.back();
}

void MetricSet::counter(std::string_view name, std::string_view help, double value, std::vector<Label> labels) {
    checkLabels(labels, name);
    family(name, help, MetricType::Counter).samples.push_back(Sample{"", std::move(labels), value});
}

void MetricSet::gauge(std::string_view name, std::string_view help, double value, std::vector<Label> labels) {
    checkLabels(labels, name);
    family(name, help, MetricType::Gauge).samples.push_back(Sample{"", std::move(labels), value});
}

void MetricSet::histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                          std::span<const uint64_t> counts, uint64_t overflow, double sum, std::vector<Label> labels) {
    if (bounds.size() != counts.size())
        throw std::invalid_argument("histogram " + std::string(name) + ": as many counts as bounds needed");
    checkLabels(labels, name);
    for (const Label& l : labels)
        if (l.name == "le") throw std::invalid_argument("histogram " + std::string(name) + ": 'le' is its own label");
    MetricFamily& f = family(name, help, MetricType::Histogram);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += i < bounds.size() ? counts[i] : overflow;
        std::vector<Label> l = labels;
        l.push_back(Label{"le", i < bounds.size() ? formatValue(bounds[i]) : "+Inf"});
        f.samples.push_back(Sample{"_bucket", std::move(l), static_cast<double>(cumulative)});
    }
    f.samples.push_back(Sample{"_sum", labels, sum});
    f.samples.push_back(Sample{"_count", std::move(labels), static_cast<double>(cumulative)});
}

const MetricFamily* MetricSet::find(std::string_view name) const {
    for (const MetricFamily& f : families_)
        if (f.name == name) return &f;
    return nullptr;
}

double MetricSet::value(std::string_view sampleName, const std::vector<Label>& labels) const {
    for (const MetricFamily& f : families_) {
        if (!sampleName.starts_with(f.name)) continue;
        const std::string_view suffix = sampleName.substr(f.name.size());
        for (const Sample& s : f.samples) {
            if (s.suffix != suffix || s.labels.size() != labels.size()) continue;
            bool same = true;
            for (size_t i = 0; i < labels.size() && same; ++i)
                same = s.labels[i].name == labels[i].name && s.labels[i].value == labels[i].value;
            if (same) return s.value;
        }
    }
    return NAN;
}

std::string formatPrometheus(const MetricSet& metrics) {
    std::string out;
    out.reserve(metrics.families().size() * 160);
    for (const MetricFamily& f : metrics.families()) {
        out.append("# HELP ").append(f.name).push_back(' ');
        out.append(escapeHelp(f.help)).push_back('\n');
        out.append("# TYPE ").append(f.name).push_back(' ');
        out.append(metricTypeName(f.type)).push_back('\n');
        for (const Sample& s : f.samples) {
            out.append(f.name).append(s.suffix);
            appendLabels(out, s.labels);
            out.push_back(' ');
            out.append(formatValue(s.value)).push_back('\n');
        }
    }
    return out;
}

}  // namespace sandtable::health
