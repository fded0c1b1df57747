#include "policy/japanese_holiday_law.hpp"

#include <map>

namespace sekimori::policy {
namespace {

constexpr int kSunday = 6;

int equinoxDay(int year, double base) {
    const int sinceBase = year - 1980;
    return static_cast<int>(base + 0.242194 * sinceBase - static_cast<double>(sinceBase / 4));
}

// Day of the month of the n-th Monday (ハッピーマンデー).
int nthMonday(int year, int month, int n) {
    const int firstWeekday = weekdayOf(dayNumber(CivilDate{year, month, 1}));
    return 1 + (7 - firstWeekday) % 7 + 7 * (n - 1);
}

}  // namespace

int vernalEquinoxDay(int year) {
    return equinoxDay(year, 20.8431);
}

int autumnalEquinoxDay(int year) {
    return equinoxDay(year, 23.2488);
}

std::vector<Holiday> japaneseHolidaysByLaw(int year) {
    if (year < kFirstYearOfTheseRules || year > kLastYearOfTheEquinoxFormula) {
        return {};
    }
    std::map<std::int64_t, Holiday> days;
    auto add = [&](int month, int day, const char* name, HolidayKind kind) {
        const CivilDate date{year, month, day};
        days[dayNumber(date)] = Holiday{date, name, kind};
    };
    const auto national = HolidayKind::national;
    add(1, 1, "元日", national);
    add(1, nthMonday(year, 1, 2), "成人の日", national);
    add(2, 11, "建国記念の日", national);
    add(2, 23, "天皇誕生日", national);
    add(3, vernalEquinoxDay(year), "春分の日", national);
    add(4, 29, "昭和の日", national);
    add(5, 3, "憲法記念日", national);
    add(5, 4, "みどりの日", national);
    add(5, 5, "こどもの日", national);
    add(7, nthMonday(year, 7, 3), "海の日", national);
    add(8, 11, "山の日", national);
    add(9, nthMonday(year, 9, 3), "敬老の日", national);
    add(9, autumnalEquinoxDay(year), "秋分の日", national);
    add(10, nthMonday(year, 10, 2), "スポーツの日", national);
    add(11, 3, "文化の日", national);
    add(11, 23, "勤労感謝の日", national);

    // Article 3(3): a day between two national holidays is a holiday. Before substitutes,
    // which the article does not count as national holidays.
    const std::map<std::int64_t, Holiday> named = days;
    for (const auto& [day, holiday] : named) {
        if (named.contains(day + 2) && !named.contains(day + 1)) {
            days[day + 1] = Holiday{dateOfDay(day + 1), "休日", HolidayKind::citizens};
        }
    }
    // Article 3(2): a national holiday on a Sunday moves to the nearest following day that
    // is not a holiday.
    for (const auto& [day, holiday] : named) {
        if (weekdayOf(day) != kSunday) {
            continue;
        }
        std::int64_t next = day + 1;
        while (days.contains(next)) {
            ++next;
        }
        days[next] = Holiday{dateOfDay(next), "休日", HolidayKind::substitute};
    }
    std::vector<Holiday> out;
    for (auto& [day, holiday] : days) {
        if (holiday.date.year == year) {
            out.push_back(std::move(holiday));
        }
    }
    return out;
}

}  // namespace sekimori::policy
