// The five trail reports as tables of events in, rows out (docs/reports.md). The events have the
// payload shapes docs/events.md gives them, as the real domains record them.
#include "reports/report_builders.hpp"

#include <gtest/gtest.h>

#include "core/report_time.hpp"

namespace sekimori::reports {
namespace {

using nlohmann::json;
constexpr int kJst = 540;

core::TimeUs at(const char* local) {
    return *core::parseReportTime(local, kJst);
}

TrailEvent ev(std::uint64_t seq, const char* local, const char* type, json payload,
              std::string source = "door:server-room-door", std::string subject = "") {
    TrailEvent e;
    e.seq = seq;
    e.timeUs = at(local);
    e.type = type;
    e.source = std::move(source);
    e.subject = std::move(subject);
    e.payload = std::move(payload);
    return e;
}

json denied(const char* person, const char* reason) {
    return json{{"door", "server-room-door"}, {"side", "entry"},  {"person", person},
                {"decision", "denied"},       {"reason", reason}, {"card", "04AA"}};
}

BuildContext context() {
    BuildContext c;
    c.range = {at("2026-12-01"), at("2026-12-08")};
    c.utcOffsetMinutes = kJst;
    return c;
}

std::vector<std::string> flagsOf(const json& row) {
    return row.at("flags").get<std::vector<std::string>>();
}

TEST(ReportBuilders, EveryKindIsListedOnceWithABuilder) {
    std::vector<std::string> names;
    for (const auto& k : reportKinds()) {
        names.emplace_back(k.name);
        EXPECT_NE(k.build, nullptr);
        EXPECT_FALSE(k.types.empty());
    }
    EXPECT_EQ(names, (std::vector<std::string>{"access", "suspicious", "privileges", "operators",
                                               "exports"}));
    EXPECT_EQ(findReportKind("compliance"), nullptr);  // its own routes
    EXPECT_NE(findReportKind("access"), nullptr);
}

TEST(ReportBuilders, OffHoursTable) {
    const SuspicionPolicy p;  // 20:00 to 07:00, weekends
    struct Row {
        const char* local;
        bool off;
    };
    const Row rows[] = {
        {"2026-12-01T06:59", true}, {"2026-12-01T07:00", false}, {"2026-12-01T19:59", false},
        {"2026-12-01T20:00", true}, {"2026-12-01T23:59", true},  {"2026-12-05T12:00", true},
        {"2026-12-06T12:00", true}, {"2026-12-07T12:00", false},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(isOffHours(at(row.local), p, kJst), row.off) << row.local;
    }
    SuspicionPolicy day = p;  // a night shift's site: off hours 09:00-17:00, weekends worked
    day.offHoursStartHour = 9;
    day.offHoursEndHour = 17;
    day.weekendsOffHours = false;
    EXPECT_TRUE(isOffHours(at("2026-12-05T10:00"), day, kJst));
    EXPECT_FALSE(isOffHours(at("2026-12-05T18:00"), day, kJst));
}

TEST(ReportBuilders, AccessHistoryKeepsOutcomesNotChallenges) {
    const std::vector<TrailEvent> events{
        ev(1, "2026-12-01T09:00", "access.challenge",
           {{"person", "aiko"}, {"decision", "challenge"}, {"next", "pin"}}),
        ev(2, "2026-12-01T09:00:05", "access.granted",
           {{"person", "aiko"},
            {"person_name", "Aiko"},
            {"door", "server-room-door"},
            {"decision", "granted"},
            {"reason", "granted"}}),
        ev(3, "2026-12-01T09:00:07", "presence.entered",
           {{"person", "aiko"}, {"zone", "server-room"}, {"door", "server-room-door"}}),
        ev(4, "2026-12-01T09:10", "access.denied", denied("ken", "wrong_pin")),
        ev(5, "2026-12-01T09:11", "door.opened", {{"door", "server-room-door"}}),
    };
    const json r = buildAccessHistory(events, context());
    ASSERT_EQ(r["rows"].size(), 3u);
    EXPECT_EQ(r["rows"][0]["seq"], 2);
    EXPECT_EQ(r["rows"][0]["person_name"], "Aiko");
    EXPECT_EQ(r["rows"][1]["zone"], "server-room");
    EXPECT_EQ(r["rows"][2]["reason"], "wrong_pin");
    EXPECT_EQ(r["summary"]["people"], 2);
    EXPECT_EQ(r["summary"]["by_decision"]["denied"], 1);
}

TEST(ReportBuilders, SuspiciousFlagsEachKindOfAttempt) {
    const std::vector<TrailEvent> events{
        // Three denials of ken within ten minutes: repeated.
        ev(1, "2026-12-01T10:00", "access.denied", denied("ken", "wrong_pin")),
        ev(2, "2026-12-01T10:02", "access.denied", denied("ken", "wrong_pin")),
        ev(3, "2026-12-01T10:04", "access.denied", denied("ken", "locked_out")),
        ev(4, "2026-12-01T10:04:01", "access.card_locked_out",
           {{"card", "04AA"}, {"person", "ken"}, {"door", "server-room-door"}, {"failures", 3}}),
        // Two denials of mai an hour apart: denied, not repeated.
        ev(5, "2026-12-01T11:00", "access.denied", denied("mai", "no_access")),
        ev(6, "2026-12-01T12:00", "access.denied", denied("mai", "no_access")),
        // An entry at 22:30: off hours; an ordinary one at 14:00 is no row.
        ev(7, "2026-12-01T22:30", "access.granted",
           {{"person", "aiko"}, {"decision", "granted"}, {"reason", "granted"}}),
        ev(8, "2026-12-01T14:00", "access.granted",
           {{"person", "aiko"}, {"decision", "granted"}, {"reason", "granted"}}),
        // Duress: the grant carries duress and access.duress follows; one row.
        ev(9, "2026-12-02T10:00", "access.granted",
           {{"person", "sho"}, {"decision", "granted"}, {"reason", "granted"}, {"duress", true}}),
        ev(10, "2026-12-02T10:00", "access.duress",
           {{"person", "sho"}, {"decision", "granted"}, {"reason", "granted"}}),
        ev(11, "2026-12-02T11:00", "zone.alone",
           {{"zone", "handling-room"}, {"person", "sho"}, {"since_us", 1}}, "zone:handling-room"),
        ev(12, "2026-12-02T11:05", "door.forced", {{"door", "server-room-door"}}),
        ev(13, "2026-12-02T11:06", "operator.login_failed",
           {{"reason", "bad_password"}, {"remote", "10.0.0.9"}, {"count", 1}}, "console", "eve"),
        ev(14, "2026-12-02T11:07", "access.challenge", {{"person", "aiko"}}),
    };
    const json r = buildSuspicious(events, context());
    std::map<std::uint64_t, std::vector<std::string>> flags;
    for (const auto& row : r["rows"]) {
        flags[row["seq"].get<std::uint64_t>()] = flagsOf(row);
    }
    using V = std::vector<std::string>;
    EXPECT_EQ(flags[1], (V{"denied", "repeated"}));
    EXPECT_EQ(flags[2], (V{"denied", "repeated"}));
    EXPECT_EQ(flags[3], (V{"denied", "repeated", "lockout"}));
    EXPECT_EQ(flags[4], (V{"lockout"}));
    EXPECT_EQ(flags[5], (V{"denied"}));
    EXPECT_EQ(flags[6], (V{"denied"}));
    EXPECT_EQ(flags[7], (V{"off_hours"}));
    EXPECT_EQ(flags.count(8), 0u);
    EXPECT_EQ(flags.count(9), 0u);
    EXPECT_EQ(flags[10], (V{"duress"}));
    EXPECT_EQ(flags[11], (V{"never_alone"}));
    EXPECT_EQ(flags[12], (V{"forced"}));
    EXPECT_EQ(flags[13], (V{"login_failed"}));
    EXPECT_EQ(flags.count(14), 0u);
    ASSERT_EQ(r["summary"]["repeated"].size(), 1u);
    EXPECT_EQ(r["summary"]["repeated"][0]["who"], "person:ken");
    EXPECT_EQ(r["summary"]["repeated"][0]["denials"], 3);
    EXPECT_EQ(r["summary"]["by_flag"]["denied"], 5);
    EXPECT_EQ(r["summary"]["policy"]["repeated_denials"], 3);
}

TEST(ReportBuilders, RepeatedDenialsByCardWhenNoPersonIsKnown) {
    json unknown{
        {"door", "d"}, {"decision", "denied"}, {"reason", "unknown_card"}, {"card", "FF01"}};
    const std::vector<TrailEvent> events{ev(1, "2026-12-01T10:00", "access.denied", unknown),
                                         ev(2, "2026-12-01T10:01", "access.denied", unknown),
                                         ev(3, "2026-12-01T10:02", "access.denied", unknown)};
    const json r = buildSuspicious(events, context());
    ASSERT_EQ(r["summary"]["repeated"].size(), 1u);
    EXPECT_EQ(r["summary"]["repeated"][0]["who"], "card:FF01");
}

TEST(ReportBuilders, PrivilegesOperatorsAndExports) {
    const std::vector<TrailEvent> events{
        ev(1, "2026-12-01T10:00", "approval.requested",
           {{"id", "apr-1"}, {"kind", "doors.grant_restricted"}, {"actor", "fac"}}, "operator:fac",
           "kim"),
        ev(2, "2026-12-01T10:05", "approval.approved",
           {{"id", "apr-1"}, {"kind", "doors.grant_restricted"}, {"actor", "sec2"}},
           "operator:sec2", "kim"),
        ev(3, "2026-12-01T10:05", "person.zone_granted",
           {{"person", "kim"}, {"zone", "server-room"}, {"approval", "apr-1"}, {"actor", "sec2"}},
           "operator:sec2", "kim"),
        ev(4, "2026-12-01T10:06", "person.photo_set", {{"person", "kim"}}, "operator:fac", "kim"),
        ev(5, "2026-12-01T10:07", "operator.login", {{"role", "auditor"}, {"remote", "unix"}},
           "console", "aud"),
        ev(6, "2026-12-01T10:08", "console.events_exported",
           {{"filter", {{"type", {"access."}}}}, {"actor", "aud"}}, "operator:aud", "aud"),
        ev(7, "2026-12-01T10:09", "report.generated",
           {{"kind", "compliance"}, {"sha256", "ab"}, {"actor", "aud"}}, "operator:aud", "aud"),
        ev(8, "2026-12-01T10:10", "door.opened", {{"door", "d"}}, "door:d"),
    };
    const BuildContext c = context();
    const json priv = buildPrivileges(events, c);
    ASSERT_EQ(priv["rows"].size(), 3u);  // not the photo
    EXPECT_EQ(priv["rows"][2]["approval"], "apr-1");
    EXPECT_EQ(priv["summary"]["by_actor"]["sec2"], 2);

    const json ops = buildOperatorActions(events, c);
    std::vector<std::uint64_t> seqs;
    for (const auto& row : ops["rows"]) {
        seqs.push_back(row["seq"]);
    }
    EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(ops["rows"][4]["actor"], "aud");  // operator.login: the subject

    const json ex = buildEvidenceExports(events, c);
    ASSERT_EQ(ex["rows"].size(), 2u);
    EXPECT_EQ(ex["rows"][0]["type"], "console.events_exported");
    EXPECT_EQ(ex["rows"][1]["kind"], "compliance");
}

}  // namespace
}  // namespace sekimori::reports
