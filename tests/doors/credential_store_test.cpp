#include "doors/credential_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/clock.hpp"
#include "doors/credential_binding.hpp"
#include "doors/credential_journal.hpp"
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

// Issue 14's tables: every write the enrollment routes make, read back through the store's own
// helpers and through an (unchecked) snapshot.
TEST(CredentialStore, DetailsGroupsLevelsAndTheSecondFingerReachTheSnapshot) {
    Fixture f;
    ASSERT_TRUE(f.enrollment->addPerson("alice", "Alice Sato"));
    ASSERT_TRUE(f.store->upsertPersonDetails("alice", {"Contoso", 1000, 2000, true}));
    ASSERT_TRUE(f.store->storeBackupFingerBox("alice", "second-box"));
    ASSERT_TRUE(f.store->addGroupMember("night-shift", "alice"));
    ASSERT_TRUE(f.store->addGroupMember("night-shift", "alice"));  // twice: still one row
    ASSERT_TRUE(f.store->addGroupMember("visitors", "alice"));
    ASSERT_TRUE(f.store->upsertLevelAssignment(LevelHolder::person, "alice", {"lab", 10, 20}));
    ASSERT_TRUE(f.store->upsertLevelAssignment(LevelHolder::person, "alice", {"lab", 11, 21}));
    ASSERT_TRUE(f.store->upsertLevelAssignment(LevelHolder::group, "night-shift", {"srv", 0, 0}));
    ASSERT_TRUE(f.enrollment->grantZone("alice", "srv", "always"));

    auto details = f.store->findPersonDetails("alice");
    ASSERT_TRUE(details && details->has_value());
    EXPECT_EQ((*details)->organisation, "Contoso");
    EXPECT_EQ((*details)->validFromUs, 1000);
    EXPECT_EQ((*details)->validUntilUs, 2000);
    EXPECT_TRUE((*details)->escortRequired);
    EXPECT_EQ(*f.store->groupsOf("alice"), (std::vector<std::string>{"night-shift", "visitors"}));
    EXPECT_EQ(*f.store->membersOf("night-shift"), (std::vector<std::string>{"alice"}));
    auto levels = f.store->levelsOf(LevelHolder::person, "alice");
    ASSERT_TRUE(levels);
    ASSERT_EQ(levels->size(), 1U);
    EXPECT_EQ((*levels)[0].validFromUs, 11);
    EXPECT_EQ((*levels)[0].validUntilUs, 21);
    ASSERT_EQ(f.store->grantsOf("alice")->size(), 1U);
    EXPECT_TRUE(*f.store->hasBackupFinger("alice"));
    EXPECT_FALSE(*f.store->hasKeypadCode("alice"));

    auto snapshot = f.store->loadSnapshot();
    ASSERT_TRUE(snapshot) << snapshot.error().message;
    const PersonRecord* alice = snapshot->person("alice");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->organisation, "Contoso");
    EXPECT_TRUE(alice->escortRequired);
    EXPECT_EQ(alice->validFromUs, 1000);
    EXPECT_EQ(alice->validUntilUs, 2000);
    EXPECT_EQ(alice->secondFingerBox, "second-box");
    EXPECT_EQ(alice->groups, (std::vector<std::string>{"night-shift", "visitors"}));
    ASSERT_EQ(alice->levels.size(), 1U);
    EXPECT_EQ(alice->levels[0].level, "lab");
    ASSERT_EQ(alice->grants.size(), 1U);
    EXPECT_EQ(alice->grants[0].zone, "srv");
    ASSERT_NE(snapshot->groupLevels("night-shift"), nullptr);
    EXPECT_EQ(snapshot->groupLevels("night-shift")->front().level, "srv");
    EXPECT_EQ(snapshot->groupLevels("visitors"), nullptr);
    EXPECT_EQ(snapshot->peopleCount(), 1U);
}

TEST(CredentialStore, DeletesSayWhetherARowWasThere) {
    Fixture f;
    ASSERT_TRUE(f.enrollment->addPerson("bob", "Bob"));
    ASSERT_TRUE(f.enrollment->grantZone("bob", "srv", "always"));
    ASSERT_TRUE(f.store->addGroupMember("g", "bob"));
    ASSERT_TRUE(f.store->upsertLevelAssignment(LevelHolder::group, "g", {"lab", 0, 0}));
    EXPECT_TRUE(*f.store->deleteGrant("bob", "srv"));
    EXPECT_FALSE(*f.store->deleteGrant("bob", "srv"));
    EXPECT_TRUE(*f.store->removeGroupMember("g", "bob"));
    EXPECT_FALSE(*f.store->removeGroupMember("g", "bob"));
    EXPECT_TRUE(*f.store->deleteLevelAssignment(LevelHolder::group, "g", "lab"));
    EXPECT_FALSE(*f.store->deleteLevelAssignment(LevelHolder::group, "g", "lab"));
    EXPECT_TRUE(*f.store->setActive("bob", false));
    EXPECT_FALSE(*f.store->setActive("nobody", false));
    EXPECT_FALSE(f.store->findPerson("bob")->value().active);
    EXPECT_TRUE(f.store->grantsOf("bob")->empty());
}

TEST(CredentialStore, AKeypadCodeBelongsToOnePerson) {
    Fixture f;
    ASSERT_TRUE(f.enrollment->addPerson("alice", "Alice"));
    ASSERT_TRUE(f.enrollment->addPerson("bob", "Bob"));
    const core::Bytes code(32, 'k');
    ASSERT_TRUE(f.store->storeKeypadCode("alice", code));
    ASSERT_TRUE(f.store->storeKeypadCode("alice", code));  // her own again: fine
    auto taken = f.store->storeKeypadCode("bob", code);
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().code, kKeypadCodeTaken);
    EXPECT_EQ(taken.error().message.find("alice"), std::string::npos) << "names nobody";
    const core::Bytes other(32, 'z');
    ASSERT_TRUE(f.store->storeKeypadCode("alice", other));  // replaces hers
    ASSERT_TRUE(f.store->storeKeypadCode("bob", code));     // now free
    auto snapshot = f.store->loadSnapshot();
    ASSERT_TRUE(snapshot);
    ASSERT_NE(snapshot->personByKeypadHash(other), nullptr);
    EXPECT_EQ(*snapshot->personByKeypadHash(other), "alice");
    EXPECT_EQ(*snapshot->personByKeypadHash(code), "bob");
    EXPECT_EQ(snapshot->personByKeypadHash(core::Bytes(32, 'x')), nullptr);
}

TEST(CredentialStore, APhotoIsStoredAndReadBackButDecidesNothing) {
    Fixture f;
    ASSERT_TRUE(f.enrollment->addPerson("carol", "Carol"));
    auto generation = f.store->generation();
    ASSERT_TRUE(generation);
    const core::Bytes jpeg = "\xFF\xD8\xFF\xE0 not really a photo";
    ASSERT_TRUE(f.store->storePhoto("carol", {"image/jpeg", jpeg, std::string(64, 'a')}));
    auto photo = f.store->findPhoto("carol");
    ASSERT_TRUE(photo && photo->has_value());
    EXPECT_EQ((*photo)->mime, "image/jpeg");
    EXPECT_EQ((*photo)->bytes, jpeg);
    EXPECT_EQ(*f.store->generation(), *generation) << "photos reload no credentials";
    EXPECT_FALSE(f.store->findPhoto("nobody")->has_value());
    for (const auto& table : kAuditedTables()) {
        EXPECT_NE(table.table, "door_photos");
    }
}

TEST(CredentialStore, EveryAuditedTableWritesTheJournalAndTheGeneration) {
    Fixture f;
    ASSERT_TRUE(f.enrollment->addPerson("dave", "Dave"));
    auto journal = JournalReader::prepare(*f.db);
    ASSERT_TRUE(journal);
    auto present = journal->triggersPresent(kAuditedTables());
    ASSERT_TRUE(present);
    EXPECT_TRUE(*present);
    const auto before = *journal->head();
    const auto generation = *f.store->generation();
    ASSERT_TRUE(f.store->upsertPersonDetails("dave", {"Org", 0, 0, false}));
    ASSERT_TRUE(f.store->upsertPersonDetails("dave", {"Org2", 0, 0, false}));  // update: 2 rows
    ASSERT_TRUE(f.store->storeKeypadCode("dave", core::Bytes(32, 'd')));
    ASSERT_TRUE(f.store->upsertLevelAssignment(LevelHolder::group, "g", {"lab", 0, 0}));
    ASSERT_TRUE(f.store->deleteLevelAssignment(LevelHolder::group, "g", "lab"));
    auto entries = journal->after(before);
    ASSERT_TRUE(entries);
    ASSERT_EQ(entries->size(), 6U);
    EXPECT_EQ((*entries)[0].table, "door_person_details");
    EXPECT_EQ((*entries)[0].key, (std::vector<std::string>{"dave"}));
    EXPECT_EQ((*entries)[4].table, "door_level_assignments");
    EXPECT_EQ((*entries)[4].key, (std::vector<std::string>{"group", "g", "lab"}));
    for (std::size_t i = 0; i < entries->size(); ++i) {
        EXPECT_EQ((*entries)[i].seq, before + 1 + static_cast<std::int64_t>(i)) << "no hole";
    }
    EXPECT_EQ(*f.store->generation(), generation + 5);

    ASSERT_TRUE(f.db->exec("DROP TRIGGER door_keypad_codes_UPDATE_journal"));
    EXPECT_FALSE(*journal->triggersPresent(kAuditedTables()));
}
