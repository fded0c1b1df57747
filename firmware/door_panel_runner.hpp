#pragma once
// Runs the door panel state machine against a HAL and the panel's journal: feeds inputs with the
// caller's time and carries every output out (seal and publish, drive the lock, show on the
// display). Every event goes into the journal first (firmware/panel_journal.hpp): it gets its
// seq, is signed, is kept durably, and only then is published — at once when the link is up and
// the upload window has room, else later, oldest first. It reads no clock either; the caller
// ticks it at nextDeadline().
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "firmware/door_panel.hpp"
#include "firmware/door_panel_hal.hpp"
#include "firmware/panel_journal.hpp"

namespace sekimori::firmware {

class DoorPanelRunner {
  public:
    // `journal` is opened by the caller (PanelJournal::open) before the first input; a journal
    // that did not open keeps nothing, so no event is published (each is counted lost).
    DoorPanelRunner(PanelConfig config, DoorPanelHal& hal, PanelJournal& journal);
    // A panel without persistent storage (the controller's tests and benches): its journal lives
    // in memory and is gone at a restart.
    DoorPanelRunner(PanelConfig config, DoorPanelHal& hal);
    ~DoorPanelRunner();

    // Applies one input at nowMs and performs its outputs through the HAL. Returns them for
    // logging, with every SendPin already turned into the SendRequest that went out (the sealed
    // box), so no clear PIN leaves this call; a SendEvent carries its seq and signature.
    std::vector<Output> handle(const Input& input, std::int64_t nowMs);
    // The reader sensed a live finger: the HAL scores it against the current challenge's
    // template, and the score goes in as FingerPlaced.
    std::vector<Output> fingerPlaced(std::string_view liveSample, std::int64_t nowMs);
    // A payload on the reply (link) topic: parsed strictly, its MAC checked through the HAL,
    // then handed to the state machine. A payload that does not parse is one Ignored output.
    // A new controller epoch restarts the journal's upload from the oldest pending entry.
    std::vector<Output> replyReceived(std::string_view payload, std::int64_t nowMs);
    std::vector<Output> linkReceived(std::string_view payload, std::int64_t nowMs);
    // A payload on the command topic (protocol/panel_commands.hpp), likewise. An authentic
    // event_ack {seq} (the machine's AckJournal) drops the journal's entries up to seq.
    std::vector<Output> commandReceived(std::string_view payload, std::int64_t nowMs);
    // The MQTT client's connection callbacks: connected starts the upload from the oldest
    // pending entry; disconnected stops publishing events (they stay in the journal). Both go
    // into the machine as LinkStatus. (A LinkStatus given to handle() reaches the machine only.)
    // Until the first call the link is taken as up.
    std::vector<Output> linkStatus(bool connected, std::int64_t nowMs);

    const PanelState& state() const { return state_; }
    const PanelConfig& config() const { return config_; }
    const PanelJournal& journal() const { return journal_; }
    // The machine's next deadline or the journal's resend, whichever is first.
    std::optional<std::int64_t> nextDeadline() const;

  private:
    void boot();
    JournalLevel journalLevel() const;
    void afterOutputs(std::int64_t nowMs, std::vector<Output>& performed);
    // True when `mac` is the HAL's MAC of `input` (compared in constant time).
    bool macMatches(std::string_view input, std::string_view mac);
    // Gives the event its seq, signs it and keeps it; false (counted lost) when it cannot be kept.
    bool journalEvent(protocol::PanelEvent& event, bool notice, std::vector<Output>& performed);
    // Keeps the journal's own notices when due (near full, overflow).
    void journalNotices(std::vector<Output>& performed);
    // Publishes what the journal says is due now (new entries within the window, or a resend).
    void upload(std::int64_t nowMs, std::vector<Output>& performed);

    PanelConfig config_;
    DoorPanelHal& hal_;
    std::unique_ptr<JournalStore> ownStore_;    // with the storage-less constructor
    std::unique_ptr<PanelJournal> ownJournal_;  // likewise
    PanelJournal& journal_;
    PanelState state_;
    std::int64_t lastOccurredUs_ = 0;  // the newest event's wall clock, for the journal's notices
    std::uint64_t reportedLevel_ = 0;  // the pending count the machine last saw
};

}  // namespace sekimori::firmware
