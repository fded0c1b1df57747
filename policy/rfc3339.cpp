#include "policy/rfc3339.hpp"

#include <cstdio>

#include "policy/civil_date.hpp"

namespace sekimori::policy {
namespace {

bool digits(std::string_view text, std::size_t at, std::size_t n, int& out) {
    if (at + n > text.size()) {
        return false;
    }
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        v = v * 10 + (text[i] - '0');
    }
    out = v;
    return true;
}

}  // namespace

std::optional<core::TimeUs> parseRfc3339(std::string_view t) {
    CivilDate date;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!digits(t, 0, 4, date.year) || t.size() < 20 || t[4] != '-' ||
        !digits(t, 5, 2, date.month) || t[7] != '-' || !digits(t, 8, 2, date.day) ||
        (t[10] != 'T' && t[10] != 't') || !digits(t, 11, 2, hour) || t[13] != ':' ||
        !digits(t, 14, 2, minute) || t[16] != ':' || !digits(t, 17, 2, second)) {
        return std::nullopt;
    }
    if (!isValidDate(date) || hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;  // no leap second: the clocks we compare with have none
    }
    std::size_t at = 19;
    std::int64_t micros = 0;
    if (at < t.size() && t[at] == '.') {
        ++at;
        std::size_t n = 0;
        while (at < t.size() && t[at] >= '0' && t[at] <= '9') {
            if (++n > 6) {
                return std::nullopt;
            }
            micros = micros * 10 + (t[at] - '0');
            ++at;
        }
        if (n == 0) {
            return std::nullopt;
        }
        for (; n < 6; ++n) {
            micros *= 10;
        }
    }
    int offsetMinutes = 0;
    if (at < t.size() && (t[at] == 'Z' || t[at] == 'z')) {
        ++at;
    } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
        int oh = 0;
        int om = 0;
        if (!digits(t, at + 1, 2, oh) || at + 3 >= t.size() || t[at + 3] != ':' ||
            !digits(t, at + 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offsetMinutes = (t[at] == '-' ? -1 : 1) * (oh * 60 + om);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != t.size()) {
        return std::nullopt;
    }
    const std::int64_t seconds = dayNumber(date) * 86'400 + hour * 3'600 + minute * 60 + second -
                                 static_cast<std::int64_t>(offsetMinutes) * 60;
    return seconds * 1'000'000 + micros;
}

std::string formatRfc3339(core::TimeUs timeUs, int utcOffsetMinutes) {
    const std::int64_t local = timeUs + static_cast<std::int64_t>(utcOffsetMinutes) * 60'000'000;
    std::int64_t seconds = local / 1'000'000;
    std::int64_t micros = local % 1'000'000;
    if (micros < 0) {
        micros += 1'000'000;
        --seconds;
    }
    std::int64_t day = seconds / 86'400;
    std::int64_t inDay = seconds % 86'400;
    if (inDay < 0) {
        inDay += 86'400;
        --day;
    }
    const CivilDate date = dateOfDay(day);
    char buffer[64];
    const int offset = utcOffsetMinutes < 0 ? -utcOffsetMinutes : utcOffsetMinutes;
    char fraction[16] = "";
    if (micros != 0) {
        std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(micros));
    }
    if (utcOffsetMinutes == 0) {
        std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", date.year,
                      date.month, date.day, static_cast<int>(inDay / 3600),
                      static_cast<int>(inDay / 60 % 60), static_cast<int>(inDay % 60), fraction);
    } else {
        std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02d:%02d",
                      date.year, date.month, date.day, static_cast<int>(inDay / 3600),
                      static_cast<int>(inDay / 60 % 60), static_cast<int>(inDay % 60), fraction,
                      utcOffsetMinutes < 0 ? '-' : '+', offset / 60, offset % 60);
    }
    return buffer;
}

}  // namespace sekimori::policy
