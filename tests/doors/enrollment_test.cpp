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
