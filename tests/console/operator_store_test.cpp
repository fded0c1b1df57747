// Operator accounts, sessions and the login limiter, without the network.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "console/login_limiter.hpp"
#include "console/operator_store.hpp"
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

TEST_F(OperatorStoreTest, InitialAdminIsCreatedOnceWithAPrivatePasswordFile) {
    const std::string file = dir_ + "/admin.password";
    auto first = ensureInitialAdmin(*db_, file);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_TRUE(*first);
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::string password;
    std::ifstream(file) >> password;
    auto admin = findOperator(*db_, "admin");
    ASSERT_TRUE(admin.ok() && admin->has_value());
    EXPECT_EQ((*admin)->role, Role::securityAdmin);
    EXPECT_TRUE(core::verifyPassword((*admin)->passwordHash, password));

    std::filesystem::remove(file);
    auto second = ensureInitialAdmin(*db_, file);
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(*second);
    EXPECT_FALSE(std::filesystem::exists(file));
}

TEST_F(OperatorStoreTest, InitialAdminIsNotCreatedWhenThePasswordCannotBeWritten) {
    auto r = ensureInitialAdmin(*db_, dir_ + "/missing-dir/admin.password");
    ASSERT_FALSE(r.ok());
    auto admin = findOperator(*db_, "admin");
    ASSERT_TRUE(admin.ok());
    EXPECT_FALSE(admin->has_value());
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

TEST(SessionStore, KeepsOnlyTheTokenHashAndExpiresWhenIdle) {
    core::ManualClock clock;
    SessionStore store(clock, 15LL * 60 * 1'000'000);
    const std::string token = store.create("op", Role::deskOperator);
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
    EXPECT_EQ(store.size(), 0u);
}

TEST(SessionStore, RemoveEndsOnlyThatSessionAndCapacityEvictsTheOldest) {
    core::ManualClock clock;
    SessionStore store(clock, kDefaultSessionIdleUs, 2);
    const std::string a = store.create("a", Role::auditor);
    clock.advanceMs(10);
    const std::string b = store.create("b", Role::auditor);
    clock.advanceMs(10);
    const std::string c = store.create("c", Role::auditor);
    EXPECT_FALSE(store.touch(a).has_value());
    EXPECT_TRUE(store.touch(b).has_value());
    EXPECT_EQ(store.remove(b), SessionStore::keyOf(b));
    EXPECT_FALSE(store.touch(b).has_value());
    EXPECT_TRUE(store.touch(c).has_value());
    EXPECT_EQ(store.removeAllFor("c"), 1u);
}

TEST(LoginLimiter, LocksAfterFiveFailuresDoublingUpToFifteenMinutes) {
    core::ManualClock clock;
    LoginLimiter limiter(clock);
    for (int i = 0; i < 4; ++i) {
        limiter.recordFailure("x");
        EXPECT_EQ(limiter.lockedForUs("x"), 0);
    }
    limiter.recordFailure("x");
    EXPECT_EQ(limiter.lockedForUs("x"), 30'000'000);
    EXPECT_EQ(limiter.lockedForUs("y"), 0);
    clock.advanceMs(30'000);
    EXPECT_EQ(limiter.lockedForUs("x"), 0);
    limiter.recordFailure("x");
    EXPECT_EQ(limiter.lockedForUs("x"), 60'000'000);
    for (int i = 0; i < 10; ++i) {
        limiter.recordFailure("x");
    }
    EXPECT_EQ(limiter.lockedForUs("x"), LoginLimiter::kMaxLockUs);
    limiter.recordSuccess("x");
    EXPECT_EQ(limiter.lockedForUs("x"), 0);
    EXPECT_EQ(limiter.failures("x"), 0);
}

}  // namespace
}  // namespace sekimori::console
