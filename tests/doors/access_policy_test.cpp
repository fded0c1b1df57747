// mayEnter as a table over an injected clock: the person's dates, direct grants, levels held
// by the person and by their groups with their own dates, schedules with the Japanese holiday
// calendar and site closures; and holiday + first-person-in (the first-person-in window and the
// first person's own access both follow the calendar).
#include "doors/access_policy.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <memory>

#include "policy/civil_date.hpp"

namespace sekimori::doors {
namespace {

// 2026-11-23 is a Monday and 勤労感謝の日; the 24th an ordinary Tuesday; the 28th a Saturday.
constexpr std::string_view kCalendarCsv =
    "date,name\n2026/1/1,元日\n2026/11/3,文化の日\n2026/11/23,勤労感謝の日\n";

core::TimeUs jst(int year, int month, int day, int hour, int minute = 0) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    return (static_cast<core::TimeUs>(timegm(&tm)) - 9 * 3600) * 1'000'000;
}

class AccessPolicy : public ::testing::Test {
  protected:
    void SetUp() override {
        auto calendar = policy::HolidayCalendar::parseCsv(kCalendarCsv, "test.csv");
        ASSERT_TRUE(calendar.ok()) << calendar.error().message;
        ASSERT_TRUE(calendar->addClosure(policy::CivilDate{2026, 12, 29}, "年末年始").ok());
        auto shared = std::make_shared<const policy::HolidayCalendar>(std::move(*calendar));
        // Office hours, weekdays 08:00-19:00, closed on holidays and closures.
        policy::Schedule office{"office",
                                540,
                                {{policy::kWeekdays, 8 * 60, 19 * 60}},
                                policy::HolidayRule::closedOnHolidays,
                                shared};
        policy::Schedule always{
            "always", 540, {{policy::kEveryDay, 0, 1440}}, policy::HolidayRule::ignore, nullptr};
        policy::Schedule holidayWork{"holiday-work",
                                     540,
                                     {{policy::kEveryDay, 9 * 60, 17 * 60}},
                                     policy::HolidayRule::holidaysOnly,
                                     shared};
        for (auto& s : {office, always, holidayWork}) {
            schedules.emplace(s.id, s);
        }
        levels.emplace("handling-office",
                       AccessLevel{"handling-office",
                                   "Handling, office hours",
                                   {{"handling", "office"}, {"corridor", "always"}}});
        levels.emplace(
            "server-holiday",
            AccessLevel{"server-holiday", "Server room on holidays", {{"server", "holiday-work"}}});
        levels.emplace("server-always",
                       AccessLevel{"server-always", "Server room", {{"server", "always"}}});
    }

    ZoneAccess at(const PersonRecord& p, std::string_view zone, core::TimeUs now) const {
        return mayEnter(p, snapshot, levels, schedules, zone, now);
    }

    Schedules schedules;
    AccessLevels levels;
    CredentialSnapshot snapshot;
};

const core::TimeUs tuesday10 = jst(2026, 11, 24, 10);
const core::TimeUs tuesday20 = jst(2026, 11, 24, 20);
const core::TimeUs holiday10 = jst(2026, 11, 23, 10);
const core::TimeUs saturday10 = jst(2026, 11, 28, 10);
const core::TimeUs closure10 = jst(2026, 12, 29, 10);

PersonRecord someone() {
    PersonRecord p;
    p.id = "p1";
    p.name = "Someone";
    return p;
}

TEST_F(AccessPolicy, NothingNamingTheZoneIsNoAccess) {
    PersonRecord p = someone();
    p.grants = {{"lobby", "always"}};
    EXPECT_EQ(at(p, "handling", tuesday10), ZoneAccess::noAccess);
    EXPECT_EQ(at(p, "lobby", tuesday10), ZoneAccess::allowed);
}

TEST_F(AccessPolicy, ADirectGrantFollowsItsScheduleAndTheCalendar) {
    PersonRecord p = someone();
    p.grants = {{"handling", "office"}};
    struct Row {
        core::TimeUs now;
        ZoneAccess expected;
    };
    for (const Row row :
         {Row{tuesday10, ZoneAccess::allowed}, Row{jst(2026, 11, 24, 8), ZoneAccess::allowed},
          Row{jst(2026, 11, 24, 7, 59), ZoneAccess::outsideSchedule},
          Row{tuesday20, ZoneAccess::outsideSchedule}, Row{holiday10, ZoneAccess::outsideSchedule},
          Row{saturday10, ZoneAccess::outsideSchedule},
          Row{closure10, ZoneAccess::outsideSchedule}}) {
        EXPECT_EQ(at(p, "handling", row.now), row.expected) << row.now;
    }
}

TEST_F(AccessPolicy, TheBestOfSeveralWins) {
    PersonRecord p = someone();
    p.grants = {{"server", "holiday-work"}};  // only on holidays
    p.levels = {{"server-always", 0, 0}};
    EXPECT_EQ(at(p, "server", tuesday20), ZoneAccess::allowed);
    p.levels.clear();
    EXPECT_EQ(at(p, "server", tuesday20), ZoneAccess::outsideSchedule);
    EXPECT_EQ(at(p, "server", holiday10), ZoneAccess::allowed) << "holidays-only schedule";
}

TEST_F(AccessPolicy, ThePersonsOwnDatesComeFirst) {
    PersonRecord p = someone();
    p.grants = {{"handling", "always"}};
    struct Row {
        core::TimeUs from, until, now;
        ZoneAccess expected;
    };
    const core::TimeUs day = 86'400'000'000;
    for (const Row row : {Row{0, 0, tuesday10, ZoneAccess::allowed},
                          Row{tuesday10, 0, tuesday10, ZoneAccess::allowed},
                          Row{tuesday10 + 1, 0, tuesday10, ZoneAccess::outsideValidity},
                          Row{0, tuesday10, tuesday10, ZoneAccess::outsideValidity},
                          Row{0, tuesday10 + 1, tuesday10, ZoneAccess::allowed},
                          Row{tuesday10 - day, tuesday10 + day, tuesday10, ZoneAccess::allowed}}) {
        p.validFromUs = row.from;
        p.validUntilUs = row.until;
        EXPECT_EQ(at(p, "handling", row.now), row.expected) << row.from << " " << row.until;
        // Even a zone they hold nothing for says outside_validity: the dates are the reason.
        if (row.expected == ZoneAccess::outsideValidity) {
            EXPECT_EQ(at(p, "lobby", row.now), ZoneAccess::outsideValidity);
        }
    }
}

TEST_F(AccessPolicy, ALevelsOwnDatesBoundIt) {
    PersonRecord p = someone();
    p.levels = {{"handling-office", tuesday10 + 1, 0}};
    EXPECT_EQ(at(p, "handling", tuesday10), ZoneAccess::outsideValidity);
    EXPECT_EQ(at(p, "corridor", tuesday10), ZoneAccess::outsideValidity);
    EXPECT_EQ(at(p, "server", tuesday10), ZoneAccess::noAccess) << "the level names no server";
    p.levels = {{"handling-office", 0, tuesday20}};
    EXPECT_EQ(at(p, "handling", tuesday10), ZoneAccess::allowed);
    EXPECT_EQ(at(p, "corridor", tuesday20), ZoneAccess::outsideValidity);
    // A schedule refusal says more than an expired level: outside_schedule wins over it.
    p.grants = {{"corridor", "office"}};
    EXPECT_EQ(at(p, "corridor", tuesday20), ZoneAccess::outsideSchedule);
}

TEST_F(AccessPolicy, LevelsOfTheGroupsCountWithTheirDates) {
    snapshot.setGroupLevels("operators", {{"handling-office", 0, 0}});
    snapshot.setGroupLevels("contractors", {{"server-always", 0, tuesday10}});
    PersonRecord p = someone();
    EXPECT_EQ(at(p, "handling", tuesday10), ZoneAccess::noAccess);
    p.groups = {"visitors", "operators"};
    EXPECT_EQ(at(p, "handling", tuesday10), ZoneAccess::allowed);
    EXPECT_EQ(at(p, "handling", holiday10), ZoneAccess::outsideSchedule);
    p.groups = {"contractors"};
    EXPECT_EQ(at(p, "server", tuesday10 - 1), ZoneAccess::allowed);
    EXPECT_EQ(at(p, "server", tuesday10), ZoneAccess::outsideValidity);
}

TEST_F(AccessPolicy, AnUnknownLevelOrScheduleGrantsNothing) {
    PersonRecord p = someone();
    p.levels = {{"gone", 0, 0}};
    p.grants = {{"server", "no-such-schedule"}};
    EXPECT_EQ(at(p, "server", tuesday10), ZoneAccess::outsideSchedule);
    EXPECT_EQ(at(p, "handling", tuesday10), ZoneAccess::noAccess);
}

// Holiday + first-person-in: a door whose first-person-in schedule is the office schedule is
// held unlocked (doors/door_state) only inside that window, which a holiday closes; and on the
// holiday the first person with an office-hours level is refused outside_schedule, so nobody
// starts the unlocked window. On the next working day both open again.
TEST_F(AccessPolicy, HolidayAndFirstPersonIn) {
    const policy::Schedule& firstPersonIn = schedules.at("office");
    PersonRecord first = someone();
    first.levels = {{"handling-office", 0, 0}};
    struct Row {
        core::TimeUs now;
        bool windowOpen;
        ZoneAccess access;
    };
    for (const Row row : {Row{holiday10, false, ZoneAccess::outsideSchedule},
                          Row{tuesday10, true, ZoneAccess::allowed},
                          Row{closure10, false, ZoneAccess::outsideSchedule},
                          Row{saturday10, false, ZoneAccess::outsideSchedule}}) {
        EXPECT_EQ(policy::isWithin(firstPersonIn, row.now), row.windowOpen) << row.now;
        EXPECT_EQ(at(first, "handling", row.now), row.access) << row.now;
    }
    // A holiday-work level still lets its holder in on the holiday, one by one: the door is not
    // held open for them, since the first-person-in window is closed.
    first.levels = {{"server-holiday", 0, 0}};
    EXPECT_EQ(at(first, "server", holiday10), ZoneAccess::allowed);
    EXPECT_FALSE(policy::isWithin(firstPersonIn, holiday10));
}

TEST(AccessPolicyWords, ReasonCodes) {
    EXPECT_EQ(toString(ZoneAccess::allowed), "allowed");
    EXPECT_EQ(toString(ZoneAccess::noAccess), "no_access");
    EXPECT_EQ(toString(ZoneAccess::outsideSchedule), "outside_schedule");
    EXPECT_EQ(toString(ZoneAccess::outsideValidity), "outside_validity");
}

}  // namespace
}  // namespace sekimori::doors
