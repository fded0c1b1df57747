#include "firmware/offline_cache.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "firmware/door_panel_runner.hpp"

namespace sekimori::firmware {
namespace {

using protocol::CommandType;
using protocol::DoorSide;
using protocol::Factor;

// Monday 2026-11-30 00:00 UTC: 09:00 that Monday at the site (UTC+9).
constexpr std::int64_t kMonday0900Jst = 1'795'996'800'000;
constexpr int kJst = 540;
constexpr std::int64_t kMinute = 60'000;
const std::string kHashA = std::string(64, 'a');
const std::string kHashB = std::string(64, 'b');

protocol::OfflinePolicy policy(std::vector<Factor> entry = {Factor::card, Factor::pin,
                                                            Factor::finger}) {
    protocol::OfflinePolicy p;
    p.door = "server-room";
    p.entryFactors = std::move(entry);
    p.exitFactors = {Factor::card};
    p.fingerThreshold = 60;
    p.unlockMs = 4000;
    p.stalenessMs = 600'000;
    p.twoPersonWindowMs = 30'000;
    return p;
}

// Monday to Friday 08:00-18:00 at the site.
std::vector<protocol::OfflineWindow> officeHours() {
    std::vector<protocol::OfflineWindow> out;
    for (int day = 0; day < 5; ++day) {
        out.push_back({day, 8 * 60, 18 * 60});
    }
    return out;
}

protocol::CacheEntry entry(std::string card, std::string person, std::string pinHash = kHashA) {
    protocol::CacheEntry e;
    e.card = std::move(card);
    e.person = std::move(person);
    e.entryWindows = officeHours();
    e.exitWindows = officeHours();
    e.pinHash = std::move(pinHash);
    e.templateBox = "dG1wbC0x";  // base64, as the wire carries a sealed box
    e.weightG = 72'000;
    return e;
}

protocol::PanelCommand command(CommandType type, std::uint64_t version) {
    protocol::PanelCommand c;
    c.id = "cache-1";
    c.type = type;
    c.version = version;
    return c;
}
protocol::PanelCommand put(std::uint64_t version, std::vector<protocol::CacheEntry> entries) {
    auto c = command(CommandType::cachePut, version);
    c.entries = std::move(entries);
    return c;
}
protocol::PanelCommand remove(std::uint64_t version, std::vector<std::string> cards) {
    auto c = command(CommandType::cacheRemove, version);
    c.cards = std::move(cards);
    return c;
}
protocol::PanelCommand sync(std::uint64_t version, protocol::OfflinePolicy p = policy()) {
    auto c = command(CommandType::cacheSync, version);
    c.policy = std::move(p);
    return c;
}

// A cache with Aiko (PIN + finger) and Ben, synced fresh at nowMs 0.
OfflineCache syncedCache(protocol::OfflinePolicy p = policy()) {
    OfflineCache cache;
    EXPECT_TRUE(
        cache.apply(put(1, {entry("04A1B2C3", "aiko"), entry("04B0B0B0", "ben", kHashB)}), 0)
            .refused.empty());
    EXPECT_TRUE(cache.apply(sync(1, std::move(p)), 0).refused.empty());
    return cache;
}

std::string outcome(const OfflineStep& s) {
    switch (s.outcome) {
        case OfflineOutcome::askPin:
            return "ask pin";
        case OfflineOutcome::askFinger:
            return "ask finger " + s.templateBox;
        case OfflineOutcome::granted:
            return std::string("granted ").append(std::to_string(s.unlockMs));
        case OfflineOutcome::denied:
            break;
    }
    return "denied " + s.reason;
}
std::string verdict(const OfflineStep& s) {
    return outcome(s) + (s.session.degraded ? " degraded" : "");
}

// One whole offline session: the card, then the PIN hash and the finger score as asked.
struct Attempt {
    std::string card;
    std::optional<std::string> pinHash;
    std::optional<int> score;
    std::int64_t nowMs = 1000;
    std::int64_t unixMs = kMonday0900Jst;
    DoorSide side = DoorSide::entry;
};
std::string decide(const OfflineCache& cache, const DenyList& denied, const Attempt& a,
                   std::optional<TwoPersonPending>& two, bool journalFull = false) {
    const OfflineContext context{cache, denied, OfflineClock{a.nowMs, a.unixMs, kJst}, journalFull};
    auto s = offlineCard(context, a.side, a.card, two);
    for (int guard = 0; guard < 4; ++guard) {
        if (s.outcome == OfflineOutcome::askPin) {
            std::optional<std::string_view> hash;
            if (a.pinHash) {
                hash = *a.pinHash;
            }
            s = offlinePin(context, s.session, hash, two);
        } else if (s.outcome == OfflineOutcome::askFinger) {
            s = offlineFinger(context, s.session, a.score, two);
        } else {
            break;
        }
    }
    return verdict(s);
}
std::string decide(const OfflineCache& cache, const Attempt& a, bool journalFull = false) {
    std::optional<TwoPersonPending> two;
    return decide(cache, DenyList{}, a, two, journalFull);
}

// --- the cache ----------------------------------------------------------------------------------

TEST(OfflineCache, CommandsApplyInVersionOrderOnly) {
    OfflineCache cache;
    EXPECT_FALSE(cache.policy());
    EXPECT_TRUE(cache.apply(put(1, {entry("04A1B2C3", "aiko")}), 0).changed);
    EXPECT_EQ(cache.version(), 1u);
    // A gap means a put or a remove was missed: refused, nothing changed.
    const auto gap = cache.apply(put(3, {entry("04B0B0B0", "ben")}), 0);
    EXPECT_FALSE(gap.changed);
    EXPECT_EQ(gap.refused, "cache version 3 does not follow 1");
    EXPECT_EQ(cache.find("04B0B0B0"), nullptr);
    // A resend of the last one is applied again and accepted.
    EXPECT_TRUE(cache.apply(put(1, {entry("04A1B2C3", "aiko")}), 0).refused.empty());
    EXPECT_FALSE(cache.apply(remove(0, {"04A1B2C3"}), 0).refused.empty());
    EXPECT_TRUE(cache.apply(remove(2, {"04A1B2C3", "04FFFFFF"}), 0).refused.empty());
    EXPECT_EQ(cache.find("04A1B2C3"), nullptr);
    EXPECT_EQ(cache.version(), 2u);
    // A reset takes any version (the controller restarted and starts over above it).
    EXPECT_TRUE(cache.apply(put(3, {entry("04B0B0B0", "ben")}), 0).refused.empty());
    EXPECT_TRUE(cache.apply(command(CommandType::cacheReset, 1'700'000'000'000'000), 0).changed);
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_EQ(cache.version(), 1'700'000'000'000'000u);
    EXPECT_FALSE(cache.apply(command(CommandType::gateRearm, 0), 0).refused.empty());
}

TEST(OfflineCache, FreshForTheStalenessBoundAfterASyncAtItsVersion) {
    OfflineCache cache;
    cache.apply(put(1, {entry("04A1B2C3", "aiko")}), 0);
    EXPECT_FALSE(cache.fresh(0));  // no sync yet
    const auto behind = cache.apply(sync(2), 100);
    EXPECT_EQ(behind.refused, "cache behind: at version 1, not 2");
    EXPECT_TRUE(cache.policy());  // the policy is taken all the same
    EXPECT_FALSE(cache.fresh(100));
    EXPECT_TRUE(cache.apply(sync(1), 1000).refused.empty());
    EXPECT_TRUE(cache.fresh(1000));
    EXPECT_EQ(cache.freshUntilMs(), 601'000);
    // An in-order put keeps the freshness, without extending it.
    cache.apply(put(2, {entry("04B0B0B0", "ben")}), 300'000);
    EXPECT_TRUE(cache.fresh(600'999));
    EXPECT_FALSE(cache.fresh(601'000));
    // Fresh again after a sync at the current version.
    cache.apply(sync(2), 700'000);
    EXPECT_TRUE(cache.fresh(700'000));
    // A sync at another version (something was missed) is stale at once.
    cache.apply(sync(3), 700'001);
    EXPECT_FALSE(cache.fresh(700'001));
    cache.apply(sync(2), 700'002);
    cache.apply(command(CommandType::cacheReset, 9), 700'003);
    EXPECT_FALSE(cache.fresh(700'003));
}

TEST(OfflineCache, AtRestItKeepsEverythingButTheSyncTime) {
    const OfflineCache cache = syncedCache();
    ASSERT_TRUE(cache.fresh(0));
    auto restored = OfflineCache::decode(cache.encode());
    ASSERT_TRUE(restored) << restored.error;
    EXPECT_EQ(restored.value->encode(), cache.encode());
    EXPECT_EQ(restored.value->version(), 1u);
    ASSERT_NE(restored.value->find("04B0B0B0"), nullptr);
    EXPECT_EQ(restored.value->find("04B0B0B0")->pinHash, kHashB);
    // Stale after a reboot until the first sync.
    EXPECT_FALSE(restored.value->fresh(0));
    EXPECT_FALSE(restored.value == cache);

    EXPECT_EQ(OfflineCache::decode("[]").error.substr(0, 7), "cache: ");
    std::string bad = cache.encode();
    bad.replace(bad.find("\"version\":1"), 11, "\"version\":-1");
    EXPECT_EQ(OfflineCache::decode(bad).error, "cache: version: out of range 0..2^53-1");
    bad = cache.encode();
    bad.replace(bad.find("\"deny\""), 6, "\"open\"");
    EXPECT_EQ(OfflineCache::decode(bad).error,
              "cache: policy: degraded: must be \"deny\" or \"two_person\"");
    bad = cache.encode();
    bad.replace(bad.find("04B0B0B0"), 8, "04b0b0b0");
    EXPECT_EQ(OfflineCache::decode(bad).error,
              "cache: entries: entry 1: card: must be a canonical card id (protocol/card_format)");
    bad = cache.encode();
    bad.replace(bad.find("\"weight_g\""), 10, "\"weight_x\"");
    EXPECT_EQ(OfflineCache::decode(bad).error, "cache: entries: entry 0: weight_x: unknown field");
}

// --- pure checks --------------------------------------------------------------------------------

TEST(OfflineChecks, LocalTimeAndWindowsUseTheSiteOffset) {
    const auto local = localTime(kMonday0900Jst, kJst);
    EXPECT_EQ(local.day, 0);
    EXPECT_EQ(local.minute, 9 * 60);
    // 23:30 UTC on Sunday is 08:30 on Monday at the site; before 1970 too.
    EXPECT_EQ(localTime(kMonday0900Jst - 30 * kMinute, 0).day, 6);
    EXPECT_EQ(localTime(kMonday0900Jst - 30 * kMinute, kJst).day, 0);
    EXPECT_EQ(localTime(-kMinute, 0).day, 2);
    EXPECT_EQ(localTime(-kMinute, 0).minute, 1439);
    const auto hours = officeHours();
    struct Case {
        std::int64_t unixMs;
        int offset;
        bool inside;
    };
    const std::vector<Case> cases = {
        {kMonday0900Jst, kJst, true},
        {kMonday0900Jst - 60 * kMinute, kJst, true},            // 08:00 Mon: from is inclusive
        {kMonday0900Jst - 61 * kMinute, kJst, false},           // 07:59
        {kMonday0900Jst + 9 * 60 * kMinute - 1, kJst, true},    // 17:59:59.999
        {kMonday0900Jst + 9 * 60 * kMinute, kJst, false},       // 18:00: until is exclusive
        {kMonday0900Jst, 0, false},                             // 00:00 Mon UTC
        {kMonday0900Jst + 5 * 24 * 60 * kMinute, kJst, false},  // Saturday 09:00
    };
    for (const auto& c : cases) {
        EXPECT_EQ(withinWindows(hours, c.unixMs, c.offset), c.inside)
            << c.unixMs << " " << c.offset;
    }
    EXPECT_FALSE(withinWindows({}, kMonday0900Jst, kJst));

    // Holidays: Monday 2026-11-30 as the site's day number.
    const std::int64_t monday = (kMonday0900Jst / 60'000 + kJst) / 1440;
    const std::vector<std::int64_t> mondayOff = {monday - 3, monday};
    auto closed = hours;
    for (auto& w : closed) {
        w.holidays = protocol::WindowHolidays::closedOnHolidays;
    }
    EXPECT_TRUE(withinWindows(closed, kMonday0900Jst, kJst));  // no list: an ordinary day
    EXPECT_FALSE(withinWindows(closed, kMonday0900Jst, kJst, mondayOff));
    EXPECT_TRUE(withinWindows(closed, kMonday0900Jst + 24 * 60 * kMinute, kJst, mondayOff));
    EXPECT_TRUE(withinWindows(hours, kMonday0900Jst, kJst, mondayOff));  // rule any
    auto only = hours;
    for (auto& w : only) {
        w.holidays = protocol::WindowHolidays::holidaysOnly;
    }
    EXPECT_TRUE(withinWindows(only, kMonday0900Jst, kJst, mondayOff));
    EXPECT_FALSE(withinWindows(only, kMonday0900Jst + 24 * 60 * kMinute, kJst, mondayOff));
}

TEST(OfflineChecks, ValidityPinHashAndFactors) {
    auto e = entry("04A1B2C3", "aiko");
    EXPECT_TRUE(withinValidity(e, kMonday0900Jst));
    e.validFromUs = kMonday0900Jst * 1000;
    e.validUntilUs = (kMonday0900Jst + 1) * 1000;
    EXPECT_FALSE(withinValidity(e, kMonday0900Jst - 1));
    EXPECT_TRUE(withinValidity(e, kMonday0900Jst));
    EXPECT_FALSE(withinValidity(e, kMonday0900Jst + 1));

    EXPECT_TRUE(pinHashMatches(kHashA, std::string_view(kHashA)));
    EXPECT_FALSE(pinHashMatches(kHashA, std::string_view(kHashB)));
    EXPECT_FALSE(pinHashMatches(kHashA, std::nullopt));
    EXPECT_FALSE(pinHashMatches("", std::string_view("")));
    EXPECT_FALSE(pinHashMatches(kHashA, std::string_view("aa")));

    EXPECT_TRUE(threeFactor({Factor::card, Factor::pin, Factor::finger}));
    EXPECT_FALSE(threeFactor({Factor::card, Factor::pin}));
    auto p = policy();
    p.exitFactors.clear();
    EXPECT_EQ(sideFactors(p, DoorSide::exit), std::vector<Factor>{Factor::card});
}

// --- the offline decision, one rule a row --------------------------------------------------------

TEST(OfflineDecision, EveryRuleAsATable) {
    const OfflineCache cache = syncedCache();
    DenyList denied;
    denied.add("04DEAD00");
    OfflineCache withRevoked = syncedCache();
    withRevoked.apply(put(2, {entry("04DEAD00", "dora")}), 0);
    withRevoked.apply(sync(2), 0);
    struct Case {
        std::string name;
        Attempt attempt;
        std::string expect;
    };
    const std::vector<Case> cases = {
        {"pin and finger right", {"04A1B2C3", kHashA, 90}, "granted 4000"},
        {"finger at the threshold", {"04A1B2C3", kHashA, 60}, "granted 4000"},
        {"finger below it", {"04A1B2C3", kHashA, 59}, "denied finger_mismatch"},
        {"finger unreadable", {"04A1B2C3", kHashA, std::nullopt}, "denied finger_mismatch"},
        {"wrong pin", {"04A1B2C3", kHashB, 90}, "denied wrong_pin"},
        {"no pin typed", {"04A1B2C3", std::nullopt, 90}, "denied wrong_pin"},
        {"unknown card", {"04C0FFEE", kHashA, 90}, "denied unknown_card"},
        {"undecodable card", {"", kHashA, 90}, "denied bad_card_format"},
        {"outside the window (18:30)",
         {"04A1B2C3", kHashA, 90, 1000, kMonday0900Jst + 570 * kMinute},
         "denied outside_schedule"},
        {"Saturday",
         {"04A1B2C3", kHashA, 90, 1000, kMonday0900Jst + 5 * 24 * 60 * kMinute},
         "denied outside_schedule"},
        {"exit side, card only",
         {"04A1B2C3", std::nullopt, std::nullopt, 1000, kMonday0900Jst, DoorSide::exit},
         "granted 4000"},
        {"stale, degraded deny",
         {"04A1B2C3", kHashA, 90, 600'000},
         "denied offline_degraded degraded"},
        {"fresh just before the bound", {"04A1B2C3", kHashA, 90, 599'999}, "granted 4000"},
        {"stale exit side (not three-factor) decides as usual",
         {"04A1B2C3", std::nullopt, std::nullopt, 900'000, kMonday0900Jst, DoorSide::exit},
         "granted 4000"},
    };
    for (const auto& c : cases) {
        std::optional<TwoPersonPending> two;
        EXPECT_EQ(decide(cache, denied, c.attempt, two), c.expect) << c.name;
    }
    // Revoked after the sync: the deny list refuses it even though the cache still has it.
    std::optional<TwoPersonPending> two;
    EXPECT_EQ(decide(withRevoked, denied, {"04DEAD00", kHashA, 90}, two), "denied revoked");
    EXPECT_EQ(decide(withRevoked, DenyList{}, {"04DEAD00", kHashA, 90}, two), "granted 4000");
    // ... and a cache_remove takes it out: unknown_card.
    withRevoked.apply(remove(3, {"04DEAD00"}), 0);
    EXPECT_EQ(decide(withRevoked, DenyList{}, {"04DEAD00", kHashA, 90}, two),
              "denied unknown_card");
}

TEST(OfflineDecision, ValidityAndMissingCredentials) {
    OfflineCache cache;
    auto early = entry("04E0E0E0", "eri");
    early.validFromUs = (kMonday0900Jst + kMinute) * 1000;
    auto late = entry("04E1E1E1", "eiji");
    late.validUntilUs = kMonday0900Jst * 1000;
    auto noPin = entry("04E2E2E2", "emi", "");
    auto noFinger = entry("04E3E3E3", "eko");
    noFinger.templateBox.clear();
    auto secondOnly = entry("04E4E4E4", "ema");
    secondOnly.templateBox.clear();
    secondOnly.templateBox2 = "tmpl-2";
    cache.apply(put(1, {early, late, noPin, noFinger, secondOnly}), 0);
    cache.apply(sync(1), 0);
    EXPECT_EQ(decide(cache, {"04E0E0E0", kHashA, 90}), "denied outside_validity");
    EXPECT_EQ(decide(cache, {"04E1E1E1", kHashA, 90}), "denied outside_validity");
    EXPECT_EQ(decide(cache, {"04E2E2E2", kHashA, 90}), "denied wrong_pin");
    EXPECT_EQ(decide(cache, {"04E3E3E3", kHashA, 90}), "denied finger_mismatch");
    EXPECT_EQ(decide(cache, {"04E4E4E4", kHashA, 90}), "granted 4000");
    // Asked in the policy's order, the finger with the entry's template.
    const OfflineContext context{cache, DenyList{}, OfflineClock{0, kMonday0900Jst, kJst}, false};
    std::optional<TwoPersonPending> two;
    auto s = offlineCard(context, DoorSide::entry, "04E4E4E4", two);
    EXPECT_EQ(outcome(s), "ask pin");
    EXPECT_EQ(outcome(offlineFinger(context, s.session, 90, two)), "denied factor_out_of_order");
    s = offlinePin(context, s.session, std::string_view(kHashA), two);
    EXPECT_EQ(outcome(s), "ask finger tmpl-2");
    EXPECT_EQ(s.session.person, "ema");
    // No wall clock, or no policy yet: no offline decision at all.
    const OfflineContext noClock{cache, DenyList{}, OfflineClock{0, std::nullopt, kJst}, false};
    EXPECT_FALSE(canDecideOffline(noClock));
    EXPECT_EQ(outcome(offlineCard(noClock, DoorSide::entry, "04E4E4E4", two)),
              "denied controller_error");
    OfflineCache empty;
    const OfflineContext noPolicy{empty, DenyList{}, OfflineClock{0, kMonday0900Jst, kJst}, false};
    EXPECT_FALSE(canDecideOffline(noPolicy));
}

TEST(OfflineDecision, CardOnlyGrantCarriesTheWeight) {
    const OfflineCache cache = syncedCache(policy({Factor::card}));
    const OfflineContext context{cache, DenyList{}, OfflineClock{0, kMonday0900Jst, kJst}, false};
    std::optional<TwoPersonPending> two;
    const auto s = offlineCard(context, DoorSide::entry, "04A1B2C3", two);
    EXPECT_EQ(outcome(s), "granted 4000");
    EXPECT_EQ(s.weightG, 72'000);
    EXPECT_EQ(s.session.person, "aiko");
    EXPECT_FALSE(s.session.degraded);
}

TEST(OfflineDecision, TwoPersonNeedsASecondCachedPersonWithinTheWindow) {
    auto p = policy({Factor::card, Factor::pin});
    p.twoPerson = true;
    const OfflineCache cache = syncedCache(p);
    DenyList denied;
    std::optional<TwoPersonPending> two;
    EXPECT_EQ(decide(cache, denied, {"04A1B2C3", kHashA, {}, 1000}, two),
              "denied awaiting_second_person");
    ASSERT_TRUE(two);
    EXPECT_EQ(two->person, "aiko");
    // The same person again does not make a pair; it restarts the wait.
    EXPECT_EQ(decide(cache, denied, {"04A1B2C3", kHashA, {}, 2000}, two),
              "denied awaiting_second_person");
    // A second person failing a factor does not consume the wait.
    EXPECT_EQ(decide(cache, denied, {"04B0B0B0", kHashA, {}, 3000}, two), "denied wrong_pin");
    EXPECT_EQ(decide(cache, denied, {"04B0B0B0", kHashB, {}, 32'000}, two), "granted 4000");
    EXPECT_FALSE(two);
    // Past the window the second becomes the first.
    EXPECT_EQ(decide(cache, denied, {"04A1B2C3", kHashA, {}, 40'000}, two),
              "denied awaiting_second_person");
    EXPECT_EQ(decide(cache, denied, {"04B0B0B0", kHashB, {}, 70'001}, two),
              "denied awaiting_second_person");
    EXPECT_EQ(two->person, "ben");
    // The exit side takes no two-person rule.
    EXPECT_EQ(
        decide(cache, denied,
               {"04A1B2C3", std::nullopt, std::nullopt, 70'002, kMonday0900Jst, DoorSide::exit},
               two),
        "granted 4000");
}

TEST(OfflineDecision, StaleThreeFactorSideInDegradedTwoPerson) {
    auto p = policy();
    p.degraded = protocol::DegradedMode::twoPerson;
    OfflineCache cache = syncedCache(p);
    DenyList denied;
    std::optional<TwoPersonPending> two;
    // Fresh: alone is enough.
    EXPECT_EQ(decide(cache, denied, {"04A1B2C3", kHashA, 90, 1000}, two), "granted 4000");
    // Stale: every factor, then a second cached person within the window.
    EXPECT_EQ(decide(cache, denied, {"04A1B2C3", kHashA, 90, 700'000}, two),
              "denied awaiting_second_person degraded");
    EXPECT_EQ(decide(cache, denied, {"04B0B0B0", kHashB, 50, 705'000}, two),
              "denied finger_mismatch degraded");
    EXPECT_EQ(decide(cache, denied, {"04B0B0B0", kHashB, 80, 706'000}, two),
              "granted 4000 degraded");
    // Fresh again after a cache_sync at the current version.
    cache.apply(sync(1, p), 800'000);
    EXPECT_EQ(decide(cache, denied, {"04A1B2C3", kHashA, 90, 800'001}, two), "granted 4000");
}

TEST(OfflineDecision, JournalFullPolicy) {
    const OfflineCache denying = syncedCache();
    EXPECT_EQ(decide(denying, {"04A1B2C3", kHashA, 90}, true), "denied journal_full");
    EXPECT_EQ(decide(denying, {"04A1B2C3", kHashA, 90}, false), "granted 4000");
    auto p = policy();
    p.journalFull = protocol::JournalFullPolicy::keepDeciding;
    const OfflineCache deciding = syncedCache(p);
    EXPECT_EQ(decide(deciding, {"04A1B2C3", kHashA, 90}, true), "granted 4000");
}

// --- the runner carries the offline outputs through the HAL --------------------------------------

class OfflineHal final : public DoorPanelHal {
  public:
    std::string sealPin(std::string_view, std::string_view) override { return "box"; }
    std::string mac(std::string_view) override { return std::string(64, '0'); }
    std::string sign(std::string_view) override { return std::string(128, '0'); }
    std::string freshNonce() override { return std::string(32, '9'); }
    std::optional<int> matchFinger(std::string_view templateBox, std::string_view) override {
        return templateBox == "dG1wbC0x" ? std::optional<int>(88) : std::nullopt;
    }
    void publishRequest(const protocol::PanelRequest&) override {}
    void publishEvent(const protocol::PanelEvent& event) override { events.push_back(event); }
    void publishAck(const protocol::PanelAck& ack) override { acks.push_back(ack); }
    void driveLock(bool released, int ms) override { locks.emplace_back(released, ms); }
    void display(const Display&) override {}
    std::optional<std::string> offlinePinHash(std::string_view person,
                                              std::string_view digits) override {
        hashed.push_back(std::string(person) + ":" + std::string(digits));
        return digits == "4711" ? std::optional<std::string>(kHashA) : std::nullopt;
    }
    void storeCache(std::string_view bytes) override { stored = std::string(bytes); }
    std::optional<std::string> loadCache() override { return stored; }

    std::vector<protocol::PanelEvent> events;
    std::vector<protocol::PanelAck> acks;
    std::vector<std::pair<bool, int>> locks;
    std::vector<std::string> hashed;
    std::optional<std::string> stored;
};

TEST(OfflineRunner, PinHashedByTheHalCacheStoredAndRestoredAtBoot) {
    OfflineHal hal;
    PanelConfig config;
    config.site = "s1";
    config.panel = "p1";
    config.door = "server-room";
    config.sessionPrefix = "b00t";
    config.utcOffsetMinutes = kJst;
    {
        DoorPanelRunner runner(config, hal);
        runner.handle(WallClock{kMonday0900Jst}, 0);
        // The cache commands arrive authentic under the current epoch.
        runner.handle(LinkAnnounced{protocol::PanelLink{std::string(32, 'e'), ""}, true}, 0);
        std::uint64_t counter = 0;
        const auto send = [&](protocol::PanelCommand c) {
            c.auth.epoch = std::string(32, 'e');
            c.auth.counter = ++counter;
            c.auth.nonce = std::string(32, 'c');
            return runner.handle(ControllerCommand{std::move(c), true}, 10);
        };
        send(put(1, {entry("04A1B2C3", "aiko")}));
        send(sync(1));
        ASSERT_TRUE(hal.stored);
        ASSERT_EQ(hal.acks.size(), 2u);
        EXPECT_EQ(hal.acks[1].result, protocol::AckResult::done);
        runner.handle(LinkStatus{false}, 20);
        runner.handle(CardRead{"04A1B2C3"}, 1000);
        for (const char d : std::string("4711")) {
            runner.handle(KeypadDigit{d}, 1100);
        }
        const auto outputs = runner.handle(KeypadEnter{}, 1200);
        EXPECT_EQ(hal.hashed, std::vector<std::string>{"aiko:4711"});
        // No clear PIN in what the runner returns.
        for (const auto& o : outputs) {
            if (const auto* v = std::get_if<VerifyOfflinePin>(&o)) {
                EXPECT_TRUE(v->digits.empty());
            }
        }
        EXPECT_EQ(runner.state().phase, Phase::awaitingFinger);
        runner.fingerPlaced("live", 1300);
        ASSERT_EQ(hal.events.size(), 1u);
        EXPECT_EQ(hal.events[0].kind, protocol::DoorEventKind::offlineGranted);
        EXPECT_EQ(hal.events[0].person, "aiko");
        EXPECT_EQ(hal.events[0].occurredUs, (kMonday0900Jst + 1300) * 1000);
        EXPECT_EQ(hal.locks.back(), std::make_pair(true, 4000));
    }
    // Rebooted: the cache comes back from the HAL, stale until the first sync.
    DoorPanelRunner rebooted(config, hal);
    EXPECT_EQ(rebooted.state().cache.version(), 1u);
    ASSERT_NE(rebooted.state().cache.find("04A1B2C3"), nullptr);
    EXPECT_FALSE(rebooted.state().cache.fresh(0));
}

}  // namespace
}  // namespace sekimori::firmware
