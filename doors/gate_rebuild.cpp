#include "doors/gate_rebuild.hpp"

#include <deque>
#include <nlohmann/json.hpp>
#include <utility>

#include "doors/panel_gateway.hpp"
#include "doors/presence_rebuild.hpp"
#include "protocol/panel_link_auth.hpp"

namespace sekimori::doors {

core::Result<GateTrail> readGateRecords(core::Database& db, const std::string& site,
                                        const std::map<std::string, core::Bytes>& signKeys,
                                        std::size_t perGate) {
    GateTrail out;
    auto found = hasAuditTrail(db);
    if (!found) {
        return found.error();
    }
    if (!*found) {
        return out;
    }
    // Every gate report is recorded as gate.<kind> with the gate's id and the panel's report.
    auto st = db.prepare(
        "SELECT time_us, json_extract(payload, '$.gate'), json_extract(payload, '$.panel_report'),"
        " json_extract(payload, '$.panel_sig'), json_extract(payload, '$.panel') FROM audit_events"
        " WHERE type LIKE 'gate.%' AND json_valid(payload)"
        " AND json_type(payload, '$.gate') = 'text' AND json_type(payload, '$.panel') = 'text'"
        " AND json_type(payload, '$.panel_report') = 'text'"
        " AND json_type(payload, '$.panel_sig') = 'text' ORDER BY seq");
    if (!st) {
        return st.error();
    }
    std::map<std::string, std::deque<GateRecord>> newest;
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        // The report as the panel sent it: its signed body with the signature appended.
        const std::string report = st->columnText(2);
        const std::string sig = st->columnText(3);
        const std::string panel = st->columnText(4);
        const auto key = signKeys.find(panel);
        auto event = protocol::parsePanelEvent(protocol::appendMember(report, "sig", sig));
        if (!event || key == signKeys.end() ||
            !PanelGateway::reportSignatureValid(site, panel, report, sig, key->second)) {
            ++out.refused;
            continue;
        }
        auto& records = newest[st->columnText(1)];
        records.push_back(GateRecord{std::move(*event.value), st->columnInt(0)});
        if (records.size() > perGate) {
            records.pop_front();
        }
    }
    for (auto& [gate, records] : newest) {
        out.records[gate].assign(std::make_move_iterator(records.begin()),
                                 std::make_move_iterator(records.end()));
    }
    return out;
}

GateState replayGate(const DoorSpec& spec, const std::vector<GateRecord>& records) {
    GateState state;
    for (const auto& record : records) {
        if (record.event.door != spec.id || !isGateReport(record.event.kind)) {
            continue;
        }
        state = step(spec, std::move(state), GateReport{record.event}, record.timeUs).state;
    }
    state.pending.clear();
    state.cyclesCompleted = 0;
    state.cyclesRefused = 0;
    state.rearmActor = nullptr;
    state.rearmSentUs = 0;
    return state;
}

}  // namespace sekimori::doors
