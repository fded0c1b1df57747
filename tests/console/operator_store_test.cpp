// Operator accounts, sessions and the login limiter, without the network.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "console/login_failure_log.hpp"
#include "console/login_limiter.hpp"
#include "console/operator_store.hpp"
#include "console/password_policy.hpp"
#include "console/session_store.hpp"
#include "core/crypto.hpp"

namespace sekimori::console {
namespace {

class OperatorStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "sekimori-operators-XXXXXX").string();
        dir_ = ::mkdtemp(tmpl.data());
        auto db = core::Database::open(dir_ + "/site.db");
        ASSERT_TRUE(db.ok()) << db.error().message;
        db_ = std::move(*db);
    }
    void TearDown() override {
        db_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::string dir_;
    std::unique_ptr<core::Database> db_;
};

TEST_F(OperatorStoreTest, AddOperatorReturnsAStrongPasswordAndStoresOnlyItsHash) {
    auto pw = addOperator(*db_, "desk-1", Role::deskOperator, 42);
    ASSERT_TRUE(pw.ok()) << pw.error().message;
    EXPECT_GE(pw->size(), 24u);
    auto found = findOperator(*db_, "desk-1");
    ASSERT_TRUE(found.ok());
    ASSERT_TRUE(found->has_value());
    const OperatorRecord& op = **found;
    EXPECT_EQ(op.role, Role::deskOperator);
    EXPECT_EQ(op.createdUs, 42);
    EXPECT_FALSE(op.disabled);
    EXPECT_EQ(op.passwordHash.find(*pw), std::string::npos);
    EXPECT_TRUE(op.passwordHash.starts_with("$argon2id$"));
    EXPECT_TRUE(core::verifyPassword(op.passwordHash, *pw));
    auto other = addOperator(*db_, "desk-2", Role::deskOperator, 42);
    ASSERT_TRUE(other.ok());
    EXPECT_NE(*other, *pw);
}

TEST_F(OperatorStoreTest, DuplicateAndInvalidNamesAreRefused) {
    ASSERT_TRUE(addOperator(*db_, "a", Role::auditor, 1).ok());
    auto dup = addOperator(*db_, "a", Role::securityAdmin, 1);
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, "console.operator_exists");
    for (const char* bad : {"", "Admin", "a b", "x/y", "ü"}) {
        auto r = addOperator(*db_, bad, Role::auditor, 1);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, "console.bad_name");
    }
    EXPECT_FALSE(addOperator(*db_, std::string(65, 'a'), Role::auditor, 1).ok());
    EXPECT_TRUE(addOperator(*db_, std::string(64, 'a'), Role::auditor, 1).ok());
}

// Refuses everything: a test that must not reach the recorder.
class RefusingRecorder final : public core::EventRecorder {
  public:
    void record(core::Event) override { ADD_FAILURE() << "recorded"; }
    void commit(core::Change) override { ADD_FAILURE() << "committed"; }
};

TEST_F(OperatorStoreTest, NoAdminIsMintedWhenItsPasswordCannotBeWritten) {
    RefusingRecorder recorder;
    core::ManualClock clock;
    auto r = mintInitialAdmin(*db_, recorder, clock, dir_ + "/missing-dir/admin.password");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "console.password_file");
    auto admin = findOperator(*db_, "admin");
    ASSERT_TRUE(admin.ok());
    EXPECT_FALSE(admin->has_value());
}

TEST_F(OperatorStoreTest, AStoreWithAccountsMintsNothing) {
    RefusingRecorder recorder;
    core::ManualClock clock;
    ASSERT_TRUE(addOperator(*db_, "someone", Role::auditor, 1).ok());
    auto r = mintInitialAdmin(*db_, recorder, clock, dir_ + "/admin.password");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(*r);
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/admin.password"));
}

TEST_F(OperatorStoreTest, DisabledFlagAndListing) {
    ASSERT_TRUE(addOperator(*db_, "b", Role::facilityAdmin, 1).ok());
    ASSERT_TRUE(addOperator(*db_, "a", Role::auditor, 1).ok());
    ASSERT_TRUE(setOperatorDisabled(*db_, "b", true).ok());
    EXPECT_FALSE(setOperatorDisabled(*db_, "nobody", true).ok());
    auto all = listOperators(*db_);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].name, "a");
    EXPECT_TRUE((*all)[1].disabled);
}

TEST(Roles, NamesRoundTrip) {
    for (Role r : kAllRoles) {
        EXPECT_EQ(parseRole(roleName(r)), r);
    }
    EXPECT_EQ(roleName(Role::deskOperator), "operator");
    EXPECT_FALSE(parseRole("root").has_value());
    EXPECT_EQ((RoleSet{Role::auditor, Role::securityAdmin}.names()),
              (std::vector<std::string>{"security_admin", "auditor"}));
}

SessionInfo who(std::string name, Role role = Role::auditor) {
    SessionInfo s;
    s.name = std::move(name);
    s.role = role;
    return s;
}

TEST(SessionStore, KeepsOnlyTheTokenHashAndExpiresWhenIdle) {
    core::ManualClock clock;
    SessionStore store(clock, SessionLimits{15LL * 60 * 1'000'000});
    const std::string token = store.create(who("op", Role::deskOperator));
    EXPECT_EQ(token.size(), 43u);
    auto s = store.touch(token);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->key, SessionStore::keyOf(token));
    EXPECT_NE(s->key, token);
    EXPECT_FALSE(store.touch("other").has_value());
    clock.advanceMs(15 * 60 * 1000 - 1);
    EXPECT_TRUE(store.touch(token).has_value());
    clock.advanceMs(15 * 60 * 1000);
    EXPECT_FALSE(store.touch(token).has_value());
    const auto expired = store.removeExpired();
    ASSERT_EQ(expired.size(), 1u);
    EXPECT_EQ(expired[0].reason, "idle");
    EXPECT_EQ(expired[0].session.key, SessionStore::keyOf(token));
    EXPECT_EQ(store.size(), 0u);
}

TEST(SessionStore, EndsABusySessionAtItsAbsoluteLifetime) {
    core::ManualClock clock;
    SessionStore store(clock, SessionLimits{15LL * 60 * 1'000'000, 12LL * 3600 * 1'000'000});
    const std::string token = store.create(who("op"));
    // Active every 10 minutes: never idle, yet over at 12 h.
    for (int i = 0; i < 12 * 6 - 1; ++i) {
        clock.advanceMs(10 * 60 * 1000);
        ASSERT_TRUE(store.touch(token).has_value()) << i;
    }
    EXPECT_TRUE(store.removeExpired().empty());
    clock.advanceMs(10 * 60 * 1000);
    EXPECT_FALSE(store.touch(token).has_value());
    const auto expired = store.removeExpired();
    ASSERT_EQ(expired.size(), 1u);
    EXPECT_EQ(expired[0].reason, "lifetime");
}

TEST(SessionStore, RemoveEndsOnlyThatSessionAndCapacityEvictsTheOldest) {
    core::ManualClock clock;
    SessionStore store(clock, SessionLimits{kDefaultSessionIdleUs, kDefaultSessionLifetimeUs, 2});
    const std::string a = store.create(who("a"));
    clock.advanceMs(10);
    const std::string b = store.create(who("b"));
    clock.advanceMs(10);
    std::optional<SessionInfo> evicted;
    const std::string c = store.create(who("c"), &evicted);
    ASSERT_TRUE(evicted.has_value());
    EXPECT_EQ(evicted->name, "a");
    EXPECT_FALSE(store.touch(a).has_value());
    EXPECT_TRUE(store.touch(b).has_value());
    EXPECT_EQ(store.remove(b), SessionStore::keyOf(b));
    EXPECT_FALSE(store.touch(b).has_value());
    EXPECT_TRUE(store.touch(c).has_value());
    const std::string c2 = store.create(who("c"));
    EXPECT_EQ(store.removeAllFor("c", SessionStore::keyOf(c2)),
              (std::vector<std::string>{SessionStore::keyOf(c)}));
    EXPECT_TRUE(store.touch(c2).has_value());
}

TEST(LoginLimiter, LocksAfterFiveFailuresDoublingUpToFifteenMinutes) {
    core::ManualClock clock;
    LoginLimiter limiter(clock);
    auto fail = [&](const std::string& name) {
        auto a = limiter.admit(name, "10.0.0." + std::to_string(clock.nowUs() % 200));
        if (a.admitted) {
            limiter.finish(a.ticket, false);
        }
        return a;
    };
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(fail("x").admitted) << i;
        clock.advanceMs(1);
    }
    auto refused = limiter.admit("x", "10.9.9.9");
    EXPECT_FALSE(refused.admitted);
    EXPECT_FALSE(refused.byAddress);
    EXPECT_EQ(refused.waitUs, 30'000'000 - 1'000);  // locked at the fifth, 1 ms ago
    EXPECT_TRUE(limiter.admit("y", "10.9.9.9").admitted);
    clock.advanceMs(30'000);
    ASSERT_TRUE(fail("x").admitted);
    EXPECT_EQ(limiter.admit("x", "a").waitUs, 60'000'000);
    for (int i = 0; i < 10; ++i) {
        clock.advanceMs(16 * 60 * 1000);
        ASSERT_TRUE(fail("x").admitted);
    }
    EXPECT_EQ(limiter.admit("x", "a").waitUs, LoginLimits{}.maxLockUs);
    clock.advanceMs(16 * 60 * 1000);
    auto ok = limiter.admit("x", "b");
    ASSERT_TRUE(ok.admitted);
    limiter.finish(ok.ticket, true);
    EXPECT_EQ(limiter.nameFailures("x"), 0);
}

// The check and the count are one step: attempts sent together are each counted when
// admitted, so no more than the free attempts can be in flight for a name or an address.
TEST(LoginLimiter, ConcurrentAttemptsAreCountedWhenAdmitted) {
    core::ManualClock clock;
    LoginLimiter limiter(clock);
    std::vector<LoginLimiter::Ticket> inFlight;
    int admitted = 0;
    for (int i = 0; i < 50; ++i) {
        auto a = limiter.admit("victim", "10.0.0." + std::to_string(i));
        if (a.admitted) {
            ++admitted;
            inFlight.push_back(a.ticket);
        }
    }
    EXPECT_EQ(admitted, LoginLimits{}.freeAttemptsPerName);
    for (const auto& t : inFlight) {
        limiter.finish(t, false);
    }
    EXPECT_EQ(limiter.nameFailures("victim"), 5);
    EXPECT_FALSE(limiter.admit("victim", "10.1.1.1").admitted);

    // One address guessing at many names is stopped by its own count.
    inFlight.clear();
    admitted = 0;
    for (int i = 0; i < 100; ++i) {
        auto a = limiter.admit("name-" + std::to_string(i), "192.0.2.7");
        if (a.admitted) {
            ++admitted;
            inFlight.push_back(a.ticket);
        } else {
            EXPECT_TRUE(a.byAddress);
        }
    }
    EXPECT_EQ(admitted, LoginLimits{}.freeAttemptsPerAddress);
    for (const auto& t : inFlight) {
        limiter.finish(t, false);
    }
    auto refused = limiter.admit("someone-else", "192.0.2.7");
    EXPECT_FALSE(refused.admitted);
    EXPECT_TRUE(refused.byAddress);
    EXPECT_EQ(refused.waitUs, LoginLimits{}.firstLockUs);
    // A cancelled attempt (never checked) counts neither way.
    auto a = limiter.admit("fresh", "198.51.100.1");
    ASSERT_TRUE(a.admitted);
    limiter.cancel(a.ticket);
    EXPECT_EQ(limiter.nameFailures("fresh"), 0);
    EXPECT_EQ(limiter.addressFailures("198.51.100.1"), 0);
}

// An unauthenticated flood costs a bounded number of audit rows per window, however many
// names and addresses it uses.
TEST(LoginFailureLog, AFloodIsCoalescedIntoABoundedNumberOfEvents) {
    core::ManualClock clock;
    LoginFailureLog log(clock, LoginFailureLimits{60'000'000, 8});
    std::size_t now = 0;
    for (int i = 0; i < 10'000; ++i) {
        if (log.note("n-" + std::to_string(i % 40), "203.0.113." + std::to_string(i % 3),
                     "unknown_name")) {
            ++now;
        }
    }
    EXPECT_EQ(now, 8u);                   // the first of each tracked pair
    EXPECT_TRUE(log.flushDue().empty());  // the window has not ended
    clock.advanceMs(60'000);
    const auto later = log.flushDue();
    ASSERT_EQ(later.size(), 9u);  // one summary per pair, one overflow
    std::size_t counted = now;
    for (const auto& e : later) {
        auto p = nlohmann::json::parse(e.payload);
        EXPECT_EQ(p["coalesced"], true);
        counted += p["count"].get<std::size_t>();
    }
    EXPECT_EQ(counted, 10'000u);  // every failure is in some count
    EXPECT_EQ(nlohmann::json::parse(later.back().payload)["overflow"], true);
    // Quiet afterwards: nothing more.
    clock.advanceMs(60'000);
    EXPECT_TRUE(log.flushDue().empty());
}

TEST(PasswordPolicy, RefusesShortReusedNamedAndMonotonousPasswords) {
    EXPECT_TRUE(passwordWeakness("short-1", "alice", "old").has_value());
    EXPECT_TRUE(passwordWeakness("the-same-old-password", "alice", "the-same-old-password"));
    EXPECT_TRUE(passwordWeakness("xxAlice-2026-yy", "alice", "old").has_value());
    EXPECT_TRUE(passwordWeakness("aaaaabbbbbaaaaa", "alice", "old").has_value());
    EXPECT_FALSE(passwordWeakness("correct horse battery", "alice", "old").has_value());
}

}  // namespace
}  // namespace sekimori::console
