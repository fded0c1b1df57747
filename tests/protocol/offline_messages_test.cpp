// Issue 15's wire format (docs/mqtt.md "Offline operation", "Circle gates"): journaled events
// with seq and occurred_us, offline decisions, journal notices, gate reports, a gate grant's
// weight, the panels' sync status, and the controller's event_ack, cache and gate_rearm commands.
#include <gtest/gtest.h>

#include <string>

#include "protocol/door_messages.hpp"
#include "protocol/panel_commands.hpp"

namespace sekimori::protocol {
namespace {

const std::string kSig(128, '5');
const LinkAuth kAuth{std::string(32, 'a'), 9, std::string(32, 'b'), std::string(64, 'c')};

PanelEvent event(DoorEventKind kind) {
    PanelEvent e;
    e.door = "gate-1";
    e.kind = kind;
    e.counter = 40;
    e.sig = kSig;
    e.seq = 17;
    e.occurredUs = 1764590000000123;
    return e;
}

std::string withSig(std::string report) {
    report.pop_back();
    return report + R"(,"sig":")" + kSig + R"("})";
}

TEST(OfflineMessages, EveryEventCarriesSeqAndOccurredUs) {
    const auto e = event(DoorEventKind::forced);
    EXPECT_EQ(encode(e), withSig(R"({"door":"gate-1","event":"forced","seq":17,)"
                                 R"("occurred_us":1764590000000123,"counter":40})"));
    const auto parsed = parsePanelEvent(encode(e));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->seq, 17u);
    EXPECT_EQ(parsed.value->occurredUs, 1764590000000123);

    const auto noSeq =
        parsePanelEvent(withSig(R"({"door":"d","event":"forced","occurred_us":1,"counter":2})"));
    ASSERT_FALSE(noSeq);
    EXPECT_EQ(noSeq.error, "seq: missing");
    const auto zeroSeq = parsePanelEvent(
        withSig(R"({"door":"d","event":"forced","seq":0,"occurred_us":1,"counter":2})"));
    ASSERT_FALSE(zeroSeq);
    EXPECT_EQ(zeroSeq.error, "seq: out of range 1..2^53-1");
    const auto negative = parsePanelEvent(
        withSig(R"({"door":"d","event":"forced","seq":1,"occurred_us":-5,"counter":2})"));
    ASSERT_FALSE(negative);
    EXPECT_EQ(negative.error, "occurred_us: out of range 0..2^53-1");
    const auto noTime =
        parsePanelEvent(withSig(R"({"door":"d","event":"forced","seq":1,"counter":2})"));
    ASSERT_FALSE(noTime);
    EXPECT_EQ(noTime.error, "occurred_us: missing");
}

TEST(OfflineMessages, OfflineDecisionsRoundTripAndAreChecked) {
    auto e = event(DoorEventKind::offlineGranted);
    e.session = "ab-1";
    e.side = DoorSide::entry;
    e.card = "0123456789ABCDEF";
    e.person = "dana";
    e.reason = "granted";
    const auto parsed = parsePanelEvent(encode(e));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->card, e.card);
    EXPECT_EQ(parsed.value->person, "dana");
    EXPECT_EQ(parsed.value->reason, "granted");
    EXPECT_FALSE(parsed.value->degraded);
    EXPECT_EQ(encode(*parsed.value), encode(e));

    auto unknown = event(DoorEventKind::offlineDenied);
    unknown.side = DoorSide::entry;
    unknown.card = "W26-12-3456";
    unknown.reason = "unknown_card";
    unknown.degraded = true;
    const auto denied = parsePanelEvent(encode(unknown));
    ASSERT_TRUE(denied) << denied.error;
    EXPECT_TRUE(denied.value->person.empty());
    EXPECT_TRUE(denied.value->degraded);

    auto lying = unknown;
    lying.reason = "granted";
    EXPECT_EQ(parsePanelEvent(encode(lying)).error,
              "reason: must not be \"granted\" with offline_denied");
    auto badReason = unknown;
    badReason.reason = "maybe";
    EXPECT_EQ(parsePanelEvent(encode(badReason)).error, "reason: unknown reason code");
    auto badCard = unknown;
    badCard.card = "not-a-card";
    EXPECT_EQ(parsePanelEvent(encode(badCard)).error, "card: must be a canonical card id");
    auto noSide = unknown;
    noSide.side.reset();
    EXPECT_EQ(parsePanelEvent(encode(noSide)).error, "side: missing");
    // The decision's fields belong to offline decisions only.
    const auto onForced = parsePanelEvent(
        withSig(R"({"door":"d","event":"forced","card":"0123456789ABCDEF","seq":1,"occurred_us":1,)"
                R"("counter":2})"));
    ASSERT_FALSE(onForced);
    EXPECT_EQ(onForced.error, "card: not allowed with event forced");
}

TEST(OfflineMessages, JournalNotices) {
    auto near = event(DoorEventKind::journalNearFull);
    near.pending = 90'000;
    const auto parsed = parsePanelEvent(encode(near));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->pending, 90'000u);
    auto overflow = event(DoorEventKind::journalOverflow);
    overflow.lost = 3;
    ASSERT_TRUE(parsePanelEvent(encode(overflow)));
    overflow.lost = 0;
    EXPECT_EQ(parsePanelEvent(encode(overflow)).error, "lost: out of range 1..2^53-1");
    const auto lostOnNear = parsePanelEvent(
        withSig(R"({"door":"d","event":"journal_near_full","pending":1,"lost":2,"seq":1,)"
                R"("occurred_us":1,"counter":2})"));
    ASSERT_FALSE(lostOnNear);
    EXPECT_EQ(lostOnNear.error, "lost: not allowed with event journal_near_full");
}

TEST(OfflineMessages, GateReportsCarryTheBoothsReadings) {
    auto refused = event(DoorEventKind::cycleRefused);
    refused.side = DoorSide::entry;
    refused.session = "ab-2";
    refused.presence = 2;
    refused.weightG = 151'000;
    refused.refusal = GateRefusal::twoBodies;
    const auto parsed = parsePanelEvent(encode(refused));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->presence, 2);
    EXPECT_EQ(parsed.value->weightG, 151'000);
    EXPECT_EQ(parsed.value->refusal, GateRefusal::twoBodies);
    EXPECT_EQ(encode(*parsed.value), encode(refused));

    for (auto r : {GateRefusal::tailgate, GateRefusal::twoBodies, GateRefusal::piggyback,
                   GateRefusal::underweight, GateRefusal::returned, GateRefusal::linger,
                   GateRefusal::doorStuck, GateRefusal::controllerLost, GateRefusal::denied}) {
        auto e = refused;
        e.refusal = r;
        const auto again = parsePanelEvent(encode(e));
        ASSERT_TRUE(again) << toString(r) << ": " << again.error;
        EXPECT_EQ(again.value->refusal, r);
    }

    auto stuck = event(DoorEventKind::gateDoorStuck);
    stuck.presence = 0;
    stuck.weightG = 0;
    stuck.leaf = "inner";
    ASSERT_TRUE(parsePanelEvent(encode(stuck)));
    stuck.leaf.clear();
    EXPECT_EQ(parsePanelEvent(encode(stuck)).error, "leaf: missing");
    stuck.leaf = "side";
    EXPECT_EQ(parsePanelEvent(encode(stuck)).error, "leaf: must be \"outer\" or \"inner\"");

    for (auto kind : {DoorEventKind::cycleStarted, DoorEventKind::cycleCompleted,
                      DoorEventKind::gateObjectLeft, DoorEventKind::gateFireReleased,
                      DoorEventKind::gateFireCleared, DoorEventKind::gateRearmed,
                      DoorEventKind::gatePowerLost, DoorEventKind::gatePowerRestored}) {
        auto e = event(kind);
        if (kind == DoorEventKind::cycleStarted || kind == DoorEventKind::cycleCompleted) {
            e.side = DoorSide::exit;
        }
        e.presence = 1;
        e.weightG = 70'000;
        const auto again = parsePanelEvent(encode(e));
        ASSERT_TRUE(again) << toString(kind) << ": " << again.error;
        EXPECT_EQ(again.value->kind, kind);
    }

    const auto noRefusal = parsePanelEvent(
        withSig(R"({"door":"d","event":"cycle_refused","side":"entry","presence":1,"weight_g":1,)"
                R"("seq":1,"occurred_us":1,"counter":2})"));
    ASSERT_FALSE(noRefusal);
    EXPECT_EQ(noRefusal.error, "refusal: missing");
    const auto badRefusal = parsePanelEvent(
        withSig(R"({"door":"d","event":"cycle_refused","side":"entry","presence":1,"weight_g":1,)"
                R"("refusal":"sneeze","seq":1,"occurred_us":1,"counter":2})"));
    EXPECT_EQ(badRefusal.error, "refusal: unknown gate refusal");
    const auto crowd = parsePanelEvent(
        withSig(R"({"door":"d","event":"gate_rearmed","presence":10,"weight_g":1,"seq":1,)"
                R"("occurred_us":1,"counter":2})"));
    EXPECT_EQ(crowd.error, "presence: out of range 0..9");
    const auto heavy = parsePanelEvent(
        withSig(R"({"door":"d","event":"gate_rearmed","presence":1,"weight_g":1000001,"seq":1,)"
                R"("occurred_us":1,"counter":2})"));
    EXPECT_EQ(heavy.error, "weight_g: out of range 0..1000000");
    const auto readingsOnDoor = parsePanelEvent(
        withSig(R"({"door":"d","event":"opened","presence":1,"seq":1,"occurred_us":1,)"
                R"("counter":2})"));
    EXPECT_EQ(readingsOnDoor.error, "presence: not allowed with event opened");
}

TEST(OfflineMessages, AGateGrantCarriesTheEnrolledWeight) {
    PanelReply reply{"s-1", "gate-1", Factor::finger, Decision{true, "granted", 5000, 72'000},
                     kAuth};
    const auto parsed = parsePanelReply(encode(reply));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(std::get<Decision>(parsed.value->body).weightG, 72'000);
    // Absent when 0.
    reply.body = Decision{true, "granted", 5000, 0};
    EXPECT_EQ(encode(reply).find("weight_g"), std::string::npos);
    const auto onDenial = parsePanelReply(
        R"({"session":"s","door":"d","step":"card","type":"decision","granted":false,)"
        R"("reason":"no_access","unlock_ms":0,"weight_g":70000,"epoch":")" +
        std::string(32, 'a') + R"(","counter":1,"nonce":")" + std::string(32, 'b') +
        R"(","mac":")" + std::string(64, 'c') + R"("})");
    ASSERT_FALSE(onDenial);
    EXPECT_EQ(onDenial.error, "weight_g: only allowed with granted");
}

TEST(OfflineMessages, StatusCarriesTheSyncState) {
    PanelStatus status{true, "sekimori-panel 0.2.0"};
    status.journalPending = 12;
    status.cacheVersion = 40;
    EXPECT_EQ(encode(status),
              R"({"online":true,"firmware":"sekimori-panel 0.2.0","journal_pending":12,)"
              R"("cache_version":40})");
    const auto parsed = parsePanelStatus(encode(status));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->journalPending, 12u);
    EXPECT_EQ(parsed.value->cacheVersion, 40u);
    const auto old = parsePanelStatus(R"({"online":false,"firmware":""})");
    ASSERT_TRUE(old) << old.error;
    EXPECT_FALSE(old.value->journalPending);
    EXPECT_EQ(parsePanelStatus(R"({"online":true,"firmware":"","journal_pending":-1})").error,
              "journal_pending: out of range 0..2^53-1");
}

PanelCommand command(CommandType type) {
    PanelCommand c;
    c.id = "c-1";
    c.type = type;
    c.auth = kAuth;
    return c;
}

OfflinePolicy policy() {
    OfflinePolicy p;
    p.door = "server-room";
    p.entryFactors = {Factor::card, Factor::pin, Factor::finger};
    p.exitFactors = {Factor::card};
    p.twoPerson = true;
    p.degraded = DegradedMode::twoPerson;
    return p;
}

CacheEntry entry(std::string card) {
    CacheEntry e;
    e.card = std::move(card);
    e.person = "dana";
    e.validUntilUs = 1'800'000'000'000'000;
    e.entryWindows = {{0, 540, 1080}, {6, 0, 1440}};
    e.pinHash = std::string(64, 'f');
    e.templateBox = "c2VhbGVk";
    e.weightG = 72'000;
    return e;
}

TEST(OfflineMessages, EventAckAndCacheCommandsRoundTrip) {
    auto ack = command(CommandType::eventAck);
    ack.seq = 120;
    auto parsed = parsePanelCommand(encode(ack));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->seq, 120u);

    auto put = command(CommandType::cachePut);
    put.version = 41;
    put.entries = {entry("0123456789ABCDEF"), entry("W26-12-3456")};
    parsed = parsePanelCommand(encode(put));
    ASSERT_TRUE(parsed) << parsed.error;
    ASSERT_EQ(parsed.value->entries.size(), 2u);
    EXPECT_EQ(parsed.value->entries[0].entryWindows.size(), 2u);
    EXPECT_EQ(parsed.value->entries[0].entryWindows[1].day, 6);
    EXPECT_EQ(parsed.value->entries[1].weightG, 72'000);
    EXPECT_EQ(encode(*parsed.value), encode(put));

    auto remove = command(CommandType::cacheRemove);
    remove.version = 42;
    remove.cards = {"0123456789ABCDEF"};
    ASSERT_TRUE(parsePanelCommand(encode(remove)));
    auto reset = command(CommandType::cacheReset);
    reset.version = 1;
    ASSERT_TRUE(parsePanelCommand(encode(reset)));

    auto sync = command(CommandType::cacheSync);
    sync.version = 42;
    sync.policy = policy();
    parsed = parsePanelCommand(encode(sync));
    ASSERT_TRUE(parsed) << parsed.error;
    ASSERT_TRUE(parsed.value->policy);
    EXPECT_EQ(parsed.value->policy->degraded, DegradedMode::twoPerson);
    EXPECT_EQ(parsed.value->policy->entryFactors.size(), 3u);
    EXPECT_EQ(parsed.value->policy->stalenessMs, 900'000);
    EXPECT_EQ(encode(*parsed.value), encode(sync));

    auto rearm = command(CommandType::gateRearm);
    rearm.door = "gate-1";
    parsed = parsePanelCommand(encode(rearm));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->door, "gate-1");
}

// A window keeps its schedule's holiday rule; the policy lists the site's holidays ahead.
TEST(OfflineMessages, HolidayRulesAndTheHolidayList) {
    auto put = command(CommandType::cachePut);
    put.version = 2;
    put.entries = {entry("0123456789ABCDEF")};
    put.entries[0].entryWindows[0].holidays = WindowHolidays::closedOnHolidays;
    put.entries[0].entryWindows[1].holidays = WindowHolidays::holidaysOnly;
    const std::string text = encode(put);
    EXPECT_NE(text.find(",\"closed_on_holidays\"]"), std::string::npos) << text;
    auto parsed = parsePanelCommand(text);
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->entries[0].entryWindows[0].holidays, WindowHolidays::closedOnHolidays);
    EXPECT_EQ(parsed.value->entries[0].entryWindows[1].holidays, WindowHolidays::holidaysOnly);
    EXPECT_EQ(encode(*parsed.value), text);
    std::string bad = text;
    bad.replace(bad.find("\"holidays_only\""), 15, "\"sundays_only\"");
    EXPECT_NE(parsePanelCommand(bad).error.find("fourth element"), std::string::npos);

    auto sync = command(CommandType::cacheSync);
    sync.version = 2;
    sync.policy = policy();
    EXPECT_EQ(encode(sync).find("holidays"), std::string::npos);  // none: not on the wire
    sync.policy->holidays = {20'818, 20'819};
    parsed = parsePanelCommand(encode(sync));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->policy->holidays, (std::vector<std::int64_t>{20'818, 20'819}));
    sync.policy->holidays = {20'819, 20'818};
    EXPECT_NE(parsePanelCommand(encode(sync)).error.find("holidays: must be"), std::string::npos);
    sync.policy->holidays.assign(kMaxOfflineHolidays + 1, 0);
    for (std::size_t i = 0; i < sync.policy->holidays.size(); ++i) {
        sync.policy->holidays[i] = static_cast<std::int64_t>(i);
    }
    EXPECT_FALSE(parsePanelCommand(encode(sync)));
}

TEST(OfflineMessages, MalformedCacheCommandsNameTheField) {
    auto ack = command(CommandType::eventAck);
    EXPECT_EQ(parsePanelCommand(encode(ack)).error, "seq: out of range 1..2^53-1");

    auto put = command(CommandType::cachePut);
    put.version = 1;
    EXPECT_EQ(parsePanelCommand(encode(put)).error,
              "entries: must be an array of 1..8 cache entries");
    put.entries = {entry("0123456789ABCDEF"), entry("0123456789ABCDEF")};
    EXPECT_EQ(parsePanelCommand(encode(put)).error, "entries: entry 1: card: listed twice");
    auto badWindow = entry("0123456789ABCDEF");
    badWindow.exitWindows = {{7, 0, 60}};
    put.entries = {badWindow};
    EXPECT_EQ(parsePanelCommand(encode(put)).error,
              "entries: entry 0: exit_windows: a window is out of range (day 0..6, 0 <= from < "
              "until <= 1440)");
    auto badHash = entry("0123456789ABCDEF");
    badHash.pinHash = "xyz";
    put.entries = {badHash};
    EXPECT_EQ(parsePanelCommand(encode(put)).error,
              "entries: entry 0: pin_hash: must be 64 lower-case hex digits");
    put.entries = {entry("0123456789ABCDEF")};
    put.version = 0;
    EXPECT_EQ(parsePanelCommand(encode(put)).error, "version: out of range 1..2^53-1");

    auto sync = command(CommandType::cacheSync);
    sync.version = 3;
    EXPECT_EQ(parsePanelCommand(encode(sync)).error, "policy: missing");
    auto noCard = policy();
    noCard.entryFactors = {Factor::pin};
    sync.policy = noCard;
    EXPECT_EQ(parsePanelCommand(encode(sync)).error,
              "policy: entry_factors: must start with \"card\"");
    auto stale = policy();
    stale.stalenessMs = 0;
    sync.policy = stale;
    EXPECT_EQ(parsePanelCommand(encode(sync)).error,
              "policy: staleness_ms: out of range 1..604800000");

    // A field of another type is refused, like every unknown field.
    auto remove = command(CommandType::cacheRemove);
    remove.version = 2;
    remove.cards = {"0123456789ABCDEF"};
    std::string text = encode(remove);
    text.insert(1, R"("seq":3,)");
    EXPECT_EQ(parsePanelCommand(text).error, "seq: unknown field");
}

// The panel's cache at rest: the entries and policy as the commands carry them, with the version.
TEST(OfflineMessages, CacheAtRestRoundTripsAndIsStrict) {
    CacheContents cache;
    cache.version = 42;
    cache.policy = policy();
    cache.entries = {entry("0123456789ABCDEF"), entry("W26-12-3456")};
    const std::string text = encodeCacheEntries(cache);
    EXPECT_TRUE(text.starts_with(R"({"format":"sekimori.panel.cache.v1","version":42,"policy":{)"))
        << text;
    auto parsed = parseCacheEntries(text);
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->version, 42u);
    ASSERT_TRUE(parsed.value->policy);
    EXPECT_EQ(parsed.value->policy->degraded, DegradedMode::twoPerson);
    ASSERT_EQ(parsed.value->entries.size(), 2u);
    EXPECT_EQ(parsed.value->entries[1].card, "W26-12-3456");
    EXPECT_EQ(parsed.value->entries[0].pinHash, std::string(64, 'f'));
    EXPECT_EQ(encodeCacheEntries(*parsed.value), text);

    // More cards than one cache_put carries, and an empty never-synced cache, both keep.
    CacheContents big;
    big.version = 9;
    for (int i = 0; i < 200; ++i) {
        big.entries.push_back(entry(std::string("W26-1-").append(std::to_string(i))));
    }
    parsed = parseCacheEntries(encodeCacheEntries(big));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->entries.size(), 200u);
    EXPECT_FALSE(parsed.value->policy);
    parsed = parseCacheEntries(encodeCacheEntries(CacheContents{}));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->version, 0u);
    EXPECT_TRUE(parsed.value->entries.empty());

    CacheContents bad = cache;
    bad.entries.push_back(entry("0123456789ABCDEF"));
    EXPECT_EQ(parseCacheEntries(encodeCacheEntries(bad)).error,
              "entries: entry 2: card: listed twice");
    bad = cache;
    bad.version = 0;
    EXPECT_EQ(parseCacheEntries(encodeCacheEntries(bad)).error,
              "version: must be at least 1 when the cache holds entries");
    bad = cache;
    bad.policy->unlockMs = 0;
    EXPECT_EQ(parseCacheEntries(encodeCacheEntries(bad)).error,
              "policy: unlock_ms: out of range 1..600000");
    EXPECT_EQ(parseCacheEntries(R"({"format":"v0","version":1,"entries":[]})").error,
              "format: must be \"sekimori.panel.cache.v1\"");
    EXPECT_EQ(
        parseCacheEntries(R"({"format":"sekimori.panel.cache.v1","version":1,"entries":[],"x":1})")
            .error,
        "x: unknown field");
    EXPECT_EQ(parseCacheEntries(R"({"format":"sekimori.panel.cache.v1","version":1})").error,
              "entries: missing");
    EXPECT_EQ(parseCacheEntries("[1]").error, "payload: must be a JSON object");
}

}  // namespace
}  // namespace sekimori::protocol
