#include "doors/journal_intake.hpp"

namespace sekimori::doors {

JournalIntake::JournalIntake(std::uint64_t lastStored)
    : durable_(lastStored), next_(lastStored + 1) {}

bool JournalIntake::covered(std::uint64_t seq) const {
    return seq <= durable_ || inFlight_.count(seq) > 0 || storedAhead_.count(seq) > 0;
}

void JournalIntake::advanceNext() {
    while (covered(next_)) {
        ++next_;
    }
}

IntakeDecision JournalIntake::offer(std::uint64_t seq) {
    IntakeDecision decision;
    const std::optional<std::uint64_t> ackDurable =
        durable_ > 0 ? std::optional<std::uint64_t>(durable_) : std::nullopt;
    if (covered(seq)) {
        // Stored (acknowledged again: the panel missed the ack) or being stored (its commit's
        // ack covers it).
        decision.verdict = IntakeVerdict::duplicate;
        if (inFlight_.count(seq) == 0) {
            decision.ackNow = ackDurable;
        }
        advanceNext();
        return decision;
    }
    bool skipped = false;
    if (seq > next_) {
        const bool ours = failed_.count(next_) > 0;  // our own failed commit left the hole
        if (!ours && gap_ && gap_->expected == next_ && gap_->firstSeen == seq) {
            // The panel resent the entry that opened the gap without the ones before it: it no
            // longer holds them. Waiting longer would stall its journal for good.
            skipped = true;
        } else {
            decision.verdict = IntakeVerdict::gap;
            decision.expected = next_;
            decision.ackNow = ackDurable;
            if (!ours && (!gap_ || gap_->expected != next_)) {
                gap_ = Gap{next_, seq};
                decision.recordGap = true;
            }
            return decision;
        }
    }
    if (skipped) {
        // The missing entries are counted as done, so the cumulative ack can pass them.
        for (std::uint64_t s = next_; s < seq; ++s) {
            if (s == durable_ + 1) {
                ++durable_;
            } else {
                storedAhead_.insert(s);
            }
        }
    }
    gap_.reset();
    failed_.erase(seq);
    inFlight_.insert(seq);
    next_ = seq + 1;
    advanceNext();
    decision.verdict = IntakeVerdict::take;
    decision.skippedGap = skipped;
    return decision;
}

std::optional<std::uint64_t> JournalIntake::committed(std::uint64_t seq) {
    if (inFlight_.erase(seq) == 0) {
        return std::nullopt;
    }
    storedAhead_.insert(seq);
    const std::uint64_t before = durable_;
    while (storedAhead_.count(durable_ + 1) > 0) {
        storedAhead_.erase(durable_ + 1);
        ++durable_;
    }
    if (durable_ == before) {
        return std::nullopt;
    }
    return durable_;
}

void JournalIntake::failed(std::uint64_t seq) {
    if (inFlight_.erase(seq) == 0) {
        return;
    }
    failed_.insert(seq);
    // "Accepted" falls back to the first entry neither stored nor being stored.
    next_ = durable_ + 1;
    advanceNext();
}

}  // namespace sekimori::doors
