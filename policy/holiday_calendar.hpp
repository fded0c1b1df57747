#pragma once
// The days a site treats as holidays: Japan's national holidays, loaded from data
// (policy/data/syukujitsu.csv, the Cabinet Office's list — docs/holidays.md says how to update
// it), and the site's own closures (年末年始, 夏季休業) from its configuration. Immutable once
// built; schedules share one through a shared_ptr<const HolidayCalendar>.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "policy/civil_date.hpp"

namespace sekimori::policy {

enum class HolidayKind {
    national,    // 国民の祝日: a named holiday of the law
    substitute,  // 振替休日: the next working day after a holiday on a Sunday
    citizens,    // 国民の休日: a day between two national holidays
    closure,     // the site's own closure day
};
std::string_view toString(HolidayKind kind);

struct Holiday {
    CivilDate date;
    std::string name;  // as published: "元日", "春分の日", "休日"; a closure's own name
    HolidayKind kind = HolidayKind::national;
};

class HolidayCalendar {
  public:
    // Parses the Cabinet Office's syukujitsu.csv shape (UTF-8): a header line
    // "国民の祝日・休日月日,国民の祝日・休日名称" (or "date,name"), then one "YYYY/M/D,name" (or
    // "YYYY-MM-DD,name") per line in date order. `sourceName` prefixes every error, which names
    // the line: "syukujitsu.csv:12: ...". A "休日" row must be a substitute or a citizens'
    // holiday by its place, or it is an error.
    static core::Result<HolidayCalendar> parseCsv(std::string_view text,
                                                  const std::string& sourceName);
    static core::Result<HolidayCalendar> loadCsv(const std::string& path);

    // A site closure; an error if the day is already a closure. A closure on a national
    // holiday is allowed (年末年始 spans 元日) and keeps the national holiday's entry.
    core::Result<void> addClosure(const CivilDate& date, std::string name);
    // Every day of [first, last], inclusive.
    core::Result<void> addClosures(const CivilDate& first, const CivilDate& last,
                                   const std::string& name);

    // The holiday or closure on that day, if any (a national holiday wins over a closure).
    const Holiday* find(const CivilDate& date) const;
    bool isHoliday(const CivilDate& date) const { return find(date) != nullptr; }
    bool isHoliday(std::int64_t dayNumber) const;

    // The national list's span; a date outside it is an ordinary day (docs/holidays.md).
    std::optional<CivilDate> firstListedDate() const;
    std::optional<CivilDate> lastListedDate() const;
    std::vector<Holiday> holidaysIn(int year) const;  // national and closures, date order

  private:
    std::map<std::int64_t, Holiday> national_;  // by day number
    std::map<std::int64_t, Holiday> closures_;
};

}  // namespace sekimori::policy
