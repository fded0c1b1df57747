// The reports' reads of audit_events: range, types and prefixes, the source prefix, the limit,
// and a trail not created yet.
#include "reports/trail_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/audit_schema.hpp"

namespace sekimori::reports {
namespace {

class TrailReader : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("reports-trail-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        auto db = core::Database::open((dir_ / "t.db").string());
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(*db);
    }
    void TearDown() override {
        db_.reset();
        std::filesystem::remove_all(dir_);
    }
    void createTrail() { ASSERT_TRUE(db_->exec(core::kAuditEventsTableSql).ok()); }
    void add(std::int64_t seq, std::int64_t t, const char* type, const char* source,
             const char* payload = "{}") {
        auto st = db_->prepare(
            "INSERT INTO audit_events(seq, time_us, type, source, subject, payload, prev_hash, "
            "hash) VALUES (?1, ?2, ?3, ?4, '', ?5, x'00', x'00')");
        ASSERT_TRUE(st.ok());
        st->bind(1, seq).bind(2, t).bind(3, type).bind(4, source).bind(5, payload);
        ASSERT_TRUE(st->run().ok());
    }
    std::vector<std::uint64_t> seqs(const TrailQuery& q) {
        auto slice = readTrail(*db_, q);
        EXPECT_TRUE(slice.ok());
        std::vector<std::uint64_t> out;
        for (const auto& e : slice->events) {
            out.push_back(e.seq);
        }
        return out;
    }

    std::filesystem::path dir_;
    std::unique_ptr<core::Database> db_;
};

TEST_F(TrailReader, NoTrailYetReadsAsEmpty) {
    TrailQuery q{0, 100, {}, "", 10};
    auto slice = readTrail(*db_, q);
    ASSERT_TRUE(slice.ok()) << slice.error().message;
    EXPECT_TRUE(slice->events.empty());
    auto newest = newestOf(*db_, {"audit.verified"});
    ASSERT_TRUE(newest.ok());
    EXPECT_FALSE(newest->has_value());
    EXPECT_EQ(*trailSize(*db_), 0u);
}

TEST_F(TrailReader, RangeTypesPrefixesAndSources) {
    createTrail();
    add(1, 10, "access.granted", "door:a", R"({"person":"aiko"})");
    add(2, 20, "access.denied", "door:a");
    add(3, 30, "accessx.other", "door:a");
    add(4, 40, "operator.login", "console");
    add(5, 50, "door.command", "operator:sec");
    add(6, 60, "presence.entered", "door:a", "not json");
    EXPECT_EQ(seqs({0, 100, {"access."}, "", 10}), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(seqs({15, 100, {"access."}, "", 10}), (std::vector<std::uint64_t>{2}));
    EXPECT_EQ(seqs({0, 20, {"access."}, "", 10}), (std::vector<std::uint64_t>{1}));  // to excl.
    EXPECT_EQ(seqs({0, 100, {"access.denied", "presence."}, "", 10}),
              (std::vector<std::uint64_t>{2, 6}));
    EXPECT_EQ(seqs({0, 100, {"operator."}, "operator:", 10}), (std::vector<std::uint64_t>{4, 5}));
    EXPECT_EQ(seqs({0, 100, {}, "", 10}).size(), 6u);

    auto slice = readTrail(*db_, {0, 100, {}, "", 4});
    ASSERT_TRUE(slice.ok());
    EXPECT_EQ(slice->events.size(), 4u);
    EXPECT_TRUE(slice->truncated);
    EXPECT_EQ(slice->events[0].payload["person"], "aiko");

    auto all = readTrail(*db_, {0, 100, {"presence."}, "", 10});
    EXPECT_TRUE(all->events[0].payload.is_object());  // not JSON: an empty object
    EXPECT_TRUE(all->events[0].payload.empty());

    auto newest = newestOf(*db_, {"access.granted", "access.denied"});
    ASSERT_TRUE(newest.ok() && newest->has_value());
    EXPECT_EQ((*newest)->seq, 2u);
    EXPECT_EQ(*trailSize(*db_), 6u);
}

}  // namespace
}  // namespace sekimori::reports
