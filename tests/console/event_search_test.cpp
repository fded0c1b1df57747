// Event search: every filter of GET /api/events as a table over a hand-made trail, the paging in
// both directions, the role's visibility, and the query checks.
#include "console/event_search.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/audit_schema.hpp"

namespace sekimori::console {
namespace {

struct Row {
    core::TimeUs timeUs;
    const char* type;
    const char* source;
    const char* subject;
    const char* payload;
};

// seq = index + 1; times never go back along seq (as the recorder writes them).
const Row kRows[] = {
    {1000, "daemon.started", "sekimorid", "", R"({"version":"1"})"},
    {2000, "access.granted", "door:server-room", "p-tanaka",
     R"({"door":"server-room","person":"p-tanaka","decision":"granted","reason":"granted"})"},
    {3000, "access.denied", "door:server-room", "",
     R"({"door":"server-room","card":"04a1","decision":"denied","reason":"unknown_card"})"},
    {3000, "presence.entered", "door:lobby", "p-sato",
     R"({"person":"p-sato","zone":"lobby","door":"lobby"})"},
    {4000, "access.denied", "door:lobby", "p-sato",
     R"({"door":"lobby","person":"p-sato","decision":"denied","reason":"outside_schedule"})"},
    {5000, "door.forced", "door:lobby", "", R"({"door":"lobby"})"},
    {6000, "operator.login", "console", "u-admin", R"({"role":"security_admin"})"},
    {7000, "presence.moved", "door:server-room", "p-tanaka",
     R"({"person":"p-tanaka","from_zone":"lobby","to_zone":"server-room"})"},
    {8000, "access.granted", "door:lobby", "p-sato", "not json at all"},
};

class EventSearch : public ::testing::Test {
  protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() /
                ("sekimori-search-" + std::to_string(::getpid()) + ".db");
        std::filesystem::remove(path_);
        auto db = core::Database::open(path_.string());
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(*db);
        ASSERT_TRUE(db_->exec(core::kAuditEventsTableSql).ok());
        auto st =
            db_->prepare("INSERT INTO audit_events VALUES(?1, ?2, ?3, ?4, ?5, ?6, x'00', x'01')");
        ASSERT_TRUE(st.ok());
        std::int64_t seq = 1;
        for (const auto& r : kRows) {
            st->reset();
            st->bind(1, seq++)
                .bind(2, r.timeUs)
                .bind(3, std::string_view(r.type))
                .bind(4, std::string_view(r.source))
                .bind(5, std::string_view(r.subject))
                .bind(6, std::string_view(r.payload));
            ASSERT_TRUE(st->run().ok());
        }
    }
    void TearDown() override {
        db_.reset();
        std::filesystem::remove(path_);
    }

    EventFilter filter(std::map<std::string, std::string> query) {
        auto parsed = parseEventFilter(query, true);
        if (auto* bad = std::get_if<FilterError>(&parsed)) {
            ADD_FAILURE() << bad->message;
            return {};
        }
        return std::get<EventFilter>(parsed);
    }

    std::vector<std::int64_t> seqs(std::map<std::string, std::string> query,
                                   std::vector<std::string> visible = {""}) {
        auto page = searchEvents(*db_, filter(std::move(query)), visible);
        EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message);
        std::vector<std::int64_t> out;
        if (page.ok()) {
            for (const auto& e : page->events) {
                out.push_back(e["seq"].get<std::int64_t>());
            }
        }
        return out;
    }

    std::filesystem::path path_;
    std::unique_ptr<core::Database> db_;
};

using Seqs = std::vector<std::int64_t>;

TEST_F(EventSearch, EachFilterSelectsItsRowsNewestFirst) {
    const struct {
        std::map<std::string, std::string> query;
        Seqs expected;
    } cases[] = {
        {{}, {9, 8, 7, 6, 5, 4, 3, 2, 1}},
        {{{"type", "access.denied"}}, {5, 3}},
        {{{"type", "access."}}, {9, 5, 3, 2}},
        {{{"type", "door.forced,presence."}}, {8, 6, 4}},
        {{{"source", "door:lobby"}}, {9, 6, 5, 4}},
        {{{"subject", "p-sato"}}, {9, 5, 4}},
        {{{"door", "server-room"}}, {3, 2}},
        {{{"zone", "lobby"}}, {8, 4}},
        {{{"zone", "server-room"}}, {8}},
        {{{"person", "p-tanaka"}}, {8, 2}},
        {{{"result", "denied"}}, {5, 3}},
        {{{"result", "granted"}}, {2}},  // seq 9's payload is not JSON: no member matches
        {{{"reason", "unknown_card"}}, {3}},
        {{{"from_us", "3000"}}, {9, 8, 7, 6, 5, 4, 3}},
        {{{"to_us", "3000"}}, {2, 1}},
        {{{"from_us", "3000"}, {"to_us", "5000"}}, {5, 4, 3}},
        {{{"from_us", "2500"}, {"to_us", "2600"}}, {}},
        {{{"from_us", "9000"}}, {}},
        {{{"to_us", "1"}}, {}},
        {{{"type", "access."}, {"door", "lobby"}, {"result", "denied"}}, {5}},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(seqs(c.query), c.expected) << nlohmann::json(c.query).dump();
    }
}

TEST_F(EventSearch, PagesBackwardsAndForwardsUntilNoNext) {
    auto first = searchEvents(*db_, filter({{"limit", "4"}}), {""});
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->events.size(), 4u);
    ASSERT_TRUE(first->next);
    EXPECT_EQ(*first->next, 6u);
    auto second = searchEvents(*db_, filter({{"limit", "4"}, {"before_seq", "6"}}), {""});
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->events.front()["seq"], 5);
    ASSERT_TRUE(second->next);
    EXPECT_EQ(*second->next, 2u);
    auto last = searchEvents(*db_, filter({{"limit", "4"}, {"before_seq", "2"}}), {""});
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(last->events.size(), 1u);
    EXPECT_FALSE(last->next);

    // Exactly a page left: no further (empty) page is announced.
    auto exact = searchEvents(*db_, filter({{"limit", "4"}, {"after_seq", "5"}}), {""});
    ASSERT_TRUE(exact.ok());
    EXPECT_EQ(exact->events.front()["seq"], 6);
    EXPECT_EQ(exact->events.back()["seq"], 9);
    EXPECT_FALSE(exact->next);
    auto forward = searchEvents(*db_, filter({{"limit", "3"}, {"after_seq", "2"}}), {""});
    ASSERT_TRUE(forward.ok());
    EXPECT_EQ(forward->events.front()["seq"], 3);
    ASSERT_TRUE(forward->next);
    EXPECT_EQ(*forward->next, 5u);
}

TEST_F(EventSearch, OnlyTheRolesVisibleTypes) {
    EXPECT_EQ(seqs({}, {"access.", "door."}), (Seqs{9, 6, 5, 3, 2}));
    EXPECT_EQ(seqs({{"type", "operator."}}, {"access."}), Seqs{});
    EXPECT_EQ(seqs({}, {}), Seqs{});
}

TEST_F(EventSearch, ReturnsRowsInTheEventShape) {
    auto page = searchEvents(*db_, filter({{"limit", "1"}, {"type", "door.forced"}}), {""});
    ASSERT_TRUE(page.ok());
    const auto& e = page->events.at(0);
    EXPECT_EQ(e["seq"], 6);
    EXPECT_EQ(e["time_us"], 5000);
    EXPECT_EQ(e["source"], "door:lobby");
    EXPECT_EQ(e["payload"]["door"], "lobby");
    EXPECT_EQ(e["hash"], "01");
}

TEST(EventFilterParse, RefusesWhatItDoesNotKnow) {
    const struct {
        std::map<std::string, std::string> query;
        bool paged;
        const char* code;
    } bad[] = {
        {{{"colour", "red"}}, true, "unknown_parameter"},
        {{{"limit", "501"}}, true, "bad_limit"},
        {{{"limit", "0"}}, true, "bad_limit"},
        {{{"limit", "10"}}, false, "unknown_parameter"},
        {{{"from_us", "abc"}}, true, "bad_filter"},
        {{{"from_us", "-5"}}, true, "bad_filter"},
        {{{"from_us", "10"}, {"to_us", "10"}}, true, "bad_filter"},
        {{{"before_seq", "1"}, {"after_seq", "2"}}, true, "bad_filter"},
        {{{"result", "maybe"}}, true, "bad_filter"},
        {{{"type", "access.,"}}, true, "bad_filter"},
        {{{"door", ""}}, true, "bad_filter"},
        {{{"door", std::string(201, 'x')}}, true, "bad_filter"},
    };
    for (const auto& c : bad) {
        auto parsed = parseEventFilter(c.query, c.paged);
        auto* error = std::get_if<FilterError>(&parsed);
        ASSERT_NE(error, nullptr) << nlohmann::json(c.query).dump();
        EXPECT_EQ(error->code, c.code) << nlohmann::json(c.query).dump();
    }
    auto ok = parseEventFilter({{"type", "access.,door.forced"}, {"limit", "500"}}, true);
    ASSERT_TRUE(std::holds_alternative<EventFilter>(ok));
    const auto& f = std::get<EventFilter>(ok);
    EXPECT_EQ(f.types, (std::vector<std::string>{"access.", "door.forced"}));
    EXPECT_EQ(f.limit, 500);
    EXPECT_EQ(f.toJson(), (nlohmann::json{{"type", {"access.", "door.forced"}}}));
}

}  // namespace
}  // namespace sekimori::console

namespace sekimori::console {
namespace {

TEST_F(EventSearch, TimeBoundsWithRealisticTimes) {
    ASSERT_TRUE(db_->exec("DELETE FROM audit_events").ok());
    auto st = db_->prepare(
        "INSERT INTO audit_events VALUES(?1, ?2, 'access.granted', 's', 'p',"
        " '{}', x'00', x'01')");
    ASSERT_TRUE(st.ok());
    for (std::int64_t seq = 1; seq <= 20; ++seq) {
        st->reset();
        st->bind(1, seq).bind(2, 1'700'000'000'000'000 + (seq < 6 ? 0 : seq - 5) * 1'000'000);
        ASSERT_TRUE(st->run().ok());
    }
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(seqs({{"from_us", "1700000003000000"}, {"to_us", "1700000006000000"}},
                       {"access.", "daemon."}),
                  (Seqs{10, 9, 8}));
    }
}

}  // namespace
}  // namespace sekimori::console
