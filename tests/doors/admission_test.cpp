// The zone rules after the factors, as decision tables with an injected clock: lockdown,
// occupancy, anti-passback (hard, soft, timed, forgiven), two-person, escort, and the
// combinations the issue names (duress + two-person, anti-passback + lockout, lockdown +
// exempt + escort).
#include "doors/admission.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sekimori::doors {
namespace {

using protocol::DoorSide;

constexpr core::TimeUs kSecond = 1'000'000;
constexpr core::TimeUs t0 = 1'780'000'000 * kSecond;

Entrant person(std::string id, std::vector<std::string> groups = {}) {
    return Entrant{id, "Name of " + id, std::move(groups), false, false};
}
Entrant visitor(std::string id) {
    Entrant e = person(std::move(id));
    e.escortRequired = true;
    return e;
}

ZoneRules twoPersonRoom() {
    ZoneRules r;
    r.zone = "server";
    r.twoPerson = true;
    r.neverAlone = true;
    r.companionWindow = std::chrono::seconds(15);
    return r;
}

// One arrival at door "d" into "server" from "corridor".
struct Arrival {
    Entrant entrant;
    const ZoneRules* rules = nullptr;
    core::TimeUs now = t0;
    std::optional<std::string> recordedZone{};
    core::TimeUs recordedSince = 0;
    std::size_t occupants = 0;
    bool lockedDown = false;
    std::vector<std::string> exempt{};
    bool forgiven = false;
    bool inWorkWindow = false;
    bool inPresenceZone = false;
    std::size_t othersInPresenceZone = 0;
    const std::string* portalHold = nullptr;
    const CompanionWait* wait = nullptr;
    std::vector<RecentGrant> recent{};
    DoorSide side = DoorSide::entry;
    const ZoneRules* leftRules = nullptr;

    Admission run() const {
        AdmissionInput in;
        in.door = "d";
        in.side = side;
        in.targetZone = side == DoorSide::entry ? "server" : "corridor";
        in.leftZone = side == DoorSide::entry ? "corridor" : "server";
        in.targetRules = rules;
        in.leftRules = leftRules;
        in.entrant = &entrant;
        in.nowUs = now;
        if (recordedZone) {
            in.recordedZone = *recordedZone;
        }
        in.recordedSinceUs = recordedSince;
        in.targetOccupants = occupants;
        in.lockedDown = lockedDown;
        in.exemptGroups = &exempt;
        in.forgiven = forgiven;
        in.inWorkWindow = inWorkWindow;
        in.inPresenceZone = inPresenceZone;
        in.othersInPresenceZone = othersInPresenceZone;
        in.portalHold = portalHold;
        in.wait = wait;
        in.recentGrants = &recent;
        return admit(in);
    }
};

Admit admitted(const Admission& a) {
    EXPECT_TRUE(std::holds_alternative<Admit>(a)) << "outcome index " << a.index();
    return std::holds_alternative<Admit>(a) ? std::get<Admit>(a) : Admit{};
}
AwaitCompanion waiting(const Admission& a) {
    EXPECT_TRUE(std::holds_alternative<AwaitCompanion>(a)) << "outcome index " << a.index();
    return std::holds_alternative<AwaitCompanion>(a) ? std::get<AwaitCompanion>(a)
                                                     : AwaitCompanion{};
}
Refuse refused(const Admission& a) {
    EXPECT_TRUE(std::holds_alternative<Refuse>(a)) << "outcome index " << a.index();
    return std::holds_alternative<Refuse>(a) ? std::get<Refuse>(a) : Refuse{};
}

std::vector<std::string> people(const Admit a) {
    std::vector<std::string> out;
    for (const auto& p : a.passing) {
        out.push_back(p.entrant.person);
    }
    return out;
}

TEST(Admission, NoRulesAdmitsTheEntrantAlone) {
    const Admit a = admitted(Arrival{person("ann")}.run());
    EXPECT_EQ(people(a), std::vector<std::string>{"ann"});
    EXPECT_FALSE(a.duress);
    EXPECT_FALSE(a.passing[0].passbackViolation);
}

// --- lockdown ------------------------------------------------------------------------------
TEST(Admission, LockdownRefusesEntryExceptExemptGroups) {
    struct Row {
        std::vector<std::string> groups;
        bool lockedDown;
        bool admittedExpected;
    };
    const std::vector<Row> rows{
        {{}, false, true},
        {{}, true, false},
        {{"staff"}, true, false},
        {{"staff", "security"}, true, true},
    };
    for (const auto& row : rows) {
        Arrival in{person("ann", row.groups)};
        in.lockedDown = row.lockedDown;
        in.exempt = {"security"};
        const Admission a = in.run();
        EXPECT_EQ(std::holds_alternative<Admit>(a), row.admittedExpected)
            << "groups " << row.groups.size() << " locked " << row.lockedDown;
        if (!row.admittedExpected) {
            EXPECT_EQ(reasonCode(refused(a).reason), "lockdown");
            EXPECT_NE(refused(a).detail.find("locked down"), std::string::npos);
        }
    }
}

// --- work windows (the vault's tickets) -----------------------------------------------------
TEST(Admission, AWorkWindowZoneAdmitsOnlyInsideAWindowAndNeverHoldsAnExit) {
    ZoneRules rules;
    rules.zone = "server";
    rules.workWindow = true;
    struct Row {
        DoorSide side;
        bool inWindow;
        bool lockedDown;
        std::string expected;  // "admit" or the refusal's reason code
    };
    const std::vector<Row> rows{
        {DoorSide::entry, true, false, "admit"},
        {DoorSide::entry, false, false, "no_work_window"},
        {DoorSide::entry, false, true, "lockdown"},  // lockdown is named first
        {DoorSide::exit, false, false, "admit"},     // egress is never refused
    };
    for (const auto& row : rows) {
        Arrival in{person("ann")};
        in.rules = &rules;
        in.side = row.side;
        in.inWorkWindow = row.inWindow;
        in.lockedDown = row.lockedDown;
        const Admission a = in.run();
        const std::string got =
            std::holds_alternative<Admit>(a) ? "admit" : std::string(reasonCode(refused(a).reason));
        EXPECT_EQ(got, row.expected) << "window " << row.inWindow << " locked " << row.lockedDown;
    }
    // The window is asked of every entrant: a companion without one does not complete a wait.
    rules.twoPerson = true;
    Arrival first{person("ann")};
    first.rules = &rules;
    first.inWorkWindow = true;
    const AwaitCompanion w = waiting(first.run());
    Arrival second{person("bob")};
    second.rules = &rules;
    second.wait = &w.wait;
    EXPECT_EQ(reasonCode(refused(second.run()).reason), "no_work_window");
    EXPECT_NE(refused(second.run()).detail.find("work window"), std::string::npos);
}

TEST(Admission, ARackOpensOnlyForSomeoneInItsRoomAndAVaultRackOnlyWithASecondPerson) {
    ZoneRules rack;
    rack.zone = "server";  // the rack's zone
    rack.presenceIn = "room";
    Arrival c{person("ann")};
    c.rules = &rack;
    auto r = refused(c.run());
    EXPECT_EQ(r.reason, Refusal::notInRoom);
    EXPECT_EQ(reasonCode(r.reason), "not_in_room");
    EXPECT_NE(r.detail.find("\"room\""), std::string::npos) << r.detail;
    c.inPresenceZone = true;
    EXPECT_EQ(people(admitted(c.run())), std::vector<std::string>{"ann"});

    ZoneRules vaultRack = rack;
    vaultRack.othersPresent = 1;
    vaultRack.workWindow = true;
    c.rules = &vaultRack;
    c.inWorkWindow = false;
    EXPECT_EQ(refused(c.run()).reason, Refusal::noWorkWindow);  // the window first
    c.inWorkWindow = true;
    r = refused(c.run());
    EXPECT_EQ(r.reason, Refusal::noSecondPerson);
    EXPECT_EQ(reasonCode(r.reason), "no_second_person");
    c.othersInPresenceZone = 1;
    EXPECT_EQ(people(admitted(c.run())), std::vector<std::string>{"ann"});
    c.inPresenceZone = false;  // the second person is there, the opener is not
    EXPECT_EQ(refused(c.run()).reason, Refusal::notInRoom);
}

TEST(Admission, AHeldPortalRefusesEveryEntryEvenExemptButNeverAnExit) {
    const std::string why = "metal detector: detection, level 80";
    Arrival c{person("ann", {"security"})};
    c.portalHold = &why;
    c.lockedDown = true;  // a lockdown's exemption does not lift a hold
    c.exempt = {"security"};
    auto r = refused(c.run());
    EXPECT_EQ(r.reason, Refusal::portalHeld);
    EXPECT_EQ(reasonCode(r.reason), "portal_held");
    EXPECT_NE(r.detail.find(why), std::string::npos);
    c.side = DoorSide::exit;
    admitted(c.run());
}

TEST(Admission, ExitIsNeverRefusedByLockdownOccupancyOrAntiPassback) {
    ZoneRules rules = twoPersonRoom();
    rules.antiPassback = AntiPassback::hard;
    rules.occupancyLimit = 1;
    Arrival in{visitor("vic")};
    in.side = DoorSide::exit;
    in.rules = &rules;
    in.leftRules = &rules;
    in.lockedDown = true;
    in.occupants = 50;
    in.recordedZone = "corridor";  // leaving a zone they were never recorded in
    const Admit a = admitted(in.run());
    ASSERT_EQ(a.passing.size(), 1U);
    EXPECT_TRUE(a.passing[0].passbackViolation) << "logged as a soft violation";
    EXPECT_EQ(a.passing[0].recordedZone, "corridor");
}

TEST(Admission, ExitFromTheRecordedZoneIsNoViolation) {
    ZoneRules rules;
    rules.antiPassback = AntiPassback::hard;
    Arrival in{person("ann")};
    in.side = DoorSide::exit;
    in.leftRules = &rules;
    in.recordedZone = "server";
    EXPECT_FALSE(admitted(in.run()).passing[0].passbackViolation);
}

// --- occupancy -----------------------------------------------------------------------------
TEST(Admission, OccupancyCountsWhoWouldPass) {
    ZoneRules rules;
    rules.occupancyLimit = 3;
    struct Row {
        std::size_t occupants;
        bool admittedExpected;
    };
    for (const Row row : {Row{0, true}, Row{2, true}, Row{3, false}, Row{9, false}}) {
        Arrival in{person("ann")};
        in.rules = &rules;
        in.occupants = row.occupants;
        const Admission a = in.run();
        EXPECT_EQ(std::holds_alternative<Admit>(a), row.admittedExpected) << row.occupants;
        if (!row.admittedExpected) {
            EXPECT_EQ(reasonCode(refused(a).reason), "occupancy_full");
        }
    }
}

TEST(Admission, OccupancyCountsTheWaitingCompanionToo) {
    ZoneRules rules = twoPersonRoom();
    rules.occupancyLimit = 3;
    Arrival first{person("ann")};
    first.rules = &rules;
    first.occupants = 2;
    const AwaitCompanion w = waiting(first.run());  // 2 + ann = 3: fits
    Arrival second{person("bob")};
    second.rules = &rules;
    second.occupants = 2;
    second.wait = &w.wait;
    second.now = t0 + 2 * kSecond;
    EXPECT_EQ(reasonCode(refused(second.run()).reason), "occupancy_full");  // 2 + 2 > 3
}

// --- anti-passback -------------------------------------------------------------------------
TEST(Admission, AntiPassbackModes) {
    struct Row {
        AntiPassback mode;
        std::optional<std::string> recorded;
        core::TimeUs recordedAgo;
        bool forgiven;
        int expected;  // 0 admit clean, 1 admit + violation, 2 refuse, 3 admit + forgiveness used
    };
    const std::vector<Row> rows{
        {AntiPassback::off, "server", 0, false, 0},
        {AntiPassback::hard, std::nullopt, 0, false, 0},  // recorded nowhere: first entry
        {AntiPassback::hard, "corridor", 0, false, 0},    // recorded outside: fine
        {AntiPassback::hard, "server", 0, false, 2},
        {AntiPassback::hard, "server", 0, true, 3},
        {AntiPassback::soft, "server", 0, false, 1},
        {AntiPassback::soft, "server", 0, true, 3},
        {AntiPassback::timed, "server", 10 * kSecond, false, 2},
        {AntiPassback::timed, "server", 59 * kSecond, false, 2},
        {AntiPassback::timed, "server", 60 * kSecond, false, 0},
        {AntiPassback::timed, "server", 10 * kSecond, true, 3},
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Row& row = rows[i];
        ZoneRules rules;
        rules.antiPassback = row.mode;
        rules.passbackTimeout = std::chrono::seconds(60);
        Arrival in{person("ann")};
        in.rules = &rules;
        in.recordedZone = row.recorded;
        in.recordedSince = t0 - row.recordedAgo;
        in.forgiven = row.forgiven;
        const Admission a = in.run();
        if (row.expected == 2) {
            EXPECT_EQ(reasonCode(refused(a).reason), "anti_passback") << "row " << i;
            continue;
        }
        const Admit ok = admitted(a);
        ASSERT_EQ(ok.passing.size(), 1U) << "row " << i;
        EXPECT_EQ(ok.passing[0].passbackViolation, row.expected == 1) << "row " << i;
        EXPECT_EQ(ok.passing[0].forgivenessUsed, row.expected == 3) << "row " << i;
        if (row.expected == 1) {
            EXPECT_EQ(ok.passing[0].recordedZone, "server");
        }
    }
}

TEST(Admission, ForgivenessLiftsNothingWhenNothingNeedsLifting) {
    ZoneRules rules;
    rules.antiPassback = AntiPassback::hard;
    Arrival in{person("ann")};
    in.rules = &rules;
    in.recordedZone = "corridor";
    in.forgiven = true;
    EXPECT_FALSE(admitted(in.run()).passing[0].forgivenessUsed) << "nothing was lifted";
}

// Anti-passback + lockout: the lockout ([door_lockout]) is decided before admission and does
// not lift anti-passback when it ends; a refusal for anti-passback is not a wrong factor, so
// admission never tells the caller to count it. The table walks one card through both.
TEST(Admission, AntiPassbackHoldsAcrossALockoutAndAForgivenessLiftsItOnce) {
    ZoneRules rules;
    rules.zone = "server";
    rules.antiPassback = AntiPassback::hard;
    Arrival in{person("ann")};
    in.rules = &rules;
    in.recordedZone = "server";   // tailgated out: still recorded inside
    in.now = t0 + 901 * kSecond;  // after a 900 s lockout of the card ended
    in.recordedSince = t0;
    EXPECT_EQ(reasonCode(refused(in.run()).reason), "anti_passback");
    in.forgiven = true;  // an operator forgave with a comment
    const Admit a = admitted(in.run());
    EXPECT_TRUE(a.passing[0].forgivenessUsed);
    EXPECT_FALSE(a.passing[0].passbackViolation);
    // The caller consumed it and presence now has them inside: the next try is refused again.
    in.forgiven = false;
    EXPECT_EQ(reasonCode(refused(in.run()).reason), "anti_passback");
}

// --- two-person ----------------------------------------------------------------------------
TEST(Admission, TwoPersonWaitsForASecondDifferentPersonWithinTheWindow) {
    const ZoneRules rules = twoPersonRoom();
    Arrival first{person("ann")};
    first.rules = &rules;
    const AwaitCompanion w = waiting(first.run());
    EXPECT_EQ(w.rule, CompanionRule::twoPerson);
    EXPECT_EQ(reasonCode(w.rule), "awaiting_second_person");
    EXPECT_EQ(w.wait.door, "d");
    EXPECT_EQ(w.wait.zone, "server");
    EXPECT_EQ(w.wait.sinceUs, t0);
    EXPECT_EQ(w.wait.untilUs, t0 + 15 * kSecond);
    ASSERT_EQ(w.wait.waiting.size(), 1U);

    // The same person again (a tailgater passing the card back) is not a second person.
    Arrival again{person("ann")};
    again.rules = &rules;
    again.wait = &w.wait;
    again.now = t0 + 3 * kSecond;
    EXPECT_EQ(waiting(again.run()).wait.waiting.size(), 1U);

    // Another person within the window: both pass, the waiting one first.
    Arrival second{person("bob")};
    second.rules = &rules;
    second.wait = &w.wait;
    second.now = t0 + 14 * kSecond;
    EXPECT_EQ(people(admitted(second.run())), (std::vector<std::string>{"ann", "bob"}));

    // At or after the window's end the wait is over: bob now waits alone.
    second.now = t0 + 15 * kSecond;
    const AwaitCompanion late = waiting(second.run());
    ASSERT_EQ(late.wait.waiting.size(), 1U);
    EXPECT_EQ(late.wait.waiting[0].entrant.person, "bob");
    EXPECT_EQ(late.wait.sinceUs, t0 + 15 * kSecond);
}

TEST(Admission, AWaitAtAnotherDoorOrSideDoesNotCount) {
    const ZoneRules rules = twoPersonRoom();
    Arrival first{person("ann")};
    first.rules = &rules;
    AwaitCompanion w = waiting(first.run());
    w.wait.door = "other";
    Arrival second{person("bob")};
    second.rules = &rules;
    second.wait = &w.wait;
    second.now = t0 + kSecond;
    EXPECT_EQ(waiting(second.run()).wait.waiting.size(), 1U);
}

// Duress + two-person: the duress entry waits like any other, raises its alarm at once (the
// caller records access.duress with the pending), and the grant carries it when both pass,
// whichever of the two entered the duress PIN.
TEST(Admission, DuressAtATwoPersonDoor) {
    const ZoneRules rules = twoPersonRoom();
    for (bool firstUnderDuress : {true, false}) {
        Entrant ann = person("ann");
        Entrant bob = person("bob");
        (firstUnderDuress ? ann : bob).duress = true;
        Arrival first{ann};
        first.rules = &rules;
        const AwaitCompanion w = waiting(first.run());
        EXPECT_EQ(w.duress, firstUnderDuress);
        Arrival second{bob};
        second.rules = &rules;
        second.wait = &w.wait;
        second.now = t0 + 5 * kSecond;
        const Admit a = admitted(second.run());
        EXPECT_TRUE(a.duress);
        ASSERT_EQ(a.passing.size(), 2U);
        EXPECT_EQ(a.passing[0].entrant.duress, firstUnderDuress);
        EXPECT_EQ(a.passing[1].entrant.duress, !firstUnderDuress);
    }
}

TEST(Admission, ARefusedDuressEntryStillCarriesTheDuress) {
    Entrant ann = person("ann");
    ann.duress = true;
    Arrival in{ann};
    in.lockedDown = true;
    EXPECT_TRUE(refused(in.run()).duress);
}

TEST(Admission, AntiPassbackFoundOnArrivalIsRecordedWhenTheWaitCompletes) {
    ZoneRules rules = twoPersonRoom();
    rules.antiPassback = AntiPassback::soft;
    Arrival first{person("ann")};
    first.rules = &rules;
    first.recordedZone = "server";
    const AwaitCompanion w = waiting(first.run());
    Arrival second{person("bob")};
    second.rules = &rules;
    second.wait = &w.wait;
    second.now = t0 + kSecond;
    const Admit a = admitted(second.run());
    ASSERT_EQ(a.passing.size(), 2U);
    EXPECT_TRUE(a.passing[0].passbackViolation);
    EXPECT_FALSE(a.passing[1].passbackViolation);
}

// --- escort --------------------------------------------------------------------------------
TEST(Admission, EscortEitherOrder) {
    ZoneRules rules;
    rules.zone = "server";
    rules.escortHosts = {"hosts"};
    rules.companionWindow = std::chrono::seconds(20);

    // Visitor first: waits for a host; a non-host does not do; a host does.
    Arrival vic{visitor("vic")};
    vic.rules = &rules;
    const AwaitCompanion w = waiting(vic.run());
    EXPECT_EQ(w.rule, CompanionRule::escort);
    EXPECT_EQ(reasonCode(w.rule), "awaiting_escort");
    EXPECT_EQ(w.wait.untilUs, t0 + 20 * kSecond);

    Arrival stranger{person("sam", {"staff"})};
    stranger.rules = &rules;
    stranger.wait = &w.wait;
    stranger.now = t0 + 2 * kSecond;
    const Admit alone = admitted(stranger.run());
    EXPECT_EQ(people(alone), std::vector<std::string>{"sam"}) << "passes alone, not a host";
    EXPECT_FALSE(alone.waitCompleted) << "the visitor still waits";

    Arrival host{person("hana", {"hosts"})};
    host.rules = &rules;
    host.wait = &w.wait;
    host.now = t0 + 19 * kSecond;
    const Admit escorted = admitted(host.run());
    EXPECT_EQ(people(escorted), (std::vector<std::string>{"vic", "hana"}));
    EXPECT_TRUE(escorted.waitCompleted);

    // Host first (granted alone: the zone has no two-person rule), visitor within the window.
    Arrival hostAlone{person("hana", {"hosts"})};
    hostAlone.rules = &rules;
    EXPECT_EQ(people(admitted(hostAlone.run())), std::vector<std::string>{"hana"});
    Arrival after{visitor("vic")};
    after.rules = &rules;
    after.now = t0 + 20 * kSecond;
    after.recent = {RecentGrant{"hana", {"hosts"}, false, t0}};
    EXPECT_EQ(people(admitted(after.run())), std::vector<std::string>{"vic"});
    after.now = t0 + 21 * kSecond;  // too late
    EXPECT_EQ(waiting(after.run()).rule, CompanionRule::escort);
    after.now = t0 + 5 * kSecond;  // a visitor granted before does not host
    after.recent = {RecentGrant{"val", {"hosts"}, true, t0}};
    EXPECT_EQ(waiting(after.run()).rule, CompanionRule::escort);
}

TEST(Admission, AVisitorNeedsAnEscortEvenWhereTheZoneHasNoRules) {
    Arrival vic{visitor("vic")};
    const AwaitCompanion w = waiting(vic.run());
    EXPECT_EQ(w.wait.untilUs, t0 + 15 * kSecond) << "the default window";
    Arrival anyone{person("ann")};  // no escort_hosts: anyone allowed in hosts
    anyone.wait = &w.wait;
    anyone.now = t0 + 3 * kSecond;
    EXPECT_EQ(people(admitted(anyone.run())), (std::vector<std::string>{"vic", "ann"}));
}

TEST(Admission, TwoVisitorsDoNotEscortEachOtherAtATwoPersonDoor) {
    const ZoneRules rules = twoPersonRoom();
    Arrival first{visitor("vic")};
    first.rules = &rules;
    const AwaitCompanion w = waiting(first.run());
    EXPECT_EQ(w.rule, CompanionRule::escort);
    Arrival second{visitor("val")};
    second.rules = &rules;
    second.wait = &w.wait;
    second.now = t0 + kSecond;
    const AwaitCompanion w2 = waiting(second.run());
    EXPECT_EQ(w2.rule, CompanionRule::escort) << "two people, but no host";
    Arrival host{person("hana")};
    host.rules = &rules;
    host.wait = &w2.wait;
    host.now = t0 + 2 * kSecond;
    EXPECT_EQ(people(admitted(host.run())), (std::vector<std::string>{"vic", "val", "hana"}));
}

// Lockdown + exempt + escort: during a lockdown only the exempt pass; a visitor is refused even
// with an exempt host beside them, and a waiting visitor holds back an exempt host who would
// complete the wait (fail secure: the host badges again after the wait lapses).
TEST(Admission, LockdownExemptAndEscort) {
    ZoneRules rules;
    rules.zone = "server";
    const std::vector<std::string> exempt{"security"};

    Arrival vic{visitor("vic")};
    vic.rules = &rules;
    vic.lockedDown = true;
    vic.exempt = exempt;
    EXPECT_EQ(reasonCode(refused(vic.run()).reason), "lockdown");

    Arrival guard{person("gus", {"security"})};
    guard.rules = &rules;
    guard.lockedDown = true;
    guard.exempt = exempt;
    EXPECT_EQ(people(admitted(guard.run())), std::vector<std::string>{"gus"});

    // The visitor began waiting before the lockdown; the exempt guard arrives after it began.
    vic.lockedDown = false;
    const AwaitCompanion w = waiting(vic.run());
    guard.wait = &w.wait;
    guard.now = t0 + 2 * kSecond;
    const Refuse r = refused(guard.run());
    EXPECT_EQ(reasonCode(r.reason), "lockdown");
    EXPECT_NE(r.detail.find("Name of vic"), std::string::npos) << r.detail;

    // An exempt visitor (a contractor in the security group) is escorted by an exempt guard.
    Entrant contractor = visitor("con");
    contractor.groups = {"security"};
    Arrival con{contractor};
    con.rules = &rules;
    con.lockedDown = true;
    con.exempt = exempt;
    const AwaitCompanion cw = waiting(con.run());
    guard.wait = &cw.wait;
    EXPECT_EQ(people(admitted(guard.run())), (std::vector<std::string>{"con", "gus"}));
}

TEST(Admission, WordsRoundTrip) {
    for (auto mode :
         {AntiPassback::off, AntiPassback::soft, AntiPassback::hard, AntiPassback::timed}) {
        EXPECT_EQ(antiPassbackFromString(toString(mode)), mode);
    }
    EXPECT_EQ(antiPassbackFromString("strict"), std::nullopt);
    EXPECT_EQ(toString(CompanionRule::twoPerson), "two_person");
    EXPECT_EQ(toString(CompanionRule::escort), "escort");
}

}  // namespace
}  // namespace sekimori::doors
