#include "custody/custody_decisions.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "custody/custody_event_types.hpp"

namespace sekimori::custody {
namespace {

using json = nlohmann::json;
constexpr core::TimeUs kS = 1'000'000;
constexpr core::TimeUs kT0 = 1'800'000'000LL * kS;

CustodyConfig siteConfig() {
    CustodyConfig c;
    c.cabinets.push_back({"kc-1", "Cabinet", "key-cabinet", std::chrono::seconds(30)});
    KeyConfig master{"rack-master", "Rack master", "rack", "kc-1", 1, "K-1", "server-room"};
    master.due = std::chrono::seconds(3600);
    KeyConfig vault{"vault-rack", "Vault rack", "rack", "kc-1", 2, "K-2", "vault-racks"};
    vault.approval = true;
    c.keys = {master, vault};
    c.detectors.push_back({"md-gate", "Gate detector", "circle-gate"});
    c.carryInZone = "server-room";
    return c;
}

ZoneTree tree() {
    return ZoneTree{{{"site", ""},
                     {"bldg", "site"},
                     {"lobby", "bldg"},
                     {"server-room", "bldg"},
                     {"vault-racks", "server-room"}}};
}

// Applies an event as the bus would once it is durable.
void apply(CustodyState& state, const core::Event& e) {
    state.apply(e.type, json::parse(e.payload), e.timeUs);
}

MayEnter allowing(std::set<std::string> zones) {
    return [zones](const std::string&, const std::string& zone) {
        return ZoneAnswer{zones.contains(zone), "Sato",
                          zones.contains(zone) ? "granted" : "no_access"};
    };
}

DeviceReport report(std::uint64_t seq, ReportKind kind, int slot = 0, std::string tag = {}) {
    DeviceReport r;
    r.seq = seq;
    r.kind = kind;
    r.slot = slot;
    r.tag = std::move(tag);
    return r;
}

TEST(CustodyDecisions, AReleaseHoldsOnlyTheKeysTheLevelsAdmitAndTheApprovalsAllow) {
    const auto config = siteConfig();
    CustodyState state;
    auto e = releaseEvent(config, state, config.cabinets[0], "p-1", allowing({"server-room"}), kT0);
    auto p = json::parse(e.payload);
    EXPECT_EQ(e.type, kCustodyReleaseSent.name);
    EXPECT_EQ(p["slots"], json::array({1}));
    EXPECT_EQ(p["refused"][0]["key"], "vault-rack");
    EXPECT_EQ(p["refused"][0]["reason"], "no_access");
    EXPECT_EQ(p["until_us"], kT0 + 30 * kS);

    // Levels admit the vault racks, but the key is listed: no approved request, no key.
    const auto both = allowing({"server-room", "vault-racks"});
    p = json::parse(releaseEvent(config, state, config.cabinets[0], "p-1", both, kT0).payload);
    EXPECT_EQ(p["slots"], json::array({1}));
    EXPECT_EQ(p["refused"][0]["reason"], "no_approved_request");

    state.apply("custody.key_request_approved",
                {{"approval", "apr-1"},
                 {"key", "vault-rack"},
                 {"person", "p-1"},
                 {"from_us", kT0 - kS},
                 {"until_us", kT0 + 3600 * kS}},
                kT0);
    p = json::parse(releaseEvent(config, state, config.cabinets[0], "p-1", both, kT0).payload);
    EXPECT_EQ(p["slots"], json::array({1, 2}));
    // Someone else's approval is not theirs.
    p = json::parse(releaseEvent(config, state, config.cabinets[0], "p-2", both, kT0).payload);
    EXPECT_EQ(p["slots"], json::array({1}));
    // Outside the request's window.
    p = json::parse(
        releaseEvent(config, state, config.cabinets[0], "p-1", both, kT0 + 3601 * kS).payload);
    EXPECT_EQ(p["slots"], json::array({1}));
}

TEST(CustodyDecisions, AReleasedKeyIsTakenAnUnreleasedOneIsForced) {
    const auto config = siteConfig();
    CustodyState state;
    // Nothing released: the slot was forced.
    auto forced =
        reportEvents(config, state, "kc-1", report(1, ReportKind::keyRemoved, 1, "K-1"), kT0);
    ASSERT_EQ(forced.events.size(), 1u);
    EXPECT_EQ(forced.events[0].type, kCustodyKeyForced.name);

    CustodyState released;
    apply(released, releaseEvent(config, released, config.cabinets[0], "p-1",
                                 allowing({"server-room"}), kT0));
    auto taken = reportEvents(config, released, "kc-1", report(2, ReportKind::keyRemoved, 1, "K-1"),
                              kT0 + kS);
    ASSERT_EQ(taken.events.size(), 1u);
    EXPECT_EQ(taken.events[0].type, kCustodyKeyTaken.name);
    EXPECT_EQ(taken.events[0].subject, "p-1");
    auto p = json::parse(taken.events[0].payload);
    EXPECT_EQ(p["due_us"], kT0 + kS + 3600 * kS);
    EXPECT_EQ(p["device"], "kc-1");
    EXPECT_EQ(p["report_seq"], 2);
    apply(released, taken.events[0]);
    EXPECT_EQ(released.lastSeq("kc-1"), 2u);
    ASSERT_NE(released.holder("rack-master"), nullptr);
    EXPECT_EQ(released.holder("rack-master")->person, "p-1");
    // A slot not in the release (the vault rack's) is forced even while the release is open.
    auto other = reportEvents(config, released, "kc-1", report(3, ReportKind::keyRemoved, 2, "K-2"),
                              kT0 + kS);
    EXPECT_EQ(other.events[0].type, kCustodyKeyForced.name);
    // After the release ends, the same slot again is forced.
    CustodyState late;
    apply(late,
          releaseEvent(config, late, config.cabinets[0], "p-1", allowing({"server-room"}), kT0));
    auto after = reportEvents(config, late, "kc-1", report(2, ReportKind::keyRemoved, 1, "K-1"),
                              kT0 + 31 * kS);
    EXPECT_EQ(after.events[0].type, kCustodyKeyForced.name);
}

TEST(CustodyDecisions, OverdueOnceThenReturnedLate) {
    const auto config = siteConfig();
    CustodyState state;
    apply(state,
          releaseEvent(config, state, config.cabinets[0], "p-1", allowing({"server-room"}), kT0));
    apply(state,
          reportEvents(config, state, "kc-1", report(1, ReportKind::keyRemoved, 1, "K-1"), kT0)
              .events[0]);
    EXPECT_EQ(nextDue(state), kT0 + 3600 * kS);
    EXPECT_TRUE(overdueEvents(config, state, kT0 + 3599 * kS).empty());
    auto overdue = overdueEvents(config, state, kT0 + 3600 * kS);
    ASSERT_EQ(overdue.size(), 1u);
    EXPECT_EQ(overdue[0].type, kCustodyKeyOverdue.name);
    EXPECT_EQ(overdue[0].source, "key:rack-master");
    apply(state, overdue[0]);
    EXPECT_TRUE(overdueEvents(config, state, kT0 + 7200 * kS).empty());
    EXPECT_EQ(nextDue(state), 0);

    auto back = reportEvents(config, state, "kc-1", report(2, ReportKind::keyReturned, 1, "K-1"),
                             kT0 + 4000 * kS);
    ASSERT_EQ(back.events.size(), 1u);
    auto p = json::parse(back.events[0].payload);
    EXPECT_EQ(p["late"], true);
    EXPECT_EQ(p["held_s"], 4000);
    EXPECT_EQ(p["wrong_tag"], false);
    apply(state, back.events[0]);
    EXPECT_EQ(state.holder("rack-master"), nullptr);
}

TEST(CustodyDecisions, AHolderLeavingTheSiteAndAnItemLeftInsideAlarm) {
    const auto config = siteConfig();
    const ZoneTree zones = tree();
    CustodyState state;
    state.apply("presence.entered", {{"person", "p-1"}, {"zone", "server-room"}}, kT0);
    apply(state,
          releaseEvent(config, state, config.cabinets[0], "p-1", allowing({"server-room"}), kT0));
    apply(state,
          reportEvents(config, state, "kc-1", report(1, ReportKind::keyRemoved, 1, "K-1"), kT0)
              .events[0]);
    state.apply("custody.item_registered",
                {{"item", "ci-1"},
                 {"person", "p-1"},
                 {"kind", "laptop"},
                 {"description", "PC"},
                 {"valid_from_us", kT0},
                 {"valid_until_us", kT0 + 3600 * kS}},
                kT0);
    state.apply("custody.item_checked_in", {{"item", "ci-1"}, {"actor", "guard"}}, kT0);
    EXPECT_TRUE(presenceEvents(config, state, zones, "p-1", kT0).empty());

    // Into the lobby: still on site (the key stays), but out of the carry-in zone.
    state.apply("presence.entered", {{"person", "p-1"}, {"zone", "lobby"}}, kT0 + kS);
    auto lobby = presenceEvents(config, state, zones, "p-1", kT0 + kS);
    ASSERT_EQ(lobby.size(), 1u);
    EXPECT_EQ(lobby[0].type, kCustodyItemLeftInside.name);
    EXPECT_EQ(lobby[0].source, "item:ci-1");
    apply(state, lobby[0]);
    // Out of the building: the key's holder left the site.
    state.apply("presence.entered", {{"person", "p-1"}, {"zone", "site"}}, kT0 + 2 * kS);
    auto gone = presenceEvents(config, state, zones, "p-1", kT0 + 2 * kS);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].type, kCustodyKeyHolderLeft.name);
    apply(state, gone[0]);
    EXPECT_TRUE(presenceEvents(config, state, zones, "p-1", kT0 + 3 * kS).empty());
}

TEST(CustodyDecisions, DetectorsHoldTheirPortalAndUnknownDevicesRecordNothing) {
    const auto config = siteConfig();
    CustodyState state;
    auto hit = reportEvents(
        config, state, "md-gate",
        [] {
            DeviceReport r;
            r.seq = 1;
            r.kind = ReportKind::detection;
            r.level = 80;
            return r;
        }(),
        kT0);
    ASSERT_EQ(hit.events.size(), 1u);
    EXPECT_EQ(hit.events[0].type, kCustodyDetection.name);
    apply(state, hit.events[0]);
    ASSERT_EQ(state.holds().size(), 1u);
    EXPECT_EQ(state.holds().at("md-gate").portal, "circle-gate");
    state.apply("custody.detection_cleared", {{"detector", "md-gate"}}, kT0 + kS);
    EXPECT_TRUE(state.holds().empty());

    auto stranger = reportEvents(config, state, "kc-9", report(1, ReportKind::tamper), kT0);
    EXPECT_TRUE(stranger.events.empty());
    EXPECT_NE(stranger.refusal.find("not configured"), std::string::npos);
    auto noKey =
        reportEvents(config, state, "kc-1", report(1, ReportKind::keyRemoved, 7, "X"), kT0);
    EXPECT_TRUE(noKey.events.empty());
    EXPECT_NE(noKey.refusal.find("slot 7"), std::string::npos);
}

}  // namespace
}  // namespace sekimori::custody
