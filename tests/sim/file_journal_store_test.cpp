// The host journal store under the journal: what survives a reopen, a torn tail, a damaged
// record, compaction, 100,000 entries, and a process killed with SIGKILL in the middle of
// appending.
#include "sim/file_journal_store.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "firmware/panel_journal.hpp"

namespace sekimori::sim {
namespace {

namespace fs = std::filesystem;

class FileJournalStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = fs::temp_directory_path() /
              ("sekimori-journal-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
        file = dir / "journal.log";
    }
    void TearDown() override { fs::remove_all(dir); }

    std::string bytes() const {
        std::ifstream in(file, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    void overwrite(const std::string& content) const {
        std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
    }

    fs::path dir;
    fs::path file;
};

std::string payload(std::uint64_t seq) {
    return std::string(R"({"door":"d1","event":"opened","seq":)")
        .append(std::to_string(seq))
        .append("}");
}

TEST_F(FileJournalStoreTest, ReopenKeepsEntriesAcksLostAndSeq) {
    {
        FileJournalStore store(file);
        firmware::PanelJournal journal({.capacity = 100}, store);
        ASSERT_TRUE(journal.open());
        for (std::uint64_t seq = 1; seq <= 5; ++seq) {
            ASSERT_TRUE(journal.append(payload(seq)));
        }
        ASSERT_TRUE(journal.ack(2, 0));
        ASSERT_TRUE(journal.countLost());
    }
    FileJournalStore store(file);
    firmware::PanelJournal journal({.capacity = 100}, store);
    ASSERT_TRUE(journal.open());
    EXPECT_EQ(journal.ackedThrough(), 2u);
    EXPECT_EQ(journal.pending(), 3u);
    EXPECT_EQ(journal.entries().front().payload, payload(3));
    EXPECT_EQ(journal.lost(), 1u);
    EXPECT_EQ(journal.nextSeq(), 6u);
    // Everything acknowledged and compacted away: seq still goes on.
    ASSERT_TRUE(journal.ack(5, 0));
    ASSERT_TRUE(store.compact());
    FileJournalStore again(file);
    firmware::PanelJournal reopened({.capacity = 100}, again);
    ASSERT_TRUE(reopened.open());
    EXPECT_EQ(reopened.pending(), 0u);
    EXPECT_EQ(reopened.nextSeq(), 6u);
    EXPECT_EQ(reopened.lost(), 1u);
}

TEST_F(FileJournalStoreTest, ATornLastRecordIsCutOffAndTheRestKept) {
    {
        FileJournalStore store(file);
        ASSERT_TRUE(store.load().error.empty());
        for (std::uint64_t seq = 1; seq <= 3; ++seq) {
            ASSERT_TRUE(store.append({seq, payload(seq)}));
        }
    }
    const std::string whole = bytes();
    // Every cut inside the last record: the first two survive, the third is gone, and the next
    // append (seq 3 again: it never was durable) lands on a record boundary.
    const std::size_t lastRecord = whole.size() - (4 + 1 + 8 + payload(3).size() + 4);
    for (std::size_t cut = lastRecord + 1; cut < whole.size(); cut += 3) {
        overwrite(whole.substr(0, cut));
        FileJournalStore store(file);
        const auto loaded = store.load();
        ASSERT_TRUE(loaded.error.empty()) << cut << ": " << loaded.error;
        ASSERT_EQ(loaded.snapshot.pending.size(), 2u) << cut;
        EXPECT_EQ(fs::file_size(file), lastRecord);
        ASSERT_TRUE(store.append({3, "again"}));
        FileJournalStore reread(file);
        const auto after = reread.load();
        ASSERT_TRUE(after.error.empty()) << after.error;
        ASSERT_EQ(after.snapshot.pending.size(), 3u);
        EXPECT_EQ(after.snapshot.pending[2].payload, "again");
    }
    // A tail of zeros (the file grew, the data never landed) is torn too.
    overwrite(whole + std::string(64, '\0'));
    FileJournalStore zeros(file);
    const auto loaded = zeros.load();
    ASSERT_TRUE(loaded.error.empty()) << loaded.error;
    EXPECT_EQ(loaded.snapshot.pending.size(), 3u);
}

TEST_F(FileJournalStoreTest, DamageBeforeTheTailIsRefusedLoudly) {
    {
        FileJournalStore store(file);
        ASSERT_TRUE(store.load().error.empty());
        for (std::uint64_t seq = 1; seq <= 3; ++seq) {
            ASSERT_TRUE(store.append({seq, payload(seq)}));
        }
    }
    std::string damaged = bytes();
    const auto at = damaged.find(R"("seq":2)");
    ASSERT_NE(at, std::string::npos);
    damaged[at + 6] = '7';  // one byte of the second entry's payload
    overwrite(damaged);
    FileJournalStore store(file);
    const auto loaded = store.load();
    EXPECT_NE(loaded.error.find("CRC mismatch in a record with more records after it"),
              std::string::npos)
        << loaded.error;
    EXPECT_NE(loaded.error.find(file.string()), std::string::npos);
    EXPECT_TRUE(loaded.snapshot.pending.empty());
    firmware::PanelJournal journal({.capacity = 10}, store);
    EXPECT_FALSE(journal.open());
    EXPECT_FALSE(journal.append("x"));
    EXPECT_EQ(bytes(), damaged);  // refused, not repaired: nothing dropped

    overwrite("not a journal at all");
    FileJournalStore other(file);
    EXPECT_NE(other.load().error.find("bad magic"), std::string::npos);
}

TEST_F(FileJournalStoreTest, CompactionDropsTheAcknowledgedPrefixAndKeepsThePending) {
    FileJournalStore store(file, {.sync = true, .compactAfterBytes = 4096});
    firmware::PanelJournal journal({.capacity = 10'000}, store);
    ASSERT_TRUE(journal.open());
    for (std::uint64_t seq = 1; seq <= 200; ++seq) {
        ASSERT_TRUE(journal.append(payload(seq)));
    }
    const auto before = store.fileBytes();
    ASSERT_TRUE(journal.ack(190, 0));
    EXPECT_EQ(store.compactions(), 1u);
    EXPECT_LT(store.fileBytes(), before / 10);
    EXPECT_EQ(fs::file_size(file), store.fileBytes());
    EXPECT_FALSE(fs::exists(dir / "journal.log.tmp"));
    ASSERT_TRUE(journal.append(payload(201)));
    FileJournalStore reread(file);
    firmware::PanelJournal reopened({.capacity = 10'000}, reread);
    ASSERT_TRUE(reopened.open());
    EXPECT_EQ(reopened.ackedThrough(), 190u);
    ASSERT_EQ(reopened.pending(), 11u);
    EXPECT_EQ(reopened.entries().front().payload, payload(191));
    EXPECT_EQ(reopened.entries().back().payload, payload(201));
}

// Capacity: 100,000 entries of a realistic size held, reloaded, acknowledged and compacted.
// fsync is off here (this is about the format and the memory, not the disk's flush rate:
// bench/panel_journal_bench measures that).
TEST_F(FileJournalStoreTest, HoldsOneHundredThousandEntries) {
    constexpr std::uint64_t kEntries = 100'000;
    const std::string filler(400, 'x');
    {
        FileJournalStore store(file, {.sync = false});
        firmware::PanelJournal journal({.capacity = kEntries + 1}, store);
        ASSERT_TRUE(journal.open());
        for (std::uint64_t seq = 1; seq <= kEntries; ++seq) {
            ASSERT_TRUE(journal.append(std::to_string(seq) + filler)) << seq;
        }
        EXPECT_FALSE(journal.hasRoom());  // the last slot is the near-full notice's
    }
    FileJournalStore store(file, {.sync = false});
    firmware::PanelJournal journal({.capacity = kEntries + 1}, store);
    ASSERT_TRUE(journal.open());
    ASSERT_EQ(journal.pending(), kEntries);
    EXPECT_EQ(journal.entries()[54'321].payload, std::to_string(54'322) + filler);
    ASSERT_TRUE(journal.ack(kEntries - 1, 0));
    EXPECT_EQ(store.compactions(), 1u);
    FileJournalStore reread(file, {.sync = false});
    const auto loaded = reread.load();
    ASSERT_TRUE(loaded.error.empty()) << loaded.error;
    ASSERT_EQ(loaded.snapshot.pending.size(), 1u);
    EXPECT_EQ(loaded.snapshot.pending[0].seq, kEntries);
}

// A child appends as fast as it can and reports each seq on a pipe once append returned; it is
// killed with SIGKILL at an arbitrary moment. Every reported seq is in the file with its payload,
// seqs are gapless and unique, and a new run goes on after the last one. Three rounds on the
// same file, each killed at a different point.
TEST_F(FileJournalStoreTest, KillNineMidAppendLosesNothingReportedAndNeverDuplicatesASeq) {
    std::uint64_t reportedLast = 0;
    for (int round = 0; round < 3; ++round) {
        int pipeFds[2];
        ASSERT_EQ(::pipe(pipeFds), 0);
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(pipeFds[0]);
            FileJournalStore store(file);
            firmware::PanelJournal journal({.capacity = 1'000'000}, store);
            if (!journal.open()) {
                ::_exit(3);
            }
            while (true) {
                const std::uint64_t seq = journal.nextSeq();
                if (!journal.append(payload(seq))) {
                    ::_exit(4);
                }
                if (seq % 7 == 0 && !journal.ack(seq - 3, 0)) {
                    ::_exit(5);
                }
                if (::write(pipeFds[1], &seq, sizeof seq) != sizeof seq) {
                    ::_exit(6);
                }
            }
        }
        ::close(pipeFds[1]);
        std::uint64_t seq = 0;
        std::uint64_t count = 0;
        const std::uint64_t killAfter = 40 + 37 * static_cast<std::uint64_t>(round);
        while (count < killAfter && ::read(pipeFds[0], &seq, sizeof seq) == sizeof seq) {
            EXPECT_EQ(seq, reportedLast + 1);
            reportedLast = seq;
            ++count;
        }
        ASSERT_EQ(count, killAfter) << "the child stopped early";
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status));
        // What the child reported after our last read is durable too: take it.
        while (::read(pipeFds[0], &seq, sizeof seq) == sizeof seq) {
            EXPECT_EQ(seq, reportedLast + 1);
            reportedLast = seq;
        }
        ::close(pipeFds[0]);

        FileJournalStore store(file);
        const auto loaded = store.load();
        ASSERT_TRUE(loaded.error.empty()) << loaded.error;
        std::set<std::uint64_t> seen;
        std::uint64_t expected = loaded.snapshot.ackedThrough + 1;
        for (const auto& entry : loaded.snapshot.pending) {
            EXPECT_EQ(entry.seq, expected++);
            EXPECT_TRUE(seen.insert(entry.seq).second);
            EXPECT_EQ(entry.payload, payload(entry.seq));
        }
        const std::uint64_t last = expected - 1;
        // Durable = reported; at most the one append in progress is there unreported.
        EXPECT_GE(last, reportedLast);
        EXPECT_LE(last, reportedLast + 1);
        reportedLast = last;
    }
}

}  // namespace
}  // namespace sekimori::sim
