// The compliance summary: every safeguard has a row, every test it names exists, the live
// evidence follows the trail (and nothing is green that the trail does not show), and the HTML
// is self-contained.
#include "reports/compliance.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

namespace sekimori::reports {
namespace {

using nlohmann::json;

TrailEvent ev(std::uint64_t seq, const char* type, json payload) {
    TrailEvent e;
    e.seq = seq;
    e.timeUs = 1'796'083'200'000'000 + static_cast<core::TimeUs>(seq) * 1'000'000;
    e.type = type;
    e.payload = std::move(payload);
    return e;
}

ReportsConfig demoConfig() {
    ReportsConfig c;
    c.siteName = "Tokyo DC1";
    c.managementAreas = {{"server-room", "3F server room"}};
    c.handlingAreas = {{"handling-room", "3F handling room"}};
    return c;
}

std::map<std::string, json> byId(const json& summary) {
    std::map<std::string, json> out;
    for (const auto& row : summary["rows"]) {
        out[row["id"]] = row;
    }
    return out;
}

TEST(Compliance, EveryNamedTestExists) {
    const std::filesystem::path source{SEKIMORI_SOURCE_DIR};
    const auto paths = complianceTestPaths();
    ASSERT_FALSE(paths.empty());
    for (const auto& p : paths) {
        EXPECT_TRUE(p.rfind("tests/", 0) == 0) << p;
        EXPECT_TRUE(std::filesystem::is_regular_file(source / p)) << p << " does not exist";
    }
}

// The rule the browser test holds the real daemon to: no row is ok without an event behind it.
void expectOkRowsNameAnEvent(const json& summary) {
    for (const auto& row : summary["rows"]) {
        if (row["status"] == "ok") {
            EXPECT_TRUE(row["evidence"].contains("event")) << row.dump();
        }
    }
}

TEST(Compliance, AnEmptyTrailShowsNothingGreen) {
    const json s = buildCompliance({}, demoConfig(), {0, 10}, 5, 540);
    const auto rows = byId(s);
    for (const char* id :
         {"entry_management_area", "entry_handling_area", "two_person_work", "camera_coverage",
          "camera_retention", "network_cut_outside_hours", "generator_endurance", "logs_protected",
          "deletion_records", "four_eyes_privileges"}) {
        ASSERT_EQ(rows.count(id), 1u) << id;
        EXPECT_NE(rows.at(id)["status"], "ok") << id;
        EXPECT_FALSE(rows.at(id)["tests"].empty()) << id;
        EXPECT_FALSE(rows.at(id)["evidence"]["text"]["en"].get<std::string>().empty()) << id;
        EXPECT_FALSE(rows.at(id)["evidence"]["text"]["ja"].get<std::string>().empty()) << id;
        EXPECT_FALSE(rows.at(id)["feature"]["ja"].get<std::string>().empty()) << id;
    }
    // Domains not built say so.
    for (const char* id : {"camera_coverage", "camera_retention", "network_cut_outside_hours",
                           "generator_endurance"}) {
        EXPECT_EQ(rows.at(id)["status"], "not_built") << id;
        EXPECT_NE(rows.at(id)["evidence"]["text"]["en"].get<std::string>().find("Not yet built"),
                  std::string::npos);
    }
}

TEST(Compliance, LiveEvidenceFromTheTrail) {
    ComplianceInputs in;
    in.daemonStarted = ev(1, "daemon.started", {{"services", {"doors", "approvals", "witness"}}});
    in.period = {
        ev(10, "presence.entered", {{"person", "aiko"}, {"zone", "server-room"}}),
        ev(11, "presence.entered", {{"person", "ken"}, {"zone", "handling-room"}}),
        ev(12, "access.denied", {{"person", "ken"}, {"reason", "no_work_window"}}),
        ev(13, "person.card_revoked", {{"person", "ken"}, {"card", "04AA"}}),
        ev(14, "approval.approved", {{"id", "apr-1"}}),
        ev(15, "access.companion_pending",
           {{"person", "ken"}, {"reason", "awaiting_second_person"}}),
    };
    in.lastVerify = ev(20, "audit.verified", {{"ok", true}, {"size", 19}, {"actor", "aud"}});
    in.lastCosign = ev(21, "audit.cosigned", {{"witness", "w1"}, {"tree_size", 20}});
    in.trailSize = 21;
    const json s = buildCompliance(in, demoConfig(), {0, 1'900'000'000'000'000}, 5, 540);
    auto rows = byId(s);
    EXPECT_EQ(rows["entry_management_area"]["status"], "ok");
    EXPECT_EQ(rows["entry_management_area"]["evidence"]["event"]["seq"], 10);
    EXPECT_EQ(rows["entry_handling_area"]["status"], "ok");
    EXPECT_NE(rows["entry_handling_area"]["evidence"]["text"]["en"].get<std::string>().find(
                  "1 refused outside an approved window"),
              std::string::npos);
    EXPECT_EQ(rows["two_person_work"]["status"], "ok");
    EXPECT_EQ(rows["two_person_work"]["evidence"]["event"]["seq"], 15);
    EXPECT_EQ(rows["logs_protected"]["status"], "ok");
    EXPECT_EQ(rows["logs_protected"]["evidence"]["event"]["seq"], 20);
    EXPECT_EQ(rows["logs_protected"]["evidence"]["witness_event"]["seq"], 21);
    EXPECT_EQ(rows["deletion_records"]["evidence"]["event"]["seq"], 13);
    EXPECT_EQ(rows["four_eyes_privileges"]["evidence"]["event"]["seq"], 14);
    EXPECT_EQ(rows["camera_coverage"]["status"], "not_built");
    expectOkRowsNameAnEvent(s);
    ComplianceInputs doorsOnly;
    doorsOnly.daemonStarted = in.daemonStarted;
    EXPECT_EQ(
        byId(buildCompliance(doorsOnly, demoConfig(), {0, 1}, 5, 540))["two_person_work"]["status"],
        "no_evidence");  // the doors run, but nothing shows the rule at work

    // A failed verify, or a witness refusal after the last cosignature, needs attention.
    in.lastVerify = ev(22, "audit.verified", {{"ok", false}, {"size", 21}});
    EXPECT_EQ(byId(buildCompliance(in, demoConfig(), {0, 1}, 5, 540))["logs_protected"]["status"],
              "attention");
    in.lastVerify = ev(20, "audit.verified", {{"ok", true}, {"size", 19}});
    in.lastRefusal = ev(23, "audit.witness_refused", {{"reason", "shrink"}});
    EXPECT_EQ(byId(buildCompliance(in, demoConfig(), {0, 1}, 5, 540))["logs_protected"]["status"],
              "attention");
    // An entry that names nobody, a never-alone alarm, no handling area: attention.
    in.period.push_back(ev(30, "presence.entered", {{"zone", "server-room"}}));
    in.period.push_back(ev(31, "zone.alone", {{"zone", "handling-room"}, {"person", "ken"}}));
    ReportsConfig noHandling = demoConfig();
    noHandling.handlingAreas.clear();
    rows = byId(buildCompliance(in, noHandling, {0, 1}, 5, 540));
    EXPECT_EQ(rows["entry_management_area"]["status"], "attention");
    EXPECT_EQ(rows["two_person_work"]["status"], "attention");
    EXPECT_EQ(rows["entry_handling_area"]["status"], "attention");
}

// The console shows the Japanese texts on a Japanese screen: no path, file or event type there.
TEST(Compliance, JapaneseTextsNameNoFileOrType) {
    ComplianceInputs in;
    in.lastVerify = ev(20, "audit.verified", {{"ok", true}, {"size", 19}, {"actor", "aud"}});
    in.lastCosign = ev(21, "audit.cosigned", {{"witness", "w1"}, {"tree_size", 20}});
    in.lastRefusal = ev(22, "audit.witness_refused", {{"reason", "shrink"}});
    const json summary = buildCompliance(in, demoConfig(), {0, 1}, 5, 540);
    for (const auto& row : summary["rows"]) {
        for (const std::string& ja :
             {row["safeguard"]["ja"].get<std::string>(), row["feature"]["ja"].get<std::string>(),
              row["evidence"]["text"]["ja"].get<std::string>()}) {
            for (const char* bad : {"/", ".cpp", "audit.", "zone.", "_"}) {
                EXPECT_EQ(ja.find(bad), std::string::npos) << row["id"] << ": " << ja;
            }
        }
    }
}

TEST(Compliance, HtmlIsSelfContainedAndEscaped) {
    ReportsConfig c = demoConfig();
    c.siteName = "<script>x</script>";
    const json s = buildCompliance({}, c, {0, 10}, 5, 540);
    const std::string html = renderComplianceHtml(s, "abcd");
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
    for (const char* external : {"http://", "https://", "src=", "<link", "@import", "url("}) {
        EXPECT_EQ(html.find(external), std::string::npos) << external;
    }
    EXPECT_NE(html.find("未構築 / Not yet built"), std::string::npos);
    EXPECT_NE(html.find("data-row=\"logs_protected\""), std::string::npos);
    EXPECT_NE(html.find("abcd"), std::string::npos);
    EXPECT_EQ(html, renderComplianceHtml(s, "abcd"));  // the same summary, the same bytes
}

}  // namespace
}  // namespace sekimori::reports
