#pragma once
// The controller's bookkeeping of one panel's journal upload (docs/offline.md, "Upload and the
// trail"): which journal sequence numbers (`seq`, 1, 2, ... gapless per panel) are stored, which
// are being stored, and what to do with the next one a panel sends. Pure: no I/O, no clock; the
// panel gateway feeds it what arrives and what the recorder reports, and carries out its answers
// (record, acknowledge with event_ack, record panel.journal_gap).
//
//   offer(seq)     -> take (hand it on and store it), duplicate (stored or being stored: not
//                     stored again; acknowledged again once durable) or gap (entries before it
//                     are missing: not stored; the panel is acknowledged up to what is durable so
//                     it resends from there; a new gap is recorded once).
//   committed(seq) -> the entry is durable; the cumulative ack advances when no hole is left
//                     below it.
//   failed(seq)    -> its commit failed: "accepted" falls back to what is stored, so the
//                     panel's resend of it is taken (and a gap it leaves is not an alarm).
//
// A gap the panel cannot fill (it resends the entry that opened the gap, without the missing
// ones before it: it no longer holds them) is taken on that resend; the missing entries stay
// reported by the panel.journal_gap recorded when the gap opened.
#include <cstdint>
#include <optional>
#include <set>

namespace sekimori::doors {

enum class IntakeVerdict { take, duplicate, gap };

struct IntakeDecision {
    IntakeVerdict verdict = IntakeVerdict::take;
    // Send event_ack {seq} now (cumulative: every entry up to it is stored).
    std::optional<std::uint64_t> ackNow{};
    // gap: a new gap; record panel.journal_gap {expected, received} once.
    bool recordGap = false;
    std::uint64_t expected = 0;  // gap: the first missing seq
    // take: the entry is taken past a gap the panel could not fill (entries expected..seq-1 are
    // lost to the trail).
    bool skippedGap = false;
};

class JournalIntake {
  public:
    // `lastStored`: the newest seq of this panel in the trail (0: none yet).
    explicit JournalIntake(std::uint64_t lastStored = 0);

    IntakeDecision offer(std::uint64_t seq);
    // The entry's commit is durable. Returns the ack to send when the durable mark advanced.
    std::optional<std::uint64_t> committed(std::uint64_t seq);
    // The entry's commit failed: not stored; its resend will be taken.
    void failed(std::uint64_t seq);

    // Every seq up to durable() is stored (or lost past an unfillable gap).
    std::uint64_t durable() const { return durable_; }
    // Every seq up to accepted() is stored or being stored.
    std::uint64_t accepted() const { return next_ - 1; }
    std::size_t inFlight() const { return inFlight_.size(); }

  private:
    bool covered(std::uint64_t seq) const;
    void advanceNext();

    std::uint64_t durable_ = 0;
    std::uint64_t next_ = 1;               // the seq take() wants next
    std::set<std::uint64_t> inFlight_;     // taken, commit not reported yet
    std::set<std::uint64_t> storedAhead_;  // durable above a hole
    std::set<std::uint64_t> failed_;       // commits that failed, not yet taken again
    struct Gap {
        std::uint64_t expected = 0;
        std::uint64_t firstSeen = 0;  // the entry that opened it
    };
    std::optional<Gap> gap_;
};

}  // namespace sekimori::doors
