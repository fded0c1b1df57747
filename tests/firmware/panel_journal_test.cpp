#include "firmware/panel_journal.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sekimori::firmware {
namespace {

// A store in memory that records every call, keeps what a file would, and can be made to fail.
class MemoryStore final : public JournalStore {
  public:
    Loaded load() override { return {snapshot, loadError}; }
    StoreStatus append(const JournalEntry& entry) override {
        calls.push_back("append " + std::to_string(entry.seq));
        if (failAppend) {
            return {false, "disk full"};
        }
        snapshot.pending.push_back(entry);
        return {};
    }
    StoreStatus acknowledge(std::uint64_t seq) override {
        calls.push_back("ack " + std::to_string(seq));
        while (!snapshot.pending.empty() && snapshot.pending.front().seq <= seq) {
            snapshot.pending.erase(snapshot.pending.begin());
        }
        snapshot.ackedThrough = seq;
        return {};
    }
    StoreStatus saveLost(std::uint64_t lost) override {
        calls.push_back("lost " + std::to_string(lost));
        snapshot.lost = lost;
        return {};
    }

    JournalSnapshot snapshot;
    std::string loadError;
    bool failAppend = false;
    std::vector<std::string> calls;
};

std::vector<std::uint64_t> seqs(const std::vector<const JournalEntry*>& entries) {
    std::vector<std::uint64_t> out;
    for (const auto* entry : entries) {
        out.push_back(entry->seq);
    }
    return out;
}

std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint64_t> out;
    for (auto seq = from; seq <= to; ++seq) {
        out.push_back(seq);
    }
    return out;
}

TEST(PanelJournal, SeqIsGaplessFromOneAndDurableBeforeItCounts) {
    MemoryStore store;
    PanelJournal journal({.capacity = 10}, store);
    ASSERT_TRUE(journal.open());
    EXPECT_EQ(journal.nextSeq(), 1u);
    ASSERT_TRUE(journal.append("e1"));
    ASSERT_TRUE(journal.append("e2"));
    EXPECT_EQ(journal.nextSeq(), 3u);
    EXPECT_EQ(journal.pending(), 2u);
    EXPECT_EQ(store.calls, (std::vector<std::string>{"append 1", "append 2"}));
    // A store failure keeps nothing and uses no seq.
    store.failAppend = true;
    const auto failed = journal.append("e3");
    EXPECT_FALSE(failed);
    EXPECT_EQ(failed.error, "disk full");
    EXPECT_EQ(journal.nextSeq(), 3u);
    EXPECT_EQ(journal.pending(), 2u);
}

TEST(PanelJournal, ReopenKeepsSeqEvenWhenEverythingWasAcknowledged) {
    MemoryStore store;
    {
        PanelJournal journal({.capacity = 10}, store);
        ASSERT_TRUE(journal.open());
        for (int i = 0; i < 5; ++i) {
            ASSERT_TRUE(journal.append("e"));
        }
        ASSERT_TRUE(journal.ack(5, 0));
        EXPECT_EQ(journal.pending(), 0u);
    }
    PanelJournal again({.capacity = 10}, store);
    ASSERT_TRUE(again.open());
    EXPECT_EQ(again.nextSeq(), 6u);  // never reused
    EXPECT_EQ(again.ackedThrough(), 5u);
}

TEST(PanelJournal, RefusesAStoreWithAGapOrALoadError) {
    MemoryStore store;
    store.snapshot.ackedThrough = 3;
    store.snapshot.pending = {{4, "a"}, {6, "b"}};
    PanelJournal journal({.capacity = 10}, store);
    const auto opened = journal.open();
    EXPECT_FALSE(opened);
    EXPECT_EQ(opened.error, "journal: entry seq 6 where 5 was due (a gap)");
    EXPECT_FALSE(journal.append("x"));  // closed: nothing is sent that could not be kept

    MemoryStore damaged;
    damaged.loadError = "journal.log: record 7: CRC mismatch";
    PanelJournal other({.capacity = 10}, damaged);
    EXPECT_EQ(other.open().error, "journal.log: record 7: CRC mismatch");
    EXPECT_FALSE(other.isOpen());
}

TEST(PanelJournal, AckIsCumulativeAndIgnoresOldOrFutureSeqs) {
    MemoryStore store;
    PanelJournal journal({.capacity = 10}, store);
    ASSERT_TRUE(journal.open());
    for (int i = 0; i < 6; ++i) {
        // Appended, not "e" + std::to_string(): GCC 12 at -O3 warns a false -Wrestrict on that.
        std::string payload = "e";
        payload.append(std::to_string(i + 1));
        ASSERT_TRUE(journal.append(std::move(payload)));
    }
    bool progressed = false;
    ASSERT_TRUE(journal.ack(3, 0, &progressed));
    EXPECT_TRUE(progressed);
    EXPECT_EQ(journal.pending(), 3u);
    EXPECT_EQ(journal.entries().front().seq, 4u);
    ASSERT_TRUE(journal.ack(2, 0, &progressed));  // a duplicate ack: nothing
    EXPECT_FALSE(progressed);
    ASSERT_TRUE(journal.ack(99, 0, &progressed));  // beyond the last seq: clamped
    EXPECT_TRUE(progressed);
    EXPECT_EQ(journal.ackedThrough(), 6u);
    EXPECT_EQ(journal.pending(), 0u);
    EXPECT_EQ(journal.nextSeq(), 7u);
    EXPECT_EQ(store.calls.back(), "ack 6");
}

TEST(PanelJournal, UploadsOldestFirstAtMost64InFlight) {
    MemoryStore store;
    PanelJournal journal({.capacity = 1000}, store);
    ASSERT_TRUE(journal.open());
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(journal.append("e"));
    }
    EXPECT_TRUE(journal.due(0).empty());  // offline: nothing goes out
    EXPECT_EQ(journal.nextDeadline(), std::nullopt);
    journal.linkUp(1000);
    EXPECT_EQ(seqs(journal.due(1000)), range(1, 64));
    EXPECT_TRUE(journal.due(1001).empty());  // the window is full
    EXPECT_EQ(journal.inFlight(), 64u);
    EXPECT_EQ(journal.nextDeadline(), 3000);
    ASSERT_TRUE(journal.ack(10, 1500));
    EXPECT_EQ(seqs(journal.due(1500)), range(65, 74));  // the window slides
    EXPECT_EQ(journal.nextDeadline(), 3500);            // ack progress restarts the clock
    // A new append while online goes out at once when the window has room.
    ASSERT_TRUE(journal.ack(74, 1600));
    EXPECT_EQ(seqs(journal.due(1600)), range(75, 100));
    ASSERT_TRUE(journal.append("new"));
    EXPECT_EQ(seqs(journal.due(1601)), std::vector<std::uint64_t>{101});
}

TEST(PanelJournal, ResendsTheWindowFromTheOldestUnackedAfterTwoSecondsWithoutProgress) {
    MemoryStore store;
    PanelJournal journal({.capacity = 1000}, store);
    ASSERT_TRUE(journal.open());
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(journal.append("payload-" + std::to_string(i + 1)));
    }
    journal.linkUp(0);
    ASSERT_EQ(seqs(journal.due(0)), range(1, 5));
    EXPECT_TRUE(journal.due(1999).empty());
    ASSERT_TRUE(journal.ack(2, 1000));
    EXPECT_TRUE(journal.due(2999).empty());  // progress at 1000: not before 3000
    const auto again = journal.due(3000);
    ASSERT_EQ(seqs(again), range(3, 5));
    EXPECT_EQ(again[0]->payload, "payload-3");  // as stored, byte for byte
    EXPECT_EQ(journal.nextDeadline(), 5000);
    EXPECT_TRUE(journal.due(4999).empty());
    EXPECT_EQ(seqs(journal.due(5000)), range(3, 5));
    ASSERT_TRUE(journal.ack(5, 5100));
    EXPECT_EQ(journal.nextDeadline(), std::nullopt);  // nothing in flight: no timer
}

TEST(PanelJournal, ALinkDropStopsTheUploadAndAReconnectStartsFromTheOldest) {
    MemoryStore store;
    PanelJournal journal({.capacity = 1000}, store);
    ASSERT_TRUE(journal.open());
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(journal.append("e"));
    }
    journal.linkUp(0);
    ASSERT_EQ(seqs(journal.due(0)), range(1, 3));
    journal.linkDown();
    EXPECT_EQ(journal.nextDeadline(), std::nullopt);
    ASSERT_TRUE(journal.append("e"));
    EXPECT_TRUE(journal.due(10).empty());
    journal.linkUp(20);
    EXPECT_EQ(seqs(journal.due(20)), range(1, 4));
}

TEST(PanelJournal, NearFullIsDueOnceAtNinetyPercentAndAgainOnlyAfterFallingBelow) {
    MemoryStore store;
    PanelJournal journal({.capacity = 20}, store);
    ASSERT_TRUE(journal.open());
    for (int i = 0; i < 17; ++i) {
        ASSERT_TRUE(journal.append("e"));
        EXPECT_FALSE(journal.nearFullDue()) << i;
    }
    ASSERT_TRUE(journal.append("e"));  // 18 of 20 = 90 %
    EXPECT_TRUE(journal.nearFullDue());
    ASSERT_TRUE(journal.append("near_full", /*notice=*/true));
    journal.nearFullReported();
    EXPECT_FALSE(journal.nearFullDue());
    // 19 pending: the last slot is reserved; an ordinary report no longer fits.
    EXPECT_FALSE(journal.hasRoom());
    EXPECT_FALSE(journal.nearFullDue());
    ASSERT_TRUE(journal.ack(1, 0));  // 18: still at the mark, no second notice
    EXPECT_FALSE(journal.nearFullDue());
    ASSERT_TRUE(journal.ack(2, 0));  // 17: below the mark, re-armed
    ASSERT_TRUE(journal.append("e"));
    EXPECT_TRUE(journal.nearFullDue());
}

TEST(PanelJournal, FullRefusesNeverOverwritesAndCountsLostForOneOverflowNotice) {
    MemoryStore store;
    PanelJournal journal({.capacity = 4}, store);
    ASSERT_TRUE(journal.open());
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(journal.append("e" + std::to_string(i + 1)));
    }
    EXPECT_FALSE(journal.hasRoom());
    const auto refused = journal.append("e4");
    EXPECT_FALSE(refused);
    EXPECT_EQ(refused.error, "journal: full (3 pending)");
    ASSERT_TRUE(journal.append("near_full", true));  // the reserved slot
    EXPECT_FALSE(journal.append("more", true));      // even a notice: never past capacity
    EXPECT_EQ(journal.overflowDue(), std::nullopt);
    ASSERT_TRUE(journal.countLost());
    ASSERT_TRUE(journal.countLost());
    EXPECT_EQ(journal.lost(), 2u);
    EXPECT_EQ(store.snapshot.lost, 2u);              // persisted: a reboot still reports them
    EXPECT_EQ(journal.overflowDue(), std::nullopt);  // no room for the report yet
    // The oldest entries are still the first ones: nothing was overwritten.
    EXPECT_EQ(journal.entries().front().payload, "e1");
    ASSERT_TRUE(journal.ack(1, 0));
    EXPECT_EQ(journal.overflowDue(), 2u);
    ASSERT_TRUE(journal.append("overflow", true));
    ASSERT_TRUE(journal.overflowReported());
    EXPECT_EQ(journal.overflowDue(), std::nullopt);
    EXPECT_EQ(store.snapshot.lost, 0u);

    PanelJournal reopened({.capacity = 4}, store);
    ASSERT_TRUE(reopened.open());
    EXPECT_EQ(reopened.pending(), 4u);
    EXPECT_EQ(reopened.nextSeq(), 6u);
}

TEST(PanelJournal, LostCountSurvivesARestart) {
    MemoryStore store;
    store.snapshot.ackedThrough = 40;
    store.snapshot.lost = 7;
    PanelJournal journal({.capacity = 4}, store);
    ASSERT_TRUE(journal.open());
    EXPECT_EQ(journal.overflowDue(), 7u);
    EXPECT_EQ(journal.nextSeq(), 41u);
}

}  // namespace
}  // namespace sekimori::firmware
