// doors/offline_sync: the entries a panel's door needs, the diff against what the panel
// acknowledged, versions, the reset after a restart, revocations reaching every cache, the
// payload limit with templates, cache_sync and the behind alarm (injected clock).
#include "doors/offline_sync.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "doors/credential_binding.hpp"
#include "doors/door_event_types.hpp"

namespace sekimori::doors {
namespace {

using protocol::CommandType;

struct Sent {
    std::string panel;
    protocol::PanelCommand command;
};

DoorSpec door(const std::string& id, const std::string& panel) {
    DoorSpec d;
    d.id = id;
    d.name = id;
    d.panel = panel;
    d.fromZone = "site";
    d.toZone = "server";
    return d;
}

policy::Schedule office() {
    policy::Schedule s;
    s.id = "office";
    s.windows = {policy::WeeklyWindow{policy::kWeekdays, 8 * 60, 19 * 60}};
    return s;
}

PersonRecord person(const std::string& id) {
    PersonRecord p;
    p.id = id;
    p.name = id;
    p.grants = {ZoneGrant{"server", "office"}};
    p.offlinePinHashes = {{"p1", std::string(64, 'a')}, {"p2", std::string(64, 'b')}};
    p.weightG = 70000;
    return p;
}

struct Fixture {
    core::ManualClock clock{1'800'000'000'000'000};
    core::Bytes templateKey = core::randomBytes(core::kBoxKeySize);
    std::map<std::string, core::Bytes> panelKeys{{"p1", core::randomBytes(core::kBoxKeySize)},
                                                 {"p2", core::randomBytes(core::kBoxKeySize)}};
    std::vector<Sent> sent;
    std::vector<core::Event> recorded;
    CredentialSnapshot snapshot;

    std::unique_ptr<OfflineSync> make(AccessLevels levels = {}) {
        OfflineConfig config;
        config.behindAlarm = std::chrono::seconds(300);
        config.syncInterval = std::chrono::seconds(30);
        Schedules schedules;
        schedules.emplace("office", office());
        return std::make_unique<OfflineSync>(
            OfflineSyncParts{clock,
                             config,
                             {door("d1", "p1"), door("d2", "p2")},
                             std::move(levels),
                             std::move(schedules),
                             [](std::string_view zone) { return zone == "server"; },
                             [](std::string_view zone) { return zone == "handling"; },
                             panelKeys,
                             templateKey,
                             [this](const std::string& panel, protocol::PanelCommand c) {
                                 sent.push_back(Sent{panel, std::move(c)});
                                 return true;
                             },
                             [this](core::Event e) { recorded.push_back(std::move(e)); }});
    }
    void addPerson(PersonRecord p, const std::string& card) {
        snapshot.putCard(CardRecord{card, p.id, CardState::active});
        snapshot.putPerson(std::move(p));
    }
    std::shared_ptr<const CredentialSnapshot> take() const {
        return std::make_shared<const CredentialSnapshot>(snapshot);
    }
    std::vector<Sent> drain() { return std::exchange(sent, {}); }
    // Every tracked command of `panel` among `batch` acknowledged done.
    void ackAll(OfflineSync& sync, const std::vector<Sent>& batch, const std::string& panel) {
        for (const auto& s : batch) {
            if (s.panel == panel && s.command.type != CommandType::cacheSync) {
                protocol::PanelAck ack;
                ack.command = s.command.id;
                EXPECT_TRUE(sync.acked(panel, ack));
            }
        }
    }
    int count(core::EventType type) const {
        int n = 0;
        for (const auto& e : recorded) {
            n += e.type == type.name ? 1 : 0;
        }
        return n;
    }
};

protocol::PanelStatus online() {
    // Built whole, not assigned field by field: GCC 12 at -O3 reports a false
    // -Wstringop-overflow inside std::string assignment to a default-constructed status.
    return protocol::PanelStatus{.online = true, .firmware = "t"};
}

std::vector<Sent> of(const std::vector<Sent>& all, const std::string& panel) {
    std::vector<Sent> out;
    for (const auto& s : all) {
        if (s.panel == panel) {
            out.push_back(s);
        }
    }
    return out;
}

TEST(OfflineSyncEntries, WindowsValidityPinAndWeightPerPanel) {
    Fixture f;
    PersonRecord alice = person("alice");
    alice.validUntilUs = f.clock.nowUs() + 1'000'000;
    f.addPerson(alice, "0102030405060708");
    PersonRecord bob = person("bob");
    bob.grants.clear();  // may only leave
    f.addPerson(bob, "1112131415161718");
    PersonRecord carol = person("carol");
    carol.active = false;
    f.addPerson(carol, "2122232425262728");
    f.snapshot.putCard(CardRecord{"3132333435363738", "alice", CardState::revoked});
    Schedules schedules;
    schedules.emplace("office", office());
    const auto wanted =
        wantedEntries(door("d1", "p1"), "p1", f.snapshot, {}, schedules, f.clock.nowUs());
    ASSERT_EQ(wanted.size(), 2U);  // carol is disabled, the revoked card is left out
    const auto& a = wanted.at("0102030405060708").entry;
    EXPECT_EQ(a.person, "alice");
    ASSERT_EQ(a.entryWindows.size(), 5U);
    EXPECT_EQ(a.entryWindows[0].day, 0);
    EXPECT_EQ(a.entryWindows[0].fromMin, 480);
    EXPECT_EQ(a.entryWindows[0].untilMin, 1140);
    EXPECT_EQ(a.exitWindows.size(), 7U);
    EXPECT_EQ(a.validUntilUs, alice.validUntilUs);
    EXPECT_EQ(a.pinHash, std::string(64, 'a'));
    EXPECT_EQ(a.weightG, 70000);
    const auto& b = wanted.at("1112131415161718").entry;
    EXPECT_TRUE(b.entryWindows.empty());
    EXPECT_EQ(b.exitWindows.size(), 7U);
    // The other panel's PIN hash for the other panel.
    const auto other =
        wantedEntries(door("d2", "p2"), "p2", f.snapshot, {}, schedules, f.clock.nowUs());
    EXPECT_EQ(other.at("0102030405060708").entry.pinHash, std::string(64, 'b'));
    // A door with free exit takes only who may enter.
    DoorSpec freeExit = door("d1", "p1");
    freeExit.exitFactors.clear();
    EXPECT_EQ(wantedEntries(freeExit, "p1", f.snapshot, {}, schedules, f.clock.nowUs()).size(), 1U);
}

TEST(OfflineSyncEntries, AWorkWindowZoneIsNeverEnteredOffline) {
    Fixture f;
    f.addPerson(person("alice"), "0102030405060708");
    Schedules schedules;
    schedules.emplace("office", office());
    const auto now = f.clock.nowUs();
    ASSERT_FALSE(wantedEntries(door("d1", "p1"), "p1", f.snapshot, {}, schedules, now)
                     .at("0102030405060708")
                     .entry.entryWindows.empty());
    // A panel alone cannot know the vault's windows: entry refused offline, exit kept.
    const auto e = wantedEntries(door("d1", "p1"), "p1", f.snapshot, {}, schedules, now,
                                 /*entryOffline=*/false)
                       .at("0102030405060708")
                       .entry;
    EXPECT_TRUE(e.entryWindows.empty());
    EXPECT_EQ(e.exitWindows.size(), 7U);
}

TEST(OfflineSyncEntries, LevelsWithinTheirDatesBoundTheEntry) {
    Fixture f;
    PersonRecord p = person("dave");
    p.grants.clear();
    const core::TimeUs now = f.clock.nowUs();
    p.levels = {LevelAssignment{"ops", now - 1, now + 5'000'000},
                LevelAssignment{"future", now + 10'000'000, 0}};
    f.addPerson(p, "4142434445464748");
    AccessLevels levels;
    levels.emplace("ops", AccessLevel{"ops", "Ops", {LevelZone{"server", "office"}}});
    levels.emplace("future", AccessLevel{"future", "Later", {LevelZone{"server", "office"}}});
    Schedules schedules;
    schedules.emplace("office", office());
    DoorSpec d = door("d1", "p1");
    d.exitFactors.clear();
    const auto wanted = wantedEntries(d, "p1", f.snapshot, levels, schedules, now);
    ASSERT_EQ(wanted.size(), 1U);
    EXPECT_EQ(wanted.begin()->second.entry.entryWindows.size(), 5U);
    EXPECT_EQ(wanted.begin()->second.entry.validUntilUs, now + 5'000'000);
}

TEST(OfflineSyncEntries, TheAnswerSaysWhenALevelsDatesNextChangeIt) {
    Fixture f;
    PersonRecord p = person("dave");
    const core::TimeUs now = f.clock.nowUs();
    p.levels = {LevelAssignment{"ops", now - 1, now + 5'000'000},
                LevelAssignment{"future", now + 10'000'000, 0}};
    f.addPerson(p, "4142434445464748");
    core::TimeUs changesAt = -1;
    wantedEntries(door("d1", "p1"), "p1", f.snapshot, {}, {}, now, true, &changesAt);
    EXPECT_EQ(changesAt, now + 5'000'000);
    wantedEntries(door("d1", "p1"), "p1", f.snapshot, {}, {}, now + 5'000'000, true, &changesAt);
    EXPECT_EQ(changesAt, now + 10'000'000);
    wantedEntries(door("d1", "p1"), "p1", f.snapshot, {}, {}, now + 10'000'000, true, &changesAt);
    EXPECT_EQ(changesAt, 0);  // nothing ahead changes it
}

TEST(OfflineSync, ALevelThatEndsTakesItsEntryOffThePanelAtTheNextTickWithoutANewSnapshot) {
    Fixture f;
    PersonRecord p = person("dave");
    p.grants.clear();
    p.levels = {LevelAssignment{"ops", 0, f.clock.nowUs() + 60'000'000}};
    f.addPerson(p, "4142434445464748");
    AccessLevels levels;
    levels.emplace("ops", AccessLevel{"ops", "Ops", {LevelZone{"server", "office"}}});
    auto sync = f.make(std::move(levels));
    sync->setCredentials(f.take());
    sync->panelStatus("p1", online());
    auto first = of(f.drain(), "p1");
    f.ackAll(*sync, first, "p1");
    ASSERT_EQ(sync->panel("p1")->entries, 1U);
    f.clock.advanceMs(30'000);
    sync->tick();
    for (const auto& s : of(f.drain(), "p1")) {
        EXPECT_EQ(s.command.type, CommandType::cacheSync);  // still inside the level's dates
    }
    f.clock.advanceMs(31'000);
    sync->tick();
    const auto after = of(f.drain(), "p1");
    ASSERT_FALSE(after.empty());  // the card stays for the way out, with no entry left
    EXPECT_EQ(after[0].command.type, CommandType::cachePut);
    ASSERT_EQ(after[0].command.entries.size(), 1U);
    EXPECT_EQ(after[0].command.entries[0].card, "4142434445464748");
    EXPECT_TRUE(after[0].command.entries[0].entryWindows.empty());
    EXPECT_FALSE(after[0].command.entries[0].exitWindows.empty());
}

TEST(OfflineSync, FirstSyncResetsThenPutsThenConfirmsWithIncreasingVersions) {
    Fixture f;
    f.addPerson(person("alice"), "0102030405060708");
    f.addPerson(person("bob"), "1112131415161718");
    auto sync = f.make();
    sync->setCredentials(f.take());
    EXPECT_TRUE(f.drain().empty());  // nobody online yet
    sync->panelStatus("p1", online());
    auto batch = f.drain();
    ASSERT_EQ(batch.size(), 3U);
    EXPECT_EQ(batch[0].command.type, CommandType::cacheReset);
    EXPECT_EQ(batch[1].command.type, CommandType::cachePut);
    EXPECT_EQ(batch[1].command.entries.size(), 2U);  // no templates: one put
    EXPECT_GT(batch[1].command.version, batch[0].command.version);
    EXPECT_EQ(batch[2].command.type, CommandType::cacheSync);
    EXPECT_EQ(batch[2].command.version, batch[1].command.version);
    ASSERT_TRUE(batch[2].command.policy.has_value());
    EXPECT_EQ(batch[2].command.policy->door, "d1");
    EXPECT_TRUE(batch[2].command.policy->twoPerson);
    EXPECT_EQ(batch[2].command.policy->stalenessMs, 900'000);
    for (const auto& s : batch) {
        EXPECT_EQ(s.panel, "p1");
        EXPECT_TRUE(s.command.id.starts_with("cache-"));
        EXPECT_LE(s.command.id.size(), protocol::kMaxCommandIdChars);
    }
    EXPECT_FALSE(sync->panel("p1")->inSync);
    f.ackAll(*sync, batch, "p1");
    const auto view = sync->panel("p1");
    EXPECT_TRUE(view->inSync);
    EXPECT_EQ(view->ackedVersion, view->version);
    EXPECT_EQ(f.count(kPanelCacheSynced), 1);
    EXPECT_FALSE(sync->panel("p2")->inSync);  // never online
}

TEST(OfflineSync, AChangeSendsOnlyTheDifference) {
    Fixture f;
    f.addPerson(person("alice"), "0102030405060708");
    f.addPerson(person("bob"), "1112131415161718");
    auto sync = f.make();
    sync->setCredentials(f.take());
    sync->panelStatus("p1", online());
    auto first = f.drain();
    f.ackAll(*sync, first, "p1");
    const std::uint64_t before = sync->panel("p1")->version;
    PersonRecord bob = person("bob");
    bob.weightG = 80000;
    f.snapshot.putPerson(bob);
    sync->setCredentials(f.take());
    auto batch = f.drain();
    ASSERT_EQ(batch.size(), 2U);
    EXPECT_EQ(batch[0].command.type, CommandType::cachePut);
    ASSERT_EQ(batch[0].command.entries.size(), 1U);
    EXPECT_EQ(batch[0].command.entries[0].person, "bob");
    EXPECT_EQ(batch[0].command.entries[0].weightG, 80000);
    EXPECT_GT(batch[0].command.version, before);
    EXPECT_EQ(batch[1].command.type, CommandType::cacheSync);
    // The same snapshot again sends nothing new but the periodic confirmation.
    f.ackAll(*sync, batch, "p1");
    sync->setCredentials(f.take());
    EXPECT_TRUE(f.drain().empty());
    f.clock.advanceMs(30'000);
    sync->tick();
    auto periodic = f.drain();
    ASSERT_EQ(of(periodic, "p1").size(), 1U);
    EXPECT_EQ(of(periodic, "p1")[0].command.type, CommandType::cacheSync);
    EXPECT_EQ(of(periodic, "p1")[0].command.version, sync->panel("p1")->version);
}

TEST(OfflineSync, ARevocationLeavesEveryPanelsCacheBeforeAnyPut) {
    Fixture f;
    f.addPerson(person("alice"), "0102030405060708");
    f.addPerson(person("bob"), "1112131415161718");
    auto sync = f.make();
    sync->setCredentials(f.take());
    sync->panelStatus("p1", online());
    sync->panelStatus("p2", online());
    auto first = f.drain();
    f.ackAll(*sync, first, "p1");
    f.ackAll(*sync, first, "p2");
    f.snapshot.putCard(CardRecord{"0102030405060708", "alice", CardState::revoked});
    f.addPerson(person("erin"), "5152535455565758");
    sync->setCredentials(f.take());
    auto batch = f.drain();
    for (const std::string panel : {"p1", "p2"}) {
        const auto mine = of(batch, panel);
        ASSERT_EQ(mine.size(), 3U) << panel;
        EXPECT_EQ(mine[0].command.type, CommandType::cacheRemove);
        EXPECT_EQ(mine[0].command.cards, std::vector<std::string>{"0102030405060708"});
        EXPECT_EQ(mine[1].command.type, CommandType::cachePut);
        EXPECT_LT(mine[0].command.version, mine[1].command.version);
        EXPECT_EQ(mine[2].command.type, CommandType::cacheSync);
        EXPECT_EQ(mine[2].command.version, mine[1].command.version);
        f.ackAll(*sync, batch, panel);
        EXPECT_TRUE(sync->panel(panel)->inSync);
    }
}

TEST(OfflineSync, AfterARestartTheCacheIsResetAboveEveryEarlierVersion) {
    Fixture f;
    f.addPerson(person("alice"), "0102030405060708");
    std::uint64_t last = 0;
    {
        auto sync = f.make();
        sync->setCredentials(f.take());
        sync->panelStatus("p1", online());
        auto batch = f.drain();
        f.ackAll(*sync, batch, "p1");
        last = sync->panel("p1")->version;
    }
    f.clock.advanceMs(1);
    auto restarted = f.make();
    restarted->setCredentials(f.take());
    auto status = online();
    status.cacheVersion = last;
    restarted->panelStatus("p1", status);
    auto batch = f.drain();
    ASSERT_GE(batch.size(), 2U);
    EXPECT_EQ(batch[0].command.type, CommandType::cacheReset);
    EXPECT_GT(batch[0].command.version, last);
    EXPECT_EQ(batch[1].command.type, CommandType::cachePut);
    EXPECT_EQ(batch[1].command.entries.size(), 1U);
}

TEST(OfflineSync, EntriesWithTemplatesGoOnePerPutUnderThePayloadLimit) {
    Fixture f;
    const std::string plain(1800, 'T');
    for (int i = 0; i < 3; ++i) {
        PersonRecord p = person("p" + std::to_string(i));
        p.fingerBox = sealTemplate(f.templateKey, p.id, plain);
        p.secondFingerBox = sealTemplate(f.templateKey, p.id, plain);
        f.addPerson(p, std::string("A1A2A3A4A5A6A7A") + std::to_string(i));
    }
    auto sync = f.make();
    sync->setCredentials(f.take());
    sync->panelStatus("p1", online());
    auto batch = f.drain();
    int puts = 0;
    for (const auto& s : batch) {
        if (s.command.type != CommandType::cachePut) {
            continue;
        }
        ++puts;
        ASSERT_EQ(s.command.entries.size(), 1U);
        const auto& e = s.command.entries[0];
        // The sealed box in base64 and the rest of the entry and envelope fit the limit.
        EXPECT_LE(e.templateBox.size() + e.templateBox2.size() + 1024, protocol::kMaxPayloadBytes);
        // Sealed for the panel, as a challenge's template_box; two don't fit: the first stays.
        auto box = core::fromBase64(e.templateBox);
        ASSERT_TRUE(box.ok());
        auto opened = core::openBox(f.panelKeys.at("p1"), *box);
        ASSERT_TRUE(opened.ok());
        EXPECT_EQ(*opened, plain);
        EXPECT_TRUE(e.templateBox2.empty());
    }
    EXPECT_EQ(puts, 3);
    f.ackAll(*sync, batch, "p1");
    EXPECT_TRUE(sync->panel("p1")->inSync);
    // The diff compares the stored boxes, not the fresh seal: nothing goes again.
    sync->setCredentials(f.take());
    EXPECT_TRUE(f.drain().empty());
}

TEST(OfflineSync, APanelBehindPastTheBoundRaisesTheAlarmUntilItCatchesUp) {
    Fixture f;
    f.addPerson(person("alice"), "0102030405060708");
    auto sync = f.make();
    sync->setCredentials(f.take());
    sync->panelStatus("p1", online());
    auto first = f.drain();  // never acknowledged
    f.clock.advanceMs(299'000);
    sync->tick();
    EXPECT_EQ(f.count(kPanelCacheBehind), 0);
    f.drain();
    f.clock.advanceMs(1'000);
    sync->tick();
    EXPECT_EQ(f.count(kPanelCacheBehind), 2);  // p1 unacknowledged, p2 never online
    EXPECT_TRUE(sync->panel("p1")->behindAlarm);
    f.drain();
    f.clock.advanceMs(30'000);
    sync->tick();
    EXPECT_EQ(f.count(kPanelCacheBehind), 2);  // once
    // The unacknowledged commands went again (a reset: the first was never acknowledged).
    auto again = of(f.drain(), "p1");
    ASSERT_FALSE(again.empty());
    EXPECT_EQ(again[0].command.type, CommandType::cacheReset);
    f.ackAll(*sync, again, "p1");
    EXPECT_TRUE(sync->panel("p1")->inSync);
    EXPECT_EQ(f.count(kPanelCacheSynced), 1);
    const auto& synced = f.recorded.back();
    EXPECT_EQ(synced.type, kPanelCacheSynced.name);
    EXPECT_NE(synced.payload.find("\"was_alarmed\":true"), std::string::npos);
    const auto json = sync->toJson();
    EXPECT_EQ(json["panels"][0]["panel"], "p1");
    EXPECT_EQ(json["panels"][0]["cache"]["in_sync"], true);
    EXPECT_EQ(json["panels"][1]["cache"]["in_sync"], false);
    EXPECT_TRUE(json["panels"][1]["cache"]["behind_alarm"].get<bool>());
}

TEST(OfflineSync, ARefusedCommandResetsTheCache) {
    Fixture f;
    f.addPerson(person("alice"), "0102030405060708");
    auto sync = f.make();
    sync->setCredentials(f.take());
    sync->panelStatus("p1", online());
    auto batch = f.drain();
    protocol::PanelAck refused;
    refused.command = batch[1].command.id;
    refused.result = protocol::AckResult::refused;
    refused.reason = "stale_version";
    EXPECT_TRUE(sync->acked("p1", refused));
    auto again = f.drain();
    ASSERT_FALSE(again.empty());
    EXPECT_EQ(again[0].command.type, CommandType::cacheReset);
    EXPECT_GT(again[0].command.version, batch.back().command.version);
    protocol::PanelAck other;
    other.command = "rev-12";
    EXPECT_FALSE(sync->acked("p1", other));
}

}  // namespace
}  // namespace sekimori::doors

// --- holidays offline (docs/offline.md, "Holidays") --------------------------------------------
namespace sekimori::doors::holidays_offline {

std::shared_ptr<const policy::HolidayCalendar> calendarWith(const std::string& rows) {
    auto calendar = policy::HolidayCalendar::parseCsv("date,name\n" + rows, "test.csv");
    EXPECT_TRUE(calendar) << calendar.error().message;
    return std::make_shared<const policy::HolidayCalendar>(std::move(*calendar));
}

TEST(OfflineHolidays, WindowsCarryTheScheduleRuleAndThePolicyTheDays) {
    policy::Schedule office;
    office.id = "office";
    office.windows = {policy::WeeklyWindow{0b0011111, 8 * 60, 18 * 60}};  // Monday..Friday
    office.holidays = policy::HolidayRule::closedOnHolidays;
    office.calendar = calendarWith("2026-12-31,closure\n2027-01-01,元日\n2028-05-03,憲法記念日\n");
    const auto windows = offlineWindows(office);
    ASSERT_EQ(windows.size(), 5U);
    for (const auto& w : windows) {
        EXPECT_EQ(w.holidays, protocol::WindowHolidays::closedOnHolidays);
    }
    auto maintenance = office;
    maintenance.holidays = policy::HolidayRule::holidaysOnly;
    EXPECT_EQ(offlineWindows(maintenance).front().holidays, protocol::WindowHolidays::holidaysOnly);
    auto plain = office;
    plain.holidays = policy::HolidayRule::ignore;
    EXPECT_EQ(offlineWindows(plain).front().holidays, protocol::WindowHolidays::any);

    // The days ahead as local day numbers; one past the horizon is left out.
    Schedules schedules{{"office", office}};
    const core::TimeUs dec30Jst = 1'798'556'400'000'000;  // 2026-12-30 00:00 +09:00
    const auto days = offlineHolidays(schedules, dec30Jst);
    EXPECT_EQ(days, (std::vector<std::int64_t>{policy::dayNumber(policy::CivilDate{2026, 12, 31}),
                                               policy::dayNumber(policy::CivilDate{2027, 1, 1})}));
    EXPECT_TRUE(offlineHolidays(Schedules{}, dec30Jst).empty());
    const auto policy = offlinePolicyFor(DoorSpec{}, OfflineConfig{}, false, days);
    EXPECT_EQ(policy.holidays, days);
}

}  // namespace sekimori::doors::holidays_offline
