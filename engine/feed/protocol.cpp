#include "engine/feed/protocol.hpp"
#include "engine/util/civil_time.hpp"

#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "engine/geo/gcj02.hpp"

namespace sandtable {

const char* officerStatusName(OfficerStatus s) {
    switch (s) {
    case OfficerStatus::Patrol:
        return "patrol";
    case OfficerStatus::Dispatched:
        return "dispatched";
    case OfficerStatus::Break:
        return "break";
    case OfficerStatus::Offline:
        return "offline";
    }
    return "?";
}

bool parseOfficerStatus(std::string_view s, OfficerStatus& out) {
    if (s == "patrol")
        out = OfficerStatus::Patrol;
    else if (s == "dispatched")
        out = OfficerStatus::Dispatched;
    else if (s == "break")
        out = OfficerStatus::Break;
    else if (s == "offline")
        out = OfficerStatus::Offline;
    else
        return false;
    return true;
}

const char* rejectReasonName(RejectReason r) {
    static constexpr std::array<const char*, kRejectReasonCount> names{
        "line_too_long", "malformed_json", "unknown_type",      "missing_field",  "invalid_field", "bad_time",
        "future_time",   "bad_coordinate", "unknown_crs",       "outside_area",   "unknown_squad", "unknown_status",
        "bad_speed",     "implied_speed",  "too_many_officers", "queue_overflow", "incomplete"};
    const auto i = static_cast<size_t>(r);
    return i < names.size() ? names[i] : "?";
}

const std::vector<std::string>& defaultSquadIds() {
    static const std::vector<std::string> ids{"caoyang", "changfeng", "changshou", "ganquan",    "shiquan",
                                              "yichuan", "wanli",     "zhenru",    "changzheng", "taopu"};
    return ids;
}

// ---- time ----

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

bool leapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr TimeMs kMinPlausibleTime = 946684800000;  // 2000-01-01: catches epoch seconds sent as ms

}  // namespace

bool parseIsoTime(std::string_view s, TimeMs& out) {
    int y, mo, d, h, mi, sec;
    if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
        !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
        !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
        return false;
    static constexpr int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return false;
    if (d > mdays[mo - 1] + (mo == 2 && leapYear(y) ? 1 : 0)) return false;
    size_t p = 19;
    int ms = 0;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        int scale = 100, n = 0;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
            ms += (s[p] - '0') * scale;  // digits past milliseconds are truncated
            scale /= 10;
            ++p;
            ++n;
        }
        if (n == 0) return false;
    }
    if (p >= s.size()) return false;  // no offset: ambiguous
    int offMin = 0;
    if (s[p] == 'Z' || s[p] == 'z') {
        ++p;
    } else if (s[p] == '+' || s[p] == '-') {
        const int sign = s[p] == '-' ? -1 : 1;
        int oh = 0, om = 0;
        if (!digits(s, p + 1, 2, oh)) return false;
        p += 3;
        if (p < s.size() && s[p] == ':') {
            if (!digits(s, p + 1, 2, om)) return false;
            p += 3;
        } else if (p < s.size()) {
            if (!digits(s, p, 2, om)) return false;
            p += 2;
        }
        if (oh > 18 || om > 59) return false;
        offMin = sign * (oh * 60 + om);
    } else {
        return false;
    }
    if (p != s.size()) return false;
    const int64_t days = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    const int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offMin * 60;
    out = secs * 1000 + ms;
    return true;
}

std::string formatIsoTime(TimeMs t, int offsetMinutes) {
    const CivilTime c = toCivil(t, offsetMinutes);
    const int off = offsetMinutes < 0 ? -offsetMinutes : offsetMinutes;
    if (c.year < 0 || c.year > 9999 || off >= 100 * 60) {
        char buf[64], frac[8] = "";
        if (c.millisecond != 0) std::snprintf(frac, sizeof frac, ".%03d", c.millisecond);
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d%s%c%02d:%02d", static_cast<long long>(c.year),
                      c.month, c.day, c.hour, c.minute, c.second, frac, offsetMinutes < 0 ? '-' : '+', off / 60,
                      off % 60);
        return buf;
    }
    // Digits by hand: the history writes one of these per row, and snprintf with eleven
    // arguments was a tenth of the import's time.
    char buf[32];
    char* p = buf;
    auto put = [&](int v, int width) {
        for (int i = width - 1; i >= 0; --i) {
            p[i] = static_cast<char>('0' + v % 10);
            v /= 10;
        }
        p += width;
    };
    put(static_cast<int>(c.year), 4);
    *p++ = '-';
    put(static_cast<int>(c.month), 2);
    *p++ = '-';
    put(static_cast<int>(c.day), 2);
    *p++ = 'T';
    put(c.hour, 2);
    *p++ = ':';
    put(c.minute, 2);
    *p++ = ':';
    put(c.second, 2);
    if (c.millisecond != 0) {
        *p++ = '.';
        put(c.millisecond, 3);
    }
    *p++ = offsetMinutes < 0 ? '-' : '+';
    put(off / 60, 2);
    *p++ = ':';
    put(off % 60, 2);
    return std::string(buf, static_cast<size_t>(p - buf));
}

// ---- parser ----
// simdjson's DOM API rather than On-Demand: DOM picks the best SIMD kernel at run time,
// while On-Demand is compiled for the build's baseline ISA (scalar "fallback" on plain
// x86-64), and DOM validates the whole line, trailing garbage included, for free.

struct FeedParser::Impl {
    simdjson::dom::parser parser;
    std::string buf;  // line copy with simdjson's required padding

    simdjson::error_code load(std::string_view line, simdjson::dom::element& doc) {
        const size_t need = line.size() + simdjson::SIMDJSON_PADDING;
        if (buf.size() < need) buf.resize(need);
        std::memcpy(buf.data(), line.data(), line.size());
        std::memset(buf.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);
        return parser.parse(buf.data(), line.size(), false).get(doc);
    }
};

FeedParser::FeedParser(const FeedConfig& config) : impl_(std::make_unique<Impl>()), config_(config) {}
FeedParser::~FeedParser() = default;

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

ParseResult fail(RejectReason r, const char* detail) { return {false, r, detail}; }
constexpr ParseResult kOk{true, RejectReason::Count, ""};

// Reads "t": ISO 8601 string or integer epoch milliseconds.
bool readTime(const element& v, TimeMs& out) {
    if (v.type() == element_type::STRING) {
        std::string_view s;
        return !v.get_string().get(s) && parseIsoTime(s, out);
    }
    if (v.type() == element_type::INT64 || v.type() == element_type::UINT64) {
        int64_t ms;
        if (v.get_int64().get(ms)) return false;
        out = ms;
        return true;
    }
    return false;
}

ParseResult readString(const element& v, std::string_view& dst, const char* name) {
    if (v.get_string().get(dst)) return fail(RejectReason::InvalidField, name);
    return kOk;
}

ParseResult readNumber(const element& v, double& dst, const char* name, RejectReason why) {
    if (v.get_double().get(dst)) return fail(why, name);
    return kOk;
}

}  // namespace

ParseResult FeedParser::parse(std::string_view line, TimeMs now, FeedMessage& out, TimeMs timeShiftMs) {
    if (line.size() > config_.maxLineBytes) return fail(RejectReason::LineTooLong, "line");
    element doc;
    if (impl_->load(line, doc)) return fail(RejectReason::MalformedJson, "document");
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) return fail(RejectReason::MalformedJson, "not an object");

    RawMessage raw;
    for (const simdjson::dom::key_value_pair kv : obj) {
        const std::string_view key = kv.key;
        const element& v = kv.value;
        // Optional fields sent as null are treated as absent.
        const bool isNull = v.type() == element_type::NULL_VALUE;
        ParseResult r = kOk;
        if (key == "type") {
            r = readString(v, raw.type, "type");
            raw.hasType = true;
        } else if (key == "officer") {
            r = readString(v, raw.officer, "officer");
        } else if (key == "squad") {
            if (!isNull) {
                r = readString(v, raw.squad, "squad");
                raw.hasSquad = true;
            }
        } else if (key == "t") {
            raw.hasT = true;
            raw.tOk = readTime(v, raw.t);
        } else if (key == "lon") {
            r = readNumber(v, raw.lon, "lon", RejectReason::BadCoordinate);
            raw.hasLon = true;
        } else if (key == "lat") {
            r = readNumber(v, raw.lat, "lat", RejectReason::BadCoordinate);
            raw.hasLat = true;
        } else if (key == "crs") {
            if (!isNull) {
                r = readString(v, raw.crs, "crs");
                raw.hasCrs = true;
            }
        } else if (key == "status") {
            if (!isNull) {
                r = readString(v, raw.status, "status");
                raw.hasStatus = true;
            }
        } else if (key == "speed") {
            if (!isNull) r = readNumber(v, raw.speed, "speed", RejectReason::InvalidField);
        } else if (key == "heading") {
            if (!isNull) r = readNumber(v, raw.heading, "heading", RejectReason::InvalidField);
        } else if (key == "acc") {
            if (!isNull) r = readNumber(v, raw.acc, "acc", RejectReason::InvalidField);
        } else if (key == "checkpoint") {
            r = readString(v, raw.checkpoint, "checkpoint");
        } else if (key == "id") {
            r = readString(v, raw.id, "id");
        } else if (key == "kind") {
            if (!isNull) r = readString(v, raw.kind, "kind");
        } else if (key == "state") {
            if (!isNull) r = readString(v, raw.incidentState, "state");
        }
        // Unknown fields are ignored: senders may add fields freely.
        if (!r.ok) return r;
    }
    return validate(raw, now, out, timeShiftMs);
}

ParseResult FeedParser::validate(const RawMessage& raw, TimeMs now, FeedMessage& out, TimeMs timeShiftMs) const {
    out = FeedMessage{};
    if (raw.extractError != RejectReason::Count) return fail(raw.extractError, raw.extractDetail);
    out.officer = raw.officer;
    out.checkpoint = raw.checkpoint;
    out.id = raw.id;
    out.kind = raw.kind;
    out.t = raw.t;
    out.lon = raw.lon;
    out.lat = raw.lat;
    const std::string_view type = raw.type, squad = raw.squad, status = raw.status, crs = raw.crs;
    std::string_view incidentState = raw.incidentState;
    double speed = raw.speed, heading = raw.heading, acc = raw.acc;

    if (!raw.hasType) return fail(RejectReason::UnknownType, "type missing");
    if (type == "pos")
        out.type = FeedMessageType::Position;
    else if (type == "checkin")
        out.type = FeedMessageType::CheckIn;
    else if (type == "incident")
        out.type = FeedMessageType::Incident;
    else
        return fail(RejectReason::UnknownType, "type");

    const bool located = out.type != FeedMessageType::CheckIn;
    if (out.type != FeedMessageType::Incident && out.officer.empty())
        return fail(RejectReason::MissingField, "officer");
    if (out.type == FeedMessageType::Position && !raw.hasSquad) return fail(RejectReason::MissingField, "squad");
    if (out.type == FeedMessageType::CheckIn && out.checkpoint.empty())
        return fail(RejectReason::MissingField, "checkpoint");
    if (out.type == FeedMessageType::Incident && out.id.empty()) return fail(RejectReason::MissingField, "id");
    if (!raw.hasT) return fail(RejectReason::MissingField, "t");
    if (located && !raw.hasLon) return fail(RejectReason::MissingField, "lon");
    if (located && !raw.hasLat) return fail(RejectReason::MissingField, "lat");
    if (out.officer.size() > 64) return fail(RejectReason::InvalidField, "officer");
    if (out.checkpoint.size() > 64 || out.id.size() > 64 || out.kind.size() > 64)
        return fail(RejectReason::InvalidField, "id");

    if (!raw.tOk || out.t < kMinPlausibleTime) return fail(RejectReason::BadTime, "t");
    out.t += timeShiftMs;
    if (out.t > now + config_.futureToleranceMs) return fail(RejectReason::FutureTime, "t");

    if (located) {
        if (!std::isfinite(out.lon) || !std::isfinite(out.lat) || out.lon < -180 || out.lon > 180 || out.lat < -90 ||
            out.lat > 90)
            return fail(RejectReason::BadCoordinate, "lon/lat");
        if (raw.hasCrs) {
            if (crs == "gcj02") {
                const Vec2d w = gcj02::toWgs84({out.lon, out.lat});
                out.lon = w.x;
                out.lat = w.y;
            } else if (crs != "wgs84" && crs != "cgcs2000") {
                // CGCS2000 and WGS84 lon/lat differ by centimetres: used as is.
                return fail(RejectReason::UnknownCrs, "crs");
            }
        }
        if (!config_.area.contains({out.lon, out.lat})) return fail(RejectReason::OutsideArea, "lon/lat");
    }

    if (raw.hasSquad) {
        size_t i = 0;
        while (i < config_.squads.size() && config_.squads[i] != squad) ++i;
        if (i == config_.squads.size() || i > 255) return fail(RejectReason::UnknownSquad, "squad");
        out.squad = static_cast<uint8_t>(i);
        out.hasSquad = true;
    }

    if (out.type == FeedMessageType::Position) {
        if (raw.hasStatus && !parseOfficerStatus(status, out.status))
            return fail(RejectReason::UnknownStatus, "status");
        out.hasStatus = raw.hasStatus;  // absent: FeedState keeps the officer's previous status
        if (!std::isnan(speed) && (!(speed >= 0) || speed > config_.maxSpeedMps))
            return fail(RejectReason::BadSpeed, "speed");
        if (!std::isnan(heading)) {
            heading = std::fmod(heading, 360.0);
            if (heading < 0) heading += 360.0;
        }
        if (!std::isnan(acc) && !(acc >= 0 && acc < 1e5)) return fail(RejectReason::InvalidField, "acc");
        out.speed = static_cast<float>(speed);
        out.heading = static_cast<float>(heading);
        out.accuracy = static_cast<float>(acc);
    } else if (out.type == FeedMessageType::Incident) {
        if (incidentState.empty()) incidentState = "open";
        if (incidentState != "open" && incidentState != "closed") return fail(RejectReason::InvalidField, "state");
        out.incidentState = incidentState;
    }
    return kOk;
}

bool FeedParser::peekTime(std::string_view line, TimeMs& out) {
    if (line.size() > config_.maxLineBytes) return false;
    element doc;
    if (impl_->load(line, doc)) return false;
    element v;
    if (doc["t"].get(v)) return false;
    return readTime(v, out) && out >= kMinPlausibleTime;
}

}  // namespace sandtable
