// doors/journal_intake as tables: what each arriving seq does, given what is stored and what
// is being stored (docs/offline.md, "Upload and the trail").
#include "doors/journal_intake.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

using namespace sekimori::doors;

namespace {

// One step of a panel's upload as the gateway would carry it out.
struct Step {
    enum Kind { offer, commit, fail } kind;
    std::uint64_t seq;
    // expected answer to offer
    IntakeVerdict verdict = IntakeVerdict::take;
    std::optional<std::uint64_t> ack{};  // offer: ackNow; commit: the returned ack
    bool recordGap = false;
    bool skipped = false;
};

struct Row {
    std::string name;
    std::uint64_t lastStored;
    std::vector<Step> steps;
    std::uint64_t durable;
    std::uint64_t accepted;
};

std::string verdictName(IntakeVerdict v) {
    switch (v) {
        case IntakeVerdict::take:
            return "take";
        case IntakeVerdict::duplicate:
            return "duplicate";
        case IntakeVerdict::gap:
            return "gap";
    }
    return "?";
}

using K = Step::Kind;
constexpr auto take = IntakeVerdict::take;
constexpr auto dup = IntakeVerdict::duplicate;
constexpr auto gap = IntakeVerdict::gap;

const std::vector<Row> kRows = {
    {"in order, each acked once durable",
     0,
     {{K::offer, 1, take}, {K::commit, 1, take, 1}, {K::offer, 2, take}, {K::commit, 2, take, 2}},
     2,
     2},
    {"pipelined: acks only as the durable mark advances",
     0,
     {{K::offer, 1, take},
      {K::offer, 2, take},
      {K::offer, 3, take},
      {K::commit, 1, take, 1},
      {K::commit, 2, take, 2},
      {K::commit, 3, take, 3}},
     3,
     3},
    {"a duplicate of a stored entry is acked again, not taken",
     0,
     {{K::offer, 1, take}, {K::commit, 1, take, 1}, {K::offer, 1, dup, 1}},
     1,
     1},
    {"a duplicate of an entry being stored waits for its commit's ack",
     0,
     {{K::offer, 1, take}, {K::offer, 1, dup, std::nullopt}, {K::commit, 1, take, 1}},
     1,
     1},
    {"restart from the trail: what the trail holds is a duplicate, the next is taken",
     41,
     {{K::offer, 40, dup, 41},
      {K::offer, 41, dup, 41},
      {K::offer, 42, take},
      {K::commit, 42, take, 42}},
     42,
     42},
    {"a gap is recorded once, acked up to what is durable, filled by the resend",
     5,
     {{K::offer, 7, gap, 5, true},
      {K::offer, 8, gap, 5, false},
      {K::offer, 6, take},
      {K::offer, 7, take},
      {K::offer, 8, take},
      {K::commit, 6, take, 6},
      {K::commit, 7, take, 7},
      {K::commit, 8, take, 8}},
     8,
     8},
    {"a gap on an empty trail acks nothing", 0, {{K::offer, 3, gap, std::nullopt, true}}, 0, 0},
    {"a gap the panel cannot fill is taken at the resend of the entry that opened it",
     5,
     {{K::offer, 9, gap, 5, true},
      {K::offer, 10, gap, 5, false},
      {K::offer, 9, take, std::nullopt, false, true},
      {K::offer, 10, take},
      {K::commit, 9, take, 9},
      {K::commit, 10, take, 10}},
     10,
     10},
    {"a failed commit: accepted falls back, the resend is taken, no gap alarm",
     0,
     {{K::offer, 1, take},
      {K::offer, 2, take},
      {K::fail, 1},
      {K::offer, 3, gap, std::nullopt, false},
      {K::commit, 2, take, std::nullopt},
      {K::offer, 1, take},
      {K::offer, 2, dup, std::nullopt},
      {K::offer, 3, take},
      {K::commit, 1, take, 2},
      {K::commit, 3, take, 3}},
     3,
     3},
    {"a commit reported twice, or for an entry never taken, changes nothing",
     0,
     {{K::offer, 1, take},
      {K::commit, 1, take, 1},
      {K::commit, 1, take, std::nullopt},
      {K::commit, 7, take, std::nullopt},
      {K::fail, 9}},
     1,
     1},
    {"after a failure the same failed seq is taken once more, never twice",
     3,
     {{K::offer, 4, take},
      {K::fail, 4},
      {K::offer, 4, take},
      {K::offer, 4, dup, std::nullopt},
      {K::commit, 4, take, 4},
      {K::offer, 4, dup, 4}},
     4,
     4},
};

TEST(JournalIntakeTest, Table) {
    for (const auto& row : kRows) {
        SCOPED_TRACE(row.name);
        JournalIntake intake(row.lastStored);
        int i = 0;
        for (const auto& step : row.steps) {
            SCOPED_TRACE("step " + std::to_string(i++) + " seq " + std::to_string(step.seq));
            switch (step.kind) {
                case K::offer: {
                    const auto d = intake.offer(step.seq);
                    EXPECT_EQ(verdictName(d.verdict), verdictName(step.verdict));
                    EXPECT_EQ(d.ackNow, step.ack);
                    EXPECT_EQ(d.recordGap, step.recordGap);
                    EXPECT_EQ(d.skippedGap, step.skipped);
                    break;
                }
                case K::commit:
                    EXPECT_EQ(intake.committed(step.seq), step.ack);
                    break;
                case K::fail:
                    intake.failed(step.seq);
                    break;
            }
        }
        EXPECT_EQ(intake.durable(), row.durable);
        EXPECT_EQ(intake.accepted(), row.accepted);
        EXPECT_EQ(intake.inFlight(), 0u);
    }
}

// Over a long random upload with resends, lost acks and failed commits, every seq is stored
// exactly once and in order, and no ack passes what is durable. The commit of a taken entry is
// refused when the entry before it is not stored first (the gateway's ordering check inside the
// transaction), as the recorder's writer would.
TEST(JournalIntakeTest, RandomUploadStoresEverySeqOnceInOrder) {
    std::uint32_t rng = 12345;
    auto next = [&rng](std::uint32_t n) {
        rng = rng * 1103515245u + 12345u;
        return (rng >> 16) % n;
    };
    JournalIntake intake;
    constexpr std::uint64_t kTotal = 2000;
    std::uint64_t panelAcked = 0;  // what the panel dropped
    std::vector<std::uint64_t> stored;
    std::vector<std::uint64_t> pending;  // taken, commit pending (the writer's queue, in order)
    std::uint64_t cursor = 1;            // the panel's next send
    for (int round = 0; round < 400000 && panelAcked < kTotal; ++round) {
        const auto action = next(10);
        if (action < 6 && cursor <= kTotal && cursor <= panelAcked + 64) {
            const auto d = intake.offer(cursor);
            ASSERT_FALSE(d.recordGap) << cursor;  // the link loses nothing here
            if (d.verdict == IntakeVerdict::take) {
                pending.push_back(cursor);
            }
            if (d.ackNow) {
                ASSERT_LE(*d.ackNow, intake.durable());
                panelAcked = std::max(panelAcked, *d.ackNow);
            }
            ++cursor;
        } else if (action < 9 && !pending.empty()) {
            const std::uint64_t seq = pending.front();
            pending.erase(pending.begin());
            const std::uint64_t last = stored.empty() ? 0 : stored.back();
            if (next(20) == 0 || last != seq - 1) {
                intake.failed(seq);
            } else {
                stored.push_back(seq);
                if (auto ack = intake.committed(seq); ack && next(4) != 0) {  // acks get lost
                    ASSERT_EQ(*ack, seq);
                    panelAcked = std::max(panelAcked, *ack);
                }
            }
        } else if (pending.empty()) {
            cursor = panelAcked + 1;  // no progress: the panel resends from its oldest
        }
    }
    ASSERT_EQ(stored.size(), kTotal);
    for (std::uint64_t i = 0; i < kTotal; ++i) {
        ASSERT_EQ(stored[i], i + 1);
    }
}

}  // namespace
