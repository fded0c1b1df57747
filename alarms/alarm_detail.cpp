#include "alarms/alarm_detail.hpp"

#include "alarms/alarm_json.hpp"
#include "core/crypto.hpp"

namespace sekimori::alarms {
namespace {

nlohmann::json payloadObject(const std::string& payload) {
    auto parsed = nlohmann::json::parse(payload, nullptr, false);
    if (parsed.is_discarded()) {
        return {{"unparsed", payload}};
    }
    if (!parsed.is_object()) {
        return {{"value", parsed}};
    }
    return parsed;
}

core::Result<nlohmann::json> rows(core::Statement& st, const std::vector<std::uint64_t>& seqs) {
    nlohmann::json out = nlohmann::json::array();
    for (const std::uint64_t seq : seqs) {
        st.reset();
        st.bind(1, static_cast<std::int64_t>(seq));
        auto row = st.step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            continue;  // not in this trail (a test's recorder, a trail being restored)
        }
        out.push_back({{"seq", seq},
                       {"time_us", st.columnInt(1)},
                       {"type", st.columnText(2)},
                       {"source", st.columnText(3)},
                       {"subject", st.columnText(4)},
                       {"payload", payloadObject(st.columnText(5))},
                       {"hash", core::toHex(st.columnBlob(6))}});
    }
    return out;
}

}  // namespace

core::Result<nlohmann::json> alarmDetail(core::Database& db, const Alarm& alarm,
                                         const std::vector<std::uint64_t>& historySeqs) {
    auto st = db.prepare(
        "SELECT seq, time_us, type, source, subject, payload, hash FROM audit_events"
        " WHERE seq = ?1");
    if (!st) {
        return st.error();
    }
    auto events = rows(*st, alarm.eventSeqs);
    if (!events) {
        return events.error();
    }
    auto history = rows(*st, historySeqs);
    if (!history) {
        return history.error();
    }
    return nlohmann::json{{"alarm", alarmJson(alarm)},
                          {"events", std::move(*events)},
                          {"history", std::move(*history)}};
}

}  // namespace sekimori::alarms
