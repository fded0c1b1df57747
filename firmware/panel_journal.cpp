#include "firmware/panel_journal.hpp"

#include <algorithm>
#include <utility>

namespace sekimori::firmware {

PanelJournal::PanelJournal(JournalConfig config, JournalStore& store)
    : config_(config), store_(store) {}

StoreStatus PanelJournal::open() {
    auto loaded = store_.load();
    if (!loaded.error.empty()) {
        open_ = false;
        return {false, std::move(loaded.error)};
    }
    JournalSnapshot& snapshot = loaded.snapshot;
    std::uint64_t expected = snapshot.ackedThrough + 1;
    for (const auto& entry : snapshot.pending) {
        if (entry.seq != expected) {
            open_ = false;
            return {false, "journal: entry seq " + std::to_string(entry.seq) + " where " +
                               std::to_string(expected) + " was due (a gap)"};
        }
        ++expected;
    }
    ackedThrough_ = snapshot.ackedThrough;
    lastSeq_ = expected - 1;
    lost_ = snapshot.lost;
    entries_.assign(std::make_move_iterator(snapshot.pending.begin()),
                    std::make_move_iterator(snapshot.pending.end()));
    sentThrough_ = ackedThrough_;
    nearFullArmed_ = true;
    nearFullDue_ = false;
    updateNearFull();
    open_ = true;
    return {};
}

std::size_t PanelJournal::nearFullMark() const {
    return std::max<std::size_t>(1, config_.capacity * kNearFullPercent / 100);
}

void PanelJournal::updateNearFull() {
    if (entries_.size() >= nearFullMark()) {
        if (nearFullArmed_) {
            nearFullArmed_ = false;
            nearFullDue_ = true;
        }
    } else {
        nearFullArmed_ = true;
    }
}

bool PanelJournal::hasRoom() const {
    return open_ && entries_.size() + 1 < config_.capacity;
}

StoreStatus PanelJournal::append(std::string payload, bool notice) {
    if (!open_) {
        return {false, "journal: not open"};
    }
    if (notice ? entries_.size() >= config_.capacity : !hasRoom()) {
        return {false, "journal: full (" + std::to_string(entries_.size()) + " pending)"};
    }
    JournalEntry entry{lastSeq_ + 1, std::move(payload)};
    if (auto stored = store_.append(entry); !stored) {
        return stored;
    }
    entries_.push_back(std::move(entry));
    ++lastSeq_;
    updateNearFull();
    return {};
}

StoreStatus PanelJournal::countLost() {
    ++lost_;
    return store_.saveLost(lost_);
}

std::optional<std::uint64_t> PanelJournal::overflowDue() const {
    if (open_ && lost_ > 0 && entries_.size() < config_.capacity) {
        return lost_;
    }
    return std::nullopt;
}

StoreStatus PanelJournal::overflowReported() {
    lost_ = 0;
    return store_.saveLost(0);
}

void PanelJournal::linkUp(std::int64_t nowMs) {
    online_ = true;
    sentThrough_ = ackedThrough_;
    lastProgressMs_ = nowMs;
}

void PanelJournal::linkDown() {
    online_ = false;
}

std::size_t PanelJournal::inFlight() const {
    return sentThrough_ > ackedThrough_ ? static_cast<std::size_t>(sentThrough_ - ackedThrough_)
                                        : 0;
}

std::vector<const JournalEntry*> PanelJournal::due(std::int64_t nowMs) {
    std::vector<const JournalEntry*> out;
    if (!online_ || !open_) {
        return out;
    }
    if (inFlight() > 0 && nowMs - lastProgressMs_ >= kResendAfterMs) {
        sentThrough_ = ackedThrough_;  // no progress: the window again from the oldest
    }
    const bool idle = inFlight() == 0;
    const std::uint64_t limit = std::min(lastSeq_, ackedThrough_ + kMaxInFlight);
    for (std::uint64_t seq = sentThrough_ + 1; seq <= limit; ++seq) {
        out.push_back(&entries_[static_cast<std::size_t>(seq - ackedThrough_ - 1)]);
    }
    if (!out.empty()) {
        sentThrough_ = limit;
        if (idle) {
            lastProgressMs_ = nowMs;  // the resend clock starts with the first entry in flight
        }
    }
    return out;
}

StoreStatus PanelJournal::ack(std::uint64_t seq, std::int64_t nowMs, bool* progressed) {
    if (progressed) {
        *progressed = false;
    }
    seq = std::min(seq, lastSeq_);
    if (!open_ || seq <= ackedThrough_) {
        return {};
    }
    if (auto stored = store_.acknowledge(seq); !stored) {
        return stored;  // kept: sent again, and the controller acks it again
    }
    while (!entries_.empty() && entries_.front().seq <= seq) {
        entries_.pop_front();
    }
    ackedThrough_ = seq;
    sentThrough_ = std::max(sentThrough_, ackedThrough_);
    lastProgressMs_ = nowMs;
    updateNearFull();
    if (progressed) {
        *progressed = true;
    }
    return {};
}

std::optional<std::int64_t> PanelJournal::nextDeadline() const {
    if (online_ && inFlight() > 0) {
        return lastProgressMs_ + kResendAfterMs;
    }
    return std::nullopt;
}

}  // namespace sekimori::firmware
