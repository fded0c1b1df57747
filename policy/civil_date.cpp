#include "policy/civil_date.hpp"

#include <algorithm>
#include <charconv>

namespace sekimori::policy {
namespace {

bool isLeap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// Reads digits [from, first `separator` or end); nullopt if none or not all digits.
std::optional<int> number(std::string_view text, std::size_t& from, char separator,
                          std::size_t maxDigits) {
    const std::size_t end = std::min(text.find(separator, from), text.size());
    if (end == from || end - from > maxDigits) {
        return std::nullopt;
    }
    int value = 0;
    const auto* first = text.data() + from;
    const auto* last = text.data() + end;
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last) {
        return std::nullopt;
    }
    from = end + 1;
    return value;
}

}  // namespace

int daysInMonth(int year, int month) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) {
        return 0;
    }
    return month == 2 && isLeap(year) ? 29 : kDays[month - 1];
}

bool isValidDate(const CivilDate& date) {
    return date.month >= 1 && date.month <= 12 && date.day >= 1 &&
           date.day <= daysInMonth(date.year, date.month);
}

std::int64_t dayNumber(const CivilDate& date) {
    const std::int64_t y = date.year - (date.month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (date.month + 9) % 12;  // March = 0
    const std::int64_t doy = (153 * mp + 2) / 5 + date.day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

CivilDate dateOfDay(std::int64_t dayNumberValue) {
    const std::int64_t z = dayNumberValue + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const auto day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    const auto year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
    return CivilDate{year, month, day};
}

int weekdayOf(std::int64_t dayNumberValue) {
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    return static_cast<int>(((dayNumberValue + 3) % 7 + 7) % 7);
}

std::optional<CivilDate> parseDate(std::string_view text) {
    const bool slashes = text.find('/') != std::string_view::npos;
    const char separator = slashes ? '/' : '-';
    std::size_t at = 0;
    const auto year = number(text, at, separator, 4);
    const auto month = year ? number(text, at, separator, 2) : std::nullopt;
    const auto day = month ? number(text, at, separator, 2) : std::nullopt;
    if (!day || at != text.size() + 1) {
        return std::nullopt;
    }
    // ISO dates are zero-padded; the Cabinet Office's are not.
    if (!slashes && text.size() != 10) {
        return std::nullopt;
    }
    CivilDate date{*year, *month, *day};
    if (*year < 1000 || !isValidDate(date)) {
        return std::nullopt;
    }
    return date;
}

std::string toIsoString(const CivilDate& date) {
    auto padded = [](int value, std::size_t width) {
        std::string digits = std::to_string(value);
        return digits.size() < width ? std::string(width - digits.size(), '0') + digits : digits;
    };
    return padded(date.year, 4) + "-" + padded(date.month, 2) + "-" + padded(date.day, 2);
}

}  // namespace sekimori::policy
