#include "reports/report_builders.hpp"

#include <deque>
#include <map>
#include <set>

#include "core/report_time.hpp"

namespace sekimori::reports {
namespace {

using nlohmann::json;

// The payload members a report copies into its rows, when present.
json pick(const TrailEvent& e, std::initializer_list<const char*> members) {
    json row{{"seq", e.seq},
             {"time_us", e.timeUs},
             {"type", e.type},
             {"source", e.source},
             {"subject", e.subject}};
    for (const char* m : members) {
        auto it = e.payload.find(m);
        if (it != e.payload.end() && !it->is_null()) {
            row[m] = *it;
        }
    }
    return row;
}

std::string text(const json& payload, const char* member) {
    auto it = payload.find(member);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool startsWith(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

json countsBy(const json& rows, const char* member) {
    json counts = json::object();
    for (const auto& row : rows) {
        auto it = row.find(member);
        if (it == row.end() || !it->is_string()) {
            continue;
        }
        const std::string key = it->get<std::string>();
        counts[key] = counts.value(key, 0) + 1;
    }
    return counts;
}

json report(json rows, json summary) {
    summary["rows"] = rows.size();
    return json{{"rows", std::move(rows)}, {"summary", std::move(summary)}};
}

// Who a denial is about: the person when the door knew them, else the card presented.
std::string attemptKey(const TrailEvent& e) {
    const std::string person = text(e.payload, "person");
    if (!person.empty()) {
        return "person:" + person;
    }
    const std::string card = text(e.payload, "card");
    return card.empty() ? std::string() : "card:" + card;
}

bool isDenial(const TrailEvent& e) {
    return e.type == "access.denied" || e.type == "access.offline_denied" ||
           e.type == "access.companion_expired";
}

bool isAccessAttempt(const TrailEvent& e) {
    return e.type == "access.granted" || e.type == "access.offline_granted" || isDenial(e);
}

}  // namespace

bool isOffHours(core::TimeUs timeUs, const SuspicionPolicy& policy, int utcOffsetMinutes) {
    const core::LocalClock local = core::localClock(timeUs, utcOffsetMinutes);
    if (policy.weekendsOffHours && (local.weekday == 0 || local.weekday == 6)) {
        return true;
    }
    const int start = policy.offHoursStartHour;
    const int end = policy.offHoursEndHour;
    if (start == end) {
        return false;  // no off hours on weekdays
    }
    if (start < end) {
        return local.hour >= start && local.hour < end;
    }
    return local.hour >= start || local.hour < end;
}

json buildAccessHistory(const std::vector<TrailEvent>& events, const BuildContext&) {
    json rows = json::array();
    std::set<std::string> people;
    for (const auto& e : events) {
        if (e.type == "access.challenge") {
            continue;  // a step of an attempt, not an outcome
        }
        // Racks are doors (kind "rack"): their openings are access.* rows like any door's. Keys
        // are custody's: who released, took, returned or forced which key (issue 21).
        const bool key = startsWith(e.type, "custody.key_") || e.type == "custody.release_sent";
        if (!startsWith(e.type, "access.") && !startsWith(e.type, "presence.") && !key) {
            continue;
        }
        rows.push_back(
            pick(e, {"person", "person_name", "door", "side", "zone", "decision", "reason", "card",
                     "companions", "key", "cabinet", "slot", "slots", "due_us", "late"}));
        const std::string person = text(e.payload, "person");
        if (!person.empty()) {
            people.insert(person);
        }
    }
    json summary{{"by_type", countsBy(rows, "type")},
                 {"by_decision", countsBy(rows, "decision")},
                 {"people", people.size()}};
    return report(std::move(rows), std::move(summary));
}

json buildSuspicious(const std::vector<TrailEvent>& events, const BuildContext& c) {
    // Repeated denials: a run of `repeatedDenials` denials of one person or card within the
    // window marks every denial of the run.
    std::set<std::uint64_t> repeated;
    std::map<std::string, std::deque<const TrailEvent*>> recent;
    json runs = json::object();
    for (const auto& e : events) {
        if (!isDenial(e)) {
            continue;
        }
        const std::string key = attemptKey(e);
        if (key.empty()) {
            continue;
        }
        auto& window = recent[key];
        window.push_back(&e);
        while (!window.empty() &&
               e.timeUs - window.front()->timeUs > c.suspicion.repeatedWindowUs) {
            window.pop_front();
        }
        if (static_cast<int>(window.size()) >= c.suspicion.repeatedDenials) {
            for (const auto* d : window) {
                repeated.insert(d->seq);
            }
            json& run = runs[key];
            if (run.is_null()) {
                run = json{{"who", key}, {"first_seq", window.front()->seq}, {"denials", 0}};
            }
            run["last_seq"] = e.seq;
        }
    }
    for (auto& [key, run] : runs.items()) {
        (void)key;
        std::size_t n = 0;
        for (const auto& e : events) {
            if (isDenial(e) && attemptKey(e) == run["who"].get<std::string>() &&
                repeated.count(e.seq) != 0) {
                ++n;
            }
        }
        run["denials"] = n;
    }

    json rows = json::array();
    json byFlag = json::object();
    for (const auto& e : events) {
        std::vector<std::string> flags;
        const std::string reason = text(e.payload, "reason");
        if (isDenial(e)) {
            flags.emplace_back("denied");
        }
        if (repeated.count(e.seq) != 0) {
            flags.emplace_back("repeated");
        }
        if (isAccessAttempt(e) && isOffHours(e.timeUs, c.suspicion, c.utcOffsetMinutes)) {
            flags.emplace_back("off_hours");
        }
        if (e.type == "access.card_locked_out" || reason == "locked_out") {
            flags.emplace_back("lockout");
        }
        const auto duress = e.payload.find("duress");
        if (e.type == "access.duress" ||
            (duress != e.payload.end() && duress->is_boolean() && duress->get<bool>())) {
            flags.emplace_back("duress");
        }
        if (e.type == "zone.alone") {
            flags.emplace_back("never_alone");
        }
        if (e.type == "door.forced") {
            flags.emplace_back("forced");
        }
        if (e.type == "gate.cycle_refused") {
            flags.emplace_back("tailgate");
        }
        if (e.type == "access.passback_violation") {
            flags.emplace_back("passback");
        }
        if (e.type == "operator.login_failed") {
            flags.emplace_back("login_failed");
        }
        if (e.type == "panel.link_refused") {
            flags.emplace_back("link_refused");
        }
        if (flags.empty()) {
            continue;
        }
        // A duress entry is recorded twice (access.granted with duress, then access.duress):
        // one row, the access.duress one.
        if (e.type == "access.granted" && flags.size() == 1 && flags[0] == "duress") {
            continue;
        }
        json row = pick(e, {"person", "person_name", "door", "side", "zone", "decision", "reason",
                            "card", "failures", "refusal", "remote", "count", "since_us"});
        row["flags"] = flags;
        for (const auto& f : flags) {
            byFlag[f] = byFlag.value(f, 0) + 1;
        }
        rows.push_back(std::move(row));
    }
    json repeatedRuns = json::array();
    for (auto& [key, run] : runs.items()) {
        (void)key;
        repeatedRuns.push_back(run);
    }
    json summary{{"by_flag", std::move(byFlag)},
                 {"repeated", std::move(repeatedRuns)},
                 {"policy",
                  {{"off_hours_start_hour", c.suspicion.offHoursStartHour},
                   {"off_hours_end_hour", c.suspicion.offHoursEndHour},
                   {"off_hours_weekends", c.suspicion.weekendsOffHours},
                   {"repeated_denials", c.suspicion.repeatedDenials},
                   {"repeated_window_s", c.suspicion.repeatedWindowUs / 1'000'000}}}};
    return report(std::move(rows), std::move(summary));
}

json buildPrivileges(const std::vector<TrailEvent>& events, const BuildContext&) {
    json rows = json::array();
    for (const auto& e : events) {
        const bool privilege = startsWith(e.type, "approval.") || startsWith(e.type, "person.") ||
                               e.type == "operator.added" || e.type == "operator.role_changed" ||
                               e.type == "operator.disabled" ||
                               e.type == "access.passback_forgiven";
        if (!privilege || e.type == "person.photo_set") {
            continue;
        }
        rows.push_back(
            pick(e, {"id",          "kind",          "summary",  "requester",  "reason",
                     "person",      "zone",          "schedule", "level",      "group",
                     "role",        "previous_role", "card",     "why",        "approval",
                     "approved_by", "requested_by",  "actor",    "actor_role", "changed"}));
    }
    json summary{{"by_type", countsBy(rows, "type")}, {"by_actor", countsBy(rows, "actor")}};
    return report(std::move(rows), std::move(summary));
}

json buildOperatorActions(const std::vector<TrailEvent>& events, const BuildContext&) {
    json rows = json::array();
    for (const auto& e : events) {
        const bool byOperator = startsWith(e.source, "operator:") || e.payload.contains("actor");
        if (!byOperator && !startsWith(e.type, "operator.")) {
            continue;
        }
        json row = pick(e, {"actor", "role", "actor_role", "unix_user", "remote", "method", "path",
                            "door", "command", "comment", "alarm", "id", "kind"});
        if (!row.contains("actor")) {
            const std::string actor = startsWith(e.source, "operator:")
                                          ? e.source.substr(std::string_view("operator:").size())
                                          : e.subject;
            row["actor"] = actor;
        }
        rows.push_back(std::move(row));
    }
    json summary{{"by_actor", countsBy(rows, "actor")}, {"by_type", countsBy(rows, "type")}};
    return report(std::move(rows), std::move(summary));
}

json buildEvidenceExports(const std::vector<TrailEvent>& events, const BuildContext&) {
    json rows = json::array();
    for (const auto& e : events) {
        const bool isExport = e.type == "console.events_exported" || e.type == "report.generated" ||
                              e.type == "audit.verified" || startsWith(e.type, "evidence.") ||
                              startsWith(e.type, "camera.export");
        if (!isExport) {
            continue;
        }
        rows.push_back(pick(e, {"actor", "role", "unix_user", "filter", "kind", "from_us", "to_us",
                                "rows", "sha256", "ok", "size"}));
    }
    json summary{{"by_type", countsBy(rows, "type")}, {"by_actor", countsBy(rows, "actor")}};
    return report(std::move(rows), std::move(summary));
}

const std::vector<ReportKind>& reportKinds() {
    static const std::vector<ReportKind> kinds{
        {"access",
         {"access.", "presence.", "custody.key_", "custody.release_sent"},
         "",
         &buildAccessHistory},
        {"suspicious",
         {"access.", "zone.alone", "door.forced", "gate.cycle_refused", "operator.login_failed",
          "panel.link_refused"},
         "",
         &buildSuspicious},
        {"privileges",
         {"approval.", "person.", "operator.added", "operator.role_changed", "operator.disabled",
          "access.passback_forgiven"},
         "",
         &buildPrivileges},
        {"operators", {"operator."}, "operator:", &buildOperatorActions},
        {"exports",
         {"console.events_exported", "report.generated", "audit.verified", "evidence.",
          "camera.export"},
         "",
         &buildEvidenceExports},
    };
    return kinds;
}

const ReportKind* findReportKind(std::string_view name) {
    for (const auto& kind : reportKinds()) {
        if (kind.name == name) {
            return &kind;
        }
    }
    return nullptr;
}

}  // namespace sekimori::reports
