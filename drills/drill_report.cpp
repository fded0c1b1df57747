#include "drills/drill_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/html_text.hpp"
#include "core/report_time.hpp"

namespace sekimori::drills {

namespace {

using core::htmlEscaped;

struct Words {
    const char* ja;
    const char* en;
};

Words scenarioWords(std::string_view id) {
    if (id == "feed_a_loss")
        return {"商用電源A系統喪失", "Loss of utility feed A"};
    if (id == "both_feeds_loss")
        return {"商用電源両系統喪失", "Loss of both utility feeds"};
    if (id == "retransfer")
        return {"復電時の再切替", "Retransfer to the preferred feed"};
    if (id == "endurance")
        return {"発電機連続運転", "Generator endurance run"};
    if (id == "site_switchover")
        return {"拠点切替リハーサル", "Site switch-over rehearsal"};
    return {"", ""};
}

Words criterionWords(CriterionId id) {
    switch (id) {
        case CriterionId::transferTime:
            return {"切替時間", "Transfer time"};
        case CriterionId::generatorOnLoad:
            return {"発電機の負荷投入時間", "Generator on load"};
        case CriterionId::upsMinCharge:
            return {"UPS最低充電率", "Lowest UPS charge"};
        case CriterionId::voltageSettling:
            return {"電圧の整定", "Voltage settling"};
        case CriterionId::frequencySettling:
            return {"周波数の整定", "Frequency settling"};
        case CriterionId::fuelEndurance:
            return {"燃料の運転可能時間", "Fuel endurance"};
        case CriterionId::roomTempRise:
            return {"室温上昇", "Room temperature rise"};
    }
    return {"", ""};
}

Words seriesWords(std::string_view name) {
    if (name == kSeriesUpsCharge)
        return {"UPS充電率", "UPS charge"};
    if (name == kSeriesVoltage)
        return {"受電電圧", "Load voltage"};
    if (name == kSeriesFrequency)
        return {"受電周波数", "Load frequency"};
    if (name == kSeriesFuel)
        return {"燃料", "Fuel"};
    if (name == kSeriesRoomTemp)
        return {"室温", "Room temperature"};
    return {"", ""};
}

std::string both(Words w) {
    return htmlEscaped(w.ja) + " / " + htmlEscaped(w.en);
}

std::string number(double v, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
    return buffer;
}

std::string siteTime(const DrillReport& r, core::TimeUs t) {
    return t == 0 ? std::string("—") : htmlEscaped(core::formatSiteTime(t, r.utcOffsetMinutes));
}

// The moments drawn across every panel: the drill's steps and the plant's transfers and
// generator changes, as seconds from the start.
struct Mark {
    double atS = 0;
    std::string label;
};

std::vector<Mark> marks(const DrillReport& r) {
    std::vector<Mark> out;
    const core::TimeUs start = r.run.startedUs;
    for (const auto& e : r.run.timeline) {
        std::string label;
        if (e.type == "drill.step" || e.type == "drill.marked") {
            label = e.payload.value("mark", "");
        } else if (e.type == "power.transfer") {
            label = "transfer → " + e.payload.value("to", std::string("?"));
        } else if (e.type == "power.generator_state") {
            label = "generator " + e.payload.value("state", std::string("?"));
        }
        if (!label.empty() && e.timeUs >= start) {
            out.push_back(Mark{static_cast<double>(e.timeUs - start) / 1e6, label});
        }
    }
    return out;
}

constexpr int kWidth = 760;
constexpr int kPanelHeight = 110;
constexpr int kLeft = 64;
constexpr int kRight = 12;
constexpr int kTop = 18;
constexpr int kBottom = 22;

std::string plot(const DrillReport& r) {
    const double spanS = std::max(1.0, static_cast<double>(r.run.endsUs - r.run.startedUs) / 1e6);
    const int plotW = kWidth - kLeft - kRight;
    const int panelH = kPanelHeight - kTop - kBottom;
    const auto all = marks(r);
    const int height = kPanelHeight * static_cast<int>(std::max<std::size_t>(1, r.series.size()));
    std::string h =
        "<svg data-testid=\"drill-plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
        std::to_string(kWidth) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
        std::to_string(kWidth) + " " + std::to_string(height) +
        "\" font-family=\"sans-serif\" font-size=\"10\">\n";
    auto x = [&](double s) { return kLeft + plotW * std::clamp(s / spanS, 0.0, 1.0); };
    int panel = 0;
    for (const auto& series : r.series) {
        const int top = panel * kPanelHeight + kTop;
        ++panel;
        h += "<g data-series=\"" + htmlEscaped(series.name) + "\">\n";
        h += "<text x=\"" + std::to_string(kLeft) + "\" y=\"" + std::to_string(top - 5) + "\">" +
             both(seriesWords(series.name)) + " (" + htmlEscaped(series.point) + ", " +
             htmlEscaped(series.unit) + ")</text>\n";
        h += "<rect x=\"" + std::to_string(kLeft) + "\" y=\"" + std::to_string(top) +
             "\" width=\"" + std::to_string(plotW) + "\" height=\"" + std::to_string(panelH) +
             "\" fill=\"none\" stroke=\"#888\"/>\n";
        for (const auto& m : all) {
            h += "<line class=\"mark\" x1=\"" + number(x(m.atS), 1) + "\" x2=\"" +
                 number(x(m.atS), 1) + "\" y1=\"" + std::to_string(top) + "\" y2=\"" +
                 std::to_string(top + panelH) +
                 "\" stroke=\"#c60\" stroke-dasharray=\"3,3\"><title>" + htmlEscaped(m.label) +
                 "</title></line>\n";
        }
        if (series.samples.empty()) {
            h += "<text x=\"" + std::to_string(kLeft + 8) + "\" y=\"" +
                 std::to_string(top + panelH / 2) +
                 "\" fill=\"#a00\">標本なし / no samples in the run</text>\n</g>\n";
            continue;
        }
        double lo = series.samples.front().value;
        double hi = lo;
        for (const auto& s : series.samples) {
            lo = std::min(lo, s.value);
            hi = std::max(hi, s.value);
        }
        if (hi - lo < 1e-9) {
            lo -= 1;
            hi += 1;
        }
        auto y = [&](double v) { return top + panelH * (1.0 - (v - lo) / (hi - lo)); };
        h += "<text x=\"" + std::to_string(kLeft - 4) + "\" y=\"" + std::to_string(top + 9) +
             "\" text-anchor=\"end\">" + number(hi, 1) + "</text>\n";
        h += "<text x=\"" + std::to_string(kLeft - 4) + "\" y=\"" + std::to_string(top + panelH) +
             "\" text-anchor=\"end\">" + number(lo, 1) + "</text>\n";
        h += "<polyline fill=\"none\" stroke=\"#1a5fb4\" stroke-width=\"1.5\" points=\"";
        for (const auto& s : series.samples) {
            const double atS = static_cast<double>(s.timeUs - r.run.startedUs) / 1e6;
            h += number(x(atS), 1) + "," + number(y(s.value), 1) + " ";
        }
        h += "\"/>\n";
        h += "<text x=\"" + std::to_string(kLeft) + "\" y=\"" + std::to_string(top + panelH + 14) +
             "\">0 s</text><text x=\"" + std::to_string(kLeft + plotW) + "\" y=\"" +
             std::to_string(top + panelH + 14) + "\" text-anchor=\"end\">" + number(spanS, 0) +
             " s</text>\n</g>\n";
    }
    h += "</svg>\n";
    return h;
}

// An event's payload as an auditor reads it: "key: value" for every field, nested values in
// their compact JSON; the actor fields left out (the trail has them).
std::string payloadText(const nlohmann::json& payload) {
    if (!payload.is_object()) {
        return htmlEscaped(payload.dump());
    }
    std::string out;
    for (const auto& [key, value] : payload.items()) {
        if (key == "run" || key == "role" || key == "unix_user") {
            continue;
        }
        out += out.empty() ? "" : ", ";
        out += htmlEscaped(key) + ": " +
               htmlEscaped(value.is_string() ? value.get<std::string>() : value.dump());
    }
    return out;
}

std::string measuredText(const CriterionResult& c) {
    return c.measured ? number(*c.measured, 2) + " " + htmlEscaped(c.unit)
                      : std::string("未測定 / not measured");
}

}  // namespace

bool passed(const std::vector<CriterionResult>& results) {
    return std::all_of(results.begin(), results.end(),
                       [](const CriterionResult& c) { return c.verdict == Verdict::pass; });
}

std::string renderDrillReport(const DrillReport& r) {
    const Words scenario = scenarioWords(r.scenario.id);
    const bool ok = passed(r.results);
    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n";
    h += "<title>BCP訓練報告 / BCP drill report — " + htmlEscaped(r.run.id) + "</title>\n";
    h += "<style>\n@page{size:A4;margin:14mm}\nbody{font-family:sans-serif;margin:2em;color:#111}"
         "\ntable{border-collapse:collapse;width:100%;margin:.6em 0}\nth,td{border:1px solid "
         "#888;padding:.3em;text-align:left;vertical-align:top}\nth{background:#eee}\n"
         ".pass{background:#d9f2d9}\n.fail{background:#f8d0d0}\n.meta{color:#333}\n"
         "svg{max-width:100%;height:auto}\n@media print{body{margin:0}tr,svg{break-inside:"
         "avoid}}\n</style>\n</head>\n<body>\n";
    h += "<h1>BCP訓練報告<br>BCP drill report</h1>\n";
    h += "<p class=\"meta\" data-testid=\"drill-meta\">サイト / Site: " + htmlEscaped(r.siteName) +
         "<br>訓練 / Drill: <span data-run>" + htmlEscaped(r.run.id) + "</span> — " +
         both(scenario) + " (<code>" + htmlEscaped(r.scenario.id) + "</code>)" +
         "<br>方式 / Mode: " +
         (r.run.mode == "simulation" ? std::string("模擬 / simulation (plant simulator)")
                                     : std::string("実機観測 / observed real test")) +
         "<br>理由 / Reason: " + htmlEscaped(r.run.reason) +
         "<br>依頼・実施 / Requested and run by: <span data-requested-by>" +
         htmlEscaped(r.run.requestedBy) + "</span>" +
         "<br>承認 / Approved by: <span data-approved-by>" + htmlEscaped(r.run.approvedBy) +
         "</span>" + "<br>開始 / Started: " + siteTime(r, r.run.startedUs) +
         "<br>終了 / Ended: " + siteTime(r, r.run.endsUs) +
         "<br>作成 / Generated: " + siteTime(r, r.generatedUs) + "</p>\n";
    h += std::string("<h2 data-testid=\"drill-verdict\" data-passed=\"") + (ok ? "true" : "false") +
         "\" class=\"" + (ok ? "pass" : "fail") + "\">" +
         (ok ? "合格 / PASSED" : "不合格 / FAILED") + "</h2>\n";
    h += "<table data-testid=\"drill-criteria\">\n<thead><tr><th>基準 / Criterion</th><th>測定値 / "
         "Measured</th><th>限度 / Limit</th><th>判定 / Verdict</th><th>測定方法 / How</th></tr>"
         "</thead>\n<tbody>\n";
    for (const auto& c : r.results) {
        const bool pass = c.verdict == Verdict::pass;
        h += "<tr data-criterion=\"" + htmlEscaped(toString(c.id)) + "\" data-verdict=\"" +
             (pass ? "pass" : "fail") + "\"><td>" + both(criterionWords(c.id)) + "</td><td>" +
             measuredText(c) + "</td><td>" + htmlEscaped(c.comparison) + " " + number(c.limit, 2) +
             " " + htmlEscaped(c.unit) + "</td><td class=\"" + (pass ? "pass" : "fail") + "\">" +
             (pass ? "合格 / pass" : "不合格 / fail") + "</td><td>" + htmlEscaped(c.detail) +
             "</td></tr>\n";
    }
    if (r.results.empty()) {
        h += "<tr><td colspan=\"5\">測定基準なし（確認された経過のみ） / no measured criteria: the "
             "report is the confirmed timeline</td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
    h += "<h2>経過グラフ / Timeline plot</h2>\n" + plot(r);
    h += "<h2>経過 / Timeline</h2>\n<table data-testid=\"drill-timeline\">\n<thead><tr><th>時刻 / "
         "Time</th><th>+s</th><th>事象 / Event</th><th>内容 / Details</th></tr></thead>\n<tbody>\n";
    for (const auto& e : r.run.timeline) {
        const double atS = static_cast<double>(e.timeUs - r.run.startedUs) / 1e6;
        h += "<tr data-event=\"" + htmlEscaped(e.type) + "\"><td>" + siteTime(r, e.timeUs) +
             "</td><td>" + number(atS, 1) + "</td><td><code>" + htmlEscaped(e.type) +
             "</code></td><td>" + payloadText(e.payload) + "</td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
    h += "<p class=\"meta\">署名 / Signature: Ed25519 over the bytes of this file; public key "
         "SHA-256 <code>" +
         htmlEscaped(r.signingKeySha256) +
         "</code>. Verify: <code>openssl pkeyutl -verify -pubin -inkey report-signing.pub.pem "
         "-rawin -in drill.html -sigfile drill.html.sig</code> (docs/drills.md).</p>\n";
    h += "</body>\n</html>\n";
    return h;
}

}  // namespace sekimori::drills
