// The four-eyes rules of the approval engine, against the real audited recorder (its commits
// land later than they return) and an injected clock: nothing takes effect before approval,
// nobody approves their own request or a change about themselves, the approver's role is the
// kind's, requests expire, an effect that fails leaves the request pending, each step is one
// audited event, and the effect's events are chained in the approval's transaction.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/audit_verify.hpp"
#include "core/audited_recorder.hpp"
#include "policy/approval_engine.hpp"
#include "policy/approval_store.hpp"
#include "tests/core/audit_test_support.hpp"

using namespace sekimori;
using namespace std::chrono_literals;
using core::Role;
using core::testing::runUntil;
using core::testing::TempDir;
using policy::ApprovalRequest;

namespace {

constexpr const char* kKind = "test.grant_restricted";
constexpr const char* kCreateDomainTables =
    "CREATE TABLE test_grants(person TEXT NOT NULL, zone TEXT NOT NULL);"
    "CREATE TABLE test_staged(approval TEXT PRIMARY KEY, secret TEXT NOT NULL);";

core::ApiCall operatorCall(std::string name, Role role, std::string person = "") {
    core::ApiCall call;
    call.actor = std::move(name);
    call.role = role;
    call.actorPerson = std::move(person);
    call.remote = "127.0.0.1";
    return call;
}

// The grant the test domain makes once approved: one row, one event.
core::Result<std::vector<core::Event>> applyGrant(core::Database& db, const ApprovalRequest& r) {
    if (r.action.value("fail", false)) {
        return core::makeError("test.zone_gone",
                               "zone " + r.action.value("zone", "") + " no longer exists");
    }
    auto insert = db.prepare("INSERT INTO test_grants(person, zone) VALUES(?1, ?2)");
    if (!insert) {
        return insert.error();
    }
    insert->bind(1, r.action.value("person", "")).bind(2, r.action.value("zone", ""));
    if (auto ok = insert->run(); !ok) {
        return ok.error();
    }
    nlohmann::json payload{{"person", r.action.value("person", "")},
                           {"zone", r.action.value("zone", "")}};
    return std::vector<core::Event>{
        core::Event{0, "access.grant_added", "test", r.subjectPerson, payload.dump()}};
}

struct ApprovalEngineTest : ::testing::Test {
    TempDir dir;
    std::string dbPath = dir.file("site.db");
    boost::asio::io_context io;
    core::EventBus bus;
    core::ManualClock clock;
    std::unique_ptr<core::Database> reader;
    std::unique_ptr<core::AuditedRecorder> recorder;
    std::unique_ptr<policy::ApprovalEngine> engine;

    const core::ApiCall alice = operatorCall("alice", Role::securityAdmin, "p-alice");
    const core::ApiCall bob = operatorCall("bob", Role::securityAdmin, "p-bob");
    const core::ApiCall fran = operatorCall("fran", Role::facilityAdmin, "p-fran");
    const core::ApiCall audrey = operatorCall("audrey", Role::auditor);

    void SetUp() override {
        auto db = core::Database::open(dbPath);
        ASSERT_TRUE(db);
        reader = std::move(*db);
        ASSERT_TRUE(reader->exec(kCreateDomainTables));
        core::AuditedRecorderOptions o;
        o.signingKeyPath = dir.file("audit-signing.key");
        o.pollInterval = 2ms;
        o.retryInterval = 5ms;
        auto writer = core::Database::open(dbPath);
        ASSERT_TRUE(writer);
        auto made =
            core::AuditedRecorder::create(std::move(*writer), io.get_executor(), bus, clock, o);
        ASSERT_TRUE(made) << made.error().message;
        recorder = std::move(*made);
        engine = std::make_unique<policy::ApprovalEngine>(*recorder, clock);
        ASSERT_TRUE(engine->migrate(*reader));
        policy::ApprovalKind kind;
        kind.name = kKind;
        kind.requesters = {Role::facilityAdmin, Role::securityAdmin};
        kind.approvers = {Role::securityAdmin};
        kind.ttl = std::chrono::hours(1);
        kind.apply = applyGrant;
        kind.discard = [](core::Database& w, const ApprovalRequest& r) -> core::Result<void> {
            auto del = w.prepare("DELETE FROM test_staged WHERE approval = ?1");
            if (!del) {
                return del.error();
            }
            del->bind(1, r.id);
            return del->run();
        };
        engine->registerKind(std::move(kind));
    }

    void TearDown() override {
        if (recorder) {
            recorder->stop();
        }
    }

    core::Result<ApprovalRequest> wait(const std::function<void(policy::ApprovalDone)>& step) {
        std::optional<core::Result<ApprovalRequest>> got;
        step([&](core::Result<ApprovalRequest> r) { got.emplace(std::move(r)); });
        EXPECT_TRUE(runUntil(io, [&] { return got.has_value(); }));
        if (!got) {
            return core::makeError("test.timeout", "no answer");
        }
        return std::move(*got);
    }

    core::Result<ApprovalRequest> ask(const core::ApiCall& by, nlohmann::json action,
                                      std::string subject, policy::ApprovalStage stage = {}) {
        return wait([&](policy::ApprovalDone done) {
            engine->request(by, kKind, action, "grant " + subject, subject, std::move(done),
                            std::move(stage));
        });
    }
    core::Result<ApprovalRequest> askGrant(const core::ApiCall& by, std::string person = "p-9") {
        return ask(by, {{"person", person}, {"zone", "server-room"}}, person);
    }
    core::Result<ApprovalRequest> approve(const core::ApiCall& by, const std::string& id) {
        return wait([&](policy::ApprovalDone done) { engine->approve(by, id, std::move(done)); });
    }
    core::Result<ApprovalRequest> reject(const core::ApiCall& by, const std::string& id,
                                         std::string reason = "not needed") {
        return wait(
            [&](policy::ApprovalDone done) { engine->reject(by, id, reason, std::move(done)); });
    }

    std::int64_t count(const std::string& sql) {
        auto s = reader->prepare(sql);
        EXPECT_TRUE(s) << s.error().message;
        auto row = s->step();
        EXPECT_TRUE(row && *row);
        return s->columnInt(0);
    }
    std::int64_t grants() { return count("SELECT count(*) FROM test_grants"); }
    std::int64_t events(const std::string& type) {
        return count("SELECT count(*) FROM audit_events WHERE type = '" + type + "'");
    }
    std::string state(const std::string& id) {
        auto r = policy::ApprovalEngine::find(*reader, id);
        EXPECT_TRUE(r && *r);
        return r && *r ? (*r)->state : "";
    }
    nlohmann::json lastPayload(const std::string& type) {
        auto s = reader->prepare(
            "SELECT payload FROM audit_events WHERE type = ?1 ORDER BY seq DESC LIMIT 1");
        EXPECT_TRUE(s);
        s->bind(1, type);
        auto row = s->step();
        EXPECT_TRUE(row && *row) << "no " << type;
        return nlohmann::json::parse(s->columnText(0));
    }
};

void expectRefused(const core::Result<ApprovalRequest>& r, std::string_view code, int status) {
    ASSERT_FALSE(r) << "expected " << code;
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(policy::approvalErrorStatus(r.error()), status);
}

TEST_F(ApprovalEngineTest, ARequestIsRecordedPendingAndChangesNothing) {
    auto r = askGrant(alice);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->id, "apr-1");
    EXPECT_EQ(r->state, "pending");
    EXPECT_EQ(r->expiresUs, clock.nowUs() + 3'600'000'000);
    EXPECT_EQ(state("apr-1"), "pending");
    EXPECT_EQ(grants(), 0);
    EXPECT_EQ(events("access.grant_added"), 0);
    auto p = lastPayload("approval.requested");
    EXPECT_EQ(p["id"], "apr-1");
    EXPECT_EQ(p["kind"], kKind);
    EXPECT_EQ(p["subject"], "p-9");
    EXPECT_EQ(p["actor"], "alice");
    EXPECT_EQ(p["role"], "security_admin");
    EXPECT_EQ(p["expires_us"], r->expiresUs);
}

TEST_F(ApprovalEngineTest, AnotherSecurityAdminApprovesAndTheEffectCommitsWithTheApproval) {
    auto r = askGrant(fran);
    ASSERT_TRUE(r);
    auto a = approve(bob, r->id);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->state, "approved");
    EXPECT_EQ(a->decidedBy, "bob");
    EXPECT_EQ(state(r->id), "approved");
    EXPECT_EQ(grants(), 1);
    // approval.approved then the effect, chained in that order, the effect naming the approval.
    EXPECT_EQ(count("SELECT count(*) FROM audit_events a JOIN audit_events g ON g.seq = a.seq + 1 "
                    "WHERE a.type = 'approval.approved' AND g.type = 'access.grant_added'"),
              1);
    auto approved = lastPayload("approval.approved");
    EXPECT_EQ(approved["actor"], "bob");
    EXPECT_EQ(approved["requester"], "fran");
    auto effect = lastPayload("access.grant_added");
    EXPECT_EQ(effect["approval"], r->id);
    EXPECT_EQ(effect["approved_by"], "bob");
    EXPECT_EQ(effect["requested_by"], "fran");
}

TEST_F(ApprovalEngineTest, TheRequesterCannotApproveTheirOwnRequest) {
    auto r = askGrant(alice);
    ASSERT_TRUE(r);
    expectRefused(approve(alice, r->id), policy::kApprovalSelf, 403);
    // Another account linked to the same person is the same person.
    expectRefused(approve(operatorCall("alice2", Role::securityAdmin, "p-alice"), r->id),
                  policy::kApprovalSelf, 403);
    EXPECT_EQ(state(r->id), "pending");
    EXPECT_EQ(grants(), 0);
    EXPECT_EQ(events("approval.approved"), 0);
}

TEST_F(ApprovalEngineTest, TheSubjectCannotApproveAChangeAboutThemselves) {
    auto byPerson = askGrant(fran, "p-bob");
    ASSERT_TRUE(byPerson);
    expectRefused(approve(bob, byPerson->id), policy::kApprovalSelf, 403);
    // An operator kind names the account as its subject.
    auto byName = ask(fran, {{"person", "x"}, {"zone", "z"}}, "bob");
    ASSERT_TRUE(byName);
    expectRefused(approve(operatorCall("bob", Role::securityAdmin), byName->id),
                  policy::kApprovalSelf, 403);
    EXPECT_EQ(grants(), 0);
    // Someone else may.
    ASSERT_TRUE(approve(alice, byPerson->id));
    EXPECT_EQ(grants(), 1);
}

TEST_F(ApprovalEngineTest, NobodyAsksForAChangeAboutThemselves) {
    expectRefused(askGrant(alice, "p-alice"), policy::kApprovalSelf, 403);
    expectRefused(askGrant(alice, "alice"), policy::kApprovalSelf, 403);
    EXPECT_EQ(events("approval.requested"), 0);
}

TEST_F(ApprovalEngineTest, TheApproverNeedsTheKindsRoleAndSoDoesTheRequester) {
    auto r = askGrant(alice);
    ASSERT_TRUE(r);
    expectRefused(approve(fran, r->id), policy::kApprovalRole, 403);
    expectRefused(approve(audrey, r->id), policy::kApprovalRole, 403);
    expectRefused(askGrant(audrey), policy::kApprovalRole, 403);
    expectRefused(askGrant(operatorCall("desk", Role::deskOperator)), policy::kApprovalRole, 403);
    EXPECT_EQ(state(r->id), "pending");
    EXPECT_EQ(grants(), 0);
}

TEST_F(ApprovalEngineTest, ApprovingAnExpiredRequestIs409AndRecordsTheExpiry) {
    auto r = askGrant(alice);
    ASSERT_TRUE(r);
    clock.set(r->expiresUs);
    expectRefused(approve(bob, r->id), policy::kApprovalExpiredCode, 409);
    EXPECT_EQ(state(r->id), "expired");
    EXPECT_EQ(events("approval.expired"), 1);
    EXPECT_EQ(grants(), 0);
    // Final: nothing more happens to it, and the sweep does not record it again.
    expectRefused(approve(bob, r->id), policy::kApprovalNotPending, 409);
    EXPECT_EQ(engine->sweepExpired(), 0U);
}

TEST_F(ApprovalEngineTest, TheSweepExpiresWhatIsDueOnlyWhenDue) {
    std::string staged;
    auto r = ask(alice, {{"person", "p-9"}, {"zone", "z"}}, "p-9",
                 [](core::Database& db, const ApprovalRequest& req) -> core::Result<void> {
                     auto s = db.prepare("INSERT INTO test_staged VALUES(?1, 'sealed')");
                     if (!s) {
                         return s.error();
                     }
                     s->bind(1, req.id);
                     return s->run();
                 });
    ASSERT_TRUE(r);
    EXPECT_EQ(count("SELECT count(*) FROM test_staged"), 1);
    clock.set(r->expiresUs - 1);
    EXPECT_EQ(engine->sweepExpired(), 0U);
    clock.set(r->expiresUs);
    EXPECT_EQ(engine->sweepExpired(), 1U);
    ASSERT_TRUE(runUntil(io, [&] { return recorder->flush() && events("approval.expired") == 1; }));
    EXPECT_EQ(state(r->id), "expired");
    auto p = lastPayload("approval.expired");
    EXPECT_EQ(p["id"], r->id);
    EXPECT_EQ(p["expires_us"], r->expiresUs);
    // What the domain staged for it is gone with it.
    EXPECT_EQ(count("SELECT count(*) FROM test_staged"), 0);
    ASSERT_TRUE(runUntil(io, [&] { return engine->sweepExpired() == 0; }));
    expectRefused(approve(bob, r->id), policy::kApprovalNotPending, 409);
}

TEST_F(ApprovalEngineTest, PendingExpiriesSurviveARestartOfTheEngine) {
    auto r = askGrant(alice);
    ASSERT_TRUE(r);
    policy::ApprovalEngine again(*recorder, clock);
    ASSERT_TRUE(again.migrate(*reader));
    clock.set(r->expiresUs + 1);
    EXPECT_EQ(again.sweepExpired(), 1U);
    ASSERT_TRUE(runUntil(io, [&] { return recorder->flush() && events("approval.expired") == 1; }));
}

TEST_F(ApprovalEngineTest, AnEffectThatFailsLeavesTheRequestPendingAndSaysWhy) {
    auto r = ask(alice, {{"person", "p-9"}, {"zone", "gone"}, {"fail", true}}, "p-9");
    ASSERT_TRUE(r);
    auto a = approve(bob, r->id);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, "test.zone_gone");
    EXPECT_NE(a.error().message.find("gone"), std::string::npos);
    EXPECT_EQ(policy::approvalErrorStatus(a.error()), 409);
    EXPECT_EQ(state(r->id), "pending");
    EXPECT_EQ(events("approval.approved"), 0);
    EXPECT_EQ(grants(), 0);
}

TEST_F(ApprovalEngineTest, ASecondApprovalIsRefused) {
    auto r = askGrant(alice);
    ASSERT_TRUE(r);
    ASSERT_TRUE(approve(bob, r->id));
    expectRefused(approve(operatorCall("carol", Role::securityAdmin), r->id),
                  policy::kApprovalNotPending, 409);
    expectRefused(reject(bob, r->id), policy::kApprovalNotPending, 409);
    EXPECT_EQ(grants(), 1);
    EXPECT_EQ(events("approval.approved"), 1);
}

TEST_F(ApprovalEngineTest, ConcurrentApprovalsApplyOnce) {
    auto r = askGrant(alice);
    ASSERT_TRUE(r);
    std::vector<core::Result<ApprovalRequest>> answers;
    for (const auto& by : {bob, operatorCall("carol", Role::securityAdmin)}) {
        engine->approve(by, r->id, [&](core::Result<ApprovalRequest> a) { answers.push_back(a); });
    }
    ASSERT_TRUE(runUntil(io, [&] { return answers.size() == 2; }));
    EXPECT_NE(answers[0].ok(), answers[1].ok());
    EXPECT_EQ(grants(), 1);
}

TEST_F(ApprovalEngineTest, RejectionIsFinalDropsTheStagedDataAndNeedsTheApproversRole) {
    auto r = ask(alice, {{"person", "p-9"}, {"zone", "z"}}, "p-9",
                 [](core::Database& db, const ApprovalRequest& req) -> core::Result<void> {
                     auto s = db.prepare("INSERT INTO test_staged VALUES(?1, 'sealed')");
                     if (!s) {
                         return s.error();
                     }
                     s->bind(1, req.id);
                     return s->run();
                 });
    ASSERT_TRUE(r);
    expectRefused(reject(fran, r->id), policy::kApprovalRole, 403);
    expectRefused(reject(bob, r->id, ""), policy::kApprovalBadRequest, 400);
    auto x = reject(bob, r->id, "no work order");
    ASSERT_TRUE(x) << x.error().message;
    EXPECT_EQ(x->state, "rejected");
    EXPECT_EQ(x->reason, "no work order");
    EXPECT_EQ(count("SELECT count(*) FROM test_staged"), 0);
    auto p = lastPayload("approval.rejected");
    EXPECT_EQ(p["reason"], "no work order");
    EXPECT_EQ(p["withdrawn"], false);
    EXPECT_EQ(p["actor"], "bob");
    expectRefused(approve(bob, r->id), policy::kApprovalNotPending, 409);
    EXPECT_EQ(grants(), 0);
}

TEST_F(ApprovalEngineTest, TheRequesterMayWithdrawButTheSubjectDecidesNothing) {
    auto r = askGrant(fran, "p-bob");
    ASSERT_TRUE(r);
    expectRefused(reject(bob, r->id), policy::kApprovalSelf, 403);
    auto w = reject(fran, r->id, "asked by mistake");
    ASSERT_TRUE(w);
    EXPECT_EQ(lastPayload("approval.rejected")["withdrawn"], true);
}

TEST_F(ApprovalEngineTest, AnActionNeverHoldsASecret) {
    auto r = ask(alice, {{"person", "p-9"}, {"pin", "1234"}}, "p-9");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "approval.secret_in_action");
    auto nested = ask(alice, {{"person", "p-9"}, {"finger", {{"template_b64", "AAAA"}}}}, "p-9");
    ASSERT_FALSE(nested);
    EXPECT_EQ(events("approval.requested"), 0);
}

TEST_F(ApprovalEngineTest, UnknownKindsAndIdsAreNamed) {
    auto r = wait([&](policy::ApprovalDone done) {
        engine->request(alice, "test.nothing", nlohmann::json::object(), "x", "p-1",
                        std::move(done));
    });
    expectRefused(r, policy::kApprovalUnknownKind, 400);
    expectRefused(approve(bob, "apr-99"), policy::kApprovalUnknown, 404);
    expectRefused(reject(bob, "apr-99"), policy::kApprovalUnknown, 404);
}

TEST_F(ApprovalEngineTest, PrepareRunsBeforeTheTransactionAndItsReplyReachesOnlyTheApprover) {
    policy::ApprovalKind kind;
    kind.name = "test.operator_add";
    kind.requesters = {Role::securityAdmin};
    kind.approvers = {Role::securityAdmin};
    kind.prepare = [](const ApprovalRequest&) -> core::Result<policy::ApprovalPrepared> {
        return policy::ApprovalPrepared{{{"hash", "h(one-time)"}}, {{"password", "one-time"}}};
    };
    kind.apply = [](core::Database&,
                    const ApprovalRequest& r) -> core::Result<std::vector<core::Event>> {
        if (r.prepared.value("hash", "") != "h(one-time)") {
            return core::makeError("test.unprepared", "apply ran without its preparation");
        }
        return std::vector<core::Event>{
            core::Event{0, "operator.added", "test", r.subjectPerson, R"({"name":"dora"})"}};
    };
    engine->registerKind(std::move(kind));
    auto r = wait([&](policy::ApprovalDone done) {
        engine->request(alice, "test.operator_add", {{"name", "dora"}}, "add dora", "dora",
                        std::move(done));
    });
    ASSERT_TRUE(r);
    // A refused approver gets no preparation.
    expectRefused(approve(alice, r->id), policy::kApprovalSelf, 403);
    auto a = approve(bob, r->id);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->reply["password"], "one-time");
    EXPECT_EQ(count("SELECT count(*) FROM audit_events WHERE payload LIKE '%one-time%'"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM approvals WHERE action LIKE '%one-time%'"), 0);
}

TEST_F(ApprovalEngineTest, TheSitesTtlReplacesTheKinds) {
    engine->setTtlOverride(std::chrono::seconds(5));
    auto r = askGrant(alice);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->expiresUs - r->createdUs, 5'000'000);
}

TEST_F(ApprovalEngineTest, EveryStepLeavesAnIntactChain) {
    auto a = askGrant(alice);
    auto b = askGrant(alice, "p-8");
    auto c = askGrant(alice, "p-7");
    ASSERT_TRUE(a && b && c);
    ASSERT_TRUE(approve(bob, a->id));
    ASSERT_TRUE(reject(bob, b->id));
    clock.set(c->expiresUs);
    EXPECT_EQ(engine->sweepExpired(), 1U);
    ASSERT_TRUE(runUntil(io, [&] { return recorder->flush() && events("approval.expired") == 1; }));
    auto listed = policy::ApprovalEngine::list(*reader, "", "", 10);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 3U);
    EXPECT_EQ((*listed)[0].state, "expired");  // newest first
    EXPECT_EQ((*listed)[1].state, "rejected");
    EXPECT_EQ((*listed)[2].state, "approved");
    auto pending = policy::ApprovalEngine::list(*reader, "pending", "", 10);
    ASSERT_TRUE(pending);
    EXPECT_TRUE(pending->empty());
    recorder->stop();
    core::AuditVerifyOptions v;
    v.dbPath = dbPath;
    v.nowUs = clock.nowUs();
    auto verified = core::verifyAudit(v);
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_TRUE(verified->intact());
}

TEST(ApprovalIds, OnlyCanonicalIdsParse) {
    EXPECT_EQ(policy::approvalNumber("apr-12"), 12);
    for (const char* bad : {"apr-", "apr-0", "apr-012", "apr-1x", "APR-1", "1", "apr--1"}) {
        EXPECT_FALSE(policy::approvalNumber(bad)) << bad;
    }
    EXPECT_EQ(policy::approvalId(7), "apr-7");
}

}  // namespace
