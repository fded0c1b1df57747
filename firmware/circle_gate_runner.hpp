#pragma once
// Runs the circle gate state machine against a HAL and the panel's journal: feeds inputs with the
// caller's time and carries every output out (seal the PIN, MAC and publish a request, journal,
// sign and publish an event, answer a command, drive each leaf, show each reader's screen). It
// reads no clock either; the caller ticks it at nextDeadline().
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "firmware/circle_gate.hpp"
#include "firmware/circle_gate_hal.hpp"
#include "firmware/panel_journal.hpp"

namespace sekimori::firmware::gate {

class CircleGateRunner {
  public:
    // `journal` is open (PanelJournal::open) before the first input. Boot: the offline cache
    // as the HAL last stored it (stale until the controller's first sync).
    CircleGateRunner(GateConfig config, CircleGateHal& hal, PanelJournal& journal);

    // Applies one input at nowMs and performs its outputs. Returns them for logging, with every
    // SendPin already turned into the SendRequest that went out (no clear PIN leaves this call)
    // and every SendEvent carrying its seq and signature.
    std::vector<Output> handle(const Input& input, std::int64_t nowMs);
    // The booth reader sensed a live finger: the HAL scores it against the current challenge's
    // template(s), the better score goes in as FingerPlaced.
    std::vector<Output> fingerPlaced(std::string_view liveSample, std::int64_t nowMs);
    // A payload on the reply / link / command topic: parsed strictly, its MAC checked through the
    // HAL, then handed to the state machine. One that does not parse is one Ignored output.
    std::vector<Output> replyReceived(std::string_view payload, std::int64_t nowMs);
    std::vector<Output> linkReceived(std::string_view payload, std::int64_t nowMs);
    std::vector<Output> commandReceived(std::string_view payload, std::int64_t nowMs);

    const GateState& state() const { return state_; }
    const GateConfig& config() const { return config_; }
    // The machine's next deadline or the journal's resend, whichever is first.
    std::optional<std::int64_t> nextDeadline() const;

  private:
    bool macMatches(std::string_view input, std::string_view mac);
    // Journals and signs one event; false when the journal could not keep it.
    bool journalEvent(protocol::PanelEvent& event);
    void journalNotices(std::int64_t nowMs);
    void publishDue(std::int64_t nowMs);
    // The journal's fill as the machine sees it: full at capacity less the notices' slot.
    JournalLevel journalLevel() const;
    // The level into the machine when it crossed full (offline decisions then follow the
    // site's journal_full policy); before and after each input.
    void syncJournalLevel(std::int64_t nowMs, std::vector<Output>& performed);

    GateConfig config_;
    CircleGateHal& hal_;
    PanelJournal& journal_;
    GateState state_;
    bool levelFull_ = false;  // the journal's fullness as last fed to the machine
};

}  // namespace sekimori::firmware::gate
