#include "doors/enrollment.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/audit_chain.hpp"
#include "core/row_digest.hpp"
#include "doors/credential_binding.hpp"

using namespace sekimori;
using namespace sekimori::doors;

namespace {

class EnrollmentTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        auto opened = core::Database::open(":memory:");
        ASSERT_TRUE(opened);
        db_ = std::move(opened.value());
        auto s = CredentialStore::open(*db_);
        ASSERT_TRUE(s) << s.error().message;
        store_ = std::move(s.value());
        enroll_ = std::make_unique<Enrollment>(
            *store_, clock_, keys_,
            KnownNames{{"srv", "hall", "vault"}, {"always", "office"}, {"vault"}},
            EnrollmentActor{"operator:admin-yamada",
                            {{"actor", "admin-yamada"}, {"role", "facility_admin"}}});
        ASSERT_TRUE(enroll_->addPerson("alice", "Alice"));
    }

    static std::string errorOf(const Enrollment::Events& r) {
        return r ? std::string("(ok)") : r.error().code + ": " + r.error().message;
    }

    core::ManualClock clock_;
    EnrollmentKeys keys_{core::randomBytes(32), core::randomBytes(32)};
    std::unique_ptr<core::Database> db_;
    std::unique_ptr<CredentialStore> store_;
    std::unique_ptr<Enrollment> enroll_;
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::int64_t countOf(core::Database& db, const std::string& sql) {
    auto s = db.prepare(sql);
    EXPECT_TRUE(s) << s.error().message;
    auto row = s->step();
    EXPECT_TRUE(row && *row);
    return s->columnInt(0);
}

}  // namespace

TEST_F(EnrollmentTest, AddPersonEmitsEnrolledEvent) {
    auto r = enroll_->addPerson("bob-2", "Bob Tanaka");
    ASSERT_TRUE(r) << errorOf(r);
    ASSERT_EQ(r->size(), 1U);
    const core::Event& e = r->front();
    EXPECT_EQ(e.type, "person.enrolled");
    EXPECT_EQ(e.source, "operator:admin-yamada");
    EXPECT_EQ(e.subject, "bob-2");
    EXPECT_EQ(e.timeUs, clock_.nowUs());
    const auto payload = nlohmann::json::parse(e.payload);
    EXPECT_EQ(payload.at("person_name"), "Bob Tanaka");
    EXPECT_EQ(payload.at("actor"), "admin-yamada");
    EXPECT_EQ(payload.at("role"), "facility_admin");
}

// Every change names the row it left and that row's digest as it is afterwards.
TEST_F(EnrollmentTest, EveryChangeRecordsTheDigestOfTheRowItLeft) {
    const auto digestOf = [&](const core::AuditedTable& table,
                              const std::vector<std::string>& key) {
        auto d = core::digestRow(*db_, table, key);
        EXPECT_TRUE(d && *d) << table.table;
        return d && *d ? core::toHex(**d) : std::string();
    };
    const auto recorded = [](const core::Event& e) {
        return nlohmann::json::parse(e.payload).at("row_digest");
    };
    auto added = enroll_->addPerson("bob", "Bob");
    ASSERT_TRUE(added);
    EXPECT_EQ(recorded(added->front()),
              (nlohmann::json{{"table", "door_people"},
                              {"key", {"bob"}},
                              {"digest", digestOf(peopleTable(), {"bob"})}}));
    ASSERT_TRUE(enroll_->setCard("bob", "BBBBBBBB00000001"));
    auto replaced = enroll_->setCard("bob", "BBBBBBBB00000002");
    ASSERT_TRUE(replaced);
    ASSERT_EQ(replaced->size(), 2U);
    EXPECT_EQ(recorded((*replaced)[0]).at("digest"), digestOf(cardsTable(), {"BBBBBBBB00000001"}));
    EXPECT_EQ(recorded((*replaced)[1]).at("digest"), digestOf(cardsTable(), {"BBBBBBBB00000002"}));
    auto pin = enroll_->setPin("bob", "4711");
    ASSERT_TRUE(pin);
    EXPECT_EQ(recorded(pin->front()).at("digest"), digestOf(pinsTable(), {"bob"}));
    auto grant = enroll_->grantZone("bob", "srv", "always");
    ASSERT_TRUE(grant);
    EXPECT_EQ(recorded(grant->front()).at("key"), (nlohmann::json{"bob", "srv"}));
    EXPECT_EQ(recorded(grant->front()).at("digest"), digestOf(grantsTable(), {"bob", "srv"}));
}

TEST_F(EnrollmentTest, AddPersonValidation) {
    EXPECT_TRUE(contains(errorOf(enroll_->addPerson("Bob", "Bob")), "person id 'Bob'"));
    EXPECT_TRUE(contains(errorOf(enroll_->addPerson("", "Bob")), "not valid"));
    EXPECT_TRUE(contains(errorOf(enroll_->addPerson("bob", "")), "name"));
    EXPECT_TRUE(contains(errorOf(enroll_->addPerson("alice", "Again")), "already exists"));
}

TEST_F(EnrollmentTest, SetCardValidation) {
    EXPECT_TRUE(contains(errorOf(enroll_->setCard("nobody", "0123456789ABCDEF")),
                         "no person with id 'nobody'"));
    EXPECT_TRUE(contains(errorOf(enroll_->setCard("alice", "0123")), "8..20 hex digits"));
    EXPECT_TRUE(contains(errorOf(enroll_->setCard("alice", "0123456789ABCDEZ")), "hexadecimal"));
    ASSERT_TRUE(enroll_->setCard("alice", "0123456789abcdef"));
    ASSERT_TRUE(enroll_->addPerson("bob", "Bob"));
    auto taken = enroll_->setCard("bob", "0123456789ABCDEF");
    EXPECT_EQ(taken ? "" : taken.error().code, "enroll.card_assigned");
    EXPECT_TRUE(contains(errorOf(taken), "'alice'"));
}

TEST_F(EnrollmentTest, NewCardRevokesThePreviousOne) {
    ASSERT_TRUE(enroll_->setCard("alice", "AAAAAAAA00000001"));
    auto r = enroll_->setCard("alice", "AAAAAAAA00000002");
    ASSERT_TRUE(r) << errorOf(r);
    ASSERT_EQ(r->size(), 2U);
    EXPECT_EQ((*r)[0].type, "person.card_revoked");
    EXPECT_TRUE(contains((*r)[0].payload, "AAAAAAAA00000001"));
    EXPECT_EQ((*r)[1].type, "person.card_set");
    auto old = store_->findCard("AAAAAAAA00000001");
    ASSERT_TRUE(old && old.value());
    EXPECT_EQ(old.value()->state, CardState::revoked);
    // A revoked card is never issued again, to anyone.
    auto again = enroll_->setCard("alice", "AAAAAAAA00000001");
    EXPECT_EQ(again ? "" : again.error().code, "enroll.card_revoked");
}

TEST_F(EnrollmentTest, RevokeCard) {
    ASSERT_TRUE(enroll_->setCard("alice", "0123456789ABCDEF"));
    auto r = enroll_->revokeCard("0123456789abcdef");
    ASSERT_TRUE(r) << errorOf(r);
    EXPECT_EQ(r->front().type, "person.card_revoked");
    EXPECT_EQ(r->front().subject, "alice");
    EXPECT_TRUE(contains(errorOf(enroll_->revokeCard("0123456789ABCDEF")), "already revoked"));
    EXPECT_TRUE(contains(errorOf(enroll_->revokeCard("FFFFFFFFFFFFFFFF")), "no card"));
}

TEST_F(EnrollmentTest, PinValidationAndEventsNeverHoldThePin) {
    EXPECT_TRUE(contains(errorOf(enroll_->setPin("alice", "123")), "4..8 digits"));
    EXPECT_TRUE(contains(errorOf(enroll_->setPin("alice", "123456789")), "4..8 digits"));
    EXPECT_TRUE(contains(errorOf(enroll_->setPin("alice", "12a4")), "digits 0-9 only"));
    EXPECT_FALSE(contains(errorOf(enroll_->setPin("alice", "12a4")), "12a4"));
    EXPECT_TRUE(contains(errorOf(enroll_->setPin("nobody", "1234")), "no person"));
    auto r = enroll_->setPin("alice", "908172");
    ASSERT_TRUE(r) << errorOf(r);
    EXPECT_EQ(r->front().type, "person.pin_set");
    EXPECT_FALSE(contains(r->front().payload, "908172"));
    auto alice = store_->findPerson("alice");
    ASSERT_TRUE(alice && alice.value());
    // Keyed over the person and the digits: the same PIN hashes differently for another.
    EXPECT_EQ(alice.value()->pinHash, pinHash(keys_.pepper, "alice", "908172"));
    EXPECT_NE(alice.value()->pinHash, pinHash(keys_.pepper, "bob", "908172"));
    EXPECT_NE(alice.value()->pinHash, core::keyedHash(keys_.pepper, "908172"));
}

TEST_F(EnrollmentTest, AStagedTemplateDecidesNothingUntilItsApprovalApplies) {
    const core::Bytes box = sealTemplate(keys_.templateKey, "alice", "TEMPLATE-BYTES");
    ASSERT_TRUE(enroll_->stageFingerprint("apr-1", "alice", box));
    EXPECT_EQ(countOf(*db_, "SELECT count(*) FROM door_fingerprints"), 0);
    auto staged = store_->findPendingTemplate("apr-1");
    ASSERT_TRUE(staged && *staged);
    EXPECT_FALSE(contains((*staged)->box, "TEMPLATE")) << "the pending template is in clear";
    EXPECT_EQ(enroll_->stageFingerprint("apr-2", "ghost", box).error().code,
              "enroll.unknown_person");

    auto applied = enroll_->applyApprovedFingerprint("apr-1", "alice");
    ASSERT_TRUE(applied) << errorOf(applied);
    EXPECT_EQ(applied->front().type, "person.finger_set");
    EXPECT_FALSE(contains(applied->front().payload, "TEMPLATE"));
    EXPECT_EQ(nlohmann::json::parse(applied->front().payload).at("template_bytes"), 14);
    auto alice = store_->findPerson("alice");
    ASSERT_TRUE(alice && *alice);
    auto opened = openTemplate(keys_.templateKey, "alice", (*alice)->fingerBox);
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, "TEMPLATE-BYTES");
    EXPECT_EQ(countOf(*db_, "SELECT count(*) FROM door_pending_templates"), 0);
    // Applied once: the pending row is gone.
    EXPECT_EQ(enroll_->applyApprovedFingerprint("apr-1", "alice").error().code,
              "enroll.no_pending_template");
}

TEST_F(EnrollmentTest, ATemplateStagedForAnotherPersonIsNotApplied) {
    ASSERT_TRUE(enroll_->addPerson("bob", "Bob"));
    // Sealed for bob, staged under alice's approval (a row edited behind the daemon's back).
    ASSERT_TRUE(enroll_->stageFingerprint("apr-1", "alice",
                                          sealTemplate(keys_.templateKey, "bob", "BOBS-FINGER")));
    auto applied = enroll_->applyApprovedFingerprint("apr-1", "alice");
    ASSERT_FALSE(applied);
    EXPECT_EQ(applied.error().code, "enroll.no_pending_template");
    EXPECT_EQ(enroll_->applyApprovedFingerprint("apr-1", "bob").error().code,
              "enroll.no_pending_template");
}

TEST_F(EnrollmentTest, ARestrictedZoneIsGrantedOnlyThroughItsApproval) {
    auto direct = enroll_->grantZone("alice", "vault", "always");
    ASSERT_FALSE(direct);
    EXPECT_EQ(direct.error().code, "enroll.needs_approval");
    EXPECT_EQ(countOf(*db_, "SELECT count(*) FROM door_zone_grants"), 0);
    EXPECT_TRUE(enroll_->checkGrant("alice", "vault", "always"));
    EXPECT_EQ(enroll_->checkGrant("ghost", "vault", "always").error().code,
              "enroll.unknown_person");
    auto approved = enroll_->applyApprovedGrant("alice", "vault", "always");
    ASSERT_TRUE(approved) << errorOf(approved);
    EXPECT_EQ(countOf(*db_, "SELECT count(*) FROM door_zone_grants WHERE zone = 'vault'"), 1);
}

TEST_F(EnrollmentTest, GrantZoneValidation) {
    EXPECT_TRUE(contains(errorOf(enroll_->grantZone("alice", "moon", "always")), "zone 'moon'"));
    EXPECT_TRUE(
        contains(errorOf(enroll_->grantZone("alice", "srv", "weekends")), "schedule 'weekends'"));
    EXPECT_TRUE(contains(errorOf(enroll_->grantZone("ghost", "srv", "always")), "no person"));
    ASSERT_TRUE(enroll_->grantZone("alice", "srv", "always"));
    auto changed = enroll_->grantZone("alice", "srv", "office");  // a new schedule replaces
    ASSERT_TRUE(changed);
    EXPECT_EQ(changed->front().type, "person.zone_granted");
    auto snapshot = store_->loadSnapshot();
    ASSERT_TRUE(snapshot);
    EXPECT_EQ(*snapshot->grantSchedule("alice", "srv"), "office");
}

// The CLI's path: the action and the append of its events in one transaction.
TEST_F(EnrollmentTest, ActionAndItsEventsCommitTogether) {
    ASSERT_TRUE(enroll_->setCard("alice", "AAAAAAAA00000001"));
    auto r =
        core::commitWithEvents(*db_, [&] { return enroll_->setCard("alice", "AAAAAAAA00000002"); });
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 2U);
    EXPECT_EQ((*r)[0].event.type, "person.card_revoked");
    EXPECT_EQ((*r)[1].event.type, "person.card_set");
    EXPECT_EQ((*r)[1].seq, 2U);
    EXPECT_EQ(countOf(*db_, "SELECT count(*) FROM audit_events"), 2);
    EXPECT_EQ(countOf(*db_, "SELECT count(*) FROM door_cards WHERE state = 'active'"), 1);
}

TEST_F(EnrollmentTest, FailingAuditAppendLeavesNoCredentialRow) {
    ASSERT_TRUE(core::migrateAuditSchema(*db_));
    ASSERT_TRUE(
        db_->exec("CREATE TRIGGER refuse BEFORE INSERT ON audit_events BEGIN"
                  " SELECT RAISE(ABORT, 'disk full'); END"));
    auto r =
        core::commitWithEvents(*db_, [&] { return enroll_->setCard("alice", "AAAAAAAA00000001"); });
    ASSERT_FALSE(r);
    EXPECT_TRUE(contains(r.error().message, "disk full")) << r.error().message;
    auto card = store_->findCard("AAAAAAAA00000001");
    ASSERT_TRUE(card);
    EXPECT_FALSE(card.value()) << "the card row outlived the failed audit append";
    EXPECT_FALSE(db_->inTransaction());
}

TEST_F(EnrollmentTest, FailingSecondWriteLeavesNeitherTheFirstNorAnyEvent) {
    ASSERT_TRUE(enroll_->setCard("alice", "AAAAAAAA00000001"));
    // The revoke of the old card succeeds, the insert of the new one fails.
    ASSERT_TRUE(
        db_->exec("CREATE TRIGGER refuse BEFORE INSERT ON door_cards BEGIN"
                  " SELECT RAISE(ABORT, 'simulated I/O error'); END"));
    auto r =
        core::commitWithEvents(*db_, [&] { return enroll_->setCard("alice", "AAAAAAAA00000002"); });
    ASSERT_FALSE(r);
    auto old = store_->findCard("AAAAAAAA00000001");
    ASSERT_TRUE(old && old.value());
    EXPECT_EQ(old.value()->state, CardState::active) << "the revoke was not rolled back";
    EXPECT_EQ(countOf(*db_, "SELECT count(*) FROM audit_events"), 0);
}

// --- issue 14: the person record, keypad codes, photos, second finger, levels and groups ------

namespace {

KnownNames namesWithRules() {
    KnownNames names{{"srv", "hall", "vault"}, {"always", "office"}, {"vault"}};
    names.levels = {{"hall-hours", {"hall"}}, {"vault-work", {"hall", "vault"}}};
    names.groups = {"staff", "vault-team"};
    return names;
}

nlohmann::json payloadOf(const core::Event& e) {
    return nlohmann::json::parse(e.payload);
}

const core::Bytes kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "JFIF-REST-OF-THE-IMAGE";
const core::Bytes kPng = std::string("\x89PNG\r\n\x1A\n", 8) + "IHDR-REST";

}  // namespace

class PersonRecordTest : public EnrollmentTest {
  protected:
    void SetUp() override {
        EnrollmentTest::SetUp();
        ruled_ = makeEnrollment({});
    }
    std::unique_ptr<Enrollment> makeEnrollment(std::string actorPerson) {
        return std::make_unique<Enrollment>(
            *store_, clock_, keys_, namesWithRules(),
            EnrollmentActor{"operator:admin-yamada",
                            {{"actor", "admin-yamada"}, {"role", "facility_admin"}},
                            std::move(actorPerson)});
    }
    std::string digestOf(const core::AuditedTable& table, const std::vector<std::string>& key) {
        auto d = core::digestRow(*db_, table, key);
        EXPECT_TRUE(d && *d) << table.table;
        return d && *d ? core::toHex(**d) : std::string();
    }
    std::unique_ptr<Enrollment> ruled_;
};

TEST_F(PersonRecordTest, UpdatePersonRecordsWhatChangedWithBothRowsDigests) {
    PersonPatch patch;
    patch.name = "Alice Sato";
    patch.organisation = "Contoso KK";
    patch.validUntilUs = 2'000'000'000'000'000;
    patch.escortRequired = true;
    auto r = ruled_->updatePerson("alice", patch);
    ASSERT_TRUE(r) << errorOf(r);
    ASSERT_EQ(r->size(), 1U);
    EXPECT_EQ(r->front().type, "person.updated");
    const auto payload = payloadOf(r->front());
    EXPECT_EQ(payload.at("changed"),
              (nlohmann::json{"name", "organisation", "valid_until_us", "escort_required"}));
    EXPECT_EQ(payload.at("organisation"), "Contoso KK");
    ASSERT_TRUE(payload.at("row_digest").is_array());
    EXPECT_EQ(payload["row_digest"][0].at("digest"), digestOf(peopleTable(), {"alice"}));
    EXPECT_EQ(payload["row_digest"][1].at("digest"), digestOf(personDetailsTable(), {"alice"}));
    auto details = store_->findPersonDetails("alice");
    ASSERT_TRUE(details && *details);
    EXPECT_TRUE((*details)->escortRequired);
    EXPECT_EQ((*store_->findPerson("alice"))->name, "Alice Sato");

    // Only the details: one row digest (an object); the same values again record nothing.
    PersonPatch org;
    org.organisation = "Fabrikam";
    auto second = ruled_->updatePerson("alice", org);
    ASSERT_TRUE(second) << errorOf(second);
    EXPECT_TRUE(payloadOf(second->front()).at("row_digest").is_object());
    auto same = ruled_->updatePerson("alice", org);
    ASSERT_TRUE(same);
    EXPECT_TRUE(same->empty());
}

TEST_F(PersonRecordTest, UpdatePersonValidation) {
    EXPECT_EQ(ruled_->updatePerson("alice", {}).error().code, "enroll.invalid");
    PersonPatch badDates;
    badDates.validFromUs = 2000;
    badDates.validUntilUs = 1000;
    EXPECT_TRUE(contains(errorOf(ruled_->updatePerson("alice", badDates)), "after"));
    PersonPatch emptyName;
    emptyName.name = "";
    EXPECT_TRUE(contains(errorOf(ruled_->updatePerson("alice", emptyName)), "name"));
    PersonPatch ok;
    ok.escortRequired = true;
    EXPECT_EQ(ruled_->updatePerson("ghost", ok).error().code, "enroll.unknown_person");
}

TEST_F(PersonRecordTest, DisableNamesTheActiveCardsAndTheSnapshotRefusesThePerson) {
    ASSERT_TRUE(ruled_->setCard("alice", "AAAAAAAA00000001"));
    ASSERT_TRUE(ruled_->setCard("alice", "AAAAAAAA00000002"));  // revokes ...01
    EXPECT_EQ(ruled_->setActive("alice", false, "").error().code, "enroll.invalid");
    auto r = ruled_->setActive("alice", false, "left the company");
    ASSERT_TRUE(r) << errorOf(r);
    EXPECT_EQ(r->front().type, "person.disabled");
    const auto payload = payloadOf(r->front());
    EXPECT_EQ(payload.at("cards"), (nlohmann::json{"AAAAAAAA00000002"}));
    EXPECT_EQ(payload.at("comment"), "left the company");
    EXPECT_EQ(payload.at("person_name"), "Alice");
    EXPECT_EQ(payload.at("row_digest").at("digest"), digestOf(peopleTable(), {"alice"}));
    EXPECT_FALSE((*store_->findPerson("alice"))->active);
    EXPECT_EQ(ruled_->setActive("alice", false, "again").error().code, "enroll.unchanged");
    auto enabled = ruled_->setActive("alice", true, "came back");
    ASSERT_TRUE(enabled) << errorOf(enabled);
    EXPECT_EQ(enabled->front().type, "person.enabled");
    EXPECT_TRUE((*store_->findPerson("alice"))->active);
}

TEST_F(PersonRecordTest, RemoveGrantRecordsTheDeletedRow) {
    ASSERT_TRUE(ruled_->grantZone("alice", "srv", "always"));
    auto r = ruled_->removeGrant("alice", "srv");
    ASSERT_TRUE(r) << errorOf(r);
    EXPECT_EQ(r->front().type, "person.grant_removed");
    EXPECT_TRUE(payloadOf(r->front()).at("row_digest").at("digest").is_null());
    EXPECT_EQ(countOf(*db_, "SELECT count(*) FROM door_zone_grants"), 0);
    EXPECT_EQ(ruled_->removeGrant("alice", "srv").error().code, "enroll.not_found");
    EXPECT_EQ(ruled_->removeGrant("ghost", "srv").error().code, "enroll.unknown_person");
}

TEST_F(PersonRecordTest, KeypadCodeIsStoredHashedAndNeverTwice) {
    EXPECT_TRUE(contains(errorOf(ruled_->setKeypadCode("alice", "12345")), "6..8 digits"));
    EXPECT_TRUE(contains(errorOf(ruled_->setKeypadCode("alice", "12345x")), "digits 0-9 only"));
    auto r = ruled_->setKeypadCode("alice", "864209");
    ASSERT_TRUE(r) << errorOf(r);
    EXPECT_EQ(r->front().type, "person.keypad_code_set");
    EXPECT_FALSE(contains(r->front().payload, "864209"));
    EXPECT_EQ(payloadOf(r->front()).at("row_digest").at("digest"),
              digestOf(keypadCodesTable(), {"alice"}));
    ASSERT_TRUE(ruled_->addPerson("bob", "Bob"));
    auto taken = ruled_->setKeypadCode("bob", "864209");
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().code, "doors.keypad_code_taken");
    EXPECT_FALSE(contains(taken.error().message, "alice")) << "the holder is not named";
    auto hasCode = store_->hasKeypadCode("bob");
    ASSERT_TRUE(hasCode);
    EXPECT_FALSE(*hasCode);
}

// A keypad code one last digit away from another's would be that person's duress code (or have
// theirs as its duress): one keypad entry must name one person.
TEST_F(PersonRecordTest, KeypadCodeNextToAnothersIsRefused) {
    ASSERT_TRUE(ruled_->setKeypadCode("alice", "864209"));
    ASSERT_TRUE(ruled_->addPerson("bob", "Bob"));
    for (const char* near : {"864200", "864208"}) {  // 9 -> 0 wraps; 8 + 1 = 9
        auto taken = ruled_->setKeypadCode("bob", near);
        ASSERT_FALSE(taken) << near;
        EXPECT_EQ(taken.error().code, "doors.keypad_code_taken") << near;
        EXPECT_FALSE(contains(taken.error().message, "alice"));
    }
    EXPECT_TRUE(ruled_->setKeypadCode("bob", "864207"));
    EXPECT_TRUE(ruled_->setKeypadCode("alice", "864201")) << "one's own code moves freely";
}

TEST_F(PersonRecordTest, PhotoIsCheckedByItsMagicAndSize) {
    EXPECT_EQ(photoMime(kJpeg), "image/jpeg");
    EXPECT_EQ(photoMime(kPng), "image/png");
    EXPECT_FALSE(photoMime("GIF89a..."));
    EXPECT_FALSE(photoMime(std::string("\xFF\xD8", 2)));
    EXPECT_TRUE(contains(errorOf(ruled_->setPhoto("alice", "GIF89a-not-allowed")), "JPEG or PNG"));
    const core::Bytes tooBig = kJpeg + std::string(kMaxPhotoBytes, 'x');
    EXPECT_TRUE(contains(errorOf(ruled_->setPhoto("alice", tooBig)), "photo must be"));
    auto r = ruled_->setPhoto("alice", kPng);
    ASSERT_TRUE(r) << errorOf(r);
    const auto payload = payloadOf(r->front());
    EXPECT_EQ(r->front().type, "person.photo_set");
    EXPECT_EQ(payload.at("mime"), "image/png");
    EXPECT_EQ(payload.at("sha256"), core::toHex(core::sha256(kPng)));
    EXPECT_EQ(payload.at("bytes"), kPng.size());
    EXPECT_FALSE(payload.contains("row_digest"));  // door_photos decides nothing
    auto photo = store_->findPhoto("alice");
    ASSERT_TRUE(photo && *photo);
    EXPECT_EQ((*photo)->bytes, kPng);
}

TEST_F(PersonRecordTest, SecondFingerNeedsAFirstAndGoesToItsOwnTable) {
    const core::Bytes second = sealTemplate(keys_.templateKey, "alice", "SECOND-FINGER");
    auto early = ruled_->stageFingerprint("apr-2", "alice", second, 2);
    ASSERT_FALSE(early);
    EXPECT_TRUE(contains(early.error().message, "first finger"));
    ASSERT_TRUE(ruled_->stageFingerprint("apr-1", "alice",
                                         sealTemplate(keys_.templateKey, "alice", "FIRST-FINGER")));
    ASSERT_TRUE(ruled_->applyApprovedFingerprint("apr-1", "alice"));
    ASSERT_TRUE(ruled_->stageFingerprint("apr-2", "alice", second, 2));
    auto r = ruled_->applyApprovedFingerprint("apr-2", "alice", 2);
    ASSERT_TRUE(r) << errorOf(r);
    const auto payload = payloadOf(r->front());
    EXPECT_EQ(payload.at("finger"), 2);
    EXPECT_EQ(payload.at("row_digest").at("table"), "door_backup_fingerprints");
    auto alice = store_->findPerson("alice");
    ASSERT_TRUE(alice && *alice);
    EXPECT_EQ(*openTemplate(keys_.templateKey, "alice", (*alice)->fingerBox), "FIRST-FINGER");
    auto hasSecond = store_->hasBackupFinger("alice");
    ASSERT_TRUE(hasSecond);
    EXPECT_TRUE(*hasSecond);
}

TEST_F(PersonRecordTest, ARestrictedLevelIsAssignedOnlyThroughItsApproval) {
    EXPECT_FALSE(isRestrictedLevel(namesWithRules(), "hall-hours"));
    EXPECT_TRUE(isRestrictedLevel(namesWithRules(), "vault-work"));
    auto ordinary = ruled_->assignLevel(LevelHolder::person, "alice", "hall-hours", 0, 0);
    ASSERT_TRUE(ordinary) << errorOf(ordinary);
    const auto payload = payloadOf(ordinary->front());
    EXPECT_EQ(ordinary->front().type, "person.level_assigned");
    EXPECT_EQ(payload.at("holder_kind"), "person");
    EXPECT_EQ(payload.at("row_digest").at("key"),
              (nlohmann::json{"person", "alice", "hall-hours"}));
    auto restricted = ruled_->assignLevel(LevelHolder::person, "alice", "vault-work", 0, 0);
    ASSERT_FALSE(restricted);
    EXPECT_EQ(restricted.error().code, "enroll.needs_approval");
    EXPECT_TRUE(ruled_->checkLevel(LevelHolder::person, "alice", "vault-work", 0, 0));
    ASSERT_TRUE(ruled_->applyApprovedLevel(LevelHolder::person, "alice", "vault-work", 10, 20));
    auto levels = store_->levelsOf(LevelHolder::person, "alice");
    ASSERT_TRUE(levels);
    ASSERT_EQ(levels->size(), 2U);
    EXPECT_EQ(ruled_->assignLevel(LevelHolder::person, "alice", "moon", 0, 0).error().code,
              "enroll.unknown_level");
    EXPECT_EQ(ruled_->assignLevel(LevelHolder::group, "nobody", "hall-hours", 0, 0).error().code,
              "enroll.unknown_group");
    EXPECT_EQ(ruled_->assignLevel(LevelHolder::person, "alice", "hall-hours", 20, 10).error().code,
              "enroll.invalid");
    auto removed = ruled_->removeLevel(LevelHolder::person, "alice", "hall-hours");
    ASSERT_TRUE(removed) << errorOf(removed);
    EXPECT_EQ(removed->front().type, "person.level_removed");
    EXPECT_EQ(ruled_->removeLevel(LevelHolder::person, "alice", "hall-hours").error().code,
              "enroll.not_found");
}

TEST_F(PersonRecordTest, JoiningAGroupWithARestrictedLevelNeedsAnApproval) {
    ASSERT_TRUE(ruled_->assignLevel(LevelHolder::group, "staff", "hall-hours", 0, 0));
    ASSERT_TRUE(ruled_->applyApprovedLevel(LevelHolder::group, "vault-team", "vault-work", 0, 0));
    auto joined = ruled_->joinGroup("staff", "alice");
    ASSERT_TRUE(joined) << errorOf(joined);
    EXPECT_EQ(joined->front().type, "person.group_joined");
    EXPECT_EQ(payloadOf(joined->front()).at("row_digest").at("digest"),
              digestOf(groupMembersTable(), {"staff", "alice"}));
    EXPECT_EQ(ruled_->joinGroup("staff", "alice").error().code, "enroll.unchanged");
    EXPECT_EQ(ruled_->joinGroup("vault-team", "alice").error().code, "enroll.needs_approval");
    EXPECT_EQ(countOf(*db_,
                      "SELECT count(*) FROM door_group_members WHERE group_id = "
                      "'vault-team'"),
              0);
    ASSERT_TRUE(ruled_->applyApprovedMembership("vault-team", "alice"));
    auto left = ruled_->leaveGroup("staff", "alice");
    ASSERT_TRUE(left) << errorOf(left);
    EXPECT_EQ(left->front().type, "person.group_left");
    EXPECT_EQ(ruled_->leaveGroup("staff", "alice").error().code, "enroll.not_found");
    EXPECT_EQ(ruled_->joinGroup("ghosts", "alice").error().code, "enroll.unknown_group");
}

TEST_F(PersonRecordTest, NobodyChangesTheirOwnLevelsOrGroups) {
    ASSERT_TRUE(ruled_->joinGroup("staff", "alice"));
    auto asAlice = makeEnrollment("alice");
    EXPECT_EQ(asAlice->assignLevel(LevelHolder::person, "alice", "hall-hours", 0, 0).error().code,
              "enroll.self");
    // A level for a group alice is in would be one for alice.
    EXPECT_EQ(asAlice->assignLevel(LevelHolder::group, "staff", "hall-hours", 0, 0).error().code,
              "enroll.self");
    EXPECT_EQ(asAlice->joinGroup("vault-team", "alice").error().code, "enroll.self");
    EXPECT_TRUE(asAlice->assignLevel(LevelHolder::group, "vault-team", "hall-hours", 0, 0));
}

TEST_F(PersonRecordTest, WiegandCardIdsAreAccepted) {
    auto r = ruled_->setCard("alice", "w26-12-3456");
    ASSERT_TRUE(r) << errorOf(r);
    EXPECT_EQ(payloadOf(r->back()).at("card"), "W26-12-3456");
    EXPECT_TRUE(contains(errorOf(ruled_->setCard("alice", "W26-999-1")), "Wiegand"));
}
