#include "core/report_time.hpp"

#include <charconv>
#include <cstdio>

namespace sekimori::core {
namespace {

constexpr std::int64_t kUsPerSecond = 1'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

Civil civilFromDays(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2 ? 1 : 0), m, d};
}

bool digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
    if (at + count > text.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        out = out * 10 + (text[i] - '0');
    }
    return true;
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

std::optional<core::TimeUs> parseReportTime(std::string_view text, int utcOffsetMinutes) {
    if (text.empty() || text.size() > 40) {
        return std::nullopt;
    }
    if (text.find_first_not_of("0123456789") == std::string_view::npos) {
        core::TimeUs us = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), us);
        if (ec != std::errc{} || end != text.data() + text.size()) {
            return std::nullopt;
        }
        return us;
    }
    int year = 0;
    int month = 0;
    int day = 0;
    if (!digits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
        !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) || month < 1 ||
        month > 12 || day < 1 || day > 31) {
        return std::nullopt;
    }
    int hour = 0;
    int minute = 0;
    int second = 0;
    std::size_t at = 10;
    if (at < text.size()) {
        if ((text[at] != 'T' && text[at] != ' ') || !digits(text, at + 1, 2, hour) ||
            at + 3 >= text.size() || text[at + 3] != ':' || !digits(text, at + 4, 2, minute)) {
            return std::nullopt;
        }
        at += 6;
        if (at < text.size() && text[at] == ':') {
            if (!digits(text, at + 1, 2, second)) {
                return std::nullopt;
            }
            at += 3;
        }
    }
    if (hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    int offset = utcOffsetMinutes;
    if (at < text.size()) {
        if (text[at] == 'Z' && at + 1 == text.size()) {
            offset = 0;
        } else if ((text[at] == '+' || text[at] == '-') && at + 6 == text.size() &&
                   text[at + 3] == ':') {
            int oh = 0;
            int om = 0;
            if (!digits(text, at + 1, 2, oh) || !digits(text, at + 4, 2, om) || oh > 23 ||
                om > 59) {
                return std::nullopt;
            }
            offset = (oh * 60 + om) * (text[at] == '-' ? -1 : 1);
        } else {
            return std::nullopt;
        }
    }
    const std::int64_t days =
        daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t seconds =
        days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset * 60;
    return seconds * kUsPerSecond;
}

std::string zoneName(int utcOffsetMinutes) {
    const int a = utcOffsetMinutes < 0 ? -utcOffsetMinutes : utcOffsetMinutes;
    char buf[16];
    std::snprintf(buf, sizeof buf, "UTC%c%02d:%02d", utcOffsetMinutes < 0 ? '-' : '+', a / 60,
                  a % 60);
    return buf;
}

std::string formatSiteTime(core::TimeUs timeUs, int utcOffsetMinutes) {
    const std::int64_t local = floorDiv(timeUs, kUsPerSecond) + utcOffsetMinutes * 60;
    const std::int64_t days = floorDiv(local, kSecondsPerDay);
    const std::int64_t rest = local - days * kSecondsPerDay;
    const Civil c = civilFromDays(days);
    const int a = utcOffsetMinutes < 0 ? -utcOffsetMinutes : utcOffsetMinutes;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02d:%02d:%02d %c%02d:%02d",
                  static_cast<long long>(c.year), c.month, c.day, static_cast<int>(rest / 3600),
                  static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60),
                  utcOffsetMinutes < 0 ? '-' : '+', a / 60, a % 60);
    return buf;
}

LocalClock localClock(core::TimeUs timeUs, int utcOffsetMinutes) {
    const std::int64_t local = floorDiv(timeUs, kUsPerSecond) + utcOffsetMinutes * 60;
    const std::int64_t days = floorDiv(local, kSecondsPerDay);
    const std::int64_t rest = local - days * kSecondsPerDay;
    // 1970-01-01 was a Thursday (4).
    const auto weekday = static_cast<int>(((days % 7) + 7 + 4) % 7);
    return {static_cast<int>(rest / 3600), weekday};
}

}  // namespace sekimori::core
