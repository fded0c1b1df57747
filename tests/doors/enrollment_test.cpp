#include "doors/enrollment.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/audit_chain.hpp"

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
        enroll_ = std::make_unique<Enrollment>(*store_, clock_, keys_,
                                               KnownNames{{"srv", "hall"}, {"always", "office"}},
                                               "admin-yamada");
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
    EXPECT_EQ(e.source, "admin-yamada");
    EXPECT_EQ(e.subject, "bob-2");
    EXPECT_EQ(e.timeUs, clock_.nowUs());
    EXPECT_EQ(nlohmann::json::parse(e.payload).at("person_name"), "Bob Tanaka");
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
    EXPECT_EQ(alice.value()->pinHash, core::keyedHash(keys_.pepper, "908172"));
}

TEST_F(EnrollmentTest, FingerprintValidationAndEventsNeverHoldTheTemplate) {
    EXPECT_TRUE(contains(errorOf(enroll_->setFingerprint("alice", "")), "template"));
    EXPECT_TRUE(contains(errorOf(enroll_->setFingerprint("alice", core::Bytes(4096, 'x'))),
                         "1..2008 bytes"));
    ASSERT_TRUE(enroll_->setFingerprint("alice", core::Bytes(kMaxTemplateBytes, 'x')));
    EXPECT_FALSE(enroll_->setFingerprint("alice", core::Bytes(kMaxTemplateBytes + 1, 'x')));
    auto r = enroll_->setFingerprint("alice", "TEMPLATE-BYTES");
    ASSERT_TRUE(r) << errorOf(r);
    EXPECT_EQ(r->front().type, "person.finger_set");
    EXPECT_FALSE(contains(r->front().payload, "TEMPLATE"));
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
