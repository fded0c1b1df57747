#include "policy/holiday_calendar.hpp"

#include <fstream>
#include <sstream>
#include <utility>

namespace sekimori::policy {
namespace {

constexpr int kSunday = 6;
constexpr std::string_view kCabinetOfficeHeader = "国民の祝日・休日月日,国民の祝日・休日名称";
constexpr std::string_view kPlainHeader = "date,name";
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

core::Error csvError(const std::string& source, int line, const std::string& what) {
    return core::makeError("holidays.bad_csv", source + ":" + std::to_string(line) + ": " + what);
}

// Built by appending: GCC 12 at -O3 reports a false -Wrestrict on "literal" + std::string.
std::string quoted(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out.append(1, '"').append(text).append(1, '"');
    return out;
}

bool isUtf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        if (c < 0x80) {
            extra = 0;
        } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
            extra = 1;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
        } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
            extra = 3;
        } else {
            return false;
        }
        if (i + extra >= text.size()) {
            return false;  // cut off inside a character
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += extra + 1;
    }
    return true;
}

// "休日" is how the Cabinet Office lists both substitute and citizens' holidays; the two
// explicit names are accepted for hand-written lists.
bool isUnnamedHoliday(std::string_view name) {
    return name == "休日" || name == "振替休日" || name == "国民の休日";
}

struct Row {
    int line = 0;
    Holiday holiday;
};

}  // namespace

std::string_view toString(HolidayKind kind) {
    switch (kind) {
        case HolidayKind::national:
            return "national";
        case HolidayKind::substitute:
            return "substitute";
        case HolidayKind::citizens:
            return "citizens";
        case HolidayKind::closure:
            return "closure";
    }
    return "closure";
}

core::Result<HolidayCalendar> HolidayCalendar::parseCsv(std::string_view text,
                                                        const std::string& sourceName) {
    if (text.starts_with(kUtf8Bom)) {
        text.remove_prefix(kUtf8Bom.size());
    }
    std::map<std::int64_t, Row> rows;
    int lineNumber = 0;
    bool sawHeader = false;
    std::optional<std::int64_t> previousDay;
    int previousLine = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view line = text.substr(at, end - at);
        at = end + 1;
        ++lineNumber;
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        if (!isUtf8(line)) {
            return csvError(sourceName, lineNumber,
                            "not UTF-8 (the Cabinet Office publishes Shift_JIS: convert it with "
                            "iconv -f CP932 -t UTF-8, docs/holidays.md)");
        }
        if (line.empty()) {
            continue;
        }
        if (!sawHeader) {
            if (line != kCabinetOfficeHeader && line != kPlainHeader) {
                return csvError(sourceName, lineNumber,
                                "expected the header " + quoted(kCabinetOfficeHeader) +
                                    " (or \"date,name\"), found " + quoted(line));
            }
            sawHeader = true;
            continue;
        }
        const std::size_t comma = line.find(',');
        if (comma == std::string_view::npos ||
            line.find(',', comma + 1) != std::string_view::npos) {
            return csvError(sourceName, lineNumber,
                            "expected two fields \"date,name\", found " + quoted(line));
        }
        const std::string_view dateText = line.substr(0, comma);
        const std::string_view name = line.substr(comma + 1);
        const auto date = parseDate(dateText);
        if (!date) {
            return csvError(sourceName, lineNumber,
                            quoted(dateText) + " is not a date (YYYY/M/D or YYYY-MM-DD)");
        }
        if (name.empty()) {
            return csvError(sourceName, lineNumber, toIsoString(*date) + " has no name");
        }
        const std::int64_t day = dayNumber(*date);
        if (previousDay && day <= *previousDay) {
            return csvError(
                sourceName, lineNumber,
                toIsoString(*date) +
                    (day == *previousDay ? " is listed again" : " is out of date order") +
                    " (after line " + std::to_string(previousLine) + ")");
        }
        previousDay = day;
        previousLine = lineNumber;
        rows[day] = Row{lineNumber, Holiday{*date, std::string(name), HolidayKind::national}};
    }
    if (!sawHeader) {
        return csvError(sourceName, lineNumber, "empty: no header and no holidays");
    }
    if (rows.empty()) {
        return csvError(sourceName, lineNumber, "no holidays listed");
    }

    // Name each "休日" by its place: after a Sunday national holiday (through a run of
    // holidays) it is a substitute; between two national holidays, a citizens' holiday.
    auto isNamed = [&](std::int64_t day) {
        auto it = rows.find(day);
        return it != rows.end() && !isUnnamedHoliday(it->second.holiday.name);
    };
    HolidayCalendar calendar;
    for (auto& [day, row] : rows) {
        if (isUnnamedHoliday(row.holiday.name)) {
            bool afterSundayHoliday = false;
            for (std::int64_t back = day - 1; rows.contains(back); --back) {
                if (isNamed(back) && weekdayOf(back) == kSunday) {
                    afterSundayHoliday = true;
                    break;
                }
            }
            if (afterSundayHoliday && row.holiday.name != "国民の休日") {
                row.holiday.kind = HolidayKind::substitute;
            } else if (isNamed(day - 1) && isNamed(day + 1) && row.holiday.name != "振替休日") {
                row.holiday.kind = HolidayKind::citizens;
            } else {
                return csvError(sourceName, row.line,
                                toIsoString(row.holiday.date) + " " + row.holiday.name +
                                    " is neither a substitute holiday (after a holiday on a "
                                    "Sunday) nor a citizens' holiday (between two holidays)");
            }
        }
        calendar.national_.emplace(day, std::move(row.holiday));
    }
    return calendar;
}

core::Result<HolidayCalendar> HolidayCalendar::loadCsv(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return core::makeError("holidays.unreadable", "cannot read holiday list " + path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parseCsv(text.str(), path);
}

core::Result<void> HolidayCalendar::addClosure(const CivilDate& date, std::string name) {
    if (!isValidDate(date)) {
        return core::makeError("holidays.bad_closure",
                               "closure date " + toIsoString(date) + " is not a date");
    }
    if (name.empty()) {
        return core::makeError("holidays.bad_closure",
                               "closure " + toIsoString(date) + " has no name");
    }
    const std::int64_t day = dayNumber(date);
    if (auto it = closures_.find(day); it != closures_.end()) {
        return core::makeError("holidays.bad_closure", "closure " + toIsoString(date) + " (" +
                                                           name + ") is already a closure (" +
                                                           it->second.name + ")");
    }
    closures_.emplace(day, Holiday{date, std::move(name), HolidayKind::closure});
    return {};
}

core::Result<void> HolidayCalendar::addClosures(const CivilDate& first, const CivilDate& last,
                                                const std::string& name) {
    if (!isValidDate(first) || !isValidDate(last) || last < first) {
        return core::makeError("holidays.bad_closure",
                               "closure " + name + ": " + toIsoString(first) + ".." +
                                   toIsoString(last) + " is not a range of dates");
    }
    constexpr std::int64_t kLongestClosureDays = 366;
    if (dayNumber(last) - dayNumber(first) >= kLongestClosureDays) {
        return core::makeError("holidays.bad_closure",
                               "closure " + name + " is longer than a year");
    }
    for (std::int64_t day = dayNumber(first); day <= dayNumber(last); ++day) {
        if (auto added = addClosure(dateOfDay(day), name); !added) {
            return added;
        }
    }
    return {};
}

const Holiday* HolidayCalendar::find(const CivilDate& date) const {
    const std::int64_t day = dayNumber(date);
    if (auto it = national_.find(day); it != national_.end()) {
        return &it->second;
    }
    if (auto it = closures_.find(day); it != closures_.end()) {
        return &it->second;
    }
    return nullptr;
}

bool HolidayCalendar::isHoliday(std::int64_t day) const {
    return national_.contains(day) || closures_.contains(day);
}

std::optional<CivilDate> HolidayCalendar::firstListedDate() const {
    if (national_.empty()) {
        return std::nullopt;
    }
    return national_.begin()->second.date;
}

std::optional<CivilDate> HolidayCalendar::lastListedDate() const {
    if (national_.empty()) {
        return std::nullopt;
    }
    return national_.rbegin()->second.date;
}

std::vector<Holiday> HolidayCalendar::holidaysIn(int year) const {
    std::map<std::int64_t, const Holiday*> merged;
    const std::int64_t from = dayNumber(CivilDate{year, 1, 1});
    const std::int64_t to = dayNumber(CivilDate{year + 1, 1, 1});
    for (const auto* source : {&closures_, &national_}) {  // national last: it wins
        for (auto it = source->lower_bound(from); it != source->end() && it->first < to; ++it) {
            merged[it->first] = &it->second;
        }
    }
    std::vector<Holiday> out;
    for (const auto& [day, holiday] : merged) {
        out.push_back(*holiday);
    }
    return out;
}

}  // namespace sekimori::policy
