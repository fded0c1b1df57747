#include "policy/holiday_calendar.hpp"

#include <gtest/gtest.h>

#include <string>

#include "policy/japanese_holiday_law.hpp"

using namespace sekimori::policy;

namespace {

const std::string kShippedList = std::string(SEKIMORI_SOURCE_DIR) + "/policy/data/syukujitsu.csv";
const std::string kHeader = "国民の祝日・休日月日,国民の祝日・休日名称\n";

HolidayCalendar shipped() {
    auto calendar = HolidayCalendar::loadCsv(kShippedList);
    EXPECT_TRUE(calendar) << (calendar ? "" : calendar.error().message);
    return calendar ? std::move(calendar.value()) : HolidayCalendar{};
}

std::string parseError(const std::string& text) {
    auto calendar = HolidayCalendar::parseCsv(text, "test.csv");
    return calendar ? std::string("parsed") : calendar.error().message;
}

}  // namespace

TEST(HolidayCalendar, KnownDatesOf2025And2026) {
    const HolidayCalendar calendar = shipped();
    struct Row {
        CivilDate date;
        const char* name;  // nullptr: a working day
        HolidayKind kind;
    };
    const Row rows[] = {
        {{2025, 1, 1}, "元日", HolidayKind::national},
        {{2025, 1, 13}, "成人の日", HolidayKind::national},
        {{2025, 2, 23}, "天皇誕生日", HolidayKind::national},
        {{2025, 2, 24}, "休日", HolidayKind::substitute},
        {{2025, 3, 20}, "春分の日", HolidayKind::national},
        {{2025, 5, 6}, "休日", HolidayKind::substitute},
        {{2025, 5, 7}, nullptr, HolidayKind::national},
        {{2025, 9, 23}, "秋分の日", HolidayKind::national},
        {{2025, 11, 24}, "休日", HolidayKind::substitute},
        {{2025, 12, 31}, nullptr, HolidayKind::national},
        {{2026, 3, 20}, "春分の日", HolidayKind::national},
        {{2026, 5, 3}, "憲法記念日", HolidayKind::national},
        {{2026, 5, 6}, "休日", HolidayKind::substitute},
        {{2026, 7, 20}, "海の日", HolidayKind::national},
        {{2026, 9, 21}, "敬老の日", HolidayKind::national},
        {{2026, 9, 22}, "休日", HolidayKind::citizens},
        {{2026, 9, 23}, "秋分の日", HolidayKind::national},
        {{2026, 9, 24}, nullptr, HolidayKind::national},
        {{2026, 10, 12}, "スポーツの日", HolidayKind::national},
        {{2027, 3, 22}, "休日", HolidayKind::substitute},  // 春分の日 on a Sunday
    };
    for (const auto& row : rows) {
        const Holiday* h = calendar.find(row.date);
        if (row.name == nullptr) {
            EXPECT_EQ(h, nullptr) << toIsoString(row.date) << " is a working day";
            continue;
        }
        ASSERT_NE(h, nullptr) << toIsoString(row.date);
        EXPECT_EQ(h->name, row.name) << toIsoString(row.date);
        EXPECT_EQ(h->kind, row.kind) << toIsoString(row.date);
    }
}

TEST(HolidayCalendar, TheShippedListIsTheLawFor2024To2030) {
    // The published years must equal the rules, and the not-yet-published ones come from them:
    // a difference means the law changed or the list was edited by hand — look before fixing.
    const HolidayCalendar calendar = shipped();
    ASSERT_TRUE(calendar.firstListedDate());
    EXPECT_LE(*calendar.firstListedDate(), (CivilDate{2024, 1, 1}));
    EXPECT_GE(*calendar.lastListedDate(), (CivilDate{2030, 11, 23}));
    for (int year = 2024; year <= 2030; ++year) {
        const auto listed = calendar.holidaysIn(year);
        const auto byLaw = japaneseHolidaysByLaw(year);
        std::string rows;  // the year as the law gives it, ready to paste into the file
        for (const auto& h : byLaw) {
            rows += std::to_string(h.date.year) + "/" + std::to_string(h.date.month) + "/" +
                    std::to_string(h.date.day) + "," + h.name + "\n";
        }
        ASSERT_EQ(listed.size(), byLaw.size()) << year << " by law:\n" << rows;
        for (std::size_t i = 0; i < listed.size(); ++i) {
            EXPECT_EQ(listed[i].date, byLaw[i].date) << year << " #" << i;
            EXPECT_EQ(listed[i].name, byLaw[i].name) << toIsoString(listed[i].date);
            EXPECT_EQ(listed[i].kind, byLaw[i].kind) << toIsoString(listed[i].date);
        }
    }
}

TEST(HolidayCalendar, ErrorsNameTheLine) {
    EXPECT_EQ(parseError(kHeader + "2026/1/1,元日\n2026/2/30,建国記念の日\n"),
              "test.csv:3: \"2026/2/30\" is not a date (YYYY/M/D or YYYY-MM-DD)");
    EXPECT_EQ(parseError(kHeader + "2026/1/1,元日\n2026/1/1,元日\n"),
              "test.csv:3: 2026-01-01 is listed again (after line 2)");
    EXPECT_EQ(parseError(kHeader + "2026/2/11,建国記念の日\n2026/1/1,元日\n"),
              "test.csv:3: 2026-01-01 is out of date order (after line 2)");
    EXPECT_EQ(parseError(kHeader + "2026/1/1\n"),
              "test.csv:2: expected two fields \"date,name\", found \"2026/1/1\"");
    EXPECT_EQ(parseError(kHeader + "2026/1/1,元日,extra\n"),
              "test.csv:2: expected two fields \"date,name\", found \"2026/1/1,元日,extra\"");
    EXPECT_EQ(parseError(kHeader + "2026/1/1,\n"), "test.csv:2: 2026-01-01 has no name");
    EXPECT_EQ(
        parseError("day,holiday\n2026/1/1,元日\n").rfind("test.csv:1: expected the header", 0), 0U);
    EXPECT_EQ(parseError(""), "test.csv:0: empty: no header and no holidays");
    EXPECT_EQ(parseError(kHeader), "test.csv:1: no holidays listed");
    // Shift_JIS as published, not converted: 元日 is 0x8C 0xB3 0x93 0xFA.
    EXPECT_EQ(parseError(kHeader + "2026/1/1,\x8C\xB3\x93\xFA\n").rfind("test.csv:2: not UTF-8", 0),
              0U);
    // A 休日 that neither follows a Sunday holiday nor lies between two holidays.
    EXPECT_EQ(parseError(kHeader + "2026/5/3,憲法記念日\n2026/5/7,休日\n"),
              "test.csv:3: 2026-05-07 休日 is neither a substitute holiday (after a holiday on a "
              "Sunday) nor a citizens' holiday (between two holidays)");
}

TEST(HolidayCalendar, AcceptsTheCabinetOfficesShapeAndPlainDates) {
    // CRLF line ends and a BOM, as some exports have them; ISO dates with the plain header.
    auto a = HolidayCalendar::parseCsv("\xEF\xBB\xBF" + kHeader.substr(0, kHeader.size() - 1) +
                                           "\r\n2025/2/23,天皇誕生日\r\n2025/2/24,休日\r\n",
                                       "a.csv");
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->find(CivilDate{2025, 2, 24})->kind, HolidayKind::substitute);
    auto b = HolidayCalendar::parseCsv(
        "date,name\n2026-09-21,敬老の日\n2026-09-22,国民の休日\n"
        "2026-09-23,秋分の日\n",
        "b.csv");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->find(CivilDate{2026, 9, 22})->kind, HolidayKind::citizens);
    // An explicit name must match its place.
    EXPECT_NE(parseError("date,name\n2026-09-21,敬老の日\n2026-09-22,振替休日\n"
                         "2026-09-23,秋分の日\n"),
              "parsed");
}

TEST(HolidayCalendar, SiteClosures) {
    HolidayCalendar calendar = shipped();
    ASSERT_TRUE(calendar.addClosures(CivilDate{2026, 12, 29}, CivilDate{2027, 1, 3}, "年末年始"));
    ASSERT_TRUE(calendar.addClosure(CivilDate{2026, 8, 14}, "夏季休業"));
    EXPECT_EQ(calendar.find(CivilDate{2026, 12, 29})->kind, HolidayKind::closure);
    EXPECT_EQ(calendar.find(CivilDate{2026, 12, 29})->name, "年末年始");
    EXPECT_EQ(calendar.find(CivilDate{2027, 1, 1})->name, "元日");  // the national one wins
    EXPECT_TRUE(calendar.isHoliday(CivilDate{2027, 1, 3}));
    EXPECT_FALSE(calendar.isHoliday(CivilDate{2027, 1, 4}));
    EXPECT_TRUE(calendar.isHoliday(dayNumber(CivilDate{2026, 8, 14})));
    const auto year = calendar.holidaysIn(2026);
    EXPECT_EQ(year.back().name, "年末年始");  // 12/31
    auto again = calendar.addClosure(CivilDate{2026, 8, 14}, "お盆");
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("2026-08-14"), std::string::npos);
    EXPECT_FALSE(calendar.addClosures(CivilDate{2027, 1, 5}, CivilDate{2027, 1, 4}, "x"));
    EXPECT_FALSE(calendar.addClosure(CivilDate{2026, 2, 30}, "x"));
    EXPECT_FALSE(calendar.addClosure(CivilDate{2026, 3, 2}, ""));
    EXPECT_FALSE(calendar.addClosures(CivilDate{2026, 1, 1}, CivilDate{2027, 6, 1}, "long"));
}

TEST(HolidayCalendar, AMissingFileIsAnErrorNamingIt) {
    auto missing = HolidayCalendar::loadCsv("/nonexistent/syukujitsu.csv");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("/nonexistent/syukujitsu.csv"), std::string::npos);
}
