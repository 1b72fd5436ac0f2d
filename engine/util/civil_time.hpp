#pragma once
// Calendar arithmetic for scene time (ms since the Unix epoch) without the C library's
// time zone state: Howard Hinnant's days_from_civil / civil_from_days (proleptic
// Gregorian, no tables). Used by the feed's ISO 8601 parser and formatter, the OGR time
// reader and the map's clock display.
#include <cstdint>
#include <cstdio>
#include <string>

#include "engine/util/clock.hpp"

namespace sandtable {

// Days since 1970-01-01 of a date (month 1..12, day 1..31).
constexpr int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// The date of a day number (inverse of daysFromCivil).
constexpr void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

struct CivilTime {
    int64_t year = 1970;
    unsigned month = 1, day = 1;
    int hour = 0, minute = 0, second = 0, millisecond = 0;
};

// Wall-clock fields of t at a fixed UTC offset (Shanghai: +8 h, no daylight saving).
constexpr CivilTime toCivil(TimeMs t, int offsetMinutes = 8 * 60) {
    const TimeMs local = t + static_cast<TimeMs>(offsetMinutes) * 60000;
    int64_t days = local / 86400000;
    int64_t rem = local % 86400000;
    if (rem < 0) {
        rem += 86400000;
        --days;
    }
    CivilTime c;
    civilFromDays(days, c.year, c.month, c.day);
    c.hour = static_cast<int>(rem / 3600000);
    c.minute = static_cast<int>(rem / 60000 % 60);
    c.second = static_cast<int>(rem / 1000 % 60);
    c.millisecond = static_cast<int>(rem % 1000);
    return c;
}

// "2024-10-20" at Shanghai time: the date a user reads.
inline std::string localDateText(TimeMs t) {
    const CivilTime c = toCivil(t);
    char buf[24];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
    return buf;
}
// "2024-10-20 09:30:05" (or without the seconds) at Shanghai time.
inline std::string localDateTimeText(TimeMs t, bool seconds = true) {
    const CivilTime c = toCivil(t);
    char buf[48];
    if (seconds)
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d:%02d", static_cast<long long>(c.year), c.month,
                      c.day, c.hour, c.minute, c.second);
    else
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d", static_cast<long long>(c.year), c.month, c.day,
                      c.hour, c.minute);
    return buf;
}

}  // namespace sandtable
