#include "reports/compliance.hpp"

#include <algorithm>
#include <set>

#include "core/html_text.hpp"
#include "core/report_time.hpp"

namespace sekimori::reports {
namespace {

using nlohmann::json;

// What removes a person's or an operator's access: the trail keeps each as a record (the rows
// themselves are gone or changed; the event says who did it, when, and after whose approval).
const std::vector<std::string> kDeletionTypes{"person.card_revoked",  "person.grant_removed",
                                              "person.level_removed", "person.disabled",
                                              "person.group_left",    "operator.disabled"};

struct Safeguard {
    const char* id;
    const char* en;
    const char* ja;
    const char* featureEn;
    const char* featureJa;
    std::vector<std::string> tests;
};

// Texts in both languages: the console shows one, the HTML both. The Japanese ones name no
// file or event type (the console's language test allows no English word on a Japanese screen).
const std::vector<Safeguard>& safeguards() {
    static const std::vector<Safeguard> rows{
        {"entry_management_area",
         "Entry control of the management area (server room), every person identified",
         "管理区域（サーバ室）の入退室管理と本人確認",
         "doors/: card + PIN + fingerprint at the management area's doors; each decision and "
         "each entry recorded with the person (doors/access_decision.cpp, doors/presence.cpp)",
         "入口でカード・暗証番号・指紋の三要素を照合し、判定と入室を本人とともに記録",
         {"tests/doors/access_decision_test.cpp", "tests/doors/presence_test.cpp",
          "tests/integration/test_01_three_factor_door.py"}},
        {"entry_handling_area",
         "Entry control of the handling area, every person identified, inside approved windows",
         "取扱区域の入退室管理と本人確認（承認された作業時間内のみ）",
         "doors/: three factors into a handling area (doors/door_config.cpp); work-window "
         "admission from the vault's approved windows (doors/admission.cpp)",
         "取扱区域は三要素認証が必須。特定個人情報システムが承認した作業時間内のみ入室を許可",
         {"tests/doors/door_config_test.cpp", "tests/doors/admission_test.cpp",
          "tests/doors/access_rules_config_test.cpp"}},
        {"two_person_work",
         "Two-person work: nobody works alone in the handling area",
         "二人作業（取扱区域での単独作業の禁止）",
         "doors/: the two-person rule at entry and never-alone supervision of presence "
         "(doors/never_alone.cpp), a priority-1 alarm",
         "入室時の二人ルールと在室監視（単独在室は最優先の警報）",
         {"tests/doors/never_alone_test.cpp", "tests/doors/admission_test.cpp"}},
        {"camera_coverage",
         "Cameras cover every entrance of the handling area and the gates",
         "取扱区域の出入口・ゲートの監視カメラによる記録",
         "cameras/: coverage is checked in the site file (cameras/camera_config.cpp); no capture "
         "or recording runs yet",
         "設置範囲はサイト設定で検査するのみ。録画は未構築",
         {"tests/cameras/camera_config_test.cpp"}},
        {"camera_retention",
         "Footage kept 90 days",
         "映像の90日間保存",
         "cameras/: at least 90 days per camera is a site-file rule (cameras/camera_config.cpp); "
         "retention of recorded footage is not built",
         "カメラごとに90日以上の保存期間をサイト設定で検査するのみ。保存処理は未構築",
         {"tests/cameras/camera_config_test.cpp"}},
        {"network_cut_outside_hours",
         "Network to the handling terminals cut outside permitted hours",
         "許可時間外のネットワーク物理遮断（ハブ電源タイマー）",
         "power/: hub timers are read and checked in the site file (power/power_config.cpp); "
         "switching them is not built",
         "ハブ電源タイマーはサイト設定で検査するのみ。電源の切替は未構築",
         {"tests/power/power_config_test.cpp"}},
        {"generator_endurance",
         "Generator endurance of 72 hours at site load; drills",
         "非常用発電機の72時間運転（燃料）と訓練",
         "power/: the 72-hour fuel rule is checked in the site file (power/power_config.cpp); "
         "generator monitoring and BCP drills are not built",
         "72時間分の燃料をサイト設定で検査するのみ。発電機の監視とBCP訓練は未構築",
         {"tests/power/power_config_test.cpp"}},
        {"logs_protected",
         "Logs protected from the site's administrators",
         "ログの改ざん防止（管理者からの保護）",
         "core/: the audit chain with signed checkpoints (core/audit_chain.cpp, "
         "core/audit_verify.cpp), cosigned by an independent witness (witness/)",
         "署名付きチェックポイントを持つ監査チェーンと、独立した立会人による連署",
         {"tests/core/audit_verify_test.cpp", "tests/witness/witness_link_test.cpp",
          "tests/tamper/insider_attacks.py", "tests/integration/test_05_witness.py"}},
        {"deletion_records",
         "Records of deletion and revocation",
         "削除・失効の記録",
         "doors/ and console/: revocations, removed grants and disabled accounts are events of "
         "the append-only trail; a row changed or removed behind the daemon is detected "
         "(core/row_digest.cpp)",
         "失効・権限削除・アカウント無効化は追記専用の証跡に記録。裏での行の変更や削除は検知",
         {"tests/doors/credential_integrity_test.cpp", "tests/core/audit_verify_test.cpp"}},
        {"four_eyes_privileges",
         "Privilege changes approved by a second person",
         "権限変更の申請・承認（二者承認）",
         "policy/: restricted grants, fingerprints and operator roles take effect only after "
         "another person approves (policy/approval_engine.cpp)",
         "制限区域の権限・指紋・オペレーターの役割は、申請者以外の承認後にのみ有効",
         {"tests/policy/approval_engine_test.cpp", "tests/integration/test_04_approvals.py"}},
    };
    return rows;
}

std::string text(const json& payload, const char* member) {
    auto it = payload.find(member);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json bilingual(std::string en, std::string ja) {
    return json{{"en", std::move(en)}, {"ja", std::move(ja)}};
}

json eventRef(const TrailEvent& e) {
    return json{{"seq", e.seq}, {"type", e.type}, {"time_us", e.timeUs}};
}

std::string eventsRoute(const std::string& type) {
    return "/api/events?type=" + type;
}

std::string n(std::uint64_t v) {
    return std::to_string(v);
}

struct Entries {
    std::uint64_t count = 0;
    std::uint64_t unidentified = 0;
    std::set<std::string> people;
    const TrailEvent* newest = nullptr;
};

Entries entriesInto(const std::vector<TrailEvent>& period, const std::vector<AreaRef>& areas) {
    Entries out;
    for (const auto& e : period) {
        if (e.type != "presence.entered") {
            continue;
        }
        const std::string zone = text(e.payload, "zone");
        const bool inArea =
            std::any_of(areas.begin(), areas.end(), [&](const AreaRef& a) { return a.id == zone; });
        if (!inArea) {
            continue;
        }
        ++out.count;
        const std::string person = text(e.payload, "person");
        if (person.empty()) {
            ++out.unidentified;
        } else {
            out.people.insert(person);
        }
        out.newest = &e;
    }
    return out;
}

const TrailEvent* newestOfTypes(const std::vector<TrailEvent>& period,
                                const std::vector<std::string>& types, std::uint64_t* count) {
    const TrailEvent* newest = nullptr;
    std::uint64_t found = 0;
    for (const auto& e : period) {
        if (std::find(types.begin(), types.end(), e.type) != types.end()) {
            ++found;
            newest = &e;
        }
    }
    if (count != nullptr) {
        *count = found;
    }
    return newest;
}

std::string areaNames(const std::vector<AreaRef>& areas) {
    std::string out;
    for (const auto& a : areas) {
        out.append(out.empty() ? "" : ", ").append(a.name.empty() ? a.id : a.name);
    }
    return out;
}

json entryEvidence(const Entries& entries, const std::vector<AreaRef>& areas, bool handling,
                   std::string& status, std::uint64_t denials) {
    json ev = json::object();
    if (areas.empty()) {
        status = "attention";
        ev["text"] = handling ? bilingual("The site file declares no handling area.",
                                          "サイト設定に取扱区域がありません。")
                              : bilingual("The site file declares no management area.",
                                          "サイト設定に管理区域がありません。");
        return ev;
    }
    const std::string names = areaNames(areas);
    std::string en = names + ": " + n(entries.count) + " entries by " + n(entries.people.size()) +
                     " people in the period";
    std::string ja =
        names + "：期間内の入室 " + n(entries.count) + " 件（" + n(entries.people.size()) + " 名）";
    if (denials > 0) {
        en += ", " + n(denials) + " refused outside an approved window";
        ja += "、承認時間外の拒否 " + n(denials) + " 件";
    }
    if (entries.unidentified > 0) {
        en += "; " + n(entries.unidentified) + " entries name no person";
        ja += "、本人不明の入室 " + n(entries.unidentified) + " 件";
        status = "attention";
    } else if (entries.count == 0) {
        status = "no_evidence";
    } else {
        status = "ok";
    }
    ev["text"] = bilingual(en + ".", ja + "。");
    ev["route"] = eventsRoute("presence.entered");
    if (entries.newest != nullptr) {
        ev["event"] = eventRef(*entries.newest);
    }
    return ev;
}

json notBuilt(const char* en, const char* ja) {
    return bilingual(std::string("Not yet built: ") + en, std::string("未構築：") + ja);
}

}  // namespace

const std::vector<std::string>& compliancePeriodTypes() {
    static const std::vector<std::string> types = [] {
        std::vector<std::string> t{"presence.entered",
                                   "access.denied",
                                   "zone.alone",
                                   "access.companion_pending",
                                   "access.companion_expired",
                                   "approval.approved"};
        t.insert(t.end(), kDeletionTypes.begin(), kDeletionTypes.end());
        return t;
    }();
    return types;
}

std::vector<std::string> complianceTestPaths() {
    std::vector<std::string> out;
    for (const auto& s : safeguards()) {
        out.insert(out.end(), s.tests.begin(), s.tests.end());
    }
    return out;
}

json buildCompliance(const ComplianceInputs& in, const ReportsConfig& config, ReportRange range,
                     core::TimeUs generatedUs, int utcOffsetMinutes) {
    std::vector<std::string> services;
    if (in.daemonStarted) {
        auto it = in.daemonStarted->payload.find("services");
        if (it != in.daemonStarted->payload.end() && it->is_array()) {
            for (const auto& s : *it) {
                if (s.is_string()) {
                    services.push_back(s.get<std::string>());
                }
            }
        }
    }
    auto running = [&](const char* name) {
        return std::find(services.begin(), services.end(), name) != services.end();
    };
    auto when = [&](const TrailEvent& e) {
        return core::formatSiteTime(e.timeUs, utcOffsetMinutes);
    };

    json rows = json::array();
    for (const auto& s : safeguards()) {
        const std::string id = s.id;
        std::string status = "no_evidence";
        json ev = json::object();
        if (id == "entry_management_area") {
            ev = entryEvidence(entriesInto(in.period, config.managementAreas),
                               config.managementAreas, false, status, 0);
        } else if (id == "entry_handling_area") {
            std::uint64_t noWindow = 0;
            for (const auto& e : in.period) {
                if (e.type == "access.denied" && text(e.payload, "reason") == "no_work_window") {
                    ++noWindow;
                }
            }
            ev = entryEvidence(entriesInto(in.period, config.handlingAreas), config.handlingAreas,
                               true, status, noWindow);
        } else if (id == "two_person_work") {
            std::uint64_t alone = 0;
            std::uint64_t waits = 0;
            const TrailEvent* newestAlone = newestOfTypes(in.period, {"zone.alone"}, &alone);
            const TrailEvent* newestWait = newestOfTypes(
                in.period, {"access.companion_pending", "access.companion_expired"}, &waits);
            ev["text"] = bilingual(
                n(alone) + " never-alone alarms and " + n(waits) +
                    " entries held for a second person in the period.",
                "期間内の単独在室警報 " + n(alone) + " 件、二人目待ちの入室 " + n(waits) + " 件。");
            ev["route"] = eventsRoute("zone.alone");
            if (newestAlone != nullptr) {
                ev["event"] = eventRef(*newestAlone);
            } else if (newestWait != nullptr) {
                ev["event"] = eventRef(*newestWait);
            }
            if (config.handlingAreas.empty() && config.managementAreas.empty()) {
                status = "attention";
            } else if (alone > 0) {
                status = "attention";  // each is an incident to review
            } else if (waits > 0) {
                status = "ok";  // the rule held entries for a second person, nobody left alone
            }                   // else nothing in the period shows the rule at work: no_evidence
        } else if (id == "camera_coverage" || id == "camera_retention") {
            if (running("cameras")) {
                ev["text"] = bilingual(
                    "The cameras service runs, but this report reads no camera evidence yet.",
                    "カメラのサービスは動作中ですが、このレポートはまだ映像の証跡を読みません。");
            } else {
                status = "not_built";
                ev["text"] = notBuilt(
                    "cameras/ checks its configuration only; no footage is recorded, so there is "
                    "no coverage or retention status.",
                    "設定の検査のみで録画がないため、設置範囲・保存の状態はありません。");
            }
        } else if (id == "network_cut_outside_hours" || id == "generator_endurance") {
            if (running("power")) {
                ev["text"] = bilingual(
                    "The power service runs, but this report reads no power evidence yet.",
                    "電源のサービスは動作中ですが、このレポートはまだ電源の証跡を読みません。");
            } else {
                status = "not_built";
                ev["text"] =
                    id == "generator_endurance"
                        ? notBuilt(
                              "no generator monitoring and no BCP drill has run; the 72-hour "
                              "rule is checked in the site file only.",
                              "発電機の監視もBCP訓練の実施記録もありません。72時間の条件は"
                              "サイト設定で検査するのみです。")
                        : notBuilt(
                              "hub timers are checked in the site file only; nothing switches "
                              "the hubs.",
                              "ハブ電源タイマーはサイト設定で検査するのみで、切替はまだ行いません"
                              "。");
            }
        } else if (id == "logs_protected") {
            std::string en;
            std::string ja;
            bool verifyOk = false;
            if (in.lastVerify) {
                const auto ok = in.lastVerify->payload.find("ok");
                verifyOk =
                    ok != in.lastVerify->payload.end() && ok->is_boolean() && ok->get<bool>();
                const std::string size = n(in.lastVerify->payload.value("size", 0));
                const std::string actor = text(in.lastVerify->payload, "actor");
                en = std::string("Last audit verify: ") + (verifyOk ? "ok" : "FAILED") + " over " +
                     size + " events, at " + when(*in.lastVerify) + " by " + actor + ".";
                ja = std::string("最終の監査検証：") + (verifyOk ? "正常" : "不合格") + "（" +
                     size + " 件、" + when(*in.lastVerify) + "、実施者 " + actor + "）。";
                ev["event"] = eventRef(*in.lastVerify);
            } else {
                en = "The audit has never been verified through the daemon.";
                ja = "監査検証はまだ一度も実施されていません。";
            }
            const bool refusedSince =
                in.lastRefusal && (!in.lastCosign || in.lastRefusal->seq > in.lastCosign->seq);
            if (in.lastCosign) {
                const std::string witness = text(in.lastCosign->payload, "witness");
                const std::string size = n(in.lastCosign->payload.value("tree_size", 0));
                en += " Witness " + witness + " cosigned " + size + " of " + n(in.trailSize) +
                      " events, at " + when(*in.lastCosign) + ".";
                ja += "立会人 " + witness + " の連署：" + n(in.trailSize) + " 件中 " + size +
                      " 件（" + when(*in.lastCosign) + "）。";
                ev["witness_event"] = eventRef(*in.lastCosign);
            } else {
                en += " No witness cosignature is recorded.";
                ja += "立会人の連署の記録はありません。";
            }
            if (refusedSince) {
                en += " The witness refused since.";
                ja += "その後、立会人が連署を拒否しました。";
                ev["refusal_event"] = eventRef(*in.lastRefusal);
            }
            ev["text"] = bilingual(en, ja);
            ev["route"] = "/api/audit/status";
            if ((in.lastVerify && !verifyOk) || refusedSince) {
                status = "attention";
            } else if (in.lastVerify && in.lastCosign) {
                status = "ok";
            }
        } else if (id == "deletion_records") {
            std::uint64_t found = 0;
            const TrailEvent* newest = newestOfTypes(in.period, kDeletionTypes, &found);
            ev["text"] =
                bilingual(n(found) +
                              " revocations, removed grants and disabled accounts "
                              "recorded in the period.",
                          "期間内に記録された失効・権限削除・無効化 " + n(found) + " 件。");
            ev["route"] = eventsRoute("person.card_revoked");
            if (newest != nullptr) {
                ev["event"] = eventRef(*newest);
                status = "ok";
            }
        } else if (id == "four_eyes_privileges") {
            std::uint64_t found = 0;
            const TrailEvent* newest = newestOfTypes(in.period, {"approval.approved"}, &found);
            ev["text"] =
                bilingual(n(found) + " requests approved by a second person in the period.",
                          "期間内に申請者以外が承認した申請 " + n(found) + " 件。");
            ev["route"] = eventsRoute("approval.");
            if (newest != nullptr) {
                ev["event"] = eventRef(*newest);
                status = "ok";
            }
        }
        rows.push_back(json{{"id", id},
                            {"safeguard", bilingual(s.en, s.ja)},
                            {"feature", bilingual(s.featureEn, s.featureJa)},
                            {"tests", s.tests},
                            {"status", status},
                            {"evidence", std::move(ev)}});
    }
    return json{{"site", config.siteName},
                {"from_us", range.fromUs},
                {"to_us", range.toUs},
                {"generated_us", generatedUs},
                {"utc_offset_minutes", utcOffsetMinutes},
                {"zone", core::zoneName(utcOffsetMinutes)},
                {"trail_size", in.trailSize},
                {"services", services},
                {"rows", std::move(rows)}};
}

namespace {

std::string escape(std::string_view s) {
    return core::htmlEscaped(s);
}

const char* statusWords(const std::string& status) {
    if (status == "ok") {
        return "適合 / OK";
    }
    if (status == "attention") {
        return "要確認 / Attention";
    }
    if (status == "not_built") {
        return "未構築 / Not yet built";
    }
    return "記録なし / No evidence in period";
}

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string renderComplianceHtml(const json& summary, const std::string& signingKeySha256) {
    const int offset = summary.value("utc_offset_minutes", 0);
    auto time = [&](const char* key) {
        return escape(core::formatSiteTime(summary.value(key, core::TimeUs{0}), offset));
    };
    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n";
    h += "<title>物理的安全管理措置 適合状況 / Compliance summary — " +
         escape(str(summary, "site")) + "</title>\n";
    h += "<style>\nbody{font-family:sans-serif;margin:2em;color:#111}\n"
         "table{border-collapse:collapse;width:100%}\n"
         "th,td{border:1px solid #888;padding:.4em;vertical-align:top;text-align:left}\n"
         "th{background:#eee}\n.ok{background:#d9f2d9}\n.attention{background:#fde2c8}\n"
         ".not_built{background:#e4e4e4}\n.no_evidence{background:#fff6c2}\n"
         "code{font-size:.9em}\n.meta{color:#444}\n</style>\n</head>\n<body>\n";
    h += "<h1>物理的安全管理措置 適合状況<br>Compliance summary: physical safeguards</h1>\n";
    h += "<p class=\"meta\" data-testid=\"compliance-meta\">サイト / Site: " +
         escape(str(summary, "site")) + "<br>期間 / Period: " + time("from_us") + " — " +
         time("to_us") + "<br>作成 / Generated: " + time("generated_us") +
         "<br>監査証跡 / Audit trail: " + std::to_string(summary.value("trail_size", 0)) +
         " events</p>\n";
    h += "<table data-testid=\"compliance-table\">\n<thead><tr><th>安全管理措置 / Safeguard</th>"
         "<th>機能 / Feature</th><th>試験 / Tests</th><th>状態 / Status</th>"
         "<th>証跡 / Live evidence</th></tr></thead>\n<tbody>\n";
    for (const auto& row : summary.value("rows", json::array())) {
        const std::string status = str(row, "status");
        const json safeguard = row.value("safeguard", json::object());
        const json ev = row.value("evidence", json::object());
        h += "<tr data-row=\"" + escape(str(row, "id")) + "\" data-status=\"" + escape(status) +
             "\">";
        h +=
            "<td>" + escape(str(safeguard, "ja")) + "<br>" + escape(str(safeguard, "en")) + "</td>";
        const json feature = row.value("feature", json::object());
        h +=
            "<td>" + escape(str(feature, "ja")) + "<br>" + escape(str(feature, "en")) + "</td><td>";
        for (const auto& t : row.value("tests", json::array())) {
            h += "<code data-test>" + escape(t.get<std::string>()) + "</code><br>";
        }
        h += "</td><td class=\"" + escape(status) + "\">" + statusWords(status) + "</td><td>";
        const json evText = ev.value("text", json::object());
        h += escape(str(evText, "ja")) + "<br>" + escape(str(evText, "en"));
        for (const char* key : {"event", "witness_event", "refusal_event"}) {
            auto it = ev.find(key);
            if (it != ev.end() && it->is_object()) {
                h += "<br>seq <span data-seq=\"" + std::to_string(it->value("seq", 0)) + "\">" +
                     std::to_string(it->value("seq", 0)) + "</span> <code>" +
                     escape(str(*it, "type")) + "</code>";
            }
        }
        if (!str(ev, "route").empty()) {
            h += "<br><code data-route>" + escape(str(ev, "route")) + "</code>";
        }
        h += "</td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
    h += "<p class=\"meta\">署名 / Signature: Ed25519 over the bytes of this file; public key "
         "SHA-256 <code>" +
         escape(signingKeySha256) +
         "</code>. Verify: <code>openssl pkeyutl -verify -pubin -inkey report-signing.pub.pem "
         "-rawin -in compliance.html -sigfile compliance.html.sig</code> (docs/reports.md).</p>\n";
    h += "</body>\n</html>\n";
    return h;
}

}  // namespace sekimori::reports
