#include "doors/access_decision.hpp"

#include "doors/credential_binding.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace sekimori::doors;
using sekimori::core::TimeUs;
using sekimori::protocol::DoorSide;
using sekimori::protocol::Factor;

namespace {

constexpr TimeUs kWed1000Jst = 1'795'568'400'000'000;
constexpr TimeUs kWed2200Jst = 1'795'611'600'000'000;
constexpr TimeUs kSecondUs = 1'000'000;

DoorSpec threeFactorDoor() {
    DoorSpec d;
    d.id = "server-room";
    d.panel = "p-srv";
    d.fromZone = "corridor";
    d.toZone = "server-room";
    d.entryFactors = {Factor::card, Factor::pin, Factor::finger};
    d.exitFactors = {Factor::card};
    d.stepTimeoutMs = 15'000;
    d.fingerThreshold = 60;
    return d;
}

enum class Holder { none, active, revoked, inactive };
enum class Expect { challengePin, challengeFinger, grant, deny };

struct Row {
    const char* name;
    DoorSide side;
    std::size_t done;    // factors already done
    TimeUs sinceLastUs;  // time since the last step
    Holder holder;
    ZoneAccess access;  // mayEnter()'s answer for the target zone (C's tables test it)
    Step step;
    TimeUs now;
    Expect expect;
    DenyReason reason = DenyReason::noAccess;  // with Expect::deny
};

const DoorSide in = DoorSide::entry;
const DoorSide out = DoorSide::exit;

// One row per rule: each changes one input of the happy path.
const Row kRows[] = {
    // Happy path, step by step.
    {"card starts entry", in, 0, 0, Holder::active, ZoneAccess::allowed, CardStep{}, kWed1000Jst,
     Expect::challengePin},
    {"pin match asks finger", in, 1, 5 * kSecondUs, Holder::active, ZoneAccess::allowed,
     PinStep{PinCheck::match}, kWed1000Jst, Expect::challengeFinger},
    {"finger at threshold grants", in, 2, 5 * kSecondUs, Holder::active, ZoneAccess::allowed,
     FingerStep{60}, kWed1000Jst, Expect::grant},
    {"finger above threshold grants", in, 2, kSecondUs, Holder::active, ZoneAccess::allowed,
     FingerStep{100}, kWed1000Jst, Expect::grant},
    // Identity.
    {"unknown card", in, 0, 0, Holder::none, ZoneAccess::noAccess, CardStep{}, kWed1000Jst,
     Expect::deny, DenyReason::unknownCard},
    {"revoked card", in, 0, 0, Holder::revoked, ZoneAccess::allowed, CardStep{}, kWed1000Jst,
     Expect::deny, DenyReason::revoked},
    {"deactivated person", in, 0, 0, Holder::inactive, ZoneAccess::allowed, CardStep{}, kWed1000Jst,
     Expect::deny, DenyReason::revoked},
    {"revoked mid-session", in, 1, kSecondUs, Holder::revoked, ZoneAccess::allowed,
     PinStep{PinCheck::match}, kWed1000Jst, Expect::deny, DenyReason::revoked},
    // Zone and schedule.
    {"no grant for zone", in, 0, 0, Holder::active, ZoneAccess::noAccess, CardStep{}, kWed1000Jst,
     Expect::deny, DenyReason::noAccess},
    {"outside schedule", in, 0, 0, Holder::active, ZoneAccess::outsideSchedule, CardStep{},
     kWed2200Jst, Expect::deny, DenyReason::outsideSchedule},
    {"grant names an unknown schedule", in, 0, 0, Holder::active, ZoneAccess::outsideSchedule,
     CardStep{}, kWed1000Jst, Expect::deny, DenyReason::outsideSchedule},
    {"schedule ends mid-session", in, 2, kSecondUs, Holder::active, ZoneAccess::outsideSchedule,
     FingerStep{90}, kWed2200Jst, Expect::deny, DenyReason::outsideSchedule},
    // Factors.
    {"wrong pin", in, 1, kSecondUs, Holder::active, ZoneAccess::allowed,
     PinStep{PinCheck::mismatch}, kWed1000Jst, Expect::deny, DenyReason::wrongPin},
    {"finger one below threshold", in, 2, kSecondUs, Holder::active, ZoneAccess::allowed,
     FingerStep{59}, kWed1000Jst, Expect::deny, DenyReason::fingerMismatch},
    {"finger zero", in, 2, kSecondUs, Holder::active, ZoneAccess::allowed, FingerStep{0},
     kWed1000Jst, Expect::deny, DenyReason::fingerMismatch},
    // Order.
    {"pin before card", in, 0, 0, Holder::none, ZoneAccess::noAccess, PinStep{PinCheck::match},
     kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
    {"finger before pin", in, 1, kSecondUs, Holder::active, ZoneAccess::allowed, FingerStep{99},
     kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
    {"card again mid-session", in, 1, kSecondUs, Holder::active, ZoneAccess::allowed, CardStep{},
     kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
    {"pin twice", in, 2, kSecondUs, Holder::active, ZoneAccess::allowed, PinStep{PinCheck::match},
     kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
    {"step after session complete", in, 3, kSecondUs, Holder::active, ZoneAccess::allowed,
     FingerStep{99}, kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
    // Time.
    {"pin exactly at step timeout", in, 1, 15 * kSecondUs, Holder::active, ZoneAccess::allowed,
     PinStep{PinCheck::match}, kWed1000Jst, Expect::challengeFinger},
    {"pin just after step timeout", in, 1, 15 * kSecondUs + 1, Holder::active, ZoneAccess::allowed,
     PinStep{PinCheck::match}, kWed1000Jst, Expect::deny, DenyReason::timeout},
    {"late wrong pin is a timeout", in, 1, 60 * kSecondUs, Holder::active, ZoneAccess::allowed,
     PinStep{PinCheck::mismatch}, kWed1000Jst, Expect::deny, DenyReason::timeout},
    {"timer fired", in, 1, kSecondUs, Holder::active, ZoneAccess::allowed, StepExpired{},
     kWed1000Jst, Expect::deny, DenyReason::timeout},
    // Exit: card only; egress is not refused for zone or schedule.
    {"exit by card", out, 0, 0, Holder::active, ZoneAccess::allowed, CardStep{}, kWed1000Jst,
     Expect::grant},
    {"exit after hours", out, 0, 0, Holder::active, ZoneAccess::outsideSchedule, CardStep{},
     kWed2200Jst, Expect::grant},
    {"exit without zone grant", out, 0, 0, Holder::active, ZoneAccess::noAccess, CardStep{},
     kWed1000Jst, Expect::grant},
    {"exit with unknown card", out, 0, 0, Holder::none, ZoneAccess::noAccess, CardStep{},
     kWed1000Jst, Expect::deny, DenyReason::unknownCard},
    {"exit with revoked card", out, 0, 0, Holder::revoked, ZoneAccess::allowed, CardStep{},
     kWed1000Jst, Expect::deny, DenyReason::revoked},
    {"exit with pin", out, 0, 0, Holder::active, ZoneAccess::allowed, PinStep{PinCheck::match},
     kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
    // Issue 14: validity dates, card readings, duress, keypad steps at a card door.
    {"outside validity", in, 0, 0, Holder::active, ZoneAccess::outsideValidity, CardStep{},
     kWed1000Jst, Expect::deny, DenyReason::outsideValidity},
    {"validity ends mid-session", in, 1, kSecondUs, Holder::active, ZoneAccess::outsideValidity,
     PinStep{PinCheck::match}, kWed1000Jst, Expect::deny, DenyReason::outsideValidity},
    {"exit outside validity", out, 0, 0, Holder::active, ZoneAccess::outsideValidity, CardStep{},
     kWed1000Jst, Expect::grant},
    {"unreadable card", in, 0, 0, Holder::active, ZoneAccess::allowed, CardStep{false}, kWed1000Jst,
     Expect::deny, DenyReason::badCardFormat},
    {"unreadable card names nobody", in, 0, 0, Holder::none, ZoneAccess::noAccess, CardStep{false},
     kWed1000Jst, Expect::deny, DenyReason::badCardFormat},
    {"unreadable card on exit", out, 0, 0, Holder::active, ZoneAccess::allowed, CardStep{false},
     kWed1000Jst, Expect::deny, DenyReason::badCardFormat},
    {"duress pin asks finger", in, 1, kSecondUs, Holder::active, ZoneAccess::allowed,
     PinStep{PinCheck::duress}, kWed1000Jst, Expect::challengeFinger},
    {"duress pin outside schedule", in, 1, kSecondUs, Holder::active, ZoneAccess::outsideSchedule,
     PinStep{PinCheck::duress}, kWed1000Jst, Expect::deny, DenyReason::outsideSchedule},
    {"keypad code at a card door", in, 0, 0, Holder::active, ZoneAccess::allowed, KeypadStep{},
     kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
    {"keypad code mid-session", in, 1, kSecondUs, Holder::active, ZoneAccess::allowed, KeypadStep{},
     kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
};

class DecisionTable : public ::testing::TestWithParam<Row> {};

TEST_P(DecisionTable, Row) {
    const Row& row = GetParam();
    const DoorSpec door = threeFactorDoor();
    AccessSnapshot snapshot;
    snapshot.door = &door;
    switch (row.holder) {
        case Holder::none:
            break;
        case Holder::active:
            snapshot.holder = CardHolder{true, false};
            break;
        case Holder::revoked:
            snapshot.holder = CardHolder{true, true};
            break;
        case Holder::inactive:
            snapshot.holder = CardHolder{false, false};
            break;
    }
    snapshot.zoneAccess = row.access;
    snapshot.session = SessionState{row.done, row.now - row.sinceLastUs};

    const AccessDecision d = decide(AccessRequest{row.side, row.step, row.now}, snapshot);

    switch (row.expect) {
        case Expect::challengePin:
        case Expect::challengeFinger: {
            const auto* next = std::get_if<NextFactor>(&d.outcome);
            ASSERT_NE(next, nullptr);
            EXPECT_EQ(next->factor,
                      row.expect == Expect::challengePin ? Factor::pin : Factor::finger);
            EXPECT_EQ(d.next.factorsDone, row.done + 1);
            EXPECT_EQ(d.next.lastStepUs, row.now);
            break;
        }
        case Expect::grant:
            ASSERT_TRUE(std::holds_alternative<Granted>(d.outcome));
            break;
        case Expect::deny: {
            const auto* denied = std::get_if<Denied>(&d.outcome);
            ASSERT_NE(denied, nullptr);
            EXPECT_EQ(reasonCode(denied->reason), reasonCode(row.reason));
            break;
        }
    }
}

std::string rowName(const ::testing::TestParamInfo<Row>& info) {
    std::string name;
    for (const char* c = info.param.name; *c != '\0'; ++c) {
        name.push_back(std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_');
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Rules, DecisionTable, ::testing::ValuesIn(kRows), rowName);

// A circle gate takes the finger inside the booth: the session waits for the walk in and the
// booth (step + cycle time-out) for it, and only the step time-out for the PIN.
TEST(AccessDecision, CircleGateFingerWaitsForTheWalkIntoTheBooth) {
    DoorSpec gate = threeFactorDoor();
    gate.circleGate = true;
    gate.cycleTimeoutMs = 60'000;
    EXPECT_EQ(stepTimeoutFor(gate, Factor::pin), 15'000);
    EXPECT_EQ(stepTimeoutFor(gate, Factor::finger), 75'000);
    EXPECT_EQ(stepTimeoutFor(threeFactorDoor(), Factor::finger), 15'000);
    AccessSnapshot snapshot;
    snapshot.door = &gate;
    snapshot.holder = CardHolder{true, false};
    snapshot.zoneAccess = ZoneAccess::allowed;
    const auto fingerAfter = [&](TimeUs sinceUs) {
        snapshot.session = SessionState{2, kWed1000Jst - sinceUs};
        return decide(AccessRequest{DoorSide::entry, FingerStep{90}, kWed1000Jst}, snapshot);
    };
    EXPECT_TRUE(std::holds_alternative<Granted>(fingerAfter(40 * kSecondUs).outcome));
    EXPECT_TRUE(std::holds_alternative<Granted>(fingerAfter(75 * kSecondUs).outcome));
    const auto late = fingerAfter(75 * kSecondUs + 1);
    ASSERT_TRUE(std::holds_alternative<Denied>(late.outcome));
    EXPECT_EQ(std::get<Denied>(late.outcome).reason, DenyReason::timeout);
    snapshot.session = SessionState{1, kWed1000Jst - 16 * kSecondUs};
    const auto latePin =
        decide(AccessRequest{DoorSide::entry, PinStep{PinCheck::match}, kWed1000Jst}, snapshot);
    ASSERT_TRUE(std::holds_alternative<Denied>(latePin.outcome));
}

TEST(AccessDecision, WholeEntryWalksCardPinFinger) {
    const DoorSpec door = threeFactorDoor();
    AccessSnapshot snapshot;
    snapshot.door = &door;
    snapshot.holder = CardHolder{};
    snapshot.zoneAccess = ZoneAccess::allowed;
    TimeUs now = kWed1000Jst;
    const Step steps[] = {CardStep{}, PinStep{PinCheck::match}, FingerStep{75}};
    for (std::size_t i = 0; i < 3; ++i) {
        const AccessDecision d = decide(AccessRequest{DoorSide::entry, steps[i], now}, snapshot);
        if (i < 2) {
            ASSERT_TRUE(std::holds_alternative<NextFactor>(d.outcome)) << "step " << i;
        } else {
            ASSERT_TRUE(std::holds_alternative<Granted>(d.outcome));
        }
        snapshot.session = d.next;
        now += 3 * kSecondUs;
    }
}

DoorSpec keypadDoor() {
    DoorSpec d;
    d.id = "store";
    d.panel = "p-store";
    d.fromZone = "corridor";
    d.toZone = "store";
    d.keypadOnly = true;
    d.entryFactors = {Factor::pin};
    d.exitFactors = {};
    return d;
}

struct KeypadRow {
    const char* name;
    std::size_t done;
    Holder holder;
    ZoneAccess access;
    Step step;
    Expect expect;
    DenyReason reason = DenyReason::noAccess;
    bool duress = false;
};

// A keypad-only door: the code is the one factor and names the person.
const KeypadRow kKeypadRows[] = {
    {"code grants", 0, Holder::active, ZoneAccess::allowed, KeypadStep{}, Expect::grant},
    {"duress code grants under duress", 0, Holder::active, ZoneAccess::allowed, KeypadStep{true},
     Expect::grant, DenyReason::noAccess, true},
    {"unknown code", 0, Holder::none, ZoneAccess::noAccess, KeypadStep{}, Expect::deny,
     DenyReason::unknownCode},
    {"code of a disabled person", 0, Holder::inactive, ZoneAccess::allowed, KeypadStep{},
     Expect::deny, DenyReason::revoked},
    {"code without access", 0, Holder::active, ZoneAccess::noAccess, KeypadStep{}, Expect::deny,
     DenyReason::noAccess},
    {"duress code without access", 0, Holder::active, ZoneAccess::outsideSchedule, KeypadStep{true},
     Expect::deny, DenyReason::outsideSchedule},
    {"card at a keypad door", 0, Holder::active, ZoneAccess::allowed, CardStep{}, Expect::deny,
     DenyReason::factorOutOfOrder},
    {"pin cannot open a session", 0, Holder::active, ZoneAccess::allowed, PinStep{PinCheck::match},
     Expect::deny, DenyReason::factorOutOfOrder},
    {"second code after the grant", 1, Holder::active, ZoneAccess::allowed, KeypadStep{},
     Expect::deny, DenyReason::factorOutOfOrder},
};

TEST(AccessDecision, KeypadOnlyDoorTable) {
    const DoorSpec door = keypadDoor();
    ASSERT_TRUE(validateDoorSpec(door));
    for (const auto& row : kKeypadRows) {
        AccessSnapshot snapshot;
        snapshot.door = &door;
        if (row.holder == Holder::active) {
            snapshot.holder = CardHolder{true, false};
        } else if (row.holder == Holder::inactive) {
            snapshot.holder = CardHolder{false, false};
        }
        snapshot.zoneAccess = row.access;
        snapshot.session = SessionState{row.done, kWed1000Jst - kSecondUs};
        const auto d = decide(AccessRequest{DoorSide::entry, row.step, kWed1000Jst}, snapshot);
        if (row.expect == Expect::grant) {
            EXPECT_TRUE(std::holds_alternative<Granted>(d.outcome)) << row.name;
        } else {
            const auto* denied = std::get_if<Denied>(&d.outcome);
            ASSERT_NE(denied, nullptr) << row.name;
            EXPECT_EQ(reasonCode(denied->reason), reasonCode(row.reason)) << row.name;
        }
        EXPECT_EQ(d.duress, row.duress) << row.name;
    }
}

// Duress holds from the PIN to the session's end, in the decision D1 hands to admission.
TEST(AccessDecision, DuressIsStickyThroughTheSession) {
    const DoorSpec door = threeFactorDoor();
    const auto walk = [&](PinCheck pin, int score) {
        AccessSnapshot snapshot;
        snapshot.door = &door;
        snapshot.holder = CardHolder{};
        snapshot.zoneAccess = ZoneAccess::allowed;
        TimeUs now = kWed1000Jst;
        AccessDecision d;
        const Step steps[] = {CardStep{}, PinStep{pin}, FingerStep{score}};
        for (const auto& step : steps) {
            d = decide(AccessRequest{DoorSide::entry, step, now}, snapshot);
            snapshot.session = d.next;
            now += kSecondUs;
        }
        return d;
    };
    const auto underDuress = walk(PinCheck::duress, 90);
    EXPECT_TRUE(std::holds_alternative<Granted>(underDuress.outcome));
    EXPECT_TRUE(underDuress.duress);
    EXPECT_TRUE(underDuress.next.duress);
    const auto refusedUnderDuress = walk(PinCheck::duress, 10);
    ASSERT_TRUE(std::holds_alternative<Denied>(refusedUnderDuress.outcome));
    EXPECT_EQ(std::get<Denied>(refusedUnderDuress.outcome).reason, DenyReason::fingerMismatch);
    EXPECT_TRUE(refusedUnderDuress.duress);
    const auto plain = walk(PinCheck::match, 90);
    EXPECT_TRUE(std::holds_alternative<Granted>(plain.outcome));
    EXPECT_FALSE(plain.duress);
    // A timeout after a duress PIN still reports it.
    AccessSnapshot snapshot;
    snapshot.door = &door;
    snapshot.holder = CardHolder{};
    snapshot.zoneAccess = ZoneAccess::allowed;
    snapshot.session = SessionState{2, kWed1000Jst, true};
    const auto late = decide(AccessRequest{DoorSide::entry, StepExpired{}, kWed1000Jst}, snapshot);
    EXPECT_TRUE(std::holds_alternative<Denied>(late.outcome));
    EXPECT_TRUE(late.duress);
}

TEST(AccessDecision, ThresholdBelongsToTheDoor) {
    DoorSpec door = threeFactorDoor();
    door.fingerThreshold = 80;
    AccessSnapshot snapshot;
    snapshot.door = &door;
    snapshot.holder = CardHolder{};
    snapshot.zoneAccess = ZoneAccess::allowed;
    snapshot.session = SessionState{2, kWed1000Jst};
    const auto d = decide(AccessRequest{DoorSide::entry, FingerStep{79}, kWed1000Jst}, snapshot);
    ASSERT_TRUE(std::holds_alternative<Denied>(d.outcome));
    EXPECT_EQ(std::get<Denied>(d.outcome).reason, DenyReason::fingerMismatch);
}

TEST(AccessDecision, ReasonCodesAreTheWireCodesAndEachHasText) {
    const DenyReason all[] = {
        DenyReason::unknownCard,    DenyReason::revoked,          DenyReason::wrongPin,
        DenyReason::fingerMismatch, DenyReason::outsideSchedule,  DenyReason::noAccess,
        DenyReason::timeout,        DenyReason::factorOutOfOrder, DenyReason::outsideValidity,
        DenyReason::unknownCode,    DenyReason::badCardFormat};
    std::set<std::string_view> codes;
    std::set<std::string_view> texts;
    for (DenyReason r : all) {
        EXPECT_TRUE(sekimori::protocol::isReasonCode(reasonCode(r))) << reasonCode(r);
        codes.insert(reasonCode(r));
        texts.insert(describe(r));
        EXPECT_GT(describe(r).size(), 10U);
    }
    EXPECT_EQ(codes.size(), std::size(all));
    EXPECT_EQ(texts.size(), std::size(all));
    EXPECT_EQ(reasonCode(DenyReason::wrongPin), "wrong_pin");
    EXPECT_EQ(reasonCode(DenyReason::factorOutOfOrder), "factor_out_of_order");
    EXPECT_EQ(reasonCode(DenyReason::outsideValidity), "outside_validity");
    EXPECT_EQ(reasonCode(DenyReason::unknownCode), "unknown_code");
    EXPECT_EQ(reasonCode(DenyReason::badCardFormat), "bad_card_format");
}

TEST(DoorSpec, ValidationRejectsDoorsThatCannotIdentify) {
    DoorSpec d = threeFactorDoor();
    EXPECT_TRUE(validateDoorSpec(d));
    d.entryFactors = {Factor::pin, Factor::card};
    EXPECT_FALSE(validateDoorSpec(d));
    d.entryFactors = {Factor::card, Factor::pin, Factor::pin};
    EXPECT_FALSE(validateDoorSpec(d));
    d = threeFactorDoor();
    d.entryFactors = {};
    EXPECT_FALSE(validateDoorSpec(d));
    d = threeFactorDoor();
    d.exitFactors = {};  // left by request-to-exit only: valid (site config says so)
    EXPECT_TRUE(validateDoorSpec(d));
    d.exitFactors = {Factor::pin};
    EXPECT_FALSE(validateDoorSpec(d));
    d = threeFactorDoor();
    d.fingerThreshold = 101;
    EXPECT_FALSE(validateDoorSpec(d));
    d = threeFactorDoor();
    d.toZone = d.fromZone;
    EXPECT_FALSE(validateDoorSpec(d));
}

TEST(DoorSpec, AnyDoorMayNameTheCameraThatWatchesIt) {
    DoorSpec d = threeFactorDoor();
    d.camera = "cam-server-aisle-a";  // a rack's aisle camera (config/demo-site.toml)
    EXPECT_TRUE(validateDoorSpec(d));
    d.camera = "Cam A";
    ASSERT_FALSE(validateDoorSpec(d));
    EXPECT_NE(validateDoorSpec(d).error().message.find("is not a valid id"), std::string::npos);
}

TEST(DoorSpec, ValidationOfIssue14Fields) {
    DoorSpec d = threeFactorDoor();
    d.entryFactors = {Factor::pin};  // PIN alone only on a keypad-only door
    EXPECT_FALSE(validateDoorSpec(d));
    d.keypadOnly = true;
    d.exitFactors = {};
    EXPECT_TRUE(validateDoorSpec(d));
    d.entryFactors = {Factor::pin, Factor::finger};
    EXPECT_FALSE(validateDoorSpec(d));
    d.entryFactors = {Factor::pin};
    d.exitFactors = {Factor::card};  // a card reader inside
    EXPECT_TRUE(validateDoorSpec(d));
    d.cardFormats = {"felica"};
    EXPECT_TRUE(validateDoorSpec(d));
    d.exitFactors = {Factor::finger};
    EXPECT_FALSE(validateDoorSpec(d));
    d.exitFactors = {Factor::pin};
    EXPECT_FALSE(validateDoorSpec(d));  // a keypad inside too: no reader for card_formats
    d.cardFormats.clear();
    EXPECT_TRUE(validateDoorSpec(d));

    d = threeFactorDoor();
    d.cardFormats = {"felica", "wiegand37"};
    EXPECT_TRUE(validateDoorSpec(d));
    d.cardFormats = {"felica", "felica"};
    EXPECT_FALSE(validateDoorSpec(d));
    d.cardFormats = {"prox"};
    EXPECT_FALSE(validateDoorSpec(d));

    d = threeFactorDoor();
    d.heldOpenMs = 30'000;
    d.heldOpenWarnMs = 20'000;
    EXPECT_TRUE(validateDoorSpec(d));
    d.heldOpenWarnMs = 30'000;
    EXPECT_FALSE(validateDoorSpec(d));
    d.heldOpenWarnMs = -1;
    EXPECT_FALSE(validateDoorSpec(d));

    d = threeFactorDoor();
    d.firstPersonIn = DoorSpec::FirstPersonIn{"office", nullptr, {"managers"}};
    EXPECT_TRUE(validateDoorSpec(d));
    d.firstPersonIn->groups = {"Managers"};
    EXPECT_FALSE(validateDoorSpec(d));
    d.firstPersonIn = DoorSpec::FirstPersonIn{"", nullptr, {}};
    EXPECT_FALSE(validateDoorSpec(d));
}

}  // namespace

// A PIN hash is keyed over the person: a hash row moved from another person never matches,
// even with that person's own digits, and before any row digest is checked.
TEST(PinBinding, AHashMovedFromAnotherPersonNeverMatches) {
    ASSERT_TRUE(sekimori::core::initCrypto());
    const sekimori::core::Bytes pepper = sekimori::core::randomBytes(32);
    const auto bobsHash = sekimori::doors::pinHash(pepper, "bob", "2222");
    EXPECT_TRUE(sekimori::doors::pinMatches(pepper, "bob", bobsHash, "2222"));
    EXPECT_FALSE(sekimori::doors::pinMatches(pepper, "alice", bobsHash, "2222"));
    EXPECT_FALSE(sekimori::doors::pinMatches(pepper, "alice", bobsHash, "1111"));
    EXPECT_FALSE(sekimori::doors::pinMatches(pepper, "bob", "", "2222"));
    EXPECT_FALSE(
        sekimori::doors::pinMatches(sekimori::core::randomBytes(32), "bob", bobsHash, "2222"));
}

// Duress is the PIN with its last digit one higher (9 wraps to 0); both comparisons always run.
TEST(PinBinding, PinCheckTellsMatchDuressAndMismatch) {
    using sekimori::doors::PinCheck;
    ASSERT_TRUE(sekimori::core::initCrypto());
    const sekimori::core::Bytes pepper = sekimori::core::randomBytes(32);
    const auto hash = sekimori::doors::pinHash(pepper, "bob", "2468");
    EXPECT_EQ(sekimori::doors::pinCheck(pepper, "bob", hash, "2468"), PinCheck::match);
    EXPECT_EQ(sekimori::doors::pinCheck(pepper, "bob", hash, "2469"), PinCheck::duress);
    EXPECT_EQ(sekimori::doors::pinCheck(pepper, "bob", hash, "2467"), PinCheck::mismatch);
    EXPECT_EQ(sekimori::doors::pinCheck(pepper, "bob", hash, "3468"), PinCheck::mismatch);
    EXPECT_EQ(sekimori::doors::pinCheck(pepper, "alice", hash, "2469"), PinCheck::mismatch);
    EXPECT_EQ(sekimori::doors::pinCheck(pepper, "bob", "", "2469"), PinCheck::mismatch);
    const auto nine = sekimori::doors::pinHash(pepper, "bob", "1239");
    EXPECT_EQ(sekimori::doors::pinCheck(pepper, "bob", nine, "1230"), PinCheck::duress);
    EXPECT_EQ(sekimori::doors::pinCheck(pepper, "bob", nine, "1240"), PinCheck::mismatch);
    EXPECT_EQ(sekimori::doors::pinCheck(pepper, "bob", nine, "123a"), PinCheck::mismatch);
    EXPECT_EQ(sekimori::doors::duressOrigin("1230"), "1239");
    EXPECT_EQ(sekimori::doors::duressOrigin("5"), "4");
    EXPECT_EQ(sekimori::doors::duressOrigin(""), "");
    EXPECT_EQ(sekimori::doors::duressOrigin("12x"), "");
}

// The keypad hash is the documented HMAC (doors/README.md), not bound to a person; the match
// prefers the exact code and falls back to the duress origin.
TEST(KeypadBinding, CodeHashAndMatch) {
    ASSERT_TRUE(sekimori::core::initCrypto());
    const sekimori::core::Bytes pepper(32, '\x07');
    const std::string tag = "sekimori.keypad.v1";
    std::string message;
    message += std::string("\0\0\0", 3) + static_cast<char>(tag.size()) + tag;
    message += std::string("\0\0\0", 3) + static_cast<char>(4) + "4711";
    EXPECT_EQ(sekimori::doors::keypadCodeHash(pepper, "4711"),
              sekimori::core::keyedHash(pepper, message));
    EXPECT_NE(sekimori::doors::keypadCodeHash(pepper, "4711"),
              sekimori::doors::keypadCodeHash(pepper, "4712"));
    EXPECT_NE(sekimori::doors::keypadCodeHash(pepper, "4711"),
              sekimori::doors::pinHash(pepper, "", "4711"));

    const std::string carol = "carol";
    const std::string dave = "dave";
    std::map<sekimori::core::Bytes, const std::string*> codes{
        {sekimori::doors::keypadCodeHash(pepper, "4711"), &carol},
        {sekimori::doors::keypadCodeHash(pepper, "4712"), &dave}};
    const auto lookup = [&](const sekimori::core::Bytes& hash) -> const std::string* {
        auto it = codes.find(hash);
        return it == codes.end() ? nullptr : it->second;
    };
    auto m = sekimori::doors::matchKeypadCode(pepper, "4711", lookup);
    EXPECT_EQ(m.person, &carol);
    EXPECT_FALSE(m.duress);
    m = sekimori::doors::matchKeypadCode(pepper, "4712", lookup);  // dave's own code wins
    EXPECT_EQ(m.person, &dave);
    EXPECT_FALSE(m.duress);
    m = sekimori::doors::matchKeypadCode(pepper, "4713", lookup);  // dave under duress
    EXPECT_EQ(m.person, &dave);
    EXPECT_TRUE(m.duress);
    m = sekimori::doors::matchKeypadCode(pepper, "9999", lookup);
    EXPECT_EQ(m.person, nullptr);
}

// A template is sealed with the person as associated data: it opens for no one else.
TEST(TemplateBinding, ATemplateSealedForOnePersonDoesNotOpenForAnother) {
    ASSERT_TRUE(sekimori::core::initCrypto());
    const sekimori::core::Bytes key = sekimori::core::randomBytes(32);
    const auto box = sekimori::doors::sealTemplate(key, "alice", "ALICE-MINUTIAE");
    EXPECT_EQ(static_cast<std::uint8_t>(box.front()), sekimori::core::kAeadVersion);
    EXPECT_EQ(box.find("ALICE-MINUTIAE"), std::string::npos);
    auto opened = sekimori::doors::openTemplate(key, "alice", box);
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, "ALICE-MINUTIAE");
    EXPECT_FALSE(sekimori::doors::openTemplate(key, "bob", box));
    EXPECT_FALSE(sekimori::doors::openTemplate(key, "alice ", box));
    EXPECT_FALSE(sekimori::doors::openTemplate(sekimori::core::randomBytes(32), "alice", box));
    auto otherVersion = box;
    otherVersion[0] = static_cast<char>(2);
    EXPECT_FALSE(sekimori::doors::openTemplate(key, "alice", otherVersion));
    auto flipped = box;
    flipped.back() = static_cast<char>(flipped.back() ^ 1);
    EXPECT_FALSE(sekimori::doors::openTemplate(key, "alice", flipped));
}
