#include "doors/access_decision.hpp"

#include "doors/credential_binding.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace sekimori::doors;
using namespace sekimori::policy;
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

const Schedule kOffice{"office", 540, {{kWeekdays, 8 * 60, 20 * 60}}};

enum class Holder { none, active, revoked, inactive };
enum class Sched { office, missing };
enum class Expect { challengePin, challengeFinger, grant, deny };

struct Row {
    const char* name;
    DoorSide side;
    std::size_t done;    // factors already done
    TimeUs sinceLastUs;  // time since the last step
    Holder holder;
    bool grant;
    Sched schedule;
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
    {"card starts entry", in, 0, 0, Holder::active, true, Sched::office, CardStep{}, kWed1000Jst,
     Expect::challengePin},
    {"pin match asks finger", in, 1, 5 * kSecondUs, Holder::active, true, Sched::office,
     PinStep{true}, kWed1000Jst, Expect::challengeFinger},
    {"finger at threshold grants", in, 2, 5 * kSecondUs, Holder::active, true, Sched::office,
     FingerStep{60}, kWed1000Jst, Expect::grant},
    {"finger above threshold grants", in, 2, kSecondUs, Holder::active, true, Sched::office,
     FingerStep{100}, kWed1000Jst, Expect::grant},
    // Identity.
    {"unknown card", in, 0, 0, Holder::none, false, Sched::office, CardStep{}, kWed1000Jst,
     Expect::deny, DenyReason::unknownCard},
    {"revoked card", in, 0, 0, Holder::revoked, true, Sched::office, CardStep{}, kWed1000Jst,
     Expect::deny, DenyReason::revoked},
    {"deactivated person", in, 0, 0, Holder::inactive, true, Sched::office, CardStep{}, kWed1000Jst,
     Expect::deny, DenyReason::revoked},
    {"revoked mid-session", in, 1, kSecondUs, Holder::revoked, true, Sched::office, PinStep{true},
     kWed1000Jst, Expect::deny, DenyReason::revoked},
    // Zone and schedule.
    {"no grant for zone", in, 0, 0, Holder::active, false, Sched::office, CardStep{}, kWed1000Jst,
     Expect::deny, DenyReason::noAccess},
    {"outside schedule", in, 0, 0, Holder::active, true, Sched::office, CardStep{}, kWed2200Jst,
     Expect::deny, DenyReason::outsideSchedule},
    {"grant names an unknown schedule", in, 0, 0, Holder::active, true, Sched::missing, CardStep{},
     kWed1000Jst, Expect::deny, DenyReason::outsideSchedule},
    {"schedule ends mid-session", in, 2, kSecondUs, Holder::active, true, Sched::office,
     FingerStep{90}, kWed2200Jst, Expect::deny, DenyReason::outsideSchedule},
    // Factors.
    {"wrong pin", in, 1, kSecondUs, Holder::active, true, Sched::office, PinStep{false},
     kWed1000Jst, Expect::deny, DenyReason::wrongPin},
    {"finger one below threshold", in, 2, kSecondUs, Holder::active, true, Sched::office,
     FingerStep{59}, kWed1000Jst, Expect::deny, DenyReason::fingerMismatch},
    {"finger zero", in, 2, kSecondUs, Holder::active, true, Sched::office, FingerStep{0},
     kWed1000Jst, Expect::deny, DenyReason::fingerMismatch},
    // Order.
    {"pin before card", in, 0, 0, Holder::none, false, Sched::office, PinStep{true}, kWed1000Jst,
     Expect::deny, DenyReason::factorOutOfOrder},
    {"finger before pin", in, 1, kSecondUs, Holder::active, true, Sched::office, FingerStep{99},
     kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
    {"card again mid-session", in, 1, kSecondUs, Holder::active, true, Sched::office, CardStep{},
     kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
    {"pin twice", in, 2, kSecondUs, Holder::active, true, Sched::office, PinStep{true}, kWed1000Jst,
     Expect::deny, DenyReason::factorOutOfOrder},
    {"step after session complete", in, 3, kSecondUs, Holder::active, true, Sched::office,
     FingerStep{99}, kWed1000Jst, Expect::deny, DenyReason::factorOutOfOrder},
    // Time.
    {"pin exactly at step timeout", in, 1, 15 * kSecondUs, Holder::active, true, Sched::office,
     PinStep{true}, kWed1000Jst, Expect::challengeFinger},
    {"pin just after step timeout", in, 1, 15 * kSecondUs + 1, Holder::active, true, Sched::office,
     PinStep{true}, kWed1000Jst, Expect::deny, DenyReason::timeout},
    {"late wrong pin is a timeout", in, 1, 60 * kSecondUs, Holder::active, true, Sched::office,
     PinStep{false}, kWed1000Jst, Expect::deny, DenyReason::timeout},
    {"timer fired", in, 1, kSecondUs, Holder::active, true, Sched::office, StepExpired{},
     kWed1000Jst, Expect::deny, DenyReason::timeout},
    // Exit: card only; egress is not refused for zone or schedule.
    {"exit by card", out, 0, 0, Holder::active, true, Sched::office, CardStep{}, kWed1000Jst,
     Expect::grant},
    {"exit after hours", out, 0, 0, Holder::active, true, Sched::office, CardStep{}, kWed2200Jst,
     Expect::grant},
    {"exit without zone grant", out, 0, 0, Holder::active, false, Sched::office, CardStep{},
     kWed1000Jst, Expect::grant},
    {"exit with unknown card", out, 0, 0, Holder::none, false, Sched::office, CardStep{},
     kWed1000Jst, Expect::deny, DenyReason::unknownCard},
    {"exit with revoked card", out, 0, 0, Holder::revoked, true, Sched::office, CardStep{},
     kWed1000Jst, Expect::deny, DenyReason::revoked},
    {"exit with pin", out, 0, 0, Holder::active, true, Sched::office, PinStep{true}, kWed1000Jst,
     Expect::deny, DenyReason::factorOutOfOrder},
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
    snapshot.hasGrant = row.grant;
    snapshot.schedule = row.schedule == Sched::office ? &kOffice : nullptr;
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

TEST(AccessDecision, WholeEntryWalksCardPinFinger) {
    const DoorSpec door = threeFactorDoor();
    AccessSnapshot snapshot;
    snapshot.door = &door;
    snapshot.holder = CardHolder{};
    snapshot.hasGrant = true;
    snapshot.schedule = &kOffice;
    TimeUs now = kWed1000Jst;
    const Step steps[] = {CardStep{}, PinStep{true}, FingerStep{75}};
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

TEST(AccessDecision, ThresholdBelongsToTheDoor) {
    DoorSpec door = threeFactorDoor();
    door.fingerThreshold = 80;
    AccessSnapshot snapshot;
    snapshot.door = &door;
    snapshot.holder = CardHolder{};
    snapshot.hasGrant = true;
    snapshot.schedule = &kOffice;
    snapshot.session = SessionState{2, kWed1000Jst};
    const auto d = decide(AccessRequest{DoorSide::entry, FingerStep{79}, kWed1000Jst}, snapshot);
    ASSERT_TRUE(std::holds_alternative<Denied>(d.outcome));
    EXPECT_EQ(std::get<Denied>(d.outcome).reason, DenyReason::fingerMismatch);
}

TEST(AccessDecision, ReasonCodesAreTheWireCodesAndEachHasText) {
    const DenyReason all[] = {DenyReason::unknownCard,     DenyReason::revoked,
                              DenyReason::wrongPin,        DenyReason::fingerMismatch,
                              DenyReason::outsideSchedule, DenyReason::noAccess,
                              DenyReason::timeout,         DenyReason::factorOutOfOrder};
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
