#include "doors/credential_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/clock.hpp"
#include "doors/credential_binding.hpp"
#include "doors/enrollment.hpp"
#include "tests/doors/enroll_helpers.hpp"

using namespace sekimori;
using namespace sekimori::doors;

namespace {

struct Fixture {
    explicit Fixture(const std::string& path = ":memory:") {
        EXPECT_TRUE(core::initCrypto());
        auto opened = core::Database::open(path);
        EXPECT_TRUE(opened) << opened.error().message;
        db = std::move(opened.value());
        auto s = CredentialStore::open(*db);
        EXPECT_TRUE(s) << s.error().message;
        store = std::move(s.value());
        enrollment = std::make_unique<Enrollment>(
            *store, clock, keys, KnownNames{{"srv"}, {"always"}, {}}, doors::test::testActor());
    }
    core::ManualClock clock;
    EnrollmentKeys keys{core::randomBytes(32), core::randomBytes(32)};
    std::unique_ptr<core::Database> db;
    std::unique_ptr<CredentialStore> store;
    std::unique_ptr<Enrollment> enrollment;
};

std::string readAll(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST(CredentialStore, SnapshotHoldsPeopleCardsAndGrants) {
    Fixture f;
    ASSERT_TRUE(f.enrollment->addPerson("alice", "Alice Sato"));
    ASSERT_TRUE(f.enrollment->setCard("alice", "0123456789abcdef"));
    ASSERT_TRUE(f.enrollment->grantZone("alice", "srv", "always"));
    std::string pin = "4711";
    ASSERT_TRUE(f.enrollment->setPin("alice", pin));
    ASSERT_TRUE(doors::test::setFingerprint(*f.enrollment, f.keys, "alice", "minutiae-template"));

    auto snapshot = f.store->loadSnapshot();
    ASSERT_TRUE(snapshot) << snapshot.error().message;
    const PersonRecord* alice = snapshot->person("alice");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->name, "Alice Sato");
    EXPECT_TRUE(alice->active);
    EXPECT_EQ(alice->pinHash, pinHash(f.keys.pepper, "alice", "4711"));
    EXPECT_NE(alice->pinHash, "4711");
    auto opened = openTemplate(f.keys.templateKey, "alice", alice->fingerBox);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened.value(), "minutiae-template");
    const CardRecord* card = snapshot->card("0123456789ABCDEF");
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(card->person, "alice");
    EXPECT_EQ(card->state, CardState::active);
    ASSERT_NE(snapshot->grantSchedule("alice", "srv"), nullptr);
    EXPECT_EQ(*snapshot->grantSchedule("alice", "srv"), "always");
    EXPECT_EQ(snapshot->grantSchedule("alice", "other"), nullptr);
}

TEST(CredentialStore, PersonWithoutSecretsHasEmptyFields) {
    Fixture f;
    ASSERT_TRUE(f.enrollment->addPerson("bob", "Bob"));
    auto found = f.store->findPerson("bob");
    ASSERT_TRUE(found && found.value());
    EXPECT_TRUE(found.value()->pinHash.empty());
    EXPECT_TRUE(found.value()->fingerBox.empty());
    auto missing = f.store->findPerson("nobody");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing.value());
}

TEST(CredentialStore, DatabaseFileNeverHoldsThePinOrTheTemplateInClear) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("doors-store-" + core::randomToken(6));
    std::filesystem::create_directories(dir);
    const auto path = dir / "site.db";
    const std::string pin = "73915";
    const core::Bytes finger = "FINGERPRINT-TEMPLATE-\x01\x02\x03-MINUTIAE-7f3a";
    {
        Fixture f(path.string());
        ASSERT_TRUE(f.enrollment->addPerson("carol", "Carol"));
        ASSERT_TRUE(f.enrollment->setPin("carol", pin));
        ASSERT_TRUE(doors::test::setFingerprint(*f.enrollment, f.keys, "carol", finger));
        // The scan must see what was written: it would find the name in clear.
        ASSERT_TRUE(f.db->exec("PRAGMA wal_checkpoint(FULL)"));
    }
    std::string bytes;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        bytes += readAll(entry.path());  // the main file and any WAL left behind
    }
    EXPECT_NE(bytes.find("Carol"), std::string::npos);
    EXPECT_EQ(bytes.find(pin), std::string::npos);
    EXPECT_EQ(bytes.find(finger), std::string::npos);
    EXPECT_EQ(bytes.find("MINUTIAE"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(CredentialStore, DataVersionMovesWhenAnotherConnectionCommits) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("doors-version-" + core::randomToken(6));
    std::filesystem::create_directories(dir);
    const auto path = (dir / "site.db").string();
    Fixture daemon(path);
    Fixture cli(path);
    auto before = daemon.store->dataVersion();
    ASSERT_TRUE(before);
    auto same = daemon.store->dataVersion();
    ASSERT_TRUE(same);
    EXPECT_EQ(before.value(), same.value());
    ASSERT_TRUE(cli.enrollment->addPerson("dave", "Dave"));
    auto after = daemon.store->dataVersion();
    ASSERT_TRUE(after);
    EXPECT_NE(before.value(), after.value());
    auto snapshot = daemon.store->loadSnapshot();
    ASSERT_TRUE(snapshot);
    EXPECT_NE(snapshot->person("dave"), nullptr);
    std::filesystem::remove_all(dir);
}
