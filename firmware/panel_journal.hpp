#pragma once
// The panel's event journal (docs/offline.md, "The journal"): every PanelEvent the panel emits is
// kept here, durably, before it is sent, and stays until the controller acknowledges it as stored
// (command event_ack, cumulative). Pure logic in memory over a JournalStore, the storage interface
// a real panel implements over its flash and sim/file_journal_store over a file. No clock: time
// is the caller's monotonic milliseconds, and nextDeadline() says when to tick.
//
//   seq        1, 2, ... per panel, gapless, never reused across restarts (the store keeps the
//              acknowledged-through mark even when every entry is gone)
//   capacity   entries kept unacknowledged at most (>= 100,000 on a real panel); one slot is
//              reserved for the journal_near_full event; never an overwrite: when full, a report
//              is refused and counted as lost, and one journal_overflow {lost} is due as soon
//              as an acknowledgement makes room
//   near full  pending reaches 90 % of capacity: one journal_near_full {pending} is due; again
//              only after pending fell below the mark
//   upload     online, oldest first, at most kMaxInFlight sent and not acknowledged; when no ack
//              progress came for kResendAfterMs the window is sent again from the oldest
//              unacknowledged entry, byte for byte as stored
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace sekimori::firmware {

// One journaled event: its seq and the signed payload exactly as it is (re)sent.
struct JournalEntry {
    std::uint64_t seq = 0;
    std::string payload;
};

// What a store held at boot.
struct JournalSnapshot {
    std::uint64_t ackedThrough = 0;     // every seq <= this is acknowledged (0: none yet)
    std::vector<JournalEntry> pending;  // ackedThrough+1, +2, ... in order, gapless
    std::uint64_t lost = 0;             // reports refused while full and not reported yet
};

// The outcome of a store operation: ok, or what went wrong (the path, the record, the errno).
struct StoreStatus {
    bool ok = true;
    std::string error{};
    explicit operator bool() const { return ok; }
};

// Durable storage for the journal. Every call returns only once what it did survives a power
// cut (or failed, saying why); the journal never counts an entry durable before append returned
// ok.
class JournalStore {
  public:
    virtual ~JournalStore() = default;
    // What survived the last run. A torn last record (power cut mid-append) is dropped; any other
    // damage is an error, not a silent skip: the snapshot's `error` names it.
    struct Loaded {
        JournalSnapshot snapshot;
        std::string error;  // empty: loaded
    };
    virtual Loaded load() = 0;
    virtual StoreStatus append(const JournalEntry& entry) = 0;
    // Every entry up to seq is acknowledged; the store may forget them (compaction).
    virtual StoreStatus acknowledge(std::uint64_t seq) = 0;
    // The count of reports lost while full and not yet reported (0 once journal_overflow is kept).
    virtual StoreStatus saveLost(std::uint64_t lost) = 0;
};

struct JournalConfig {
    std::size_t capacity = 100'000;
};

inline constexpr std::size_t kMaxInFlight = 64;
inline constexpr std::int64_t kResendAfterMs = 2000;
inline constexpr std::size_t kNearFullPercent = 90;

class PanelJournal {
  public:
    PanelJournal(JournalConfig config, JournalStore& store);

    // Loads the store (call once, at boot). On error the journal stays closed: every append
    // fails, so nothing is sent that could not be kept.
    StoreStatus open();
    bool isOpen() const { return open_; }

    // --- appending ------------------------------------------------------------------------
    // The seq the next accepted append gets (the caller puts it into the event before signing).
    std::uint64_t nextSeq() const { return lastSeq_ + 1; }
    // Room for one more ordinary report (one slot stays reserved for journal_near_full).
    bool hasRoom() const;
    // Appends `payload` (the signed event, which carries nextSeq()) as entry nextSeq().
    // `notice`: a journal_near_full or journal_overflow event, which may take the reserved slot.
    // Durable once it returns ok; refused (nothing changes) when there is no room or the store
    // failed.
    StoreStatus append(std::string payload, bool notice = false);
    // A report that could not be kept (full, or the store failed): counted for journal_overflow.
    StoreStatus countLost();

    // --- what is due ------------------------------------------------------------------------
    // journal_near_full {pending} is due (once per crossing of the 90 % mark).
    bool nearFullDue() const { return nearFullDue_; }
    // journal_overflow {lost}: reports were lost and there is room for the report again.
    std::optional<std::uint64_t> overflowDue() const;
    // The notice was kept (append(..., notice=true) returned ok): no longer due.
    void nearFullReported() { nearFullDue_ = false; }
    StoreStatus overflowReported();

    // --- upload -----------------------------------------------------------------------------
    // The link came up (or a new controller epoch): upload restarts from the oldest pending.
    void linkUp(std::int64_t nowMs);
    void linkDown();
    bool online() const { return online_; }
    // The entries to publish now, in seq order: new ones within the window, or the whole window
    // again when no ack progress came for kResendAfterMs. Marks them sent.
    std::vector<const JournalEntry*> due(std::int64_t nowMs);
    // event_ack {seq}: cumulative. An ack at or below what is already acknowledged changes
    // nothing (returns ok); an ack beyond the last seq appended is clamped to it. `progressed`
    // tells whether entries were dropped.
    StoreStatus ack(std::uint64_t seq, std::int64_t nowMs, bool* progressed = nullptr);
    // When due() would resend (online, entries in flight); nullopt otherwise.
    std::optional<std::int64_t> nextDeadline() const;

    // --- level ------------------------------------------------------------------------------
    std::size_t pending() const { return entries_.size(); }
    std::size_t capacity() const { return config_.capacity; }
    std::uint64_t ackedThrough() const { return ackedThrough_; }
    std::uint64_t lastSeq() const { return lastSeq_; }
    std::uint64_t lost() const { return lost_; }
    std::size_t inFlight() const;
    const std::deque<JournalEntry>& entries() const { return entries_; }

  private:
    std::size_t nearFullMark() const;
    void updateNearFull();

    JournalConfig config_;
    JournalStore& store_;
    bool open_ = false;
    std::deque<JournalEntry> entries_;  // pending, seq order: ackedThrough_+1 .. lastSeq_
    std::uint64_t ackedThrough_ = 0;
    std::uint64_t lastSeq_ = 0;
    std::uint64_t lost_ = 0;
    bool nearFullDue_ = false;
    bool nearFullArmed_ = true;  // false from the crossing until pending falls below the mark
    bool online_ = false;
    std::uint64_t sentThrough_ = 0;  // highest seq sent since the window last restarted
    std::int64_t lastProgressMs_ = 0;
};

}  // namespace sekimori::firmware
